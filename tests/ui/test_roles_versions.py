"""The review meeting at full strength, without a browser: who does what (the chair who does
not score, the secretary who sees progress but no score, the analyst), finalizing (refused with
an empty consensus, confirmed first on the dashboard, read-only after, its report followed),
the dashboard following the store, Chinese messages only, the explorer over the session's
applications, and the revision round (a finalized 修改完善后推荐 accepts a revised version as
the next round; the closed round is kept whole)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.meeting.documents import import_file
from nzc_review.store import (
    Actor,
    InvalidField,
    PermissionDenied,
    StoreError,
    chair_scores,
    create_session,
    open_store,
)
from nzc_review.store.schema import MIGRATIONS
from nzc_review.store.tokens import role_links
from tests.conftest import EXAMPLES
from tests.fixtures.applications import FAST_DUMPER, read_yaml

PARK = "DEMO-2024-YQ-001"
ENGLISH = re.compile(r"[A-Za-z]{3,}")
SCORES = [80, 82, 84, 86, 88, 90]


def _text(html: str) -> str:
    """What a person reads of a widget's HTML: no style sheet, no tags, no link targets."""
    return re.sub(r"<[^>]+>", "", re.sub(r"<style>.*?</style>", "", html, flags=re.S)).strip()


class Meeting:
    """A session with the default rules: experts A, B, C, the chair, the secretary, an
    analyst; the park example imported and assigned."""

    def __init__(self, folder: Path, **rules):
        self.dir = folder
        self.op = Actor.operator("tester")
        self.store = create_session(folder, name="近零碳试点评审会", date="2024-06-30",
                                    rules=rules or None, actor=self.op)
        self.people: dict[str, Actor] = {}
        self.tokens: dict[str, str] = {}
        for key, org, role in (("a", "广西大学", "expert"), ("b", "河池学院", "expert"),
                               ("c", "自治区环科院", "expert"), ("chair", "广西科学院", "chair"),
                               ("sec", "河池市生态环境局", "secretary"),
                               ("ana", "市发展研究中心", "analyst")):
            new = self.store.add_expert(self.op, name=f"{key}某", organisation=org, role=role)
            self.tokens[key] = new.token
            self.people[key] = self.store.authenticate(new.token)
        import_file(self.store, self.op, EXAMPLES / "park-pass.yaml")
        self.store.assign(self.op)

    def __getattr__(self, key: str) -> Actor:
        people = self.__dict__.get("people", {})
        if key in people:
            return people[key]
        raise AttributeError(key)

    def submit(self, who: str, recommendation: str = "recommend_after_revision",
               scores=SCORES) -> None:
        crit = [c.id for c in self.store.session(self.op).criteria]
        self.store.save_draft(
            self.people[who], PARK, scores=dict(zip(crit, scores, strict=True)),
            opinion={"strengths": f"（{who}）基础较好。", "problems": "投资测算依据不足。",
                     "revisions": "【五、重点项目】补充余热利用项目可研。",
                     "recommendation": recommendation})
        self.store.submit(self.people[who], PARK)

    def finalize(self, recommendation: str = "recommend_after_revision") -> None:
        self.store.set_consensus(
            self.chair, PARK,
            opinion="【修改意见】\n1. 【五、重点项目】补充余热利用项目投资测算依据。",
            recommendation=recommendation)
        self.store.finalize(self.chair, PARK)


@pytest.fixture
def m(tmp_path):
    meeting = Meeting(tmp_path / "session")
    yield meeting
    meeting.store.close()


def _revised(tmp_path: Path, name: str = "park-v2.yaml", target: float = 18) -> Path:
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    data["indicators"]["YQ-03"]["target"] = target
    data["key_projects"].append({
        "name": "余热余压回收利用二期", "content": "回收余热发电", "owner": "园区管委会",
        "start_year": 2025, "end_year": 2026, "investment_10k_cny": 1800,
        "expected_reduction_tco2_per_year": 6000})
    path = tmp_path / name
    path.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    return path


