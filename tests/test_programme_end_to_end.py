"""The pilot programme from end to end (河环发〔2023〕23号 三、实施步骤), as the bureau, the
counties, the experts and the chair run it: the command line for the register and the
sessions, the panels' widget objects for scoring and finalizing — no browser, no kernel.

The five example applications are registered; the county returns the park (with its reason)
and it is re-submitted; all are approved by their counties and received by their departments.
A review session is created, imported and linked to the register; three experts score every
application in the expert's form and submit; the chair finalizes each in the dashboard, and
the register follows the consensus on its own (评审推荐 / 修改完善后推荐 / 评审不推荐). The
public notice is published with its period and contact, one objection is upheld and one
rejected, and the pilots are confirmed the day after the period. A yearly disclosure is linked.
An acceptance meeting (``session create --kind acceptance``) takes the self-evaluation reports
of two confirmed pilots; its experts score the acceptance criteria in the same form, the chair
finalizes, and the register moves them to 通过验收 / 未通过验收. The bureau awards the title
(``--to titled --doc``); the other pilot, accepted after rectification and titled, is re-reviewed
and its title revoked with the reason.

Asserted: every application's history (statuses in order, who, which document), the audit
chain (``programme verify``), and that the numbers of the acceptance opinion (验收意见) are the
panel's figures, recomputed here from the scores the experts typed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from nzc_review.cli.main import main
from tests.fixtures import EXAMPLES, ROOT

pytestmark = pytest.mark.slow

BATCH = "2024年第一批"
PARK, COMMUNITY, REGION = "DEMO-2024-YQ-001", "DEMO-2024-SQ-001", "DEMO-2024-QY-001"
CAMPUS, COMMERCIAL = "DEMO-2024-XY-001", "DEMO-2024-SY-001"
FILES = {PARK: "park-pass", COMMUNITY: "community-fail", REGION: "region-pass",
         CAMPUS: "campus-incomplete", COMMERCIAL: "commercial-pass"}
REVIEW_NAME = "2024年第一批近零碳排放区试点评审会"
ACCEPTANCE_NAME = "2027年近零碳排放区试点验收会"
REVIEW_BY = f"评审会“{REVIEW_NAME}”"
ACCEPTANCE_BY = f"验收会“{ACCEPTANCE_NAME}”"
CITY = "市生态环境局"
#: The panel: three experts who score, the chair who presides and finalizes.
PANEL = (("a", "张三", "广西大学", "expert"), ("b", "李四", "河池学院", "expert"),
         ("c", "王五", "自治区环境科学研究院", "expert"), ("chair", "赵六", "广西科学院", "chair"))
EXPERTS = ("a", "b", "c")

#: The review: each expert's scores (the six default criteria, in order) and recommendation,
#: and the chair's consensus — the conclusion the register must follow.
REVIEW = {
    PARK: ("recommend", {"a": (88, 85, 90, 86, 84, 88), "b": (82, 80, 85, 90, 86, 80),
                         "c": (90, 88, 86, 84, 88, 92)}),
    REGION: ("recommend", {"a": (80, 82, 78, 76, 80, 84), "b": (78, 80, 82, 80, 76, 80),
                           "c": (84, 86, 80, 78, 82, 86)}),
    COMMERCIAL: ("recommend", {"a": (76, 78, 80, 82, 78, 76), "b": (80, 76, 78, 80, 82, 78),
                               "c": (78, 80, 76, 78, 80, 82)}),
    CAMPUS: ("recommend_after_revision", {"a": (70, 66, 72, 74, 70, 68),
                                          "b": (68, 70, 66, 72, 74, 70),
                                          "c": (72, 68, 70, 66, 68, 72)}),
    COMMUNITY: ("do_not_recommend", {"a": (52, 48, 55, 50, 46, 54), "b": (50, 52, 48, 56, 50, 48),
                                     "c": (46, 50, 52, 48, 54, 50)}),
}
#: Where the consensus leaves each application in the register.
AFTER_REVIEW = {PARK: "recommended", REGION: "recommended", COMMERCIAL: "recommended",
                CAMPUS: "to_revise", COMMUNITY: "not_recommended"}
#: The acceptance meeting: each expert's scores of the five acceptance criteria (in the order
#: of ``policy/catalog/acceptance_criteria.yaml``) and conclusion; then the consensus.
ACCEPTANCE = {
    PARK: ("accepted", {"a": (92, 86, 80, 88, 84), "b": (85, 90, 78, 82, 88),
                        "c": (88, 84, 86, 90, 80)}),
    COMMERCIAL: ("not_accepted", {"a": (50, 45, 70, 72, 60), "b": (55, 50, 66, 70, 58),
                                  "c": (48, 52, 68, 74, 62)}),
}


# --- the command line ------------------------------------------------------------------------


def cli(capsys, *argv: object) -> str:
    """Run ``nzc-review ARGV`` in-process; it must succeed. Its standard output."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, f"nzc-review {' '.join(map(str, argv))} → {code}\n{err}"
    assert "Traceback" not in err
    return out


