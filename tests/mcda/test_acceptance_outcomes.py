"""The recommendation rules with an acceptance meeting's outcomes, 通过验收 / 不通过验收: the same
bands, the core-indicator veto, no "after revision" outcome."""

from __future__ import annotations

import pytest

from nzc_review.mcda.checks import McdaError
from nzc_review.mcda.recommendation import (
    ACCEPTANCE_BANDS,
    ACCEPTANCE_OUTCOMES,
    ALL_OUTCOMES,
    DEFAULT_RULES,
    OUTCOMES,
    Band,
    RecommendationRules,
    recommend,
)

RULES = RecommendationRules(bands=ACCEPTANCE_BANDS)


def test_the_acceptance_outcomes_and_their_labels():
    assert {k: v.label for k, v in ACCEPTANCE_OUTCOMES.items()} == {
        "accepted": "通过验收", "not_accepted": "不通过验收"}
    assert set(ALL_OUTCOMES) == set(OUTCOMES) | set(ACCEPTANCE_OUTCOMES)
    assert RULES.acceptance and RULES.outcomes is ACCEPTANCE_OUTCOMES
    assert not DEFAULT_RULES.acceptance and DEFAULT_RULES.outcomes is OUTCOMES


@pytest.mark.parametrize(("total", "outcome", "grade"), [
    (92, "accepted", "excellent"), (60, "accepted", "pass"), (59.99, "not_accepted", "fail")])
def test_the_bands_give_acceptance_outcomes(total, outcome, grade):
    r = recommend(total, "pass", rules=RULES)
    assert (r.outcome, r.grade) == (outcome, grade)
    assert r.outcome_label == ACCEPTANCE_OUTCOMES[outcome].label


def test_a_failed_core_indicator_vetoes_acceptance_whatever_the_score():
    r = recommend(95, "fail", rules=RULES)
    assert (r.outcome, r.grade, r.vetoed) == ("not_accepted", "fail", True)
    assert "实际值未达到参考值" in r.reasons[-1].message and "不通过验收" in r.reasons[-1].message


def test_an_incomplete_core_indicator_holds_acceptance_back():
    r = recommend(95, "incomplete", rules=RULES)
    assert r.outcome == "not_accepted"
    assert r.reasons[-1].code == "core_indicator_incomplete"
    assert "方可通过验收" in r.reasons[-1].message


def test_a_revision_request_does_not_apply_to_acceptance():
    r = recommend(75, "pass", rules=RULES, revision_requested=True)
    assert r.outcome == "accepted"
    assert "revision_requested" not in [x.code for x in r.reasons]


def test_the_veto_flag_only_leaves_the_acceptance_outcome():
    from dataclasses import replace

    r = recommend(75, "fail", rules=replace(RULES, veto="flag_only"))
    assert (r.outcome, r.vetoed, r.veto_flag) == ("accepted", False, True)
    assert "不改变验收建议" in r.reasons[-1].message


def test_bands_mixing_review_and_acceptance_outcomes_are_refused():
    mixed = (Band("a", "A", 60.0, "accepted"), Band("b", "B", -float("inf"), "do_not_recommend"))
    with pytest.raises(McdaError, match="mix the outcomes"):
        RecommendationRules(bands=mixed)
    with pytest.raises(McdaError, match="unknown outcome"):
        Band("a", "A", 0.0, "approved")
