"""The review store: schema, session, experts, applications, conflicts, reviews, export, CLI."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time

import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.meeting.documents import import_file
from nzc_review.store import (
    DB_NAME,
    DEFAULT_CRITERIA,
    Actor,
    AuthenticationFailed,
    DatabaseDamaged,
    NotFound,
    Opinion,
    ReviewStore,
    SQLiteStore,
    StoreError,
    create_session,
    open_store,
    register_backend,
)
from nzc_review.store import conflicts as coi
from nzc_review.store.schema import MIGRATIONS, Migration, current_version, migrate, split_sql
from nzc_review.store.tokens import hash_token, personal_link
from tests.conftest import minimal_app
from tests.fixtures.applications import FAST_DUMPER, application
from tests.fixtures.sessions import FULL_SCORES, OPINION
from tests.fixtures.sessions import MEETING_COMMUNITY as COMMUNITY
from tests.fixtures.sessions import MEETING_PARK as PARK

# --- database, schema and migrations ------------------------------------------------------------


def test_database_settings(m):
    conn = m.store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert (m.dir / DB_NAME).is_file()
    assert stat.S_IMODE(os.stat(m.dir / DB_NAME).st_mode) == 0o600
    assert m.store.integrity_check() == "ok"
    assert isinstance(m.store, ReviewStore)


def test_schema_version_recorded(m):
    rows = m.store._conn.execute("SELECT version, description FROM schema_version").fetchall()
    assert [r[0] for r in rows] == [m.version for m in MIGRATIONS]
    assert m.store.session(m.op).schema_version == len(MIGRATIONS)


def test_migrations_apply_in_order_in_one_transaction(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    steps = [
        Migration(1, "one", "CREATE TABLE a (x); CREATE TABLE b (y);"),
        Migration(2, "two", "CREATE TABLE c (z);"),
    ]
    assert migrate(conn, steps) == 2
    assert migrate(conn, steps) == 2  # idempotent
    bad = [
        *steps,
        Migration(3, "ok", "CREATE TABLE d (w);"),
        Migration(4, "broken", "CREATE TABLE e (v); THIS IS NOT SQL;"),
    ]
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, bad)
    assert current_version(conn) == 2  # step 3 rolled back with step 4
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "d" not in tables and "e" not in tables
    with pytest.raises(StoreError, match="newer"):
        migrate(conn, steps[:1])
    with pytest.raises(StoreError, match="numbered"):
        migrate(conn, [steps[1]])


def test_split_sql_keeps_triggers_whole():
    parts = split_sql(
        "CREATE TABLE t (a); CREATE TRIGGER x BEFORE DELETE ON t BEGIN "
        "SELECT RAISE(ABORT, 'no; never'); END; "
    )
    assert len(parts) == 2 and parts[1].endswith("END;")


def test_open_store_errors(tmp_path):
    with pytest.raises(StoreError, match="not a review session folder"):
        open_store(tmp_path)
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseDamaged, match="评审数据库文件已损坏（不是 SQLite 数据库文件）"):
        open_store(tmp_path)
    with pytest.raises(StoreError, match="no review-store backend"):
        open_store("postgresql://server/db")


def test_backend_registry(tmp_path):
    calls = []
    register_backend("fake", lambda loc, **kw: calls.append(loc) or "store")
    assert open_store("fake://x") == "store" and calls == ["fake://x"]


def test_create_session_twice_refused(m):
    with pytest.raises(StoreError, match="already holds a review session"):
        create_session(m.dir, name="again")


def test_session_info_defaults(m):
    info = m.store.session(m.a)
    assert info.name == "第一批评审会" and info.batch == "2024-1" and info.date == "2024-05-20"
    assert [c.name for c in info.criteria] == [
        "建设基础",
        "目标与指标科学性",
        "主要任务与重点项目可行性",
        "特色亮点",
        "复制推广价值",
        "保障措施",
    ]
    assert sum(c.weight for c in info.criteria) == pytest.approx(1)
    assert info.rules["expert_display"] == "letters"
    rules = info.recommendation_rules()
    assert rules.grade_for(90).code == "excellent"


def test_custom_criteria_and_rules(tmp_path):
    store = create_session(
        tmp_path / "s",
        name="x",
        criteria=[{"name": "甲", "weight": 3}, {"name": "乙", "weight": 1}],
        rules={"expert_display": "names"},
    )
    info = store.session(Actor.operator())
    assert [c.weight for c in info.criteria] == [0.75, 0.25]
    with pytest.raises(InputError, match="duplicate"):
        create_session(tmp_path / "t", name="x", criteria=["甲", "甲"])
    with pytest.raises(InputError, match="unknown rule"):
        create_session(tmp_path / "u", name="x", rules={"colour": "red"})
    with pytest.raises(InputError, match="must not be empty"):
        create_session(tmp_path / "v", name="  ")
    with pytest.raises(InputError, match="bands"):
        create_session(
            tmp_path / "w",
            name="x",
            rules={"bands": [{"code": "a", "label": "A", "lower": 60, "outcome": "recommend"}]},
        )
    with pytest.raises(InputError, match="trim"):
        create_session(tmp_path / "w", name="x", rules={"trim": -1})
    bands = [
        {"code": "good", "label": "好", "lower": 70, "outcome": "recommend"},
        {"code": "bad", "label": "差", "lower": None, "outcome": "do_not_recommend"},
    ]
    info = create_session(tmp_path / "w", name="x", rules={"bands": bands}).session(
        Actor.operator()
    )
    assert info.recommendation_rules().grade_for(69).code == "bad"
    assert not (tmp_path / "t" / DB_NAME).exists()


# --- experts and tokens ------------------------------------------------------------------------


def test_tokens_stored_only_as_hash(m):
    rows = m.store._conn.execute("SELECT token_hash FROM experts").fetchall()
    assert {r[0] for r in rows} == {hash_token(t) for t in m.tokens.values()}
    raw = b"".join(p.read_bytes() for p in m.dir.glob(f"{DB_NAME}*"))
    for token in m.tokens.values():
        assert token.encode() not in raw
    events = json.dumps([e.after for e in m.store.events(m.op)])
    assert not any(hash_token(t) in events for t in m.tokens.values())


def test_authenticate(m):
    assert m.a.role == "expert" and m.a.name == "张三"
    assert m.chair.role == "chair" and m.sec.role == "secretary"
    assert len(m.tokens["a"]) == 32


def test_reset_token_revokes_old(m):
    new = m.store.reset_token(m.op, m.a.expert_id)
    assert m.store.authenticate(new.token).expert_id == m.a.expert_id
    with pytest.raises(AuthenticationFailed, match="not valid"):
        m.store.authenticate(m.tokens["a"])


def test_expert_codes_and_display(m):
    experts = m.store.experts(m.op)
    assert [e.code for e in experts] == ["专家A", "专家B", "专家C", "专家D", "秘书"]
    assert [e.name for e in m.store.experts(m.a)] == ["张三"]  # an expert sees themself


def test_add_expert_validation(m):
    with pytest.raises(InputError, match="role"):
        m.store.add_expert(m.op, name="x", organisation="y", role="boss")
    with pytest.raises(InputError, match="organisation: must not be empty"):
        m.store.add_expert(m.op, name="x", organisation="")


def test_personal_link():
    assert personal_link("abc") == (
        "http://127.0.0.1:8866/voila/render/expert_review.ipynb?token=abc"
    )
    assert personal_link("abc", "https://h/p/") == (
        "https://h/p/voila/render/expert_review.ipynb?token=abc"
    )
    assert personal_link("abc", "https://h/x.ipynb") == "https://h/x.ipynb?token=abc"


# --- applications -----------------------------------------------------------------------------


def test_import_versions(m, write_app):
    path = write_app(minimal_app("park", id="V-1", applicant={"organization": "甲单位"}))
    first = import_file(m.store, m.op, path)
    assert (first.action, first.version) == ("new", 1)
    again = import_file(m.store, m.op, path)
    assert (again.action, again.version) == ("unchanged", 1)
    same_content = write_app(
        minimal_app("park", id="V-1", applicant={"organization": "甲单位"}), name="same.json"
    )
    assert import_file(m.store, m.op, same_content).action == "unchanged"
    path = write_app(minimal_app("park", id="V-1", name="修改后", applicant={"organization": "甲"}))
    revised = import_file(m.store, m.op, path)
    assert (revised.action, revised.version) == ("revised", 2)
    assert revised.content_sha256 != first.content_sha256
    assert m.store.application_snapshot(m.op, "V-1", 1)["name"] == "测试申报"
    assert m.store.application_snapshot(m.op, "V-1")["name"] == "修改后"
    assert [v.version for v in m.store.versions(m.op, "V-1")] == [1, 2]
    app = next(a for a in m.store.applications(m.op) if a.id == "V-1")
    assert app.version == 2 and app.name == "修改后"


def test_same_content_from_excel_is_unchanged(m):
    from tests.conftest import EXAMPLES

    if not (EXAMPLES / "park-pass.xlsx").is_file():
        pytest.skip("no Excel example")
    assert import_file(m.store, m.op, EXAMPLES / "park-pass.xlsx").action == "new"
    assert import_file(m.store, m.op, EXAMPLES / "park-pass.yaml").action == "unchanged"


def test_same_data():
    from nzc_review.store.sqlite.versions import same_data

    assert same_data({"a": [6, {"b": 1.5}]}, {"a": [6.0, {"b": 1.5}]})
    assert not same_data({"a": True}, {"a": 1})
    assert not same_data({"a": 1}, {"a": 1, "b": None})
    assert not same_data([1, 2], [1])


def test_import_invalid_file(m, write_app):
    path = write_app(minimal_app("park", indicators={"YQ-03": {"target": True}}))
    with pytest.raises(InputError, match="YQ-03"):
        import_file(m.store, m.op, path)


def test_review_records_application_version(m):
    m.store.save_draft(m.a, PARK, scores={"建设基础": 70})
    m.store.import_application(
        m.op,
        application(PARK, "park", "示例园区管理委员会", name="修订版"),
        content_sha256="3" * 64,
        source_name="park-v2.yaml",
    )
    assert m.store.my_review(m.a, PARK).app_version == 1
    assert m.store.save_draft(m.a, PARK, scores={"建设基础": 71}).app_version == 2


def test_application_snapshot_needs_assignment(m):
    m.store.import_application(
        m.op, application("NEW-1", "park", "某单位"), content_sha256="4" * 64, source_name="n.yaml"
    )
    assert m.store.application_snapshot(m.a, PARK)["id"] == PARK
    with pytest.raises(StoreError, match="not assigned"):
        m.store.application_snapshot(m.a, "NEW-1")
    with pytest.raises(NotFound):
        m.store.application_snapshot(m.op, "NOPE")


# --- assignments and conflicts of interest ----------------------------------------------------


def test_assign_all_skips_secretary(m):
    pairs = {(a.expert_id, a.app_id) for a in m.store.assignments(m.op)}
    scoring = [m.a, m.b, m.c, m.chair]
    assert pairs == {(x.expert_id, app) for x in scoring for app in (PARK, COMMUNITY)}
    assert m.store.assign(m.op) == 0
    with pytest.raises(StoreError, match="does not score"):
        m.store.assign(m.op, expert_ids=[m.sec.expert_id])
    with pytest.raises(NotFound):
        m.store.assign(m.op, app_ids=["NOPE"])


def test_assignments_of_an_expert(m):
    own = m.store.assignments(m.a)
    assert {a.app_id for a in own} == {PARK, COMMUNITY}
    assert all(a.expert_id == m.a.expert_id and a.status == "not_started" for a in own)


def test_detect_conflicts():
    assert (
        coi.detect("示例园区管理委员会", None, "示例园区 管理委员会", None)[0].basis
        == "same_organization"
    )
    assert coi.detect("河池市宜州区人民政府", None, "宜州区人民政府", None)
    assert not coi.detect("河池学院", None, "广西大学", None)
    assert not coi.detect("局", None, "某某局", None)  # too short to count as contained
    assert [g.basis for g in coi.detect("甲", "宜州区", "乙", "宜州区")] == ["same_county"]
    assert not coi.detect("甲", None, "乙", "宜州区")


def test_detected_conflict_pending_then_decided(m):
    (found,) = m.store.conflicts(m.op, status="pending")
    assert (found.expert_id, found.app_id, found.kind) == (m.c.expert_id, PARK, "detected")
    assert not found.effective
    cell = m.store.progress(m.op).cell(m.c.expert_id, PARK)
    assert cell.status == "not_started" and cell.conflict_pending
    confirmed = m.store.decide_conflict(m.op, found.id, "confirm", "同一单位")
    assert confirmed.effective and confirmed.decided_by == "operator:tester"
    assert m.store.progress(m.op).cell(m.c.expert_id, PARK).status == "recused"
    waived = m.store.decide_conflict(m.sec, found.id, "waive", "已调离该单位")
    assert waived.status == "waived" and not waived.effective
    with pytest.raises(InputError, match="reason"):
        m.store.decide_conflict(m.op, found.id, "waive", " ")
    with pytest.raises(InputError, match="decision"):
        m.store.decide_conflict(m.op, found.id, "ignore", "x")


def test_conflict_detected_when_expert_added_later(m):
    new = m.store.add_expert(m.op, name="孙八", organisation="某大学", county="金城江区")
    found = [c for c in m.store.conflicts(m.op) if c.expert_id == new.expert.id]
    assert [(c.app_id, c.basis) for c in found] == [(COMMUNITY, "same_county")]


def test_declared_conflict(m):
    c = m.store.declare_conflict(m.a, COMMUNITY, "曾参与该方案编制")
    assert c.status == "declared" and c.effective
    assert m.store.declare_conflict(m.a, COMMUNITY, "again").id == c.id
    assert m.store.conflicts(m.a) == [c]
    on_behalf = m.store.declare_conflict(m.sec, PARK, "亲属任职", expert_id=m.b.expert_id)
    assert on_behalf.expert_id == m.b.expert_id and on_behalf.recorded_by.startswith("expert:")


# --- reviews ----------------------------------------------------------------------------------


def test_save_draft_partial_and_replace(m):
    r = m.store.save_draft(m.a, PARK, scores={"建设基础": 70, "targets": 65.5})
    assert r.status == "draft" and r.scores == {"foundation": 70.0, "targets": 65.5}
    assert r.total is None and r.saves == 1 and r.expert_label == "专家A"
    r = m.store.save_draft(m.a, PARK, opinion={"strengths": "好"})
    assert r.scores == {"foundation": 70.0, "targets": 65.5}  # untouched
    assert r.opinion == Opinion(strengths="好")
    r = m.store.save_draft(m.a, PARK, scores=FULL_SCORES)
    assert r.total == pytest.approx(80) and r.saves == 3


def test_weights_direct_and_pairwise(m):
    points = dict(zip([c.name for c in DEFAULT_CRITERIA], [30, 20, 20, 10, 10, 10], strict=True))
    r = m.store.save_draft(
        m.a,
        PARK,
        weights=points,
        scores={c.id: s for c, s in zip(DEFAULT_CRITERIA, [100, 0, 0, 0, 0, 0], strict=True)},
    )
    assert r.weights["normalized"]["foundation"] == pytest.approx(0.3)
    assert r.total == pytest.approx(30)
    n = len(DEFAULT_CRITERIA)
    matrix = [[1.0] * n for _ in range(n)]
    matrix[0][1], matrix[1][0] = 3.0, 1 / 3
    r = m.store.save_draft(m.a, PARK, weights={"method": "pairwise", "matrix": matrix})
    assert r.weights["method"] == "pairwise" and "cr" in r.weights
    assert sum(r.weights["normalized"].values()) == pytest.approx(1)
    r = m.store.save_draft(m.a, PARK, weights={})
    assert r.weights is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scores": {"建设基础": 101}}, "建设基础: expected a score from 0 to 100"),
        ({"scores": {"建设基础": True}}, "expected a score"),
        ({"scores": {"颜值": 50}}, "unknown criterion"),
        ({"scores": {"建设基础": float("nan")}}, "expected a score"),
        ({"weights": {"建设基础": -1}}, "points of at least 0"),
        ({"weights": {"method": "pairwise", "matrix": [[1, 2], [0.5, 1]]}}, "6 x 6"),
        ({"weights": {"method": "magic"}}, "direct or pairwise"),
        ({"opinion": {"recommendation": "maybe"}}, "recommendation"),
        ({"opinion": {"mood": "x"}}, "unknown field"),
    ],
)
def test_save_draft_validation(m, kwargs, message):
    with pytest.raises(InputError, match=message):
        m.store.save_draft(m.a, PARK, **kwargs)
    assert m.store.my_review(m.a, PARK) is None  # nothing written


def test_submit_requires_complete_review(m):
    with pytest.raises(StoreError, match="save a draft first"):
        m.store.submit(m.a, PARK)
    m.store.save_draft(
        m.a,
        PARK,
        scores={"建设基础": 80},
        opinion={"recommendation": "recommend_after_revision"},
        weights={"建设基础": 50},
    )
    with pytest.raises(InputError) as info:
        m.store.submit(m.a, PARK)
    text = str(info.value)
    assert "not scored yet: 目标与指标科学性" in text and "修改意见" in text
    assert "adding up to 100" in text
    m.store.save_draft(m.a, PARK, scores=FULL_SCORES, weights={}, opinion=OPINION)
    r = m.store.submit(m.a, PARK)
    assert r.status == "submitted" and r.submitted_at


def test_reopen_by_chair(m):
    m.complete(m.a, PARK)
    r = m.store.reopen(m.chair, m.a.expert_id, PARK, "评分与意见不一致，请复核")
    assert r.status == "draft" and r.reopen_reason == "评分与意见不一致，请复核"
    m.store.save_draft(m.a, PARK, scores={**FULL_SCORES, "foundation": 60})
    assert m.store.submit(m.a, PARK).scores["foundation"] == 60
    with pytest.raises(StoreError, match="not submitted"):
        m.store.reopen(m.chair, m.b.expert_id, PARK, "x")


def test_scores_for_after_submit(m):
    m.store.save_draft(m.b, PARK, scores=FULL_SCORES)  # a draft: not shown to experts
    m.complete(m.chair, PARK, scores={**FULL_SCORES, "foundation": 90})
    m.complete(m.a, PARK)
    seen = m.store.scores_for(m.a, PARK)
    assert {r.expert_id for r in seen} == {m.a.expert_id, m.chair.expert_id}
    assert {r.expert_label for r in seen} == {"专家A", "专家D"}


def test_progress_grid(m):
    m.store.save_draft(m.a, PARK, scores={"建设基础": 1})
    m.complete(m.b, PARK)
    m.store.declare_conflict(m.a, COMMUNITY, "x")
    grid = m.store.progress(m.chair)
    assert grid.cell(m.a.expert_id, PARK).status_zh == "草稿"
    assert grid.cell(m.b.expert_id, PARK).status_zh == "已提交"
    assert grid.cell(m.a.expert_id, COMMUNITY).status_zh == "回避"
    assert grid.cell(m.chair.expert_id, COMMUNITY).status_zh == "未开始"
    assert grid.cell(m.sec.expert_id, PARK).status == "not_assigned"
    assert grid.counts() == {"not_started": 5, "draft": 1, "submitted": 1, "recused": 1}
    own = m.store.progress(m.a)
    assert [e.id for e in own.experts] == [m.a.expert_id]


def test_save_is_fast(m):
    times = []
    for i in range(30):
        t = time.perf_counter()
        m.store.save_draft(m.a, PARK, scores={**FULL_SCORES, "foundation": i}, opinion=OPINION)
        times.append(time.perf_counter() - t)
    times.sort()
    assert times[len(times) // 2] < 0.05


# --- consensus and finalization ----------------------------------------------------------------


def test_consensus_and_finalize(m):
    for x in (m.a, m.b, m.chair):
        m.complete(x, PARK)
    with pytest.raises(StoreError, match="consensus"):
        m.store.finalize(m.chair, PARK)
    cons = m.store.set_consensus(
        m.chair,
        PARK,
        opinion="专家组一致同意推荐。",
        majority="推荐",
        minority="",
        recommendation="recommend",
    )
    assert cons.recommendation_zh == "推荐" and not hasattr(cons, "total")
    with pytest.raises(StoreError, match="conflicts of interest #1"):
        m.store.finalize(m.chair, PARK)
    m.store.decide_conflict(m.sec, 1, "confirm", "同一单位")
    app = m.store.finalize(m.chair, PARK)
    assert app.finalized and app.finalized_by == f"expert:{m.chair.expert_id}"
    assert m.store.consensus(m.a, PARK).opinion == "专家组一致同意推荐。"
    assert m.store.assignments(m.a)[-1].finalized or m.store.assignments(m.a)[0].finalized


def test_finalize_with_missing_reviews_needs_note(m):
    m.complete(m.a, COMMUNITY)
    m.store.set_consensus(m.chair, COMMUNITY, opinion="x", recommendation="do_not_recommend")
    with pytest.raises(StoreError, match="not yet submitted by 专家B, 专家C, 专家D"):
        m.store.finalize(m.chair, COMMUNITY)
    app = m.store.finalize(m.chair, COMMUNITY, note="专家B、C 因故缺席，经专家组同意")
    assert app.finalize_note.startswith("专家B")


def test_consensus_validation(m):
    with pytest.raises(InputError, match="recommendation"):
        m.store.set_consensus(m.chair, PARK, opinion="x", recommendation="yes")
    with pytest.raises(TypeError, match="total"):  # the consensus holds no score
        m.store.set_consensus(m.chair, PARK, opinion="x", recommendation=None, total=80)


# --- export -------------------------------------------------------------------------------------


def test_export_workbook(m, tmp_path):
    from openpyxl import load_workbook

    from nzc_review.store.export import export_workbook

    m.complete(m.a, PARK)
    m.store.save_draft(m.b, PARK, scores={"建设基础": 55}, opinion={"problems": "目标偏低"})
    m.store.set_consensus(m.chair, PARK, opinion="同意", recommendation="recommend")
    out = export_workbook(m.store, m.op, tmp_path / "评审结果.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "评审会",
        "评分",
        "权重",
        "评审意见",
        "专家组意见",
        "专家",
        "利益冲突",
        "申报",
    ]
    rows = list(wb["评分"].values)
    header = rows[0]
    a_row = next(r for r in rows[1:] if r[0] == PARK and r[4] == "张三")
    assert a_row[header.index("建设基础")] == 80 and a_row[header.index("推荐意见")] == "推荐"
    b_row = next(r for r in rows[1:] if r[0] == PARK and r[4] == "李四")
    assert b_row[header.index("状态")] == "草稿" and b_row[header.index("建设基础")] == 55
    opinions = list(wb["评审意见"].values)
    assert any(r[5] == "目标偏低" for r in opinions)
    consensus = {r[0]: r for r in list(wb["专家组意见"].values)[1:]}
    assert consensus[PARK][3] == "同意" and consensus[PARK][6] == "推荐"
    assert consensus[PARK][-2:] == (1, 1)  # the version the consensus judged, the round
    assert consensus[COMMUNITY][3] is None
    assert not any(t in str(list(wb["专家"].values)) for t in m.tokens.values())
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(StoreError, match="xlsx"):
        export_workbook(m.store, m.op, tmp_path / "x.csv")


# --- command line ---------------------------------------------------------------------------


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_flow(tmp_path, capsys, write_app):
    d = str(tmp_path / "meeting")
    code, out, _ = _run(capsys, "session", "create", d, "--name", "第一批", "--batch", "2024-1")
    assert code == 0 and "评审会已创建" in out
    code, _, err = _run(capsys, "session", "create", d, "--name", "again")
    assert code == 2 and "already holds" in err and "Traceback" not in err

    code, out, _ = _run(
        capsys,
        "expert",
        "add",
        d,
        "--name",
        "张三",
        "--org",
        "某园区管委会",
        "--role",
        "expert",
        "--base-url",
        "https://review.example.org",
    )
    assert code == 0
    assert "https://review.example.org/voila/render/expert_review.ipynb?token=" in out
    token = out.split("token: ")[1].split()[0]
    assert open_store(d).authenticate(token).name == "张三"
    code, out, _ = _run(
        capsys,
        "expert",
        "add",
        d,
        "--name",
        "李四",
        "--org",
        "广西大学",
        "--role",
        "chair",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and data["expert"]["role"] == "chair"
    assert [link["link"].split("?")[0].rsplit("/", 1)[1] for link in data["links"]] == [
        "chair_dashboard.ipynb",
        "explorer.ipynb",
    ]
    code, _, err = _run(capsys, "expert", "add", d, "--name", "x", "--org", "", "--role", "expert")
    assert code == 2 and "organisation" in err

    good = write_app(minimal_app("park", id="APP-1", applicant={"organization": "某园区管委会"}))
    bad = write_app({**minimal_app("park", id="APP-2"), "pilot_type": "farm"}, name="bad.yaml")
    code, out, err = _run(capsys, "session", "import", d, str(good), str(bad))
    assert code == 2 and "APP-1: 新导入" in out and "conflict #1" in out and "bad.yaml" in err
    code, out, _ = _run(capsys, "session", "assign", d, "--all")
    assert code == 0 and "1 new" in out  # the chair does not score (rule chair_scores)
    code, _, err = _run(capsys, "session", "assign", d)
    assert code == 2 and "--all" in err

    code, out, _ = _run(capsys, "coi", d, "list")
    assert code == 0 and "待确认" in out
    with pytest.raises(SystemExit) as exit_info:  # argparse: --reason is required
        main(["coi", d, "confirm", "1"])
    assert exit_info.value.code == 2 and "--reason" in capsys.readouterr().err
    code, out, _ = _run(capsys, "coi", d, "confirm", "1", "--reason", "同一单位")
    assert code == 0 and "已确认" in out
    code, _, err = _run(capsys, "coi", d, "waive", "99", "--reason", "x")
    assert code == 2 and "#99" in err

    code, out, _ = _run(capsys, "session", "status", d)
    assert code == 0 and "回避" in out and "APP-1" in out and "李四" not in out
    code, out, _ = _run(capsys, "session", "status", d, "--format", "json")
    assert json.loads(out)["counts"] == {"not_started": 0, "draft": 0, "submitted": 0, "recused": 1}

    xlsx = tmp_path / "out.xlsx"
    code, out, _ = _run(capsys, "session", "export", d, str(xlsx))
    assert code == 0 and xlsx.is_file()
    code, _, err = _run(capsys, "session", "export", d, str(tmp_path / "no" / "out.xlsx"))
    assert code == 2 and "no such folder" in err

    code, out, _ = _run(capsys, "expert", "list", d)
    assert code == 0 and "张三" in out
    code, out, _ = _run(capsys, "expert", "token", d, "1")
    assert code == 0 and "token=" in out
    code, out, _ = _run(capsys, "audit", "verify", d)
    assert code == 0 and "审计记录完整" in out
    code, out, _ = _run(capsys, "audit", "log", d, "--limit", "3")
    assert code == 0 and len(out.strip().splitlines()) == 3


def test_cli_bad_dir(tmp_path, capsys):
    for argv in (
        ("session", "status", str(tmp_path)),
        ("audit", "verify", str(tmp_path)),
        ("coi", str(tmp_path), "list"),
        ("session", "import", str(tmp_path), "x.yaml"),
    ):
        code, _, err = _run(capsys, *argv)
        assert code == 2 and "not a review session folder" in err


def test_cli_criteria_file(tmp_path, capsys):
    crit = tmp_path / "criteria.yaml"
    crit.write_text(
        yaml.dump(
            [{"id": "a", "name": "甲", "weight": 60}, {"id": "b", "name": "乙", "weight": 40}],
            allow_unicode=True,Dumper=FAST_DUMPER),
        encoding="utf-8",
    )
    code, out, _ = _run(
        capsys,
        "session",
        "create",
        str(tmp_path / "s"),
        "--name",
        "x",
        "--criteria",
        str(crit),
        "--display",
        "names",
    )
    assert code == 0 and "甲、乙" in out
    info = SQLiteStore(tmp_path / "s").session(Actor.operator())
    assert info.rules["expert_display"] == "names" and info.criteria[0].weight == 0.6