def programme(capsys, *argv: object) -> str:
    return cli(capsys, "programme", *argv)


def rows(capsys, reg: Path) -> dict[str, dict]:
    """``programme status --format json``, by application id."""
    return {r["id"]: r for r in json.loads(programme(capsys, "status", reg, "--format", "json"))}


def add_panel(capsys, session: Path) -> dict[str, str]:
    """``expert add`` for every member of :data:`PANEL`; their tokens by key."""
    tokens = {}
    for key, name, org, role in PANEL:
        said = json.loads(cli(capsys, "expert", "add", session, "--name", name, "--org", org,
                              "--role", role, "--format", "json"))
        tokens[key] = said["token"]
    return tokens


# --- the panels (widget objects, no kernel) --------------------------------------------------


def _text(html: str) -> str:
    """What a person reads of a panel's HTML."""
    return re.sub(r"\s+", " ", re.sub(r"<style>.*?</style>|<[^>]+>", "", html, flags=re.S))


class _Later:
    """The panels' scheduler, never firing: saves happen on submit."""

    def __init__(self, delay, callback):
        pass

    def cancel(self):
        pass


def score_in_forms(monkeypatch, session: Path, tokens: dict[str, str], plan: dict) -> None:
    """Every expert opens their form, scores each application of ``plan`` and submits."""
    from nzc_review.ui.common import open_session
    from nzc_review.ui.expert import ExpertPanel

    monkeypatch.setenv("NZC_SESSION_DIR", str(session))
    for who in EXPERTS:
        store, actor = open_session(tokens[who])
        assert store is not None, actor
        panel = ExpertPanel(store, actor, schedule=_Later, poll=None)
        criteria = [c.id for c in store.session(actor).criteria]
        for app_id, (choice, by_expert) in plan.items():
            panel.app_select.value = app_id
            boxes = panel.score_inputs
            assert list(boxes) == criteria  # the scores of the plan are in this order
            for box, value in zip(boxes.values(), by_expert[who], strict=True):
                box.value = str(value)
            panel.strengths.value = f"专家{who.upper()}：建设基础与成效说明清楚。"
            if choice == "recommend_after_revision":
                panel.revisions.value = "补充完善可再生能源利用目标的测算依据。"
            panel.recommendation.value = choice
            review = panel.submit()
            assert review is not None and review.status == "submitted", panel.message.value
        store.close()


def finalize_on_dashboard(monkeypatch, session: Path, token: str, plan: dict) -> dict[str, str]:
    """The chair writes each consensus on the dashboard and finalizes; what the dashboard said
    of each (the register's move is part of it)."""
    from nzc_review.ui.chair import ChairDashboard
    from nzc_review.ui.common import open_session

    monkeypatch.setenv("NZC_SESSION_DIR", str(session))
    store, chair = open_session(token)
    board = ChairDashboard(store, chair, refresh_seconds=0, schedule=lambda delay, f: None,
                           on_finalized=lambda app: False)  # the report notebook is not run
    said = {}
    for app_id, (conclusion, _) in plan.items():
        board.app_select.value = app_id
        board.consensus_text.value = f"专家组意见：{app_id} 经审议形成结论。"
        board.recommendation.value = conclusion
        assert board.finalize() is True, board.message.value
        said[app_id] = board.message.value
    store.close()
    return said


# --- the walk --------------------------------------------------------------------------------


