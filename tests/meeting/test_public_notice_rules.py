"""The session's review rules in the meeting's output: the 公示名单 rule (the panel's
recommendation decides; a veto is a flag with its rule, or, when the rules say so, a removal
named in the summary — never a silent one) and the veto as the opinion report shows it."""

from __future__ import annotations

import openpyxl
import pytest

from nzc_review.meeting.opinion import collect_opinion, session_overview
from nzc_review.meeting.opinion import html as ophtml
from nzc_review.meeting.opinion.session import notice_html, summary_html, write_session_summary
from tests.fixtures.sessions import COMMUNITY, PARK, build_session


def _meeting(tmp_path, name: str, review: dict | None):
    rules = {"chair_scores": True}
    if review is not None:
        rules["review"] = review
    return build_session(tmp_path / name, name="2024年第一批评审会", date="2024-06-30",
                         rules=rules, examples=("park-pass", "community-fail"))


def _recommend_both(p) -> None:
    """Every member scores both applications; the chair recommends both and finalizes."""
    for app_id in (PARK, COMMUNITY):
        for who in ("a", "b", "c", "chair"):
            p.score(who, app_id, [75] * 6)
        p.store.set_consensus(p.chair, app_id, opinion="同意推荐。", recommendation="recommend")
        p.store.finalize(p.chair, app_id)


@pytest.fixture
def meetings(tmp_path):
    made = {
        "default": _meeting(tmp_path, "default", None),
        "removes": _meeting(tmp_path, "removes", {"public_notice": {"veto_removes": True}}),
        "flag": _meeting(tmp_path, "flag", {"veto": {"action": "flag_only"}}),
    }
    for p in made.values():
        _recommend_both(p)
    yield made
    for p in made.values():
        p.store.close()


def test_by_default_the_panel_decides_and_the_veto_is_a_flag_on_the_list(meetings, tmp_path):
    p = meetings["default"]
    ov = session_overview(p.store, p.op)
    assert {r.app_id for r in ov.notice} == {PARK, COMMUNITY}
    notice = notice_html(ov, "2024年6月30日")
    assert "一票否决提示（本工具默认规则）" in notice and "SQ-02" in notice
    assert "一票否决提示为本工具规则，不是工作方案的规定" in notice
    summary = summary_html(ov, "2024年6月30日")
    assert "已列入公示名单并在备注中标注" in summary and COMMUNITY in summary
    assert "一票否决规则：核心指标目标未达到参考值即一票否决" in summary
    assert "公示名单：专家组结论为推荐、修改完善后推荐的申报列入" in summary
    files = write_session_summary(p.store, p.op, tmp_path / "out", overview=ov)
    sheet = openpyxl.load_workbook(files["notice_xlsx"])["公示名单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "备注"
    notes = {r[1]: r[-1] for r in rows[1:]}
    community = next(r.name for r in ov.notice if r.app_id == COMMUNITY)
    park = next(r.name for r in ov.notice if r.app_id == PARK)
    assert "一票否决提示" in notes[community] and notes[park] in (None, "")


def test_a_rule_that_removes_vetoed_applications_names_them_in_the_summary(meetings):
    p = meetings["removes"]
    ov = session_overview(p.store, p.op)
    assert [r.app_id for r in ov.notice] == [PARK]
    assert [r.app_id for r in ov.vetoed_but_recommended] == [COMMUNITY]
    assert COMMUNITY not in notice_html(ov, "2024年6月30日")
    summary = summary_html(ov, "2024年6月30日")
    assert "按公示名单规则未列入公示名单" in summary and COMMUNITY in summary
    assert "不移出名单" not in summary and "并在汇总中列明（本次评审规则文件设定）" in summary


def test_flag_only_reaches_the_opinion_report_and_the_rules_suggestion(meetings):
    default = collect_opinion(meetings["default"].store, meetings["default"].op, COMMUNITY)
    flag = collect_opinion(meetings["flag"].store, meetings["flag"].op, COMMUNITY)
    assert default.evaluation.verdict.level == "不可行"
    assert default.rules_result.vetoed and default.rules_result.outcome == "do_not_recommend"
    assert flag.evaluation.rules.veto.action == "flag_only"  # the session's rules
    assert flag.evaluation.verdict.level != "不可行"
    assert [f.rule for f in flag.evaluation.verdict.flags] == ["N1"]
    assert not flag.rules_result.vetoed and flag.rules_result.veto_flag
    assert flag.rules_result.outcome == "recommend"  # 75 points: the score band decides
    summary = ophtml.summary_block(flag)
    assert "不通过（一票否决仅作提示）" in summary and "评审规则文件设定" in summary
    block = ophtml.recommendation_block(flag)
    assert "一票否决提示：核心指标 SQ-02" in block and "仅作提示标注" in block
    assert "本工具默认规则" in ophtml.recommendation_block(default)
    ov = session_overview(meetings["flag"].store, meetings["flag"].op)
    assert {r.app_id for r in ov.notice} == {PARK, COMMUNITY}
    flagged = next(r for r in ov.notice if r.app_id == COMMUNITY)
    assert "评审规则文件设定" in flagged.veto_note
