"""An expert acceptance meeting in the review store (河环发〔2023〕23号 三、(二)2): the session's
kind stored and defaulted, its criteria and bands, the import guard between applications and
self-evaluation reports, the conclusions 通过验收 / 不通过验收, and the schema upgrade that
admits them."""

from __future__ import annotations

import json
import math
import sqlite3

import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.lifecycle.intake import load_acceptance
from nzc_review.lifecycle.session import acceptance_snapshot
from nzc_review.mcda.acceptance_rules import AcceptanceRules, panel_bands
from nzc_review.mcda.recommendation import DEFAULT_BANDS
from nzc_review.meeting.documents import import_file
from nzc_review.policy.criteria import acceptance_criteria
from nzc_review.store import (
    DB_NAME,
    Actor,
    InvalidField,
    SessionRules,
    create_session,
    file_sha256,
    open_store,
)
from nzc_review.store.records import Opinion
from nzc_review.store.schema import MIGRATIONS
from nzc_review.store.validate import check_complete, check_rules
from tests.fixtures import EXAMPLES
from tests.fixtures.acceptance import (
    ACCEPTANCE_CRITERIA,
    COMMERCIAL,
    COMMERCIAL_REPORT,
    PARK,
    PARK_REPORT,
    build_acceptance,
)
from tests.fixtures.applications import FAST_DUMPER
from tests.fixtures.sessions import build_panel

OPINION = {"strengths": "按期完成建设任务。", "recommendation": "accepted"}
SCORES = dict.fromkeys(ACCEPTANCE_CRITERIA, 80)