def _revised_park(folder: Path) -> Path:
    """The park's application as re-submitted after the county's return (a new version)."""
    data = yaml.safe_load((EXAMPLES / "park-pass.yaml").read_text(encoding="utf-8"))
    data["name"] = "示例工业园区近零碳排放园区试点（修改稿）"
    path = folder / "park-v2.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _park_report(folder: Path, application: Path) -> Path:
    """The park's self-evaluation report (the bundled example), naming the re-submitted
    application the register holds."""
    source = ROOT / "examples" / "lifecycle" / "acceptance" / "park-accepted.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["application"]["file"] = application.name
    path = folder / "park-acceptance.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _disclosure(folder: Path, pilot: str) -> Path:
    """A yearly carbon disclosure (``nzc-disclosure/1``) of ``pilot``."""
    source = ROOT / "examples" / "lifecycle" / "monitoring" / "park-steady" / "2025.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["pilot"]["id"] = pilot
    path = folder / f"{pilot}-2025.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_five_applications_from_registration_to_title_and_revocation(tmp_path, capsys,
                                                                        monkeypatch):
    reg, out = tmp_path / "reg", tmp_path / "out"
    review, acceptance = tmp_path / "review", tmp_path / "acceptance"

    # 1 组织申报: registered, the park returned by its county and re-submitted
    programme(capsys, "init", reg, "--by", CITY)
    programme(capsys, "register", reg, *(EXAMPLES / f"{f}.yaml" for f in FILES.values()),
              "--batch", BATCH, "--by", "各县（区）主管部门")
    programme(capsys, "advance", reg, PARK, "--to", "县级审核退回", "--reason",
              "缺少近两年碳排放核算数据", "--by", "宜州区工业和信息化局")
    park_v2 = _revised_park(tmp_path)
    assert "第 2 版" in programme(capsys, "register", reg, park_v2, "--batch", BATCH,
                                  "--by", "示例工业园区管理委员会")
    for app_id in FILES:
        programme(capsys, "advance", reg, app_id, "--to", "county_approved", "--doc",
                  f"县审〔2024〕{app_id[-5:]}号", "--date", "2024-04-02", "--by", "县级主管部门")
        programme(capsys, "advance", reg, app_id, "--to", "received", "--by", "市级主管部门")
    assert {r["status"] for r in rows(capsys, reg).values()} == {"received"}

    # 2 专家评审: a review session linked to the register; experts score in their forms
    cli(capsys, "session", "create", review, "--name", REVIEW_NAME, "--date", "2024-06-30",
        "--batch", BATCH)
    tokens = add_panel(capsys, review)
    files = [park_v2] + [EXAMPLES / f"{FILES[a]}.yaml" for a in FILES if a != PARK]
    cli(capsys, "session", "import", review, *files)
    cli(capsys, "session", "assign", review, "--all")
    linked = programme(capsys, "link", reg, review, "--by", CITY)
    assert f"已关联评审会“{REVIEW_NAME}”" in linked
    assert {r["status"] for r in rows(capsys, reg).values()} == {"under_review"}
    score_in_forms(monkeypatch, review, tokens, REVIEW)
    said = finalize_on_dashboard(monkeypatch, review, tokens["chair"], REVIEW)
    labels = {"recommended": "评审推荐", "to_revise": "修改完善后推荐",
              "not_recommended": "评审不推荐"}
    for app_id, status in AFTER_REVIEW.items():
        assert f"已记入试点名录：申报 {app_id} → {labels[status]}" in said[app_id]
    assert {a: r["status"] for a, r in rows(capsys, reg).items()} == AFTER_REVIEW

    # 3 项目确定: notice with period and contact, one objection upheld, one rejected, confirm
    noticed = programme(capsys, "notice", reg, "--start", "2024-07-01", "--end", "2024-07-10",
                        "--contact", "市生态环境局 0778-1234567", "--doc", "河环公示〔2024〕5号",
                        "--out", out, "--no-pdf", "--by", CITY)
    assert "公示 4 项申报（2024-07-01 至 2024-07-10）" in noticed
    page = (out / "programme_notice.html").read_text(encoding="utf-8")
    assert "市生态环境局 0778-1234567" in page and "2024年7月10日" in page
    assert COMMUNITY not in page and all(a in page for a in (PARK, REGION, CAMPUS, COMMERCIAL))
    programme(capsys, "objection", "add", reg, REGION, "--received", "2024-07-03", "--content",
              "项目范围与申报材料不符", "--from", "某单位")
    programme(capsys, "objection", "add", reg, CAMPUS, "--received", "2024-07-10", "--content",
              "校园用能数据存疑")
    programme(capsys, "objection", "decide", reg, "1", "--upheld", "--reason", "经核实，申报范围有误",
              "--by", CITY)
    programme(capsys, "objection", "decide", reg, "2", "--rejected", "--reason",
              "用能数据经核查属实", "--by", CITY)
    confirmed = programme(capsys, "confirm", reg, "--on", "2024-07-11", "--doc", "河环发〔2024〕30号",
                          "--out", out, "--no-pdf", "--by", CITY)
    assert "正式确定 3 项，异议成立不予确定 1 项" in confirmed

    # 4 建设实施: a yearly disclosure linked to the park
    disclosed = programme(capsys, "disclose", reg, PARK, _disclosure(tmp_path, PARK),
                          "--by", "示例工业园区管理委员会")
    assert f"已为 {PARK} 关联年度碳排放信息披露" in disclosed
    for app_id in (PARK, COMMERCIAL):
        programme(capsys, "advance", reg, app_id, "--to", "under_construction", "--by", CITY)

    # 5 验收评价: an acceptance meeting of the park and the mall, linked to the register
    cli(capsys, "session", "create", acceptance, "--kind", "acceptance", "--name",
        ACCEPTANCE_NAME, "--date", "2027-05-10")
    acc_tokens = add_panel(capsys, acceptance)
    reports = (_park_report(tmp_path, park_v2),
               ROOT / "examples" / "lifecycle" / "acceptance" / "commercial-failed.yaml")
    cli(capsys, "session", "import", acceptance, *reports)
    cli(capsys, "session", "assign", acceptance, "--all")
    assert f"已关联验收会“{ACCEPTANCE_NAME}”" in programme(capsys, "link", reg, acceptance,
                                                         "--by", CITY)
    score_in_forms(monkeypatch, acceptance, acc_tokens, ACCEPTANCE)
    said = finalize_on_dashboard(monkeypatch, acceptance, acc_tokens["chair"], ACCEPTANCE)
    assert f"已记入试点名录：申报 {PARK} → 通过验收" in said[PARK]
    assert f"已记入试点名录：申报 {COMMERCIAL} → 未通过验收" in said[COMMERCIAL]

    # the title (the bureau's decision); the mall, accepted after rectification, titled, then
    # re-reviewed and revoked
    programme(capsys, "advance", reg, PARK, "--to", "titled", "--doc", "河环函〔2027〕15号",
              "--date", "2027-08-01", "--by", CITY)
    programme(capsys, "advance", reg, COMMERCIAL, "--to", "acceptance_applied", "--by",
              "示例商业综合体运营公司")
    programme(capsys, "advance", reg, COMMERCIAL, "--to", "accepted", "--doc",
              "河环验〔2027〕9号", "--by", CITY)
    programme(capsys, "advance", reg, COMMERCIAL, "--to", "titled", "--doc", "河环函〔2027〕21号",
              "--date", "2027-12-01", "--by", CITY)
    programme(capsys, "advance", reg, COMMERCIAL, "--to", "re_review", "--by", CITY)
    programme(capsys, "advance", reg, COMMERCIAL, "--to", "revoked", "--reason",
              "连续两年碳排放总量上升，管理缺位", "--doc", "河环函〔2029〕2号", "--by", CITY)

    # --- the register's account of each application ---
    final = rows(capsys, reg)
    review_doc = f"{REVIEW_BY}专家组意见（"
    acceptance_doc = f"{ACCEPTANCE_BY}专家组意见（"
    county = [("submitted", "各县（区）主管部门", None),
              ("county_approved", "县级主管部门", "县审〔2024〕"),
              ("received", "市级主管部门", None),
              ("under_review", REVIEW_BY, None)]
    notice = ("in_notice", CITY, "河环公示〔2024〕5号")
    confirm = ("confirmed", CITY, "河环发〔2024〕30号")
    expected = {
        PARK: [("submitted", "各县（区）主管部门", None),
               ("county_returned", "宜州区工业和信息化局", None),
               ("submitted", "示例工业园区管理委员会", None), *county[1:],
               ("recommended", REVIEW_BY, review_doc), notice, confirm,
               ("under_construction", CITY, None), ("acceptance_applied", ACCEPTANCE_BY, None),
               ("accepted", ACCEPTANCE_BY, acceptance_doc), ("titled", CITY, "河环函〔2027〕15号")],
        REGION: [*county, ("recommended", REVIEW_BY, review_doc), notice,
                 ("objection_upheld", CITY, "河环发〔2024〕30号")],
        CAMPUS: [*county, ("to_revise", REVIEW_BY, review_doc), notice, confirm],
        COMMUNITY: [*county, ("not_recommended", REVIEW_BY, review_doc)],
        COMMERCIAL: [*county, ("recommended", REVIEW_BY, review_doc), notice, confirm,
                     ("under_construction", CITY, None),
                     ("acceptance_applied", ACCEPTANCE_BY, None),
                     ("not_accepted", ACCEPTANCE_BY, acceptance_doc),
                     ("acceptance_applied", "示例商业综合体运营公司", None),
                     ("accepted", CITY, "河环验〔2027〕9号"), ("titled", CITY, "河环函〔2027〕21号"),
                     ("re_review", CITY, None), ("revoked", CITY, "河环函〔2029〕2号")],
    }
    for app_id, steps in expected.items():
        history = final[app_id]["history"]
        assert [h["status"] for h in history] == [s for s, _, _ in steps], app_id
        assert [h["by"] for h in history] == [b for _, b, _ in steps], app_id
        for h, (status, _, doc) in zip(history, steps, strict=True):
            if doc is not None:
                assert (h["doc"] or "").startswith(doc), (app_id, status, h["doc"])
        assert final[app_id]["status"] == steps[-1][0]
        assert final[app_id]["status_label"] == history[-1]["status_label"]
    park, mall = final[PARK], final[COMMERCIAL]
    assert park["history"][1]["reason"] == "缺少近两年碳排放核算数据"
    assert park["version"] == 2 and park["name"] == "示例工业园区近零碳排放园区试点（修改稿）"
    assert final[CAMPUS]["history"][-1]["reason"] == "公示期满，异议不成立"
    assert park["history"][-5]["reason"] == "公示期满无异议"
    assert park["title"] == {"name": "河池市近零碳排放园区", "date": "2027-08-01",
                             "doc": "河环函〔2027〕15号"}
    assert len(park["disclosures"]) == 1 and Path(park["disclosures"][0]).is_file()
    assert park["sessions"] == [str(review.resolve()), str(acceptance.resolve())]
    assert final[REGION]["history"][-1]["reason"] == "异议 1 成立：经核实，申报范围有误"
    assert mall["title"] is None
    assert mall["history"][-1]["reason"] == "连续两年碳排放总量上升，管理缺位"
    assert final[COMMUNITY]["sessions"] == [str(review.resolve())]
    assert "试点名录审计记录完整" in programme(capsys, "verify", reg)

    # --- the acceptance opinion's numbers are the panel's figures ---
    check_acceptance_numbers(acceptance, acc_tokens["chair"], monkeypatch)


