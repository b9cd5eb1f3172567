"""``nzc-review programme``: the five example applications walked from registration to title
and revocation, and every refusal of the command line (exit 2, one Chinese sentence naming
the file, field or application, never a traceback)."""

from __future__ import annotations

import json
import sqlite3

import pytest
import yaml

from nzc_review.cli.main import main
from tests.fixtures import EXAMPLES
from tests.fixtures.applications import FAST_DUMPER, read_yaml
from tests.programme.helpers import BATCH, CAMPUS, COMMERCIAL, COMMUNITY, FIVE, PARK, REGION


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["programme", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return out


def refused(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 2, out
    assert "Traceback" not in err
    return err


def status(capsys, reg) -> dict[str, dict]:
    return {r["id"]: r for r in json.loads(ok(capsys, "status", reg, "--format", "json"))}


def test_the_five_examples_from_registration_to_title_and_revocation(tmp_path, capsys):
    reg, out = tmp_path / "reg", tmp_path / "out"
    ok(capsys, "init", reg, "--by", "市生态环境局")
    files = [EXAMPLES / f"{stem}.yaml" for stem, _ in FIVE.values()]
    files[3] = EXAMPLES / "campus-incomplete.xlsx"  # one workbook
    said = ok(capsys, "register", reg, *files, "--batch", BATCH, "--by", "各县（区）主管部门")
    assert "已登记 5 项申报（批次 2024年第一批）" in said and "市教育局" in said

    # 组织申报: the county returns the park; it is re-submitted with a new version of its file
    ok(capsys, "advance", reg, PARK, "--to", "县级审核退回", "--reason", "缺少近两年碳排放核算数据",
       "--by", "宜州区工业和信息化局")
    revised = tmp_path / "park-v2.yaml"
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    data["name"] = "示例工业园区近零碳排放园区试点（修改稿）"
    revised.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    assert "第 2 版" in ok(capsys, "register", reg, revised, "--batch", BATCH)
    for app_id in (PARK, COMMUNITY, REGION, CAMPUS, COMMERCIAL):
        for step in ("county_approved", "received", "under_review", "recommended"):
            ok(capsys, "advance", reg, app_id, "--to", step, "--by", "市级主管部门")

    # 项目确定: notice, an objection upheld, the others confirmed
    said = ok(capsys, "notice", reg, "--start", "2024-07-01", "--end", "2024-07-10", "--contact",
              "市生态环境局 0778-1234567", "--batch", BATCH, "--out", out, "--no-pdf")
    assert "公示 5 项申报" in said
    assert sorted(p.name for p in out.iterdir()) == [
        ".nzc-output", "programme_notice.html", "programme_notice.xlsx"]
    ok(capsys, "objection", "add", reg, REGION, "--received", "2024-07-03", "--content",
       "项目范围与申报材料不符", "--from", "某单位")
    ok(capsys, "objection", "decide", reg, "1", "--upheld", "--reason", "经核实，申报范围有误")
    said = ok(capsys, "confirm", reg, "--on", "2024-07-11", "--out", out, "--no-pdf",
              "--doc", "河环发〔2024〕30号")
    assert "正式确定 4 项，异议成立不予确定 1 项" in said
    page = (out / "programme_confirmed.html").read_text(encoding="utf-8")
    assert "示例工业园区近零碳排放园区试点（修改稿）" in page and "经核实，申报范围有误" in page

    # 建设实施, 验收, 称号; 复核 and 动态退出
    for app_id in (PARK, COMMERCIAL):
        for step in ("under_construction", "acceptance_applied", "accepted"):
            ok(capsys, "advance", reg, app_id, "--to", step)
        ok(capsys, "advance", reg, app_id, "--to", "已授予称号", "--doc", "河环函〔2026〕8号",
           "--date", "2026-12-01")
    ok(capsys, "advance", reg, COMMERCIAL, "--to", "re_review")
    ok(capsys, "advance", reg, COMMERCIAL, "--to", "revoked", "--reason",
       "连续两年碳排放总量上升，管理缺位", "--doc", "河环函〔2028〕2号")

    rows = status(capsys, reg)
    assert {a: r["status"] for a, r in rows.items()} == {
        PARK: "titled", COMMUNITY: "confirmed", REGION: "objection_upheld",
        CAMPUS: "confirmed", COMMERCIAL: "revoked"}
    assert rows[PARK]["title"] == {"name": "河池市近零碳排放园区", "date": "2026-12-01",
                                   "doc": "河环函〔2026〕8号"}
    assert rows[COMMERCIAL]["title"] is None
    assert rows[COMMERCIAL]["history"][-1]["reason"] == "连续两年碳排放总量上升，管理缺位"
    assert [h["status"] for h in rows[PARK]["history"]][:3] == [
        "submitted", "county_returned", "submitted"]
    assert rows[REGION]["history"][-1]["reason"] == "异议 1 成立：经核实，申报范围有误"
    table = ok(capsys, "status", reg, "--app", PARK)
    assert "已授予称号" in table and "缺少近两年碳排放核算数据" in table and "v2.yaml" in table
    assert "试点名录审计记录完整" in ok(capsys, "verify", reg)


@pytest.fixture
def reg(tmp_path, capsys):
    folder = tmp_path / "reg"
    ok(capsys, "init", folder)
    ok(capsys, "register", folder, EXAMPLES / "park-pass.yaml", EXAMPLES / "region-pass.yaml",
       "--batch", BATCH)
    return folder


def test_a_bad_file_names_file_and_field_and_registers_nothing(reg, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    data = read_yaml(EXAMPLES / "community-fail.yaml")
    data["pilot_type"] = "school"
    bad.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    err = refused(capsys, "register", reg, EXAMPLES / "commercial-pass.yaml", bad, "--batch",
                  BATCH)
    assert "bad.yaml: pilot_type:" in err and "1 个文件有误，未登记任何申报" in err
    assert COMMERCIAL not in status(capsys, reg)


def test_a_file_without_county_needs_the_option(reg, tmp_path, capsys):
    data = read_yaml(EXAMPLES / "campus-incomplete.yaml")
    del data["applicant"]["county"]
    bare = tmp_path / "campus.yaml"
    bare.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    err = refused(capsys, "register", reg, bare, "--batch", BATCH)
    assert err.strip() == "campus.yaml: applicant.county: 申报文件没有写县（区），请用 --county 给出"
    ok(capsys, "register", reg, bare, "--batch", BATCH, "--county", "都安瑶族自治县")
    assert status(capsys, reg)[CAMPUS]["county"] == "都安瑶族自治县"


def test_an_illegal_advance_names_the_application_its_status_and_what_may_follow(reg, capsys):
    err = refused(capsys, "advance", reg, PARK, "--to", "titled", "--doc", "x")
    assert err.strip() == (f"申报 {PARK} 当前状态为已报送（待县级审核）（submitted），不能变更为"
                           "已授予称号（titled）；可变更为：县级审核通过（county_approved）、"
                           "县级审核退回（county_returned）")
    assert "须写明理由（--reason）" in refused(capsys, "advance", reg, PARK, "--to",
                                             "county_returned")
    assert "没有名为 '通过' 的状态" in refused(capsys, "advance", reg, PARK, "--to", "通过")
    assert "中没有申报 NOPE" in refused(capsys, "advance", reg, "NOPE", "--to", "received")
    assert "'2024/07/01' 不是日期" in refused(capsys, "advance", reg, PARK, "--to",
                                             "county_approved", "--date", "2024/07/01")


def test_a_folder_that_is_no_register(tmp_path, capsys):
    err = refused(capsys, "status", tmp_path)
    assert err.strip() == f"{tmp_path}: 不是试点名录文件夹（没有 programme.sqlite）；请先用 " \
                          "nzc-review programme init 建立名录"
    ok(capsys, "init", tmp_path / "r")
    assert "已经是试点名录文件夹" in refused(capsys, "init", tmp_path / "r")


def test_a_bad_routing_file_is_named(tmp_path, capsys):
    routing = tmp_path / "routing.yaml"
    routing.write_text("region: 市生态环境局\n", encoding="utf-8")
    err = refused(capsys, "init", tmp_path / "reg", "--routing", routing)
    assert "routing.yaml: park: 缺少近零碳排放园区的市级主管部门" in err
    assert not (tmp_path / "reg").exists()


def _recommend(capsys, reg) -> None:
    for step in ("county_approved", "received", "under_review", "recommended"):
        ok(capsys, "advance", reg, PARK, "--to", step)


def test_notice_refusals(reg, tmp_path, capsys):
    out = tmp_path / "out"
    err = refused(capsys, "notice", reg, "--start", "2024-07-01", "--end", "2024-07-10",
                  "--contact", "x", "--out", out, "--no-pdf")
    assert "没有可公示的申报（须为评审推荐（recommended）、修改完善后推荐（to_revise））" in err
    _recommend(capsys, reg)
    err = refused(capsys, "notice", reg, "--start", "2024-07-10", "--end", "2024-07-01",
                  "--contact", "x", "--out", out, "--no-pdf")
    assert "公示截止日期（--end）2024-07-01 须晚于开始日期（--start）2024-07-10" in err
    err = refused(capsys, "notice", reg, "--start", "2024-07-01", "--end", "2024-07-10",
                  "--contact", "x", "--out", reg / "out", "--no-pdf")
    assert "与输入" in err and not (reg / "out").exists()
    out.mkdir()
    (out / "programme_notice.html").write_text("别人的文件", encoding="utf-8")
    err = refused(capsys, "notice", reg, "--start", "2024-07-01", "--end", "2024-07-10",
                  "--contact", "x", "--out", out, "--no-pdf")
    assert "不会覆盖" in err
    assert (out / "programme_notice.html").read_text(encoding="utf-8") == "别人的文件"
    assert status(capsys, reg)[PARK]["status"] == "recommended"  # nothing moved


def test_confirm_refusals_name_the_period_and_the_objection(reg, tmp_path, capsys):
    _recommend(capsys, reg)
    ok(capsys, "notice", reg, "--start", "2024-07-01", "--end", "2024-07-10", "--contact", "x",
       "--out", tmp_path / "out", "--no-pdf")
    err = refused(capsys, "objection", "add", reg, PARK, "--received", "2024-07-12",
                  "--content", "晚到的异议")
    assert "2024年7月12日收到的异议不在公示期内，不予登记" in err
    ok(capsys, "objection", "add", reg, PARK, "--received", "2024-07-02", "--content", "异议")
    err = refused(capsys, "confirm", reg, "--on", "2024-07-10", "--out", tmp_path / "out",
                  "--no-pdf")
    assert f"公示期尚未届满：申报 {PARK} 的公示期至 2024年7月10日，2024年7月11日起方可正式确定" in err
    assert f"异议 1（申报 {PARK}）尚未认定是否成立" in err
    assert not (tmp_path / "out" / "programme_confirmed.html").exists()
    assert status(capsys, reg)[PARK]["status"] == "in_notice"


def test_verify_names_the_edited_event(reg, capsys):
    ok(capsys, "advance", reg, PARK, "--to", "county_approved")
    db = sqlite3.connect(reg / "programme.sqlite")
    seq = db.execute("SELECT max(seq) FROM events").fetchone()[0]
    db.execute("UPDATE events SET actor_name = '别人' WHERE seq = ?", (seq,))
    db.commit()
    db.close()
    err = refused(capsys, "verify", reg)
    assert f"第 {seq} 条审计事件（状态变更" in err and "被改写或伪造" in err
    report = json.loads(run(capsys, "verify", reg, "--format", "json")[1])
    assert report["ok"] is False and report["first_broken"] == seq


def test_link_and_disclose_refusals(reg, tmp_path, capsys):
    assert "不能关联" in refused(capsys, "link", reg, tmp_path / "nowhere")
    assert "disclosure.yaml: file not found" in refused(capsys, "disclose", reg, PARK,
                                                        tmp_path / "disclosure.yaml")
