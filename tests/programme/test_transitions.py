"""The transition rules: the table of allowed changes (河环发〔2023〕23号 三、实施步骤), every other
pair refused with a Chinese sentence naming the application, its status and what may follow."""

from __future__ import annotations

from itertools import product

import pytest

from nzc_review.programme import STATUS_CODES, ProgrammeError, TransitionRefused, programme_rules
from nzc_review.programme.transitions import allowed_next, check_transition, resolve_status

RULES = programme_rules()

#: The life of an application as the work plan sets it (and the tool's own rules, marked).
EXPECTED = {
    ("submitted", "county_approved"): None, ("submitted", "county_returned"): None,
    ("county_returned", "submitted"): "register",                         # tool: re-submission
    ("county_approved", "received"): None, ("received", "under_review"): None,
    ("under_review", "recommended"): None, ("under_review", "to_revise"): None,
    ("under_review", "not_recommended"): None,
    ("to_revise", "under_review"): None,                                  # tool: revision round
    ("recommended", "in_notice"): "notice", ("to_revise", "in_notice"): "notice",
    ("in_notice", "confirmed"): "confirm", ("in_notice", "objection_upheld"): "confirm",
    ("confirmed", "under_construction"): None,
    ("under_construction", "acceptance_applied"): None,
    ("acceptance_applied", "accepted"): None, ("acceptance_applied", "not_accepted"): None,
    ("not_accepted", "acceptance_applied"): None,                         # tool: re-apply
    ("accepted", "titled"): None, ("titled", "re_review"): None,
    ("re_review", "titled"): None, ("re_review", "revoked"): None,
}
TOOL_RULES = {("county_returned", "submitted"), ("to_revise", "under_review"),
              ("to_revise", "in_notice"), ("not_accepted", "acceptance_applied")}
ILLEGAL = [pair for pair in product(STATUS_CODES, STATUS_CODES) if pair not in EXPECTED]


def test_the_table_is_the_plans():
    assert {(t.source, t.to): t.via for t in RULES.transitions} == EXPECTED
    assert {(t.source, t.to) for t in RULES.transitions if t.origin == "tool"} == TOOL_RULES
    for t in RULES.transitions:
        assert t.cite.startswith("本工具默认规则：" if t.origin == "tool" else "河环发〔2023〕23号 三、")


def test_statuses_and_labels_are_the_contracts():
    labels = {s.code: s.label for s in RULES.statuses}
    assert tuple(labels) == STATUS_CODES
    assert labels["confirmed"] == "正式确定为试点" and labels["revoked"] == "已取消称号"
    assert labels["objection_upheld"] == "异议成立（不予确定）"


@pytest.mark.parametrize("current,to", ILLEGAL)
def test_every_illegal_pair_is_refused(current, to):
    with pytest.raises(TransitionRefused) as caught:
        check_transition(RULES, "HC-9", current, to, via="confirm", doc="文号", reason="理由")
    message = str(caught.value)
    assert message.startswith("申报 HC-9 当前状态为" + RULES.named(current))
    assert RULES.named(to) in message
    nexts = allowed_next(RULES, current)
    assert caught.value.allowed == nexts
    if nexts:
        assert all(RULES.named(n) in message.split("可变更为：")[1] for n in nexts)
    else:
        assert "该状态之后不再变更" in message


@pytest.mark.parametrize("pair,via", sorted(EXPECTED.items(), key=str))
def test_every_allowed_pair_passes_through_its_command_only(pair, via):
    current, to = pair
    found = check_transition(RULES, "HC-1", current, to, via=via, doc="文号", reason="理由")
    assert (found.source, found.to) == pair
    if via is not None:
        with pytest.raises(TransitionRefused, match=f"programme {via}"):
            check_transition(RULES, "HC-1", current, to, doc="文号", reason="理由")


@pytest.mark.parametrize("to,current,flag", [
    ("county_returned", "submitted", "--reason"), ("not_accepted", "acceptance_applied", "--reason"),
    ("revoked", "re_review", "--reason"), ("titled", "accepted", "--doc")])
def test_returns_refusals_and_titles_need_their_reason_or_document(to, current, flag):
    with pytest.raises(TransitionRefused, match=f"须写明.*{flag}"):
        check_transition(RULES, "HC-1", current, to, reason="  " if flag == "--reason" else None)
    assert check_transition(RULES, "HC-1", current, to, reason="材料不全", doc="河环函〔2026〕1号")


def test_objection_upheld_needs_a_reason_even_from_confirm():
    with pytest.raises(TransitionRefused, match="理由"):
        check_transition(RULES, "HC-1", "in_notice", "objection_upheld", via="confirm")


def test_a_status_is_named_by_code_or_label():
    assert resolve_status(RULES, "正式确定为试点") == "confirmed"
    assert resolve_status(RULES, " titled ") == "titled"
    with pytest.raises(ProgrammeError, match="没有名为 '已确定' 的状态；可用：已报送"):
        resolve_status(RULES, "已确定")