def check_acceptance_numbers(session: Path, chair_token: str, monkeypatch) -> None:
    """The 验收意见 data of each report: its panel total, criterion means, votes and expert
    totals equal the figures kept at finalization, those the chair's dashboard shows, and those
    recomputed here from the typed scores and the acceptance criteria's weights."""
    from nzc_review.meeting.opinion.acceptance import collect_acceptance_opinion
    from nzc_review.meeting.opinion.acceptance_html import opinion_html
    from nzc_review.meeting.opinion.data import format_score
    from nzc_review.policy.criteria import acceptance_criteria
    from nzc_review.store import Actor, open_store
    from nzc_review.store.figures import application_figures
    from nzc_review.ui.chair import ChairDashboard
    from nzc_review.ui.common import open_session

    criteria = acceptance_criteria()
    weights = [c.weight / sum(c.weight for c in criteria) for c in criteria]
    monkeypatch.setenv("NZC_SESSION_DIR", str(session))
    store, chair = open_session(chair_token)
    board = ChairDashboard(store, chair, refresh_seconds=0, schedule=lambda delay, f: None,
                           on_finalized=lambda app: False)
    with open_store(session) as reader:
        trim = reader.session(Actor.operator()).session_rules.trim
        for app_id, (conclusion, by_expert) in ACCEPTANCE.items():
            op = collect_acceptance_opinion(reader, Actor.operator(), app_id)
            totals = sorted(sum(w * s for w, s in zip(weights, by_expert[e], strict=True))
                            for e in EXPERTS)
            kept = totals[trim:len(totals) - trim] if len(totals) >= 2 * trim + 1 else totals
            assert op.total == pytest.approx(sum(kept) / len(kept), abs=1e-9)
            assert sorted(op.scores.totals) == pytest.approx(totals, abs=1e-9)
            for j, stats in enumerate(op.scores.criteria):
                typed = [by_expert[e][j] for e in EXPERTS]
                assert stats.criterion.id == criteria[j].id
                assert stats.mean == pytest.approx(sum(typed) / len(typed), abs=1e-9)
            assert op.recommendation == conclusion and op.total_source == "finalized"
            assert {k: len(v) for k, v in op.votes.items()} == {conclusion: 3}
            shown = application_figures(store, chair, app_id, core_gate=op.core_gate)
            assert shown.panel_total == pytest.approx(op.total, abs=1e-12)
            kept_figures = reader.finalized_figures(Actor.operator(), app_id)
            assert kept_figures.figures["panel_total"] == pytest.approx(op.total, abs=1e-12)
            board.app_select.value = app_id
            assert f"专家组评分：{op.total:.2f} 分" in _text(board.stats.value)
            assert f"专家组评分 <b>{format_score(op.total)}</b> 分" in opinion_html(op)
            assert op.summary()["total"] == op.total
    store.close()