# --- roles ----------------------------------------------------------------------------------


def test_the_chair_does_not_score_by_default_and_never_blocks_finalizing(m):
    assert m.store.session(m.op).rules["chair_scores"] is False
    codes = {e.role: e.code for e in m.store.experts(m.op)}
    assert codes["chair"] == "组长" and codes["secretary"] == "秘书" and codes["analyst"] == "分析人员"
    assert [e.code for e in m.store.experts(m.op) if e.role == "expert"] == ["专家A", "专家B", "专家C"]
    grid = m.store.progress(m.chair)
    assert m.chair.expert_id not in {e.id for e in grid.experts}
    assert grid.counts()["not_started"] == 3  # three experts, not four
    with pytest.raises(PermissionDenied) as denied:
        m.store.save_draft(m.chair, PARK, scores={"foundation": 80})
    assert denied.value.code == "chair_not_scoring"
    with pytest.raises(StoreError) as refused:
        m.store.assign(m.op, expert_ids=[m.chair.expert_id])
    assert refused.value.code == "not_a_scorer" and "chair_scores" in str(refused.value)
    for who in "abc":
        m.submit(who)
    m.finalize()  # every expert submitted: no note needed, the chair is not missing
    assert m.store.applications(m.op)[0].finalized


def test_the_chair_scores_when_the_session_says_so(tmp_path):
    meeting = Meeting(tmp_path / "s", chair_scores=True)
    try:
        grid = meeting.store.progress(meeting.op)
        assert meeting.chair.expert_id in {e.id for e in grid.experts}
        assert grid.cell(meeting.chair.expert_id, PARK).status_zh == "未开始"
        for who in "abc":
            meeting.submit(who)
        meeting.store.set_consensus(meeting.chair, PARK, opinion="同意。",
                                    recommendation="recommend")
        with pytest.raises(StoreError) as missing:
            meeting.store.finalize(meeting.chair, PARK)
        assert missing.value.code == "missing_reviews" and missing.value.details["missing"] == (
            "专家D",)
    finally:
        meeting.store.close()


def test_the_rule_is_checked_and_older_sessions_keep_their_scoring_chair():
    from nzc_review.store import default_rules
    from nzc_review.store.validate import check_rules

    assert chair_scores({}) is True  # a session made before the rule: its chair scored
    assert chair_scores(default_rules()) is False
    with pytest.raises(InputError, match="chair_scores"):
        check_rules({**default_rules(), "chair_scores": "no"})


def test_the_secretary_sees_progress_but_no_score_before_finalizing(m):
    m.submit("a")
    grid = m.store.progress(m.sec)
    assert grid.cell(m.a.expert_id, PARK).status == "submitted"  # who has submitted
    for read in (lambda: m.store.reviews(m.sec, PARK), lambda: m.store.scores_for(m.sec, PARK)):
        with pytest.raises(PermissionDenied) as denied:
            read()
        assert denied.value.code == "scores_hidden"
    assert m.store.reviews(m.sec) == []  # all reviews: those of open applications left out
    events = [e for e in m.store.events(m.sec) if e.entity == "review"]
    assert events and all(e.before is None and e.after is None for e in events)
    assert any(e.after for e in m.store.events(m.chair) if e.entity == "review")
    for who in "bc":
        m.submit(who)
    m.finalize()
    assert len(m.store.reviews(m.sec, PARK)) == 3  # finalized: the results are open to read
    assert m.store.finalized_figures(m.sec, PARK) is not None


def test_the_analyst_reads_the_applications_and_nothing_of_the_reviews(m):
    m.submit("a")
    assert [a.id for a in m.store.applications(m.ana)] == [PARK]
    assert m.store.application_snapshot(m.ana, PARK)["id"] == PARK
    assert [e.role for e in m.store.experts(m.ana)] == ["analyst"]
    for call, code in ((lambda: m.store.reviews(m.ana, PARK), "role"),
                       (lambda: m.store.scores_for(m.ana, PARK), "blind_review"),
                       (lambda: m.store.consensus(m.ana, PARK), "blind_review"),
                       (lambda: m.store.save_draft(m.ana, PARK, scores={}), "role"),
                       (lambda: m.store.assign(m.ana), "role")):
        with pytest.raises(PermissionDenied) as denied:
            call()
        assert denied.value.code == code
    assert m.ana.expert_id not in {e.id for e in m.store.progress(m.op).experts}


