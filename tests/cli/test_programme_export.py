"""``nzc-review programme-export`` over a register built with the register's own command line
(``nzc-review programme init / register / advance / notice / confirm / disclose``), and the
overview rendered from ``open_register(..).status_rows()``; the refusals of ``programme-export``
and ``serve --programme``."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from nzc_review.cli.main import main
from nzc_review.present.programme_overview import entered_on, programme_overview
from tests.fixtures.programme_dashboard import BUREAU, PILOT, REGION_CORE, application_files


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main([*map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    """A register made by the command line: six applications, the region pilot taken through
    the notice and the confirmation to construction with its five disclosures linked."""
    root = tmp_path_factory.mktemp("programme-cli")
    folder = root / "名录"

    def run(*args) -> None:
        assert main([*map(str, args)]) == 0, args

    run("programme", "init", folder, "--by", BUREAU)
    run("programme", "register", folder, *application_files(root / "inputs"),
        "--batch", "2024年第一批", "--by", BUREAU)
    run("programme", "advance", folder, "DEMO-2024-SQ-001", "--to", "county_returned",
        "--reason", "缺少碳排放核算报告", "--by", "宜州区生态环境局")
    for status in ("county_approved", "received", "under_review"):
        run("programme", "advance", folder, "DEMO-2024-QY-001", "--to", status, "--by", BUREAU)
    for status in ("county_approved", "received", "under_review", "recommended"):
        run("programme", "advance", folder, PILOT, "--to", status, "--by", BUREAU)
    run("programme", "notice", folder, "--start", "2024-05-06", "--end", "2024-05-10",
        "--contact", "0778-0000000", "--out", root / "notice", "--no-pdf", "--by", BUREAU)
    run("programme", "confirm", folder, "--on", "2024-05-11", "--out", root / "confirmed",
        "--no-pdf", "--by", BUREAU)
    run("programme", "advance", folder, PILOT, "--to", "建设实施中", "--by", BUREAU)
    for path in sorted(REGION_CORE.glob("*.yaml")):
        run("programme", "disclose", folder, PILOT, path, "--by", BUREAU)
    return folder


def test_the_overview_of_a_register_built_by_its_commands(register):
    from nzc_review.lifecycle.linked import check_linked_disclosures
    from nzc_review.present.programme_overview import disclosure_links
    from nzc_review.programme.register import open_register

    with open_register(register) as reg:
        rows = reg.status_rows()
    entered = {r["id"]: entered_on(r["since"]) for r in rows}
    # 61 days after the applications registered (all on the same day, China time) they are
    # stalled where they wait on somebody; the pilot under construction is not
    day = entered["DEMO-2024-YQ-001"] + dt.timedelta(days=61)
    overview = programme_overview(rows, day, disclosures=check_linked_disclosures(
        disclosure_links(rows), base=register))
    days = {a.id: a.days for a in overview.applications}
    assert days == {r["id"]: (day - entered[r["id"]]).days for r in rows}
    assert {a.id for a in overview.stalled} == {"DEMO-2024-YQ-001", "DEMO-2024-SQ-001",
                                                 "DEMO-2024-QY-001", "DEMO-2024-XY-001",
                                                 "DEMO-2024-SY-001"}
    assert overview.by_status == (("已报送（待县级审核）", 3), ("县级审核退回", 1),
                                  ("专家评审中", 1), ("建设实施中", 1))
    assert overview.by_department[0] == ("市生态环境局会同市发展改革委", 3)
    pilot = overview.with_disclosure[0]
    assert pilot.id == PILOT and pilot.disclosure.level_zh == "预警"
    assert pilot.disclosure.indicators_not_met == ("QY-03 可再生能源消费比重",)
    assert len(pilot.disclosure.files) == 5
    # a day earlier nothing is stalled yet (more than 60 days)
    earlier = programme_overview(rows, day - dt.timedelta(days=1))
    assert earlier.stalled == ()


def test_programme_export_writes_every_view(register, tmp_path, capsys):
    out = tmp_path / "报表" / "试点项目总览.xlsx"
    code, text, _ = cli(capsys, "programme-export", register, "--out", out,
                        "--today", "2030-01-01", "--stall-days", "90")
    assert code == 0 and "申报项目 6 个，停滞 5 个" in text
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["说明", "申报项目"] and "信息披露与复核" in wb.sheetnames
    about = dict((r[0].value, r[1].value) for r in wb["说明"].iter_rows(min_row=2))
    assert about["统计日期"] == "2030年1月1日" and "超过 90 天" in about["停滞规则"]
    statuses = [[c.value for c in r] for r in wb["按状态"].iter_rows()]
    assert statuses[-1] == ["合计", 6] and ["已报送（待县级审核）", 3] in statuses
    disclosure = [c.value for c in next(wb["信息披露与复核"].iter_rows(min_row=2))]
    assert disclosure[0] == PILOT and disclosure[8] == "预警" and disclosure[4] == 2027
    # the tool wrote it, so it may write it again; the folder's marker says so
    assert cli(capsys, "programme-export", register, "--out", out)[0] == 0
    assert (out.parent / ".nzc-output").read_text(encoding="utf-8").strip().endswith(out.name)


def test_programme_export_refusals(register, tmp_path, capsys):
    code, _, err = cli(capsys, "programme-export", register, "--out", tmp_path / "总览.csv")
    assert code == 2 and "总览.csv" in err and "xlsx" in err
    code, _, err = cli(capsys, "programme-export", tmp_path / "无此名录", "--out",
                       tmp_path / "o.xlsx")
    assert code == 2 and "无此名录: no such folder" in err
    code, _, err = cli(capsys, "programme-export", tmp_path, "--out", tmp_path / "new" / "o.xlsx")
    assert code == 2 and "不是试点名录" in err and str(tmp_path) in err
    assert not (tmp_path / "new").exists()  # nothing made for a refused run
    code, _, err = cli(capsys, "programme-export", register, "--out", register / "总览.xlsx")
    assert code == 2 and "输入" in err and not (register / "总览.xlsx").exists()
    theirs = tmp_path / "theirs.xlsx"
    theirs.write_bytes(b"not ours")
    code, _, err = cli(capsys, "programme-export", register, "--out", theirs)
    assert code == 2 and "不会覆盖" in err and theirs.read_bytes() == b"not ours"
    rules = tmp_path / "rules.yaml"
    rules.write_text("monitor: {rising_years: 0}\n", encoding="utf-8")
    code, _, err = cli(capsys, "programme-export", register, "--out", tmp_path / "r.xlsx",
                       "--rules", rules)
    assert code == 2 and "rules.yaml: monitor.rising_years" in err
    with pytest.raises(SystemExit) as exited:
        main(["programme-export", str(register), "--out", str(tmp_path / "d.xlsx"),
              "--stall-days", "0"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit) as exited:
        main(["programme-export", str(register), "--out", str(tmp_path / "d.xlsx"),
              "--as-of", "3000"])
    assert exited.value.code == 2
    assert not any(p.suffix == ".xlsx" for p in tmp_path.iterdir() if p != theirs)


def test_serve_programme_refusals(register, tmp_path, capsys):
    code, _, err = cli(capsys, "serve", tmp_path, "--programme", register)
    assert code == 2 and "--programme" in err
    code, _, err = cli(capsys, "serve", "--programme", tmp_path / "nowhere")
    assert code == 2 and "nowhere" in err
    code, _, err = cli(capsys, "serve", "--programme", tmp_path)
    assert code == 2 and str(tmp_path) in err
