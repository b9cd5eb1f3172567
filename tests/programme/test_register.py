"""The register: rows of the shared contract, the whole history of each application, files
copied (never moved), counties, re-submission, disclosures, and the audit chain that names an
edit made behind the register's back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from nzc_review.errors import InputError
from nzc_review.programme import (
    NotAProgramme,
    ProgrammeError,
    TransitionRefused,
    create_register,
    open_register,
    read_submission,
)
from nzc_review.programme.database import KEY_ENV
from tests.fixtures import EXAMPLES, ROOT
from tests.fixtures.applications import FAST_DUMPER, read_yaml
from tests.programme.helpers import (
    BATCH,
    CAMPUS,
    FIVE,
    PARK,
    REGION,
    TO_RECOMMENDED,
    example,
    register_five,
    walk,
)

CONTRACT_KEYS = {"id", "name", "pilot_type", "county", "department", "status", "status_label",
                 "since", "history", "disclosures", "sessions", "title"}
HISTORY_KEYS = {"status", "status_label", "at", "by", "doc", "reason"}


@pytest.fixture
def reg(tmp_path):
    register = register_five(tmp_path / "reg")
    yield register
    register.close()


def test_rows_follow_the_contract_and_route_each_type(reg):
    rows = {r["id"]: r for r in reg.status_rows()}
    assert list(rows) == [app_id for _, app_id in FIVE.values()]  # order of registration
    for pilot_type, (_, app_id) in FIVE.items():
        row = rows[app_id]
        assert CONTRACT_KEYS <= set(row) and row["pilot_type"] == pilot_type
        assert row["status"] == "submitted" and row["status_label"] == "已报送（待县级审核）"
        assert set(row["history"][0]) >= HISTORY_KEYS and row["history"][0]["by"] == "秘书"
        assert row["since"] == row["history"][-1]["at"] and row["since"].endswith("Z")
        assert row["title"] is None and row["disclosures"] == [] and row["sessions"] == []
        assert row["batch"] == BATCH
    assert rows[PARK]["department"] == "市工业和信息化局"
    assert rows[REGION]["department"] == "市生态环境局会同市发展改革委"
    assert rows[CAMPUS]["department"] == "市教育局"
    assert rows[PARK]["county"] == "宜州区" and rows[REGION]["county"] == "金城江区"
    assert rows[PARK]["applicant"] == "示例工业园区管理委员会（示例）"


def test_every_transition_is_kept_with_who_when_document_and_reason(reg):
    walk(reg, PARK, TO_RECOMMENDED[:2], by="宜州区生态环境局")
    row = reg.advance(PARK, "专家评审中", by="市工业和信息化局", doc="河工信函〔2024〕5号",
                      date="2024-05-20", at="2024-05-21T08:00:00+08:00")
    assert [h["status"] for h in row["history"]] == [
        "submitted", "county_approved", "received", "under_review"]
    last = row["history"][-1]
    assert last == {"status": "under_review", "status_label": "专家评审中",
                    "at": "2024-05-21T00:00:00.000000Z", "by": "市工业和信息化局",
                    "doc": "河工信函〔2024〕5号", "reason": None, "date": "2024-05-20"}
    assert row["history"][1]["by"] == "宜州区生态环境局"


def test_an_illegal_advance_changes_nothing(reg):
    before = reg.row(PARK)
    with pytest.raises(TransitionRefused, match="当前状态为已报送（待县级审核）.*可变更为：县级审核通过"):
        reg.advance(PARK, "titled", by="x", doc="文号")
    assert reg.row(PARK) == before
    with pytest.raises(ProgrammeError, match="没有申报 NOPE"):
        reg.advance("NOPE", "received", by="x")
    with pytest.raises(ProgrammeError, match="文件日期（--date）：'2024-13-01' 不是日期"):
        reg.advance(PARK, "county_approved", by="x", date="2024-13-01")
    with pytest.raises(ProgrammeError, match="经办（--by）：不能为空"):
        reg.advance(PARK, "county_approved", by=" ")
    assert reg.row(PARK) == before


def test_the_file_is_copied_never_moved_and_each_version_kept(reg, tmp_path):
    source = tmp_path / "park.yaml"
    source.write_bytes(example("park-pass").read_bytes())
    reg.advance(PARK, "county_returned", by="宜州区", reason="缺少碳排放核算支撑材料")
    data = read_yaml(source)
    data["name"] = "示例工业园区近零碳排放园区试点（修改稿）"
    source.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    row = reg.register([read_submission(source)], batch=BATCH, by="园区管委会")[0]
    assert source.is_file()
    assert row["status"] == "submitted" and row["version"] == 2
    assert row["name"] == "示例工业园区近零碳排放园区试点（修改稿）"
    assert [h["status"] for h in row["history"]] == ["submitted", "county_returned", "submitted"]
    assert row["history"][1]["reason"] == "缺少碳排放核算支撑材料"
    assert "第 2 版" in row["history"][2]["reason"]
    versions = reg.versions(PARK)
    assert [v["file"] for v in versions] == [f"files/{PARK}/v1.yaml", f"files/{PARK}/v2.yaml"]
    assert (reg.folder / versions[0]["file"]).read_bytes() == example("park-pass").read_bytes()
    assert (reg.folder / versions[1]["file"]).read_bytes() == source.read_bytes()


def test_only_a_returned_application_is_registered_again(reg):
    with pytest.raises(InputError) as caught:
        reg.register([read_submission(example("park-pass"))], batch=BATCH, by="x")
    assert caught.value.problems[0][0] == "id" and "只有县级审核退回的申报" in str(caught.value)
    assert str(caught.value).startswith("park-pass.yaml: id: ")
    reg.advance(PARK, "county_returned", by="x", reason="退回")
    with pytest.raises(InputError, match="park-pass.yaml: id: .*属于批次 2024年第一批"):
        reg.register([read_submission(example("park-pass"))], batch="2025年第一批", by="x")


def test_the_county_comes_from_the_file_or_the_option(tmp_path):
    data = read_yaml(example("park-pass"))
    del data["applicant"]["county"]
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    reg = create_register(tmp_path / "reg", by="x")
    with pytest.raises(InputError) as caught:
        reg.register([read_submission(bare)], batch=BATCH, by="x")
    assert str(caught.value) == "bare.yaml: applicant.county: 申报文件没有写县（区），请用 --county 给出"
    with pytest.raises(InputError, match="region-pass.yaml: applicant.county: 申报文件写的是 金城江区"):
        reg.register([read_submission(example("region-pass"))], batch=BATCH, by="x",
                     county="宜州区")
    assert reg.status_rows() == []  # all or none
    rows = reg.register([read_submission(bare)], batch=BATCH, by="x", county="南丹县")
    assert rows[0]["county"] == "南丹县"


def test_one_id_twice_in_one_registration_is_refused(tmp_path):
    reg = create_register(tmp_path / "reg", by="x")
    with pytest.raises(InputError, match=r"park-pass.xlsx: id: 申报 DEMO-2024-YQ-001 已在 park-pass.yaml 中"):
        reg.register([read_submission(EXAMPLES / "park-pass.yaml"),
                      read_submission(EXAMPLES / "park-pass.xlsx")], batch=BATCH, by="x")
    assert not (reg.folder / "files").exists()


def test_a_folder_without_a_register_is_named(tmp_path):
    with pytest.raises(NotAProgramme, match=f"{tmp_path}: 不是试点名录文件夹"):
        open_register(tmp_path)
    create_register(tmp_path / "reg", by="x").close()
    with pytest.raises(ProgrammeError, match="已经是试点名录文件夹"):
        create_register(tmp_path / "reg", by="x")


def _disclosure(tmp_path: Path, pilot: str) -> Path:
    source = ROOT / "examples" / "lifecycle" / "monitoring" / "park-steady" / "2023.yaml"
    data = read_yaml(source)
    data["pilot"]["id"] = pilot
    out = tmp_path / f"{pilot}-2023.yaml"
    out.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    return out


def test_a_disclosure_is_linked_once_the_pilot_is_confirmed(reg, tmp_path):
    file = _disclosure(tmp_path, PARK)
    with pytest.raises(ProgrammeError, match="尚不能关联年度碳排放信息披露（须为正式确定为试点"):
        reg.link_disclosure(PARK, file, by="x")
    with pytest.raises(InputError, match=f"{REGION}-2023.yaml: pilot.id: 披露文件属于试点 {REGION}"):
        reg.link_disclosure(PARK, _disclosure(tmp_path, REGION), by="x")
    walk(reg, PARK, TO_RECOMMENDED)  # the notice and the confirmation, without their documents
    reg.db.write(lambda tx: reg.transition(tx, PARK, "in_notice", by="x", via="notice"), by="x")
    reg.db.write(lambda tx: reg.transition(tx, PARK, "confirmed", by="x", via="confirm"), by="x")
    row = reg.link_disclosure(PARK, file, by="园区管委会")
    assert row["disclosures"] == [str(reg.folder / f"disclosures/{PARK}/1-2023.yaml")]
    assert Path(row["disclosures"][0]).read_bytes() == file.read_bytes() and file.is_file()


def test_the_audit_chain_is_whole_and_names_an_edited_event(reg):
    walk(reg, PARK, TO_RECOMMENDED)
    check = reg.verify()
    assert check.ok and check.events > 10 and check.head.startswith(f"{check.events}:")
    db = sqlite3.connect(reg.db.path)
    seq, after = db.execute("SELECT seq, after FROM events WHERE entity = '状态变更' "
                            "ORDER BY seq DESC LIMIT 1").fetchone()
    forged = json.loads(after) | {"by": "别人"}
    db.execute("UPDATE events SET after = ? WHERE seq = ?", (json.dumps(forged), seq))
    db.commit()
    db.close()
    check = reg.verify()
    assert not check.ok and check.first_broken == seq
    assert any(s == seq and f"第 {seq} 条审计事件（状态变更" in m and "被改写或伪造" in m
               for s, m in check.problems)


def test_a_row_changed_behind_the_registers_back_is_named(reg):
    walk(reg, PARK, ("county_approved",))
    db = sqlite3.connect(reg.db.path)
    tid = db.execute("SELECT max(id) FROM transitions").fetchone()[0]
    db.execute("UPDATE transitions SET status = 'confirmed' WHERE id = ?", (tid,))
    db.execute("DELETE FROM versions WHERE app_id = ?", (REGION,))
    db.commit()
    db.close()
    found = [m for _, m in reg.verify().problems]
    assert any(m.startswith(f"状态变更 {tid} 与其最后审计状态") for m in found)
    assert any(m.startswith(f"申报版本 {REGION}/1 已被删除") for m in found)


def test_a_removed_event_breaks_the_chain_at_the_next(reg):
    db = sqlite3.connect(reg.db.path)
    db.execute("DELETE FROM events WHERE seq = 5")
    db.commit()
    db.close()
    check = reg.verify()
    assert check.first_broken == 6 and "之前应为第 5 条" in check.problems[0][1]


def test_no_change_without_the_right_key(reg, tmp_path, monkeypatch):
    other = create_register(tmp_path / "other", by="x")  # made with its own key
    other.close()
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "other" / "audit.key"))
    again = open_register(reg.folder)
    with pytest.raises(ProgrammeError, match="不是本名录的审计密钥"):
        again.advance(PARK, "county_approved", by="x")
    assert not again.verify().ok
    again.close()


def test_a_damaged_database_is_named(tmp_path):
    create_register(tmp_path / "reg", by="x").close()
    (tmp_path / "reg" / "programme.sqlite").write_bytes(b"garbage" * 2000)
    with pytest.raises(ProgrammeError, match="programme.sqlite: 试点名录数据库无法读取或已损坏"):
        open_register(tmp_path / "reg")