def test_each_role_gets_the_links_of_its_pages(tmp_path, capsys):
    base = "http://10.0.0.5:8866"
    pages = {role: [url.split("?")[0].rsplit("/", 1)[1] for _, url in role_links("t" * 32, role,
                                                                                    base)]
             for role in ("expert", "chair", "secretary", "analyst")}
    assert pages == {"expert": ["expert_review.ipynb"],
                     "chair": ["chair_dashboard.ipynb", "explorer.ipynb"],
                     "secretary": ["chair_dashboard.ipynb"], "analyst": ["explorer.ipynb"]}
    full = role_links("t" * 32, "chair", f"{base}/voila/render/expert_review.ipynb")
    assert full[0][1] == f"{base}/voila/render/chair_dashboard.ipynb?token={'t' * 32}"

    d = str(tmp_path / "meeting")
    assert main(["session", "create", d, "--name", "评审会"]) == 0
    capsys.readouterr()
    outputs = {}
    for role in ("chair", "secretary", "analyst"):
        assert main(["expert", "add", d, "--name", f"{role}人", "--org", "单位", "--role", role,
                     "--base-url", base]) == 0
        outputs[role] = capsys.readouterr().out
    assert f"组长看板 chair dashboard: {base}/voila/render/chair_dashboard.ipynb?token=" in \
        outputs["chair"]
    assert "expert_review" not in outputs["chair"] and "explorer.ipynb?token=" in outputs["chair"]
    assert "chair_dashboard.ipynb?token=" in outputs["secretary"]
    assert "explorer.ipynb?token=" in outputs["analyst"]
    token = outputs["analyst"].split("token: ")[1].split()[0]
    with open_store(d) as store:
        assert store.authenticate(token).role == "analyst"


# --- finalizing --------------------------------------------------------------------------


def test_finalizing_is_refused_without_a_written_consensus(m):
    for who in "abc":
        m.submit(who)
    with pytest.raises(StoreError) as none:
        m.store.finalize(m.chair, PARK)
    assert none.value.code == "no_consensus"
    m.store.set_consensus(m.chair, PARK, opinion=" \n ", recommendation="recommend")
    with pytest.raises(StoreError) as empty:
        m.store.finalize(m.chair, PARK)
    assert empty.value.code == "empty_consensus" and "empty" in str(empty.value)
    assert not m.store.applications(m.op)[0].finalized


def test_the_consensus_names_the_version_it_judged(m, tmp_path):
    for who in "abc":
        m.submit(who)
    m.store.set_consensus(m.chair, PARK, opinion="同意。", recommendation="recommend")
    assert m.store.consensus(m.chair, PARK).app_version == 1
    import_file(m.store, m.op, _revised(tmp_path))  # a new version while the round is open
    with pytest.raises(StoreError) as stale:
        m.store.finalize(m.chair, PARK)
    assert stale.value.code == "consensus_version"
    assert stale.value.details == {"consensus_version": 1, "version": 2}
    m.store.set_consensus(m.chair, PARK, opinion="已核对第 2 版。", recommendation="recommend")
    assert m.store.consensus(m.chair, PARK).app_version == 2
    assert m.store.finalize(m.chair, PARK).version == 2


# --- the revision round ---------------------------------------------------------------------