def _stored_rules(directory) -> dict:
    conn = sqlite3.connect(directory / DB_NAME)
    try:
        return json.loads(conn.execute("SELECT rules_json FROM session").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def acc(tmp_path):
    session = build_acceptance(tmp_path / "acceptance", reports=(PARK_REPORT, COMMERCIAL_REPORT))
    yield session
    session.store.close()


# --- the kind, stored and defaulted ------------------------------------------------------------


def test_an_acceptance_session_stores_its_kind_criteria_and_bands(acc):
    stored = _stored_rules(acc.dir)
    assert stored["kind"] == "acceptance"
    assert [b["outcome"] for b in stored["bands"]] == ["accepted", "accepted", "not_accepted"]
    info = acc.store.session(acc.op)
    assert info.kind == "acceptance" and info.session_rules.is_acceptance
    assert info.session_rules.bands == panel_bands(AcceptanceRules())
    # the criteria are the catalog's, their points normalised
    catalog = acceptance_criteria()
    assert [c.id for c in info.criteria] == [c.id for c in catalog] == list(ACCEPTANCE_CRITERIA)
    assert [c.name for c in info.criteria][0] == "目标完成情况（核心指标）"
    assert [round(c.weight, 6) for c in info.criteria] == [c.weight / 100 for c in catalog]
    assert math.isclose(sum(c.weight for c in info.criteria), 1.0)


def test_a_review_session_stores_no_kind_and_a_session_without_one_is_a_review(tmp_path):
    with create_session(tmp_path / "r", name="评审会", actor=Actor.operator("t")) as store:
        info = store.session(Actor.operator("t"))
    assert "kind" not in _stored_rules(tmp_path / "r") and info.kind == "review"
    assert SessionRules.from_stored({}).kind == "review"
    assert SessionRules().bands == DEFAULT_BANDS
    # an acceptance session's rules read back the same from their stored form
    rules = SessionRules(kind="acceptance")
    assert rules.bands == panel_bands() and "acceptance" not in rules.to_dict()
    assert SessionRules.from_stored(rules.to_dict()) == rules


def test_the_acceptance_rules_set_the_bands_and_are_stored_when_not_the_defaults():
    given = {"kind": "acceptance",
             "acceptance": {"pass_score": 70, "bands": [
                 {"code": "good", "label": "良好", "lower": 80},
                 {"code": "fair", "label": "合格", "lower": 65},
                 {"code": "poor", "label": "不合格", "lower": None}]}}
    rules = check_rules(given)
    assert rules.acceptance.threshold == 70
    # at or above the pass threshold: accepted; the band below it: not accepted
    assert [(b.code, b.outcome) for b in rules.bands] == [
        ("good", "accepted"), ("fair", "not_accepted"), ("poor", "not_accepted")]
    stored = rules.to_dict()
    assert stored["acceptance"]["pass_score"] == 70
    assert SessionRules.from_stored(stored) == rules


@pytest.mark.parametrize(("given", "named"), [
    ({"kind": "meeting"}, "kind"),
    ({"acceptance": {"pass_score": 70}}, "acceptance"),  # not an acceptance session
    ({"kind": "acceptance", "acceptance": {"weights": {"core": 90}}}, "acceptance.weights"),
    ({"kind": "acceptance", "acceptance": {"bogus": 1}}, "acceptance.bogus"),
    ({"kind": "acceptance", "bands": [
        {"code": "a", "label": "A", "lower": None, "outcome": "recommend"}]}, "bands"),
    ({"bands": [{"code": "a", "label": "A", "lower": None, "outcome": "accepted"}]}, "bands"),
    ({"kind": "acceptance", "bands": [
        {"code": "a", "label": "A", "lower": 60, "outcome": "accepted"},
        {"code": "b", "label": "B", "lower": None, "outcome": "do_not_recommend"}]}, "bands"),
])
def test_a_bad_kind_or_acceptance_rule_is_named(given, named):
    with pytest.raises(InputError) as caught:
        check_rules(given)
    assert any(where.startswith(named) for where, _ in caught.value.problems), \
        caught.value.problems


def test_session_create_kind_acceptance_from_the_command_line(tmp_path, capsys):
    rules = tmp_path / "acceptance-rules.yaml"
    rules.write_text(yaml.dump({"acceptance": {"pass_score": 65}}, Dumper=FAST_DUMPER),
                     encoding="utf-8")
    folder = tmp_path / "s"
    assert main(["session", "create", str(folder), "--kind", "acceptance", "--name", "验收会",
                 "--rules", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "验收会已创建" in out and "验收要点" in out and "目标完成情况（核心指标）" in out
    stored = _stored_rules(folder)
    assert stored["kind"] == "acceptance" and stored["acceptance"]["pass_score"] == 65
    with open_store(folder) as store:
        assert store.session(Actor.operator()).session_rules.acceptance.threshold == 65


def test_a_bad_acceptance_rules_file_names_the_field_and_creates_nothing(tmp_path, capsys):
    rules = tmp_path / "bad.yaml"
    rules.write_text(yaml.dump({"acceptance": {"weights": {"core": 90}}}, Dumper=FAST_DUMPER),
                     encoding="utf-8")
    folder = tmp_path / "s"
    assert main(["session", "create", str(folder), "--kind", "acceptance", "--name", "验收会",
                 "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "acceptance.weights" in err and "Traceback" not in err
    assert not (folder / DB_NAME).exists()


# --- the import guard -------------------------------------------------------------------------


def test_an_acceptance_session_imports_self_evaluation_reports_with_their_application(acc):
    apps = {a.id: a for a in acc.store.applications(acc.op)}
    assert set(apps) == {PARK, COMMERCIAL}
    park = apps[PARK]
    assert park.name == "示例工业园区近零碳排放园区试点（示例）" and park.pilot_type == "park"
    assert park.source_name == PARK_REPORT.name
    assert park.content_sha256 == file_sha256(PARK_REPORT)
    snapshot = acc.store.application_snapshot(acc.op, PARK)
    assert snapshot["format"] == "nzc-acceptance/1"
    # the application is kept embedded: the report reads the same wherever its files went
    assert set(snapshot["application"]) == {"id", "content"}
    assert snapshot["application"]["content"]["id"] == PARK
    assert snapshot == json.loads(json.dumps(acceptance_snapshot(load_acceptance(PARK_REPORT))))
    again = import_file(acc.store, acc.op, PARK_REPORT)
    assert again.action == "unchanged"


@pytest.mark.parametrize("name", ["park-pass.yaml", "park-pass.xlsx"])
def test_an_acceptance_session_refuses_an_application_naming_the_file(acc, name):
    before = len(acc.store.events(acc.op))
    with pytest.raises(InputError) as caught:
        import_file(acc.store, acc.op, EXAMPLES / name)
    message = caught.value.message
    assert message.startswith(f"{name}: format: ")
    assert "申报文件" in message and "本验收会只导入验收自评估报告" in message
    assert len(acc.store.events(acc.op)) == before  # nothing written


def test_a_review_session_refuses_a_self_evaluation_report_naming_the_file(panel_session):
    s = panel_session
    before = {a.id for a in s.store.applications(s.op)}
    with pytest.raises(InputError) as caught:
        import_file(s.store, s.op, PARK_REPORT)
    message = caught.value.message
    assert message.startswith("park-accepted.yaml: format: ")
    assert "验收自评估报告" in message and "本评审会只导入申报文件" in message
    assert {a.id for a in s.store.applications(s.op)} == before


def test_the_store_itself_refuses_a_document_of_the_other_kind(acc, panel_session):
    from nzc_review.intake import load_application

    app = load_application(EXAMPLES / "park-pass.yaml")
    with pytest.raises(InputError, match="本验收会只导入"):
        acc.store.import_application(acc.op, app, content_sha256="1" * 64, source_name="x.yaml")
    report = acceptance_snapshot(load_acceptance(PARK_REPORT))  # what an acceptance keeps
    with pytest.raises(InputError, match="本评审会只导入"):
        panel_session.store.import_application(panel_session.op, report,
                                               content_sha256="2" * 64, source_name="y.yaml")


def test_a_disclosure_file_is_refused_by_an_acceptance_session(acc):
    disclosure = next((EXAMPLES.parent / "lifecycle" / "monitoring" / "park-steady").glob("*.yaml"))
    with pytest.raises(InputError, match="碳排放信息披露文件"):
        import_file(acc.store, acc.op, disclosure)


def test_session_import_on_the_command_line_says_which_file_was_refused(tmp_path, capsys):
    folder = tmp_path / "s"
    assert main(["session", "create", str(folder), "--kind", "acceptance", "--name", "验收会"]) == 0
    capsys.readouterr()
    assert main(["session", "import", str(folder), str(PARK_REPORT),
                 str(EXAMPLES / "park-pass.yaml")]) == 2
    captured = capsys.readouterr()
    assert "DEMO-2024-YQ-001: 新导入" in captured.out
    assert "park-pass.yaml: format: 该文件是申报文件" in captured.err
    assert "Traceback" not in captured.err


# --- the conclusions ---------------------------------------------------------------------------


def test_an_acceptance_session_takes_accepted_and_not_accepted_only(acc):
    with pytest.raises(InputError, match="accepted, not_accepted"):
        acc.store.save_draft(acc.a, PARK, opinion={"recommendation": "recommend"})
    review = acc.store.save_draft(acc.a, PARK, scores=SCORES, opinion=OPINION)
    assert review.opinion.recommendation == "accepted"
    assert review.opinion.recommendation_zh == "通过验收"
    acc.store.submit(acc.a, PARK)
    with pytest.raises(InvalidField) as caught:
        acc.store.set_consensus(acc.chair, PARK, opinion="同意。", recommendation="recommend")
    assert caught.value.code == "bad_choice"
    cons = acc.store.set_consensus(acc.chair, PARK, opinion="同意通过验收。",
                                   recommendation="not_accepted")
    assert (cons.recommendation, cons.recommendation_zh) == ("not_accepted", "不通过验收")


def test_a_review_session_refuses_the_acceptance_conclusions(panel_session):
    s = panel_session
    with pytest.raises(InputError, match="recommend, recommend_after_revision"):
        s.store.save_draft(s.a, "DEMO-2024-YQ-001", opinion={"recommendation": "accepted"})
    with pytest.raises(InvalidField):
        s.store.set_consensus(s.chair, "DEMO-2024-YQ-001", opinion="x", recommendation="accepted")


def test_an_incomplete_acceptance_review_asks_for_the_acceptance_conclusion(acc):
    info = acc.store.session(acc.op)
    missing = dict(check_complete(info.criteria, {}, None, Opinion(), info.kind))
    assert missing["opinion.recommendation"] == "choose 通过验收 or 不通过验收"
    assert "目标完成情况（核心指标）" in missing["scores"]
    acc.store.save_draft(acc.b, PARK, scores={"targets": 70})
    with pytest.raises(InputError) as caught:
        acc.store.submit(acc.b, PARK)
    assert "通过验收 or 不通过验收" in caught.value.message


# --- the schema upgrade -----------------------------------------------------------------------


def _as_schema_3(folder) -> None:
    """Rewrite a session's database as schema 3 had it: reviews and consensus whose CHECK
    admits the review's recommendations only."""
    conn = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")
    for table in ("reviews", "consensus"):
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        old = (sql.replace(",\n                                'accepted', 'not_accepted'", "")
               .replace(f"TABLE \"{table}\"", f"TABLE {table}_old", 1)
               .replace(f"TABLE {table} ", f"TABLE {table}_old ", 1))
        assert "accepted'" not in old.replace("not_accepted", "")
        conn.execute(old)
        conn.execute(f"INSERT INTO {table}_old SELECT * FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {table}_old RENAME TO {table}")
    conn.execute("CREATE INDEX reviews_by_app ON reviews (app_id)")
    conn.execute("DELETE FROM schema_version WHERE version >= 4")
    conn.execute("COMMIT")
    conn.close()


def test_a_session_of_schema_3_is_upgraded_to_take_the_acceptance_conclusions(tmp_path):
    session = build_panel(tmp_path / "s")
    session.score("a", "DEMO-2024-YQ-001", [80] * 6, recommendation="recommend")
    session.store.close()
    _as_schema_3(session.dir)
    conn = sqlite3.connect(session.dir / DB_NAME)
    with pytest.raises(sqlite3.IntegrityError):  # the old CHECK, as schema 3 had it
        conn.execute("UPDATE reviews SET recommendation = 'accepted'")
    conn.close()
    with open_store(session.dir) as store:
        assert store.session(session.op).schema_version == len(MIGRATIONS)
        assert store.verify(session.op).ok  # rows and their audited state unchanged
        review = store.my_review(session.a, "DEMO-2024-YQ-001")
        assert review.status == "submitted" and review.opinion.recommendation == "recommend"
        conn = store._conn
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'reviews_by_app'"
                            ).fetchone() is not None
    conn = sqlite3.connect(session.dir / DB_NAME)
    try:  # the new CHECK admits the acceptance conclusions and still refuses anything else
        conn.execute("UPDATE consensus SET recommendation = 'accepted'")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE reviews SET recommendation = 'approved'")
    finally:
        conn.rollback()
        conn.close()



def test_opening_a_review_session_does_not_load_the_acceptance_evaluation(tmp_path):
    import subprocess
    import sys

    with create_session(tmp_path / "r", name="评审会", actor=Actor.operator("t")):
        pass
    script = ("import sys\nfrom nzc_review.store import Actor, open_store\n"
              f"s = open_store({str(tmp_path / 'r')!r}); s.session(Actor.operator('t')); s.close()\n"
              "print('nzc_review.lifecycle.acceptance' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "False"


def test_the_export_of_an_acceptance_session_speaks_of_acceptance(acc, tmp_path):
    """The scores workbook of an acceptance meeting names its sheets and columns as the
    meeting does (验收会, 验收结论, 专家组验收意见), never as a review."""
    import openpyxl

    from nzc_review.store.export import export_workbook

    acc.store.save_draft(acc.a, PARK, scores=SCORES, opinion=OPINION)
    acc.store.submit(acc.a, PARK)
    acc.store.set_consensus(acc.chair, PARK, opinion="同意通过验收。", recommendation="accepted")
    book = openpyxl.load_workbook(export_workbook(acc.store, acc.op, tmp_path / "scores.xlsx"))
    assert {"验收会", "评分", "验收意见", "专家组意见"} <= set(book.sheetnames)
    assert "评审会" not in book.sheetnames and "评审意见" not in book.sheetnames
    scores = [c.value for c in book["评分"][1]]
    assert "验收结论" in scores and "验收版本" in scores and "推荐意见" not in scores
    panel = [c.value for c in book["专家组意见"][1]]
    assert "专家组验收意见" in panel and "验收结论" in panel and "推荐结论" not in panel
    row = {h: c.value for h, c in zip(scores, book["评分"][2], strict=True)}
    assert row["验收结论"] == "通过验收"
    words = {str(c.value) for ws in book.worksheets for r in ws.iter_rows() for c in r if c.value}
    assert not any("评审" in w for w in words), sorted(w for w in words if "评审" in w)
