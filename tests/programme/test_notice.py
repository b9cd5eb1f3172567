"""公示 and 正式确定 (三、(一)3 项目确定): who is published, the period as given, objections in the
period, the confirmation refused before the period is over or while an objection is
undecided, and the documents."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from nzc_review.programme import ProgrammeError, TransitionRefused
from nzc_review.programme.documents import (
    confirmed_html,
    confirmed_xlsx,
    notice_html,
    notice_xlsx,
)
from nzc_review.programme.notice import (
    add_objection,
    confirm_problems,
    decide_objection,
    notices,
    objections,
    plan_confirm,
    plan_notice,
    record_confirm,
    record_notice,
)
from tests.programme.helpers import (
    CAMPUS,
    COMMERCIAL,
    COMMUNITY,
    PARK,
    REGION,
    TO_RECOMMENDED,
    register_five,
    walk,
)

START, END = "2024-07-01", "2024-07-10"


@pytest.fixture
def reg(tmp_path):
    """The five examples: park and region recommended, commercial to revise, community not
    recommended, campus still with its county."""
    register = register_five(tmp_path / "reg")
    walk(register, PARK, TO_RECOMMENDED)
    walk(register, REGION, TO_RECOMMENDED)
    walk(register, COMMERCIAL, (*TO_RECOMMENDED[:3], "to_revise"))
    walk(register, COMMUNITY, (*TO_RECOMMENDED[:3], "not_recommended"))
    yield register
    register.close()


def _notice(reg, **kw):
    plan = plan_notice(reg, start=kw.pop("start", START), end=kw.pop("end", END),
                       contact="市生态环境局 0778-1234567", **kw)
    record_notice(reg, plan, by="市生态环境局")
    return plan


def test_the_notice_lists_what_the_review_passed_with_the_period_given(reg):
    plan = _notice(reg, doc="河环公告〔2024〕3号")
    assert [r["id"] for r in plan.rows] == [PARK, REGION, COMMERCIAL]
    rows = {r["id"]: r for r in reg.status_rows()}
    assert {a for a, r in rows.items() if r["status"] == "in_notice"} == {PARK, REGION, COMMERCIAL}
    assert rows[COMMUNITY]["status"] == "not_recommended" and rows[CAMPUS]["status"] == "submitted"
    last = rows[PARK]["history"][-1]
    assert last["doc"] == "河环公告〔2024〕3号" and last["date"] == START
    assert last["reason"] == "公示期 2024年7月1日至2024年7月10日"
    page = notice_html(plan, reg.rules)
    for text in ("公示期：</b>2024年7月1日至2024年7月10日", "市生态环境局 0778-1234567",
                 "示例工业园区近零碳排放园区试点（示例）", "近零碳排放商业场所", "宜州区",
                 "示例工业园区管理委员会（示例）", "三、(一)3", "本工具默认规则"):
        assert text in page
    assert "示例社区" not in page
    book = load_workbook(io.BytesIO(notice_xlsx(plan)))
    listed = [[c.value for c in r] for r in book["公示名单"].iter_rows(min_row=2)]
    assert [r[1] for r in listed] == [PARK, REGION, COMMERCIAL] and listed[0][5] == \
        "示例工业园区管理委员会（示例）"
    info = {r[0].value: r[1].value for r in book["公示信息"].iter_rows()}
    assert info["公示期截止"] == END and info["异议受理联系方式"] == "市生态环境局 0778-1234567"


@pytest.mark.parametrize("start,end,words", [
    (None, END, "公示开始日期（--start）：须给出日期"),
    (START, "", "公示截止日期（--end）：须给出日期"),
    (START, "2024-7-10", "公示截止日期（--end）：'2024-7-10' 不是日期"),
    (END, START, "公示截止日期（--end）2024-07-01 须晚于开始日期（--start）2024-07-10"),
    (START, START, "须晚于开始日期"),
])
def test_the_period_is_required_and_ends_after_it_starts(reg, start, end, words):
    with pytest.raises(ProgrammeError, match=words):
        plan_notice(reg, start=start, end=end, contact="x")
    assert notices(reg) == []


def test_a_notice_needs_a_contact_and_something_to_publish(reg):
    with pytest.raises(ProgrammeError, match="异议联系方式（--contact）：不能为空"):
        plan_notice(reg, start=START, end=END, contact=" ")
    with pytest.raises(ProgrammeError, match="批次 2025年第一批 中没有可公示的申报（须为评审推荐"):
        plan_notice(reg, start=START, end=END, contact="x", batch="2025年第一批")


def test_notice_and_confirmation_are_the_commands_own(reg):
    with pytest.raises(TransitionRefused, match="须发布公示（nzc-review programme notice）"):
        reg.advance(PARK, "in_notice", by="x")
    _notice(reg)
    with pytest.raises(TransitionRefused, match="programme confirm"):
        reg.advance(PARK, "confirmed", by="x")


def test_objections_are_taken_in_the_period_and_decided_once(reg):
    with pytest.raises(ProgrammeError, match=f"申报 {PARK} 当前状态为评审推荐.*不在公示中"):
        add_objection(reg, PARK, received=START, content="异议", by="x")
    _notice(reg)
    for day in ("2024-06-30", "2024-07-11"):
        with pytest.raises(ProgrammeError, match="不在公示期内，不予登记"):
            add_objection(reg, PARK, received=day, content="异议", by="x")
    first = add_objection(reg, PARK, received=END, content="申报数据与统计年鉴不符",
                          sender="某居民", by="秘书")
    assert first["notice_id"] == 1 and first["decision"] is None
    decided = decide_objection(reg, first["id"], upheld=False, reason="经核实数据无误", by="局长")
    assert decided["decision"] == "rejected" and decided["decided_by"] == "局长"
    with pytest.raises(ProgrammeError, match=f"异议 {first['id']}（申报 {PARK}）已于.*认定为不成立，不能再改"):
        decide_objection(reg, first["id"], upheld=True, reason="改判", by="x")
    with pytest.raises(ProgrammeError, match="理由（--reason）：不能为空"):
        decide_objection(reg, 99, upheld=True, reason="", by="x")
    with pytest.raises(ProgrammeError, match="没有编号为 99 的异议"):
        decide_objection(reg, 99, upheld=True, reason="r", by="x")
    assert [o["id"] for o in objections(reg, PARK)] == [first["id"]]


def test_confirmation_waits_for_the_end_of_the_period_and_every_decision(reg):
    _notice(reg)
    pending = add_objection(reg, REGION, received="2024-07-05", content="项目选址有争议", by="x")
    with pytest.raises(ProgrammeError) as caught:
        plan_confirm(reg, on=END)
    message = str(caught.value)
    assert f"公示期尚未届满：申报 {REGION}、{COMMERCIAL}、{PARK} 的公示期至 2024年7月10日" in message
    assert "2024年7月11日起方可正式确定" in message
    assert f"异议 {pending['id']}（申报 {REGION}）尚未认定是否成立" in message
    with pytest.raises(ProgrammeError, match=f"异议 {pending['id']}") as caught:
        plan_confirm(reg, on="2024-07-11")
    assert "公示期尚未届满" not in str(caught.value)
    decide_objection(reg, pending["id"], upheld=True, reason="选址位于生态保护红线内", by="局务会")
    plan = plan_confirm(reg, on="2024-07-11", doc="河环发〔2024〕30号")
    record_confirm(reg, plan, by="市生态环境局")
    rows = {r["id"]: r for r in reg.status_rows()}
    assert rows[PARK]["status"] == "confirmed" and rows[COMMERCIAL]["status"] == "confirmed"
    assert rows[PARK]["history"][-1]["reason"] == "公示期满无异议"
    assert rows[PARK]["history"][-1]["date"] == "2024-07-11"
    assert rows[REGION]["status"] == "objection_upheld"
    assert rows[REGION]["history"][-1]["reason"] == \
        f"异议 {pending['id']} 成立：选址位于生态保护红线内"
    page = confirmed_html(plan)
    assert "正式确定为近零碳排放区试点项目" in page and "河环发〔2024〕30号" in page
    assert page.index(PARK) < page.index("异议成立、不予确定的项目") < page.index(REGION)
    book = load_workbook(io.BytesIO(confirmed_xlsx(plan)))
    assert [r[1].value for r in book["正式确定名单"].iter_rows(min_row=2)] == [PARK, COMMERCIAL]
    assert [r[-1].value for r in book["异议成立不予确定"].iter_rows(min_row=2)] == \
        [f"异议 {pending['id']}：选址位于生态保护红线内"]
    with pytest.raises(ProgrammeError, match="没有公示中的申报"):
        plan_confirm(reg, on="2024-07-12")


def test_a_rejected_objection_lets_the_application_be_confirmed(reg):
    _notice(reg)
    o = add_objection(reg, PARK, received=START, content="异议", by="x")
    decide_objection(reg, o["id"], upheld=False, reason="异议不成立", by="x")
    record_confirm(reg, plan_confirm(reg, on="2024-07-20"), by="x")
    assert reg.row(PARK)["history"][-1]["reason"] == "公示期满，异议不成立"


def test_confirm_problems_is_pure():
    periods = {"A": ("2024-07-01", "2024-07-10"), "B": ("2024-08-01", "2024-08-10")}
    assert confirm_problems("2024-08-11", periods, []) == []
    assert confirm_problems("2024-07-11", periods, []) == [
        "公示期尚未届满：申报 B 的公示期至 2024年8月10日，2024年8月11日起方可正式确定"]
