"""Tests for nzc_review.mcda.recommendation."""

from __future__ import annotations

import math

import pytest

from nzc_review.errors import NzcError
from nzc_review.mcda.checks import McdaError
from nzc_review.mcda.recommendation import (
    DEFAULT_RULES,
    OUTCOMES,
    Band,
    Floor,
    RecommendationRules,
    recommend,
)


class TestDefaultBands:
    # Shenzhen acceptance evaluation: 优秀（85分及以上）、通过（60-85分）、未通过（60分以下）.
    @pytest.mark.parametrize(
        ("total", "grade", "label"),
        [
            (100, "excellent", "优秀"),
            (85, "excellent", "优秀"),
            (84.99, "pass", "通过"),
            (60, "pass", "通过"),
            (59.99, "fail", "未通过"),
            (0, "fail", "未通过"),
        ],
    )
    def test_band_edges(self, total, grade, label):
        r = recommend(total, "pass")
        assert (r.grade, r.grade_label, r.score_grade) == (grade, label, grade)
        assert r.reasons[0].code == f"score_band_{grade}"

    def test_outcomes(self):
        assert recommend(90, "pass").outcome == "recommend"
        assert recommend(70, "pass").outcome_label == "推荐"
        r = recommend(50, "pass")
        assert (r.outcome, r.outcome_label, r.outcome_label_en) == (
            "do_not_recommend",
            "不推荐",
            "do not recommend",
        )

    def test_reason_text_is_chinese_and_names_the_band(self):
        r = recommend(78.5, "pass")
        assert r.reasons[0].message == "专家组评分 78.50 分，属于“通过”档（60–85 分）。"

    def test_outcome_codes_and_labels(self):
        assert {k: v.label for k, v in OUTCOMES.items()} == {
            "recommend": "推荐",
            "recommend_after_revision": "修改完善后推荐",
            "do_not_recommend": "不推荐",
        }


class TestCoreGate:
    def test_fail_is_a_veto_whatever_the_score(self):
        r = recommend(98, "fail")
        assert r.vetoed
        assert (r.outcome, r.grade, r.score_grade) == ("do_not_recommend", "fail", "excellent")
        assert "core_indicator_veto" in [x.code for x in r.reasons]
        assert "一票否决" in r.reasons[-1].message

    def test_the_default_veto_is_labelled_the_tools_rule(self):
        r = recommend(98, "fail")
        assert r.veto_flag and "本工具默认规则" in r.reasons[-1].message

    def test_flag_only_shows_the_veto_and_caps_nothing(self):
        rules = RecommendationRules(veto="flag_only")
        r = recommend(98, "fail", rules=rules)
        assert (r.outcome, r.grade) == ("recommend", "excellent")
        assert r.veto_flag and not r.vetoed
        assert r.reasons[-1].code == "core_indicator_veto_flag"
        assert "仅作提示" in r.reasons[-1].message and "评审规则文件设定" in r.reasons[-1].message

    def test_veto_off_leaves_a_failed_gate_to_the_scores(self):
        r = recommend(70, "fail", rules=RecommendationRules(veto="off"))
        assert (r.outcome, r.vetoed, r.veto_flag) == ("recommend", False, False)
        assert [x.code for x in r.reasons] == ["score_band_pass"]

    def test_an_unknown_veto_mode_is_named(self):
        with pytest.raises(McdaError) as info:
            RecommendationRules(veto="remove")
        assert info.value.name == "veto" and "remove" in str(info.value)

    def test_incomplete_is_at_best_after_revision(self):
        r = recommend(95, "incomplete")
        assert (r.outcome, r.outcome_label) == ("recommend_after_revision", "修改完善后推荐")
        assert r.grade == "excellent" and not r.vetoed
        assert r.reasons[-1].code == "core_indicator_incomplete"

    def test_incomplete_does_not_raise_a_failing_score(self):
        assert recommend(40, "incomplete").outcome == "do_not_recommend"

    def test_revision_requested(self):
        r = recommend(90, "pass", revision_requested=True)
        assert r.outcome == "recommend_after_revision"
        assert r.reasons[-1].code == "revision_requested"


class TestFloorsAndLowestRule:
    def test_floor_caps_grade(self):
        rules = RecommendationRules(floors=(Floor("特色亮点", 6.0),))
        r = recommend(92, "pass", {"特色亮点": 5.5}, rules=rules)
        assert (r.grade, r.score_grade, r.outcome) == ("pass", "excellent", "recommend")
        assert r.reasons[1].code == "criterion_below_floor"
        assert "特色亮点" in r.reasons[1].message
        ok = recommend(92, "pass", {"特色亮点": 6.0}, rules=rules)
        assert ok.grade == "excellent"

    def test_lowest_rule_wins(self):
        rules = RecommendationRules(
            floors=(Floor("建设基础", 10, cap="pass"), Floor("保障措施", 5, cap="fail"))
        )
        r = recommend(90, "pass", {"建设基础": 8, "保障措施": 4}, rules=rules)
        assert (r.grade, r.outcome) == ("fail", "do_not_recommend")
        assert [x.code for x in r.reasons].count("criterion_below_floor") == 2

    def test_floor_never_raises_a_grade(self):
        rules = RecommendationRules(floors=(Floor("建设基础", 10, cap="pass"),))
        assert recommend(40, "pass", {"建设基础": 1}, rules=rules).grade == "fail"

    def test_custom_bands(self):
        rules = RecommendationRules(
            bands=(
                Band("a", "甲", 90, "recommend"),
                Band("b", "乙", 75, "recommend_after_revision"),
                Band("c", "丙", -math.inf, "do_not_recommend"),
            )
        )
        r = recommend(80, "pass", rules=rules)
        assert (r.grade_label, r.outcome) == ("乙", "recommend_after_revision")
        assert recommend(90, "pass", rules=rules).grade == "a"


class TestErrors:
    def test_errors_are_nzc_errors(self):
        with pytest.raises(McdaError) as exc:
            recommend(80, "ok")
        assert isinstance(exc.value, NzcError) and isinstance(exc.value, ValueError)
        assert "core_gate" in str(exc.value)

    def test_bad_totals(self):
        with pytest.raises(McdaError, match="NaN"):
            recommend(float("nan"), "pass")
        with pytest.raises(McdaError, match=r"\[0, 100\]"):
            recommend(101, "pass")
        with pytest.raises(McdaError, match="number"):
            recommend("high", "pass")

    def test_floor_without_score(self):
        rules = RecommendationRules(floors=(Floor("特色亮点", 6.0),))
        with pytest.raises(McdaError, match="特色亮点"):
            recommend(90, "pass", {}, rules=rules)
        with pytest.raises(McdaError, match="NaN"):
            recommend(90, "pass", {"特色亮点": float("nan")}, rules=rules)

    def test_bad_rules(self):
        with pytest.raises(McdaError, match="decreasing"):
            RecommendationRules(
                bands=(Band("a", "甲", 60, "recommend"), Band("b", "乙", 85, "recommend"))
            )
        with pytest.raises(McdaError, match="no grade"):
            RecommendationRules(bands=(Band("a", "甲", 60, "recommend"),))
        with pytest.raises(McdaError, match="unknown outcome"):
            Band("a", "甲", 60, "maybe")
        with pytest.raises(McdaError, match="unknown grade"):
            RecommendationRules(floors=(Floor("x", 1, cap="gold"),))
        assert DEFAULT_RULES.bands[0].lower == 85