def test_a_revised_version_opens_the_next_round_after_recommend_after_revision(m, tmp_path):
    for who in "abc":
        m.submit(who)
    m.finalize("recommend_after_revision")
    kept = m.store.finalized_figures(m.op, PARK)
    result = import_file(m.store, m.op, _revised(tmp_path))
    assert (result.action, result.version, result.round, result.new_round) == (
        "revised", 2, 2, True)
    app = m.store.applications(m.op)[0]
    assert (app.status, app.version, app.round) == ("open", 2, 2)
    assert m.store.reviews(m.chair, PARK) == [] and m.store.consensus(m.chair, PARK) is None
    assert m.store.finalized_figures(m.op, PARK) is None
    assert m.store.progress(m.chair).cell(m.a.expert_id, PARK).status == "not_started"
    (closed,) = m.store.rounds(m.op, PARK)
    assert (closed.round, closed.app_version, closed.recommendation) == (
        1, 1, "recommend_after_revision")
    assert closed.consensus.app_version == 1 and "余热利用" in closed.consensus.opinion
    assert [r["scores"]["foundation"] for r in closed.reviews] == [80, 80, 80]
    assert closed.figures["figures"] == dict(kept.figures)
    assert m.store.verify(m.op).ok
    # the second round: the experts review version 2, the chair finalizes with 推荐
    for who in "abc":
        m.submit(who, "recommend", scores=[88] * 6)
    m.store.set_consensus(m.chair, PARK, opinion="修改稿已落实修改意见，同意推荐。",
                          recommendation="recommend")
    assert m.store.finalize(m.chair, PARK).version == 2
    assert all(r.app_version == 2 for r in m.store.reviews(m.chair, PARK))
    # the same file again changes nothing; another revision is refused: it was 推荐 now
    assert import_file(m.store, m.op, _revised(tmp_path)).action == "unchanged"
    with pytest.raises(PermissionDenied) as refused:
        import_file(m.store, m.op, _revised(tmp_path, "park-v3.yaml", target=20))
    assert refused.value.code == "not_revisable" and "修改完善后推荐" in str(refused.value)
    assert m.store.verify(m.op).ok


