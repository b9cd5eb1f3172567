"""The shared input checks of the multi-criteria methods (nzc_review.mcda.checks), their one
error class, and the located-error base (nzc_review.errors.FieldError) the rule errors share."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from nzc_review.errors import FieldError, NzcError
from nzc_review.mcda import checks, panel_stats, ranking, recommendation, weighting
from nzc_review.mcda.checks import McdaError

NAN = float("nan")


def raised(call, *args, **kwargs) -> McdaError:
    with pytest.raises(McdaError) as info:
        call(*args, **kwargs)
    return info.value


# --- each check names the argument (or element) and the value ---------------------------------


class TestFloatArray:
    def test_nan_names_the_element_and_its_value(self):
        exc = raised(checks.float_array, [[1, 2], [3, NAN]], "matrix", ndim=2)
        assert exc.name == "matrix[1, 1]" and math.isnan(exc.value)
        assert str(exc) == "matrix[1, 1]: NaN or infinite values are not allowed, got nan"

    def test_infinite_refused_even_where_nan_means_not_given(self):
        assert np.isnan(checks.float_array([[1, NAN]], "scores", allow_nan=True)[0, 1])
        exc = raised(checks.float_array, [[1, NAN, -np.inf]], "scores", allow_nan=True)
        assert (exc.name, exc.value) == ("scores[0, 2]", -np.inf)
        assert "infinite values are not allowed" in str(exc)

    def test_wrong_dimensions_name_the_shape(self):
        exc = raised(checks.float_array, [1, 2, 3], "matrix", ndim=2, layout="candidates x criteria")
        assert exc.name == "matrix" and exc.value == (3,)
        assert str(exc) == "matrix: expected a 2-D array (candidates x criteria), got shape (3,)"
        exc = raised(checks.float_array, 5.0, "w", ndim=(1, 2))
        assert "expected a 1-D or 2-D array, got shape ()" in str(exc)

    def test_empty_and_not_numeric(self):
        exc = raised(checks.float_array, [], "scores")
        assert (exc.name, exc.value) == ("scores", (0,)) and "is empty" in str(exc)
        exc = raised(checks.float_array, ["eighty"], "scores")
        assert exc.name == "scores" and "not numeric" in str(exc)


class TestWeights:
    def test_normalised_to_sum_one(self):
        assert checks.weights([2, 1, 1], 3) == pytest.approx([0.5, 0.25, 0.25])

    def test_wrong_count_names_the_shape(self):
        exc = raised(checks.weights, [1, 1, 1], 2, "expert_weights", per="one per expert")
        assert (exc.name, exc.value) == ("expert_weights", (3,))
        assert str(exc) == (
            "expert_weights: expected 2 weights (one per expert), got shape (3,)"
        )

    def test_negative_names_the_element(self):
        exc = raised(checks.weights, [0.5, -0.2, 0.7], 3)
        assert (exc.name, exc.value) == ("weights[1]", -0.2)
        assert str(exc) == "weights[1]: must not be negative, got -0.2"

    def test_all_zero(self):
        exc = raised(checks.weights, [0, 0], 2)
        assert exc.name == "weights" and list(exc.value) == [0, 0]
        assert str(exc) == "weights: weights are all zero, got [0.0, 0.0]"

    def test_a_total_within_tolerance(self):
        assert checks.weights([0.25, 0.75], 2, total=1.0) == pytest.approx([0.25, 0.75])
        assert checks.weights([60, 40.0000001], 2, total=100) == pytest.approx([0.6, 0.4])
        exc = raised(checks.weights, [0.3, 0.6], 2, "shares", total=1.0)
        assert exc.name == "shares" and list(exc.value) == [0.3, 0.6]
        assert str(exc) == "shares: add up to 0.9, must add up to 1, got [0.3, 0.6]"

    def test_rows(self):
        w = checks.weight_rows([[1, 3], [2, 2]], 2, "weight_samples")
        assert w == pytest.approx(np.array([[0.25, 0.75], [0.5, 0.5]]))
        exc = raised(checks.weight_rows, [[1, 3], [2, -2]], 2, "weight_samples")
        assert (exc.name, exc.value) == ("weight_samples[1, 1]", -2)
        exc = raised(checks.weight_rows, [[1, 3], [0, 0]], 2, "weight_samples")
        assert exc.name == "weight_samples[1]" and "a row of weights is all zero" in str(exc)
        exc = raised(checks.weight_rows, [[1, 3]], 2, "criteria_weights", rows=3,
                     layout="experts x criteria")
        assert (exc.name, exc.value) == ("criteria_weights", (1, 2))
        assert "expected 3 x 2 weights (experts x criteria), got shape (1, 2)" in str(exc)


class TestOtherChecks:
    def test_at_least(self):
        checks.at_least(3, 3, "scores", "experts", "flagging experts")
        exc = raised(checks.at_least, 2, 3, "scores", "experts", "flagging experts")
        assert (exc.name, exc.value) == ("scores", 2)
        assert str(exc) == "scores: flagging experts needs at least 3 experts, got 2"

    def test_benefit_flags(self):
        assert checks.benefit_flags(None, 2).tolist() == [True, True]
        assert checks.benefit_flags([1, -1], 2).tolist() == [True, False]
        exc = raised(checks.benefit_flags, [True], 2)
        assert (exc.name, exc.value) == ("benefit", (1,))
        exc = raised(checks.benefit_flags, [1, 2], 2)
        assert exc.name == "benefit" and exc.value == [1, 2]

    @pytest.mark.parametrize("value", [1.5, True, "1", -1, NAN, None])
    def test_whole_number_refuses(self, value):
        exc = raised(checks.whole_number, value, "trim")
        assert exc.name == "trim" and exc.reason == "must be a whole number of at least 0"
        assert exc.value is value

    def test_whole_number_accepts_whole_floats(self):
        assert checks.whole_number(2.0, "top_k", least=1) == 2
        assert (raised(checks.whole_number, 0, "top_k", least=1).value) == 0

    @pytest.mark.parametrize("value", [0, -1.5, NAN, math.inf, "x", None, True])
    def test_positive_refuses(self, value):
        exc = raised(checks.positive, value, "concentration")
        assert exc.name == "concentration" and exc.value is value

    def test_finite_number(self):
        assert checks.finite_number("72.5", "total") == 72.5
        exc = raised(checks.finite_number, NAN, "total")
        assert str(exc) == "total: must be a finite number, not NaN or infinite, got nan"

    def test_one_of(self):
        checks.one_of("topsis", ["topsis"], "method", "method")
        exc = raised(checks.one_of, "vikor", ["topsis", "weighted_sum"], "method", "method")
        assert (exc.name, exc.value) == ("method", "vikor")
        assert str(exc) == "method: unknown method; one of ['topsis', 'weighted_sum'], got 'vikor'"

    def test_every(self):
        x = np.array([[1.0, 2.0], [0.0, 3.0]])
        checks.every(x >= 0, x, "matrix", "must not be negative")
        exc = raised(checks.every, x > 0, x, "matrix", "needs positive values")
        assert (exc.name, exc.value) == ("matrix[1, 0]", 0.0)


# --- one class across the four modules -----------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: weighting.ahp([[1, 2], [0.5, 1], [1, 1]]), "matrix"),
        (lambda: weighting.direct_weights([50, -10]), "points[1]"),
        (lambda: weighting.ahp_group([np.ones((2, 2))] * 2, expert_weights=[1, NAN]),
         "expert_weights[1]"),
        (lambda: weighting.entropy_weights([[1, 2]]), "matrix"),
        (lambda: ranking.topsis([[1, 2], [3, 4]], [1, -1]), "weights[1]"),
        (lambda: ranking.topsis_batch([[1, 2], [3, 4]], [[1, 1, 1]]), "weight_samples"),
        (lambda: ranking.rank_stability([[1, 2], [3, 4]], [1, 1], n_samples=0), "n_samples"),
        (lambda: panel_stats.trimmed_mean([80, 90]), "scores"),
        (lambda: panel_stats.weighted_mean([80, 90], [1, -1]), "expert_weights[1]"),
        (lambda: panel_stats.kendall_w([[1, 2, 3]]), "ratings"),
        (lambda: panel_stats.flag_outlier_experts(np.ones((3, 2)), min_sd=0), "min_sd"),
        (lambda: recommendation.recommend(float("nan"), "pass"), "total"),
        (lambda: recommendation.Band("a", "甲", 60, "maybe"), "bands[a].outcome"),
    ],
)
def test_one_error_class_across_the_four_modules(call, name):
    exc = raised(call)
    assert type(exc) is McdaError and exc.name == name
    assert isinstance(exc, FieldError) and isinstance(exc, NzcError)
    assert isinstance(exc, ValueError)  # callers that catch ValueError keep working


def test_the_four_old_classes_are_gone():
    for module, old in ((panel_stats, "PanelError"), (ranking, "RankingError"),
                        (recommendation, "RecommendationError"), (weighting, "WeightingError")):
        assert not hasattr(module, old)


# --- the located-error base -----------------------------------------------------------------


class TestFieldError:
    def test_message_from_name_reason_and_value(self):
        exc = FieldError("must be positive", name="outlier_z", value=np.float64(-1.5))
        assert (exc.name, exc.reason) == ("outlier_z", "must be positive")
        assert exc.detail == "must be positive, got -1.5"  # a NumPy scalar reads as a number
        assert str(exc) == "outlier_z: must be positive, got -1.5"
        assert str(FieldError("no bands")) == "no bands"

    def test_message_stays_on_one_line_and_short(self):
        exc = FieldError("unknown outcome", name="bands[a\nb].outcome", value="x\x1b[2J" * 40)
        text = str(exc)
        assert "\n" not in text and "\x1b" not in text
        assert text.startswith("bands[a\\nb].outcome: unknown outcome, got ")
        assert len(text.split(", got ", 1)[1]) == 80 and text.endswith("…")

    def test_survives_pickling(self):
        exc = pickle.loads(pickle.dumps(McdaError("is empty", name="scores", value=(0,))))
        assert type(exc) is McdaError and (exc.name, exc.value) == ("scores", (0,))
        assert str(exc) == "scores: is empty, got (0,)"

    def test_rule_errors_share_the_base(self):
        from nzc_review.evaluation.risk import RiskModel, RiskModelError
        from nzc_review.mcda.acceptance_rules import RulesError, ScoreWeights
        from nzc_review.store.figures import FigureRules, FiguresError

        for make, cls, name, value in (
            (lambda: RiskModel(draws=10.5), RiskModelError, "draws", 10.5),
            (lambda: ScoreWeights(50, 20, 20, 20), RulesError, "weights", 110),
            (lambda: FigureRules(outlier_min_sd=-5.0), FiguresError, "outlier_min_sd", -5.0),
            (lambda: FigureRules(trim=-1), FiguresError, "trim", -1),
        ):
            with pytest.raises(cls) as info:
                make()
            exc = info.value
            assert isinstance(exc, FieldError) and isinstance(exc, ValueError)
            assert (exc.name, exc.value) == (name, value)
            assert str(exc) == f"{name}: {exc.reason}, got {value!r}"
