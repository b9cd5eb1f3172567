"""Tests for nzc_review.mcda.panel_stats against published worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from nzc_review.errors import NzcError
from nzc_review.mcda import panel_stats as panel
from nzc_review.mcda.checks import McdaError

NAN = np.nan

# Shrout & Fleiss (1979), Psychological Bulletin 86(2), Table 2: four judges rate six
# targets (targets in rows, judges in columns).
SHROUT_FLEISS = np.array(
    [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ],
    dtype=float,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example with
# 4 observers x 12 units and missing values (observers in rows).
KRIPP_4x12 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]

# Krippendorff's 3 observers x 15 units example (Content Analysis, and the Wikipedia
# "Krippendorff's alpha" computational example), as used by the `krippendorff` package
# tests (pln-fing-udelar/fast-krippendorff tests/test_krippendorff.py).
KRIPP_3x15 = [
    [NAN, NAN, NAN, NAN, NAN, 3, 4, 1, 2, 1, 1, 3, 3, NAN, 3],
    [1, NAN, 2, 1, 3, 3, 4, 3, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
    [NAN, NAN, 2, 1, 3, 4, 4, NAN, 2, 1, 1, 3, 3, NAN, 4],
]

# Hollander & Wolfe (1973), Nonparametric Statistical Methods, p. 140ff. ("RoundingTimes"
# in R's ?friedman.test): 22 players (blocks) x 3 methods of rounding first base, with
# ties. R prints Friedman chi-squared = 11.143, df = 2, p-value = 0.003805; Kendall's
# W = chi2 / (m (n - 1)) = 0.2532468.
ROUNDING_TIMES = np.array(
    [
        [5.40, 5.50, 5.55],
        [5.85, 5.70, 5.75],
        [5.20, 5.60, 5.50],
        [5.55, 5.50, 5.40],
        [5.90, 5.85, 5.70],
        [5.45, 5.55, 5.60],
        [5.40, 5.40, 5.35],
        [5.45, 5.50, 5.35],
        [5.25, 5.15, 5.00],
        [5.85, 5.80, 5.70],
        [5.25, 5.20, 5.10],
        [5.65, 5.55, 5.45],
        [5.60, 5.35, 5.45],
        [5.05, 5.00, 4.95],
        [5.50, 5.50, 5.40],
        [5.45, 5.55, 5.50],
        [5.55, 5.55, 5.35],
        [5.45, 5.50, 5.55],
        [5.50, 5.45, 5.25],
        [5.65, 5.60, 5.40],
        [5.70, 5.65, 5.55],
        [6.30, 6.30, 6.25],
    ]
)


class TestICC:
    @pytest.mark.parametrize(
        ("kind", "published"),
        [
            ("ICC(1,1)", 0.17),
            ("ICC(2,1)", 0.29),
            ("ICC(3,1)", 0.71),
            ("ICC(1,k)", 0.44),
            ("ICC(2,k)", 0.62),
            ("ICC(3,k)", 0.91),
        ],
    )
    def test_shrout_fleiss_1979_table_4(self, kind, published):
        # Shrout & Fleiss (1979), Table 4 (values to two decimals).
        assert round(panel.icc(SHROUT_FLEISS, kind), 2) == published

    def test_anova_mean_squares(self):
        # Shrout & Fleiss (1979), their ANOVA of the Table 2 data: BMS 11.24, WMS 6.26,
        # JMS 32.49, EMS 1.02.
        a = panel.icc_anova(SHROUT_FLEISS)
        assert (round(a.bms, 2), round(a.wms, 2), round(a.jms, 2), round(a.ems, 2)) == (
            11.24,
            6.26,
            32.49,
            1.02,
        )
        assert (a.n, a.k) == (6, 4)

    def test_short_kind_names(self):
        assert panel.icc(SHROUT_FLEISS, "ICC2k") == panel.icc(SHROUT_FLEISS, "ICC(2,k)")
        assert panel.icc(SHROUT_FLEISS, "icc(3,1)") == panel.icc(SHROUT_FLEISS, "ICC(3,1)")


class TestKrippendorff:
    @pytest.mark.parametrize(
        ("level", "published"),
        [
            ("nominal", 0.743),
            ("ordinal", 0.815),
            ("interval", 0.849),
            ("ratio", 0.797),
        ],
    )
    def test_krippendorff_2011_four_observers(self, level, published):
        # nominal .743 and interval .849 are printed in Krippendorff (2011); ordinal .815
        # and ratio .797 are the values the `krippendorff` package tests assert.
        assert round(panel.krippendorff_alpha(KRIPP_4x12, level), 3) == published

    @pytest.mark.parametrize(
        ("level", "expected"),
        [
            ("nominal", 0.691358),
            ("interval", 0.810845),
        ],
    )
    def test_three_observer_example(self, level, expected):
        assert panel.krippendorff_alpha(KRIPP_3x15, level) == pytest.approx(expected, abs=5e-7)

    def test_perfect_agreement_and_default_level(self):
        data = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, NAN]]
        for level in ("nominal", "ordinal", "interval", "ratio"):
            assert panel.krippendorff_alpha(data, level) == pytest.approx(1.0)
        assert panel.krippendorff_alpha(KRIPP_4x12) == panel.krippendorff_alpha(
            KRIPP_4x12, "interval"
        )

    def test_units_with_a_single_value_are_ignored(self):
        extra = np.column_stack([KRIPP_4x12, [7, NAN, NAN, NAN]])
        assert panel.krippendorff_alpha(extra, "nominal") == pytest.approx(
            panel.krippendorff_alpha(KRIPP_4x12, "nominal")
        )


class TestKendallW:
    def test_hollander_wolfe_rounding_times_with_ties(self):
        r = panel.kendall_w(ROUNDING_TIMES, ties=True)
        assert r.w == pytest.approx(0.2532468, abs=5e-8)
        assert round(r.chi2, 3) == 11.143
        assert r.df == 2
        assert round(r.p, 6) == 0.003805
        assert (r.m, r.n) == (22, 3)

    def test_matches_scipy_friedman(self):
        # Friedman's tie-corrected statistic equals m (n - 1) W (Legendre 2005).
        from scipy import stats  # here: scipy.stats costs a second to import

        fr = stats.friedmanchisquare(*ROUNDING_TIMES.T)
        assert panel.kendall_w(ROUNDING_TIMES).chi2 == pytest.approx(fr.statistic)

    def test_tie_correction_raises_w(self):
        tied = panel.kendall_w(ROUNDING_TIMES, ties=True).w
        untied = panel.kendall_w(ROUNDING_TIMES, ties=False).w
        assert untied < tied

    def test_complete_agreement_and_no_ties(self):
        r = panel.kendall_w([[1, 2, 3, 4], [10, 20, 30, 40], [0.1, 0.2, 0.3, 0.4]])
        assert r.w == pytest.approx(1.0)
        assert r.chi2 == pytest.approx(3 * 3)


class TestCentralScores:
    def test_trimmed_mean_drops_one_highest_one_lowest(self):
        assert panel.trimmed_mean([70, 95, 80, 40, 85]) == pytest.approx((70 + 80 + 85) / 3)
        assert panel.trimmed_mean([70, 95, 80, 40, 85], trim=2) == 80
        assert panel.trimmed_mean([1, 2, 3], trim=0) == 2

    def test_weighted_mean(self):
        assert panel.weighted_mean([80, 60], [3, 1]) == pytest.approx(75)

    def test_summarize(self):
        s = np.array([[18, 15, 20], [16, 14, 19], [10, 12, 15], [17, 16, 18]], float)
        r = panel.summarize(s, expert_weights=[1, 1, 1, 2])
        assert r.n_experts == 4
        assert r.expert_totals == pytest.approx([53, 49, 37, 51])
        assert r.total.mean == pytest.approx(47.5)
        assert r.total.median == pytest.approx(50)
        assert r.total.trimmed_mean == pytest.approx(50)
        assert r.total.weighted_mean == pytest.approx((53 + 49 + 37 + 2 * 51) / 5)
        assert r.criteria[0].trimmed_mean == pytest.approx(16.5)

    def test_summarize_with_criteria_weights_per_expert(self):
        s = np.array([[80, 60], [70, 90], [50, 50]], float)
        r = panel.summarize(s, criteria_weights=[[1, 1], [3, 1], [1, 0]])
        assert r.expert_totals == pytest.approx([70, 75, 50])
        small = panel.summarize(s[:2])
        assert small.total.trimmed_mean is None


class TestBiasCalibration:
    def test_additive_bias_is_removed_exactly(self):
        true = np.array([[70, 80, 60, 90]] * 3, float)
        bias = np.array([5.0, -3.0, -2.0])
        r = panel.calibrate_bias(true + bias[:, None])
        assert r.bias == pytest.approx(bias)
        assert r.calibrated == pytest.approx(true)

    def test_complete_design_equals_two_way_least_squares_rater_effect(self):
        rng = np.random.default_rng(3)
        s = rng.normal(70, 10, size=(5, 8))
        r = panel.calibrate_bias(s)
        assert r.bias == pytest.approx(s.mean(axis=1) - s.mean())

    def test_missing_scores_and_trailing_axes(self):
        s = np.array([[[80, 8], [70, 7]], [[76, 6], [NAN, NAN]], [[78, 7], [66, 5]]], float)
        r = panel.calibrate_bias(s)
        assert r.bias.shape == (3, 2)
        assert np.isnan(r.calibrated[1, 1]).all()


class TestOutlierExperts:
    def test_far_expert_is_flagged(self):
        s = np.array(
            [
                [80, 70, 90, 60],
                [82, 68, 88, 62],
                [79, 72, 91, 59],
                [81, 71, 89, 61],
                [40, 95, 50, 98],  # disagrees with everyone
            ],
            float,
        )
        flags = panel.flag_outlier_experts(s)
        assert [f.flagged for f in flags] == [False, False, False, False, True]
        codes = {c for c, _ in flags[4].reasons}
        assert codes == {"far_from_panel", "low_correlation"}
        assert flags[4].correlation < 0
        assert "专家5" in flags[4].reasons[0][1]

    def test_z_is_leave_one_out(self):
        s = np.array([[10.0], [12.0], [14.0], [30.0]])
        f = panel.flag_outlier_experts(s, z_threshold=100)
        others = np.array([10.0, 12.0, 14.0])
        assert f[3].z[0] == pytest.approx((30 - others.mean()) / others.std(ddof=1))
        assert not any(x.flagged for x in f)

    def test_min_sd_floor_and_recusal(self):
        s = np.array([[80, 70, NAN], [80, 70, 60], [80, 70, 61], [81, 70, 62]], float)
        f = panel.flag_outlier_experts(s)
        assert f[3].z[0] == pytest.approx(1.0)  # 1 point / floor of 1 point
        assert np.isnan(f[0].z[2])
        assert not any(x.flagged for x in f)


class TestErrors:
    def test_errors_are_nzc_errors(self):
        with pytest.raises(McdaError) as exc:
            panel.trimmed_mean([80, 90])
        assert isinstance(exc.value, NzcError) and isinstance(exc.value, ValueError)
        assert "at least 3 experts" in str(exc.value)

    def test_trimmed_mean_errors(self):
        with pytest.raises(McdaError, match="at least 5 experts"):
            panel.trimmed_mean([1, 2, 3, 4], trim=2)
        with pytest.raises(McdaError, match="NaN"):
            panel.trimmed_mean([1, NAN, 3])
        with pytest.raises(McdaError, match="1-D"):
            panel.trimmed_mean([[1, 2, 3]])
        with pytest.raises(McdaError, match="trim"):
            panel.trimmed_mean([1, 2, 3], trim=-1)

    def test_weight_errors(self):
        with pytest.raises(McdaError, match="expected 2 weights"):
            panel.weighted_mean([1, 2], [1, 2, 3])
        with pytest.raises(McdaError, match="negative"):
            panel.weighted_mean([1, 2], [1, -2])
        with pytest.raises(McdaError, match="all zero"):
            panel.weighted_mean([1, 2], [0, 0])
        with pytest.raises(McdaError, match="shape"):
            panel.summarize([[1, 2], [3, 4]], criteria_weights=[1, 2, 3])

    def test_kendall_errors(self):
        with pytest.raises(McdaError, match="NaN"):
            panel.kendall_w([[1, 2, NAN], [1, 2, 3]])
        with pytest.raises(McdaError, match="at least 2 raters"):
            panel.kendall_w([[1, 2, 3]])
        with pytest.raises(McdaError, match="undefined"):
            panel.kendall_w([[1, 1, 1], [2, 2, 2]])

    def test_krippendorff_errors(self):
        with pytest.raises(McdaError, match="level"):
            panel.krippendorff_alpha(KRIPP_4x12, "cardinal")
        with pytest.raises(McdaError, match="at least two raters"):
            panel.krippendorff_alpha([[1, NAN], [NAN, 2]])
        with pytest.raises(McdaError, match="identical"):
            panel.krippendorff_alpha([[1, 1], [1, 1]])
        with pytest.raises(McdaError, match="infinite"):
            panel.krippendorff_alpha([[1, np.inf], [1, 2]])

    def test_icc_errors(self):
        with pytest.raises(McdaError, match="unknown ICC kind"):
            panel.icc(SHROUT_FLEISS, "ICC(4,1)")
        with pytest.raises(McdaError, match="NaN"):
            panel.icc([[1, NAN], [2, 3]])
        with pytest.raises(McdaError, match="at least 2 targets"):
            panel.icc([[1, 2, 3]])
        with pytest.raises(McdaError, match="identical"):
            panel.icc([[5, 5], [5, 5]])

    @pytest.mark.parametrize(
        ("scores", "kind"),
        [
            ([[80, 90], [90, 80]], "ICC(1,k)"),  # all targets share a mean: BMS = 0
            ([[80, 90], [90, 80]], "ICC(3,k)"),
            ([[80, 90], [80, 90]], "ICC(3,1)"),  # and no residual either
            ([[70, 80, 90], [70, 80, 90]], "ICC(3,1)"),  # identical targets
            ([[70.1, 80.3, 90.7], [70.1, 80.3, 90.7]], "ICC(3,1)"),  # with rounding noise
        ],
    )
    def test_icc_undefined_forms_raise_a_clear_error(self, scores, kind):
        with pytest.raises(McdaError, match=r"undefined for these scores: all targets have"):
            panel.icc(scores, kind)

    def test_icc_defined_forms_at_the_edge(self):
        # one-way ICC(1,1) of targets sharing a mean is its lower bound -1/(k-1), exactly
        assert panel.icc([[80, 90], [90, 80]], "ICC(1,1)") == -1.0
        assert panel.icc([[70, 80, 90], [70, 80, 90]], "ICC(1,1)") == pytest.approx(-0.5)
        assert panel.icc([[70, 80, 90], [70, 80, 90]], "ICC(2,1)") == 0.0

    @pytest.mark.parametrize("trim", [1.5, True, "1", -1, float("nan")])
    def test_trim_must_be_a_whole_number(self, trim):
        with pytest.raises(McdaError, match="trim: must be a whole number"):
            panel.trimmed_mean([1, 2, 3, 4, 5], trim=trim)
        with pytest.raises(McdaError, match="trim"):
            panel.summarize([[1, 2], [3, 4], [5, 6]], trim=trim)

    def test_trim_as_a_whole_float_is_accepted(self):
        assert panel.trimmed_mean([1, 2, 3, 10], trim=1.0) == 2.5

    def test_calibration_and_outlier_errors(self):
        with pytest.raises(McdaError, match="at least 2 experts"):
            panel.calibrate_bias([[1, 2, 3]])
        with pytest.raises(McdaError, match="fewer than 2 experts"):
            panel.calibrate_bias([[1, 2], [NAN, 3]])
        with pytest.raises(McdaError, match="at least 3 experts"):
            panel.flag_outlier_experts([[1, 2], [3, 4]])