def test_the_revision_round_on_the_command_line(m, tmp_path, capsys):
    for who in "abc":
        m.submit(who)
    m.finalize("do_not_recommend")
    d = str(m.dir)
    capsys.readouterr()
    assert main(["session", "import", d, str(_revised(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "park-v2.yaml" in err and "修改完善后推荐" in err and "Traceback" not in err
    assert m.store.applications(m.op)[0].version == 1  # nothing imported


def test_finalize_revise_import_and_compare_end_to_end(tmp_path, capsys):
    """The whole round on the command line: the revised file becomes version 2 of a new round,
    and ``revision`` lists what changed against the consensus of round 1."""
    d = str(tmp_path / "meeting")
    assert main(["session", "create", d, "--name", "评审会"]) == 0
    for name, role in (("甲", "expert"), ("乙", "expert"), ("丙", "chair")):
        assert main(["expert", "add", d, "--name", name, "--org", f"{name}单位", "--role",
                     role]) == 0
    assert main(["session", "import", d, str(EXAMPLES / "park-pass.yaml")]) == 0
    assert main(["session", "assign", d, "--all"]) == 0
    capsys.readouterr()
    store = open_store(d)
    people = {e.name: e for e in store.experts(Actor.operator())}
    crit = [c.id for c in store.session(Actor.operator()).criteria]
    # tokens are not kept: act as the stored people do, through new tokens
    actors = {n: store.authenticate(store.reset_token(Actor.operator(), e.id).token)
              for n, e in people.items()}
    for n in ("甲", "乙"):
        store.save_draft(actors[n], PARK, scores=dict.fromkeys(crit, 75),
                         opinion={"recommendation": "recommend_after_revision",
                                  "revisions": "【五、重点项目】补充项目。"})
        store.submit(actors[n], PARK)
    store.set_consensus(actors["丙"], PARK, recommendation="recommend_after_revision",
                        opinion="【修改意见】\n1. 【五、重点项目】补充余热利用项目。\n"
                                "2. 【七、保障措施】落实配套资金。")
    store.finalize(actors["丙"], PARK)
    store.close()
    assert main(["session", "import", d, str(_revised(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "version 2" in out and "第 2 轮评审" in out
    assert main(["revision", d, PARK]) == 0
    out = capsys.readouterr().out
    for text in ("第 1 版 → 第 2 版", "YQ-03", "余热余压回收利用二期", "已修改", "未见修改",
                 "第 1 轮评审对第 1 版的专家组意见"):
        assert text in out, text
    assert main(["revision", d, PARK, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["status"] for c in data["checks"]] == ["addressed", "not_addressed"]
    assert [v["version"] for v in data["versions"]] == [1, 2]


# --- the schema upgrade ----------------------------------------------------------------------


def _as_schema_2(folder: Path) -> None:
    """Rewrite a session's database as schema 2 had it (no analyst in the experts' CHECK, no
    consensus version, no closed rounds), the way SQLite rebuilds a table."""
    conn = sqlite3.connect(folder / "review.sqlite", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")
    conn.execute("DROP TABLE review_rounds")
    conn.execute("ALTER TABLE consensus DROP COLUMN app_version")
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'experts'").fetchone()[0]
    conn.execute(sql.replace(", 'analyst'", "").replace('"experts"', "experts_old", 1)
                 .replace("TABLE experts ", "TABLE experts_old ", 1))
    conn.execute("INSERT INTO experts_old SELECT * FROM experts")
    conn.execute("DROP TABLE experts")
    conn.execute("ALTER TABLE experts_old RENAME TO experts")
    conn.execute("DELETE FROM schema_version WHERE version >= 3")
    conn.execute("COMMIT")
    conn.close()


def test_a_session_of_schema_2_is_upgraded_and_its_audit_trail_still_holds(tmp_path):
    op = Actor.operator("tester")
    store = create_session(tmp_path / "s", name="旧评审会", actor=op)
    a = store.authenticate(store.add_expert(op, name="甲", organisation="甲单位").token)
    import_file(store, op, EXAMPLES / "park-pass.yaml")
    store.assign(op)
    store.save_draft(a, PARK, scores={"foundation": 70})
    store.close()
    _as_schema_2(tmp_path / "s")
    with open_store(tmp_path / "s") as store:
        assert store.session(op).schema_version == len(MIGRATIONS)
        assert store.verify(op).ok  # the experts' rows and their audited state unchanged
        new = store.add_expert(op, name="分析员", organisation="研究中心", role="analyst")
        assert new.expert.id == a.expert_id + 1 and store.verify(op).ok
        conn = store._conn
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_an_upgrade_that_would_break_references_is_refused(tmp_path):
    from nzc_review.store.schema import Migration, migrate

    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    steps = [Migration(1, "one", "CREATE TABLE p (id INTEGER PRIMARY KEY);"
                                 "CREATE TABLE c (p INTEGER REFERENCES p (id));"
                                 "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);")]
    migrate(conn, steps)
    broken = [*steps, Migration(2, "drops a parent row", "DELETE FROM p;", rebuilds=True)]
    with pytest.raises(StoreError, match="references"):
        migrate(conn, broken)
    assert conn.execute("SELECT count(*) FROM p").fetchone()[0] == 1  # rolled back
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # switched on again


# --- Chinese messages at the edge ------------------------------------------------------------


def _refusals():
    from nzc_review.store import DENIAL_REASONS_ZH, DatabaseDamaged, NotFound, StoreBusy
    from nzc_review.ui.refusals import STORE_CODES_ZH

    details = {"missing": ("专家B",), "conflicts": (3, 4), "consensus_version": 1,
               "version": 2, "expert": "赵某", "role": "chair"}
    yield from (PermissionDenied("x (expert #1, chair)", "finalize", "application A",
                                 "it is not allowed", code) for code in DENIAL_REASONS_ZH)
    yield from (StoreError("english words here", code=code, **details)
                for code in STORE_CODES_ZH)
    yield from (InvalidField(field, code, "english words here", limit=2000)
                for field in ("reason", "note", "opinion") for code in
                ("empty", "too_long", "not_text", "bad_choice"))
    yield from (StoreBusy("database is locked"), DatabaseDamaged("file is damaged"),
                NotFound("no application 'X'"), StoreError("something else entirely"),
                StoreError("details lacking", code="missing_reviews"),
                InputError("field", "english words"), ValueError("english words"))


@pytest.mark.parametrize("exc", list(_refusals()), ids=lambda e: f"{type(e).__name__}")
def test_every_refusal_reads_as_chinese(exc):
    from nzc_review.ui.refusals import refusal_zh

    text = refusal_zh(exc, "定稿")
    assert text and not ENGLISH.search(text), text


def test_refusals_name_what_the_error_names():
    from nzc_review.ui.refusals import refusal_zh

    missing = StoreError("x", code="missing_reviews", missing=("专家B", "专家C"))
    assert refusal_zh(missing, "定稿").startswith("专家B、专家C 尚未提交评审")
    assert refusal_zh(InvalidField("reason", "empty", "must not be empty"), "退回") == \
        "退回理由不能为空，未能退回。"
    assert "#3、#4" in refusal_zh(StoreError("x", code="pending_conflicts", conflicts=(3, 4)))


# --- the chair's dashboard ---------------------------------------------------------------


@pytest.fixture
def board_env(m, monkeypatch):
    monkeypatch.setenv("NZC_SESSION_DIR", str(m.dir))
    return m


def _board(m, actor=None, started=None):
    from nzc_review.ui.chair import ChairDashboard

    store = open_store(m.dir)
    who = store.authenticate(m.tokens["chair"]) if actor is None else actor
    calls = started if started is not None else []
    return ChairDashboard(store, who, refresh_seconds=0,
                          on_finalized=lambda app: calls.append(app) or True)


def test_finalizing_asks_first_then_the_dashboard_is_read_only(board_env):
    m = board_env
    for who in "abc":
        m.submit(who)
    started = []
    board = _board(m, started=started)
    assert board.app_select.value == PARK and "专家A" in board.consensus_text.value
    board.recommendation.value = "recommend_after_revision"
    board.finalize_button.click()  # asks; nothing is locked yet
    assert board.confirm_box.layout.display != "none"
    assert _text(board.confirm_text.value) == (
        f"将锁定申报 {PARK}（示例工业园区近零碳排放园区试点（示例））的全部评审与专家组意见，"
        "定稿后不可修改。确认定稿？")
    assert not m.store.applications(m.op)[0].finalized
    board.cancel_finalize()
    assert board.confirm_box.layout.display == "none"
    board.finalize_button.click()
    board.confirm_box.children[1].children[0].click()  # 确认定稿
    app = m.store.applications(m.op)[0]
    assert app.finalized and started == [PARK]
    # the consensus on the screen was saved first, with the version it judged
    consensus = m.store.consensus(m.op, PARK)
    assert consensus.recommendation == "recommend_after_revision" and consensus.app_version == 1
    assert "已定稿并锁定" in board.message.value
    for widget in (board.consensus_text, board.majority, board.minority, board.recommendation,
                   board.save_button, board.reopen_button, board.finalize_button,
                   board.reopen_reason, board.finalize_note):
        assert widget.disabled, widget
    assert "定稿（第 1 版），全部评审与专家组意见已锁定" in board.banner.value
    assert "已定稿" in board.app_select.options[0][0]
    assert board.ask_finalize() is False and "已定稿" in board.message.value


def test_an_empty_consensus_is_refused_in_chinese(board_env):
    m = board_env
    board = _board(m)
    board.consensus_text.value = "   "
    assert board.ask_finalize() is False
    assert board.confirm_box.layout.display == "none"
    text = _text(board.message.value)
    assert "专家组意见为空，不能定稿" in text and not ENGLISH.search(text)
    assert board.finalize() is False and not m.store.applications(m.op)[0].finalized


def test_what_the_store_refuses_is_said_in_chinese(board_env):
    m = board_env
    m.submit("a")
    board = _board(m)
    board.reopen_expert.value = m.a.expert_id
    board.reopen_reason.value = " "
    assert board.reopen() is False
    assert _text(board.message.value) == "退回理由不能为空，未能退回。"
    board.recommendation.value = "recommend"
    assert board.finalize() is False  # 专家B and 专家C have not submitted, no note
    text = _text(board.message.value)
    assert "专家B、专家C 尚未提交评审" in text and not ENGLISH.search(text), text
    m.store.set_consensus(m.chair, PARK, opinion="x", recommendation="recommend")
    m.store.finalize(m.chair, PARK, note="专家组同意")  # finalized elsewhere meanwhile
    board.consensus_text.value = "改一下"
    assert board.save_consensus() is False
    text = _text(board.message.value)
    assert text == "不能保存专家组意见：该申报评审已定稿，不可修改。", text


def test_the_dashboard_follows_submissions_and_reopenings(board_env):
    m = board_env
    m.submit("a")
    board = _board(m)
    assert "已提交 1 位" in board.stats.value
    assert [v for _, v in board.reopen_expert.options] == [m.a.expert_id]
    assert "（专家A）" in board.consensus_text.value and "（专家B）" not in board.consensus_text.value

    writes = []
    for widget in (board.grid, board.stats, board.chart, board.consensus_text):
        widget.observe(lambda change, writes=writes: writes.append(change["owner"]),
                       names="value")
    assert board.poll() is False and writes == []  # nothing changed: no widget written

    m.submit("b")  # expert B submits while the chair looks
    assert board.poll() is True
    assert "已提交 2 位" in board.stats.value
    assert [v for _, v in board.reopen_expert.options] == [m.a.expert_id, m.b.expert_id]
    assert "（专家B）" in board.consensus_text.value  # the untouched draft follows
    assert "已提交" in board.grid.value

    board.consensus_text.value += "\n专家组认为基础较好。"  # the chair writes
    m.submit("c")
    board.poll()
    assert "（专家C）" not in board.consensus_text.value  # the chair's text is kept …
    assert "未自动替换" in board.candidates.value  # … and the new opinions are offered
    assert board.refill_button.layout.display != "none"
    board.refill()
    assert "（专家C）" in board.consensus_text.value

    m.store.reopen(m.chair, m.b.expert_id, PARK, "请复核评分")  # reopened elsewhere
    board.poll()
    assert [v for _, v in board.reopen_expert.options] == [m.a.expert_id, m.c.expert_id]
    assert "已提交 2 位" in board.stats.value


def test_the_secretary_sees_progress_then_results(board_env):
    m = board_env
    m.submit("a")
    board = _board(m, actor=open_store(m.dir).authenticate(m.tokens["sec"]))
    assert board.editor.layout.display == "none" and board.results.layout.display == "none"
    assert "已提交 1 / 3 位专家" in _text(board.banner.value)
    assert board.stats.value == "" and board.figures is None
    assert "专家A" in board.grid.value and "已提交" in board.grid.value
    for who in "bc":
        m.submit(who)
    m.finalize()
    board.poll()
    assert board.results.layout.display != "none" and "专家组评分" in board.stats.value


def test_the_report_state_is_followed_to_a_download_link(board_env, tmp_path):
    from nzc_review.meeting.opinion.report_status import read_status, start_report, status_file
    from nzc_review.ui.chair import report_html

    m = board_env
    for who in "abc":
        m.submit(who)
    m.finalize()
    reports = m.dir / "reports"
    pdf = b"%PDF-1.7 test report"

    def fine(session_dir, app_ids, out):
        (Path(out) / app_ids[0]).mkdir(parents=True, exist_ok=True)
        (Path(out) / app_ids[0] / "opinion.pdf").write_bytes(pdf)
        return [type("R", (), {"status": "ok", "outputs": {"pdf": f"{app_ids[0]}/opinion.pdf"},
                               "reason": None})()]

    def broken(session_dir, app_ids, out):
        return [type("R", (), {"status": "failed", "outputs": {},
                               "reason": "运行超时（超过 300 秒）"})()]

    board = _board(m)
    assert "尚未生成" in board.report.value and board.report_button.layout.display != "none"
    start_report(m.dir, PARK, 1, render=broken, background=False)
    board.poll()
    assert _text(board.report.value) == "专家组评审意见报告生成失败：运行超时（超过 300 秒）。"
    start_report(m.dir, PARK, 1, render=fine, background=False)
    board.poll()
    link = re.search(r"href='data:application/pdf;base64,([^']+)'", board.report.value)
    assert link and __import__("base64").b64decode(link.group(1)) == pdf
    assert "下载专家组评审意见（PDF" in board.report.value
    assert board.report_button.layout.display == "none"
    # a running record of a process that is gone reads as failed; another version as none
    record = json.loads(status_file(reports, PARK).read_text(encoding="utf-8"))
    status_file(reports, PARK).write_text(json.dumps({**record, "state": "running",
                                                      "pid": 2 ** 22 + 7}), encoding="utf-8")
    assert read_status(reports, PARK, 1).state == "failed"
    assert read_status(reports, PARK, 2).state == "none"
    # a ready record pointing outside the reports folder is not followed
    outside = tmp_path / "elsewhere.pdf"
    outside.write_bytes(pdf)
    status_file(reports, PARK).write_text(json.dumps({**record, "pdf": str(outside)}),
                                          encoding="utf-8")
    assert read_status(reports, PARK, 1).state == "none"
    status_file(reports, PARK).write_text(json.dumps({**record, "pdf": "../elsewhere.pdf"}),
                                          encoding="utf-8")
    assert read_status(reports, PARK, 1).state == "none"
    assert "尚未生成" in report_html(read_status(reports, PARK, 1))


def test_the_dashboard_follows_a_new_round(board_env, tmp_path):
    m = board_env
    for who in "abc":
        m.submit(who)
    m.finalize()
    board = _board(m)
    assert board.consensus_text.disabled
    import_file(m.store, m.op, _revised(tmp_path))
    board.poll()
    assert "第 2 轮，第 2 版" in board.app_select.options[0][0]
    assert "第 2 轮评审（修改完善后的第 2 版）" in board.banner.value
    assert not board.consensus_text.disabled and board.stats.value.count("尚无专家提交评分") == 1


def test_chair_dashboard_refuses_other_links(board_env):
    from nzc_review.ui.chair import chair_dashboard

    for key in ("a", "ana"):
        text = _text(chair_dashboard(board_env.tokens[key]).value)
        assert "不是组长或秘书的链接" in text and PARK not in text


# --- the explorer over the session ---------------------------------------------------------


def test_the_explorer_serves_the_sessions_applications(board_env):
    from nzc_review.ui.explorer import explorer_panel

    m = board_env
    for key in ("chair", "ana"):
        widget = explorer_panel("../examples/applications", m.tokens[key])
        pick = widget.children[1]
        assert [v for _, v in pick.options] == [PARK], key  # not the bundled examples
    for key, text in (("a", "仅向组长和分析人员开放"), ("sec", "仅向组长和分析人员开放")):
        assert text in explorer_panel(None, m.tokens[key]).value
    assert "个人访问令牌" in explorer_panel(None, None).value


def test_the_explorer_speaks_chinese(board_env):
    from nzc_review.ui.explorer import Explorer, session_applications

    m = board_env
    apps, evaluations = session_applications(m.store, m.chair)
    explorer = Explorer(apps, evaluations)
    explorer.whatif_app.value = PARK
    code = next(c for _, c in explorer.whatif_code.options
                if isinstance(apps[0].indicators.get(c) and apps[0].indicators[c].target, bool))
    explorer.whatif_code.value = code
    explorer.whatif_value.value = "否"
    text = _text(explorer.run_what_if())
    assert "核心指标门槛" in text and "→ 否" in text
    for english in ("True", "False", "fail", "pass", "incomplete"):
        assert english not in text, text
    assert "True" not in _text(explorer.compare.value) and "False" not in _text(
        explorer.compare.value)
    assert code
