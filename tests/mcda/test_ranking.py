"""Tests for nzc_review.mcda.ranking against published worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from nzc_review.errors import NzcError
from nzc_review.mcda import ranking
from nzc_review.mcda.checks import McdaError

# Hwang & Yoon (1981), Multiple Attribute Decision Making, TOPSIS example (p. 133): a fighter
# aircraft. Criteria: max speed, ferry range, max payload, acquisition cost (cost),
# reliability, maneuverability; weights .2 .1 .1 .1 .2 .3. Published closeness
# C* = .643, .268, .613, .312 (A1 > A3 > A4 > A2).
AIRCRAFT = [
    [2.0, 1500, 20000, 5.5, 5, 9],
    [2.5, 2700, 18000, 6.5, 3, 5],
    [1.8, 2000, 21000, 4.5, 7, 7],
    [2.2, 1800, 20000, 5.0, 5, 5],
]
AIRCRAFT_W = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3]
AIRCRAFT_BENEFIT = [True, True, True, False, True, True]


class TestTopsisPublished:
    def test_hwang_yoon_1981_fighter_aircraft_with_cost_criterion(self):
        c = ranking.topsis(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT)
        # The book rounds intermediate values to 4 decimals (its A3 is .613; unrounded
        # arithmetic gives .6135), so agreement is to within one unit of the 3rd decimal.
        assert c == pytest.approx([0.643, 0.268, 0.613, 0.312], abs=1e-3)
        assert list(ranking.rank(c)) == [1, 4, 2, 3]

    def test_tzeng_huang_2011(self):
        # Tzeng & Huang (2011), Multiple Attribute Decision Making: Methods and
        # Applications, TOPSIS numerical example (as in scikit-criteria's test suite,
        # tests/madm/test_similarity.py): C = .5037 .6581 .7482 .3340.
        c = ranking.topsis([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], [0.3, 0.4, 0.3])
        assert c == pytest.approx([0.5037, 0.6581, 0.7482, 0.3340], abs=1e-4)

    def test_integer_benefit_flags_and_weight_scale(self):
        a = ranking.topsis(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT)
        b = ranking.topsis(AIRCRAFT, np.array(AIRCRAFT_W) * 10, [1, 1, 1, -1, 1, 1])
        assert a == pytest.approx(b)

    def test_batch_equals_loop(self):
        rng = np.random.default_rng(0)
        w = rng.dirichlet(np.ones(6), size=50)
        batch = ranking.topsis_batch(AIRCRAFT, w, AIRCRAFT_BENEFIT)
        loop = np.array([ranking.topsis(AIRCRAFT, wi, AIRCRAFT_BENEFIT) for wi in w])
        assert batch == pytest.approx(loop, abs=1e-14)


class TestWeightedSum:
    def test_wikipedia_weighted_sum_model_example(self):
        # Wikipedia, "Weighted sum model", Example: A1 = 21.50, A2 = 22.00, A3 = 22.00.
        s = ranking.weighted_sum(
            [[25, 20, 15, 30], [10, 30, 20, 30], [30, 10, 30, 10]], [0.20, 0.15, 0.40, 0.25]
        )
        assert s == pytest.approx([21.5, 22.0, 22.0])

    def test_normalisations(self):
        x = np.array([[1.0, 10], [2, 20], [4, 40]])
        assert ranking.normalize(x, [True, False], "minmax")[:, 0] == pytest.approx([0, 1 / 3, 1])
        assert ranking.normalize(x, [True, False], "minmax")[:, 1] == pytest.approx([1, 2 / 3, 0])
        assert ranking.normalize(x, [True, False], "max")[:, 1] == pytest.approx([1, 0.5, 0.25])
        assert ranking.normalize(x, None, "sum")[:, 0] == pytest.approx([1 / 7, 2 / 7, 4 / 7])
        v = ranking.normalize(x, None, "vector")
        assert (v**2).sum(axis=0) == pytest.approx([1, 1])

    def test_batch(self):
        x = [[25, 20, 15, 30], [10, 30, 20, 30], [30, 10, 30, 10]]
        w = np.array([[0.20, 0.15, 0.40, 0.25], [1, 0, 0, 0]])
        assert ranking.weighted_sum_batch(x, w) == pytest.approx(
            np.array([[21.5, 22.0, 22.0], [25, 10, 30]])
        )


class TestRank:
    def test_rank_best_is_one_ties_keep_order(self):
        assert list(ranking.rank([0.2, 0.9, 0.5, 0.9])) == [4, 1, 3, 2]
        assert ranking.rank([[3, 1, 2], [1, 2, 3]]).tolist() == [[1, 3, 2], [3, 2, 1]]


class TestRankStability:
    def test_probabilities_are_consistent(self):
        r = ranking.rank_stability(
            AIRCRAFT,
            AIRCRAFT_W,
            AIRCRAFT_BENEFIT,
            n_samples=2000,
            concentration=50,
            top_k=2,
            seed=7,
        )
        m = 4
        assert r.rank_probability.shape == (m, m)
        assert r.rank_probability.sum(axis=0) == pytest.approx(np.ones(m))
        assert r.rank_probability.sum(axis=1) == pytest.approx(np.ones(m))
        assert r.top_k_probability == pytest.approx(r.rank_probability[:, :2].sum(axis=1))
        assert (r.rank_interval[:, 0] <= r.median_rank).all()
        assert (r.median_rank <= r.rank_interval[:, 1]).all()
        assert r.weight_samples.sum(axis=1) == pytest.approx(np.ones(2000))
        assert list(r.base_ranks) == [1, 4, 2, 3]
        assert r.seed == 7

    def test_seed_reproduces_and_weights_center_on_the_panel(self):
        a = ranking.rank_stability(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT, n_samples=5000, seed=1)
        b = ranking.rank_stability(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT, n_samples=5000, seed=1)
        assert np.array_equal(a.ranks, b.ranks)
        assert a.weight_samples.mean(axis=0) == pytest.approx(AIRCRAFT_W, abs=0.005)
        c = ranking.rank_stability(
            AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT, n_samples=10, seed=np.random.default_rng(1)
        )
        assert c.seed is None

    def test_dirichlet_variance_follows_concentration(self):
        w = np.array([0.5, 0.3, 0.2])
        s = ranking.sample_weights(w, 200_000, 20.0, np.random.default_rng(0))
        assert s.var(axis=0) == pytest.approx(w * (1 - w) / 21, rel=0.03)

    def test_default_top_k_fits_two_candidates(self):
        r = ranking.rank_stability([[1, 2], [2, 1]], [0.5, 0.5], n_samples=50, seed=0)
        assert r.top_k == 2 and r.top_k_probability == pytest.approx([1.0, 1.0])
        assert ranking.rank_stability(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT, n_samples=10,
                                      seed=0).top_k == 3
        with pytest.raises(McdaError, match="top_k"):
            ranking.rank_stability([[1, 2], [2, 1]], [0.5, 0.5], n_samples=5, top_k=3)
        with pytest.raises(McdaError, match="top_k: must be a whole number"):
            ranking.rank_stability([[1, 2], [2, 1]], [0.5, 0.5], n_samples=5, top_k=1.5)

    def test_zero_weight_criteria_stay_zero(self):
        r = ranking.rank_stability(
            AIRCRAFT, [0.5, 0, 0, 0, 0.5, 0], AIRCRAFT_BENEFIT, n_samples=100, seed=0
        )
        assert (r.weight_samples[:, [1, 2, 3, 5]] == 0).all()

    def test_scores_match_scalar_topsis(self):
        r = ranking.rank_stability(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT, n_samples=20, seed=3)
        for w, s in zip(r.weight_samples, r.scores, strict=True):
            assert s == pytest.approx(ranking.topsis(AIRCRAFT, w, AIRCRAFT_BENEFIT))

    def test_weighted_sum_method(self):
        x = [[25, 20, 15, 30], [10, 30, 20, 30], [30, 10, 30, 10]]
        r = ranking.rank_stability(
            x, [0.20, 0.15, 0.40, 0.25], method="weighted_sum", n_samples=500, seed=0, top_k=1
        )
        assert r.base_scores == pytest.approx([21.5, 22.0, 22.0])
        assert r.top_k_probability.sum() == pytest.approx(1.0)

    def test_very_high_concentration_reproduces_base_ranking(self):
        r = ranking.rank_stability(
            AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT, n_samples=200, concentration=1e7, seed=0
        )
        assert (r.ranks == r.base_ranks).all()
        assert (r.rank_interval[:, 0] == r.rank_interval[:, 1]).all()


class TestErrors:
    def test_errors_are_nzc_errors(self):
        with pytest.raises(McdaError) as exc:
            ranking.topsis(AIRCRAFT, [1, 1, 1], AIRCRAFT_BENEFIT)
        assert isinstance(exc.value, NzcError) and isinstance(exc.value, ValueError)
        assert "expected 6 weights" in str(exc.value)

    def test_bad_weights(self):
        with pytest.raises(McdaError, match="negative"):
            ranking.topsis(AIRCRAFT, [0.5, -0.1, 0.1, 0.1, 0.2, 0.2], AIRCRAFT_BENEFIT)
        with pytest.raises(McdaError, match="all zero"):
            ranking.topsis(AIRCRAFT, np.zeros(6), AIRCRAFT_BENEFIT)
        with pytest.raises(McdaError, match="NaN"):
            ranking.topsis(AIRCRAFT, [np.nan, 1, 1, 1, 1, 1], AIRCRAFT_BENEFIT)

    def test_bad_matrix(self):
        with pytest.raises(McdaError, match="NaN"):
            ranking.topsis([[1, np.nan], [2, 3]], [0.5, 0.5])
        with pytest.raises(McdaError, match="2-D"):
            ranking.topsis([1, 2, 3], [1])
        with pytest.raises(McdaError, match="zero for every candidate"):
            ranking.topsis([[0, 1], [0, 2]], [0.5, 0.5])
        with pytest.raises(McdaError, match="identical"):
            ranking.topsis([[1, 2], [1, 2]], [0.5, 0.5])

    def test_bad_benefit(self):
        with pytest.raises(McdaError, match="expected 6 flags"):
            ranking.topsis(AIRCRAFT, AIRCRAFT_W, [True, False])
        with pytest.raises(McdaError, match="True"):
            ranking.topsis(AIRCRAFT, AIRCRAFT_W, ["yes"] * 6)

    def test_weighted_sum_errors(self):
        with pytest.raises(McdaError, match="cost criterion needs a normalisation"):
            ranking.weighted_sum(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT)
        with pytest.raises(McdaError, match="unknown normalisation"):
            ranking.weighted_sum(AIRCRAFT, AIRCRAFT_W, normalization="zscore")
        with pytest.raises(McdaError, match="positive"):
            ranking.weighted_sum([[0, 1], [1, 2]], [1, 1], normalization="max")

    def test_rank_stability_errors(self):
        kw = {"matrix": AIRCRAFT, "weights": AIRCRAFT_W, "benefit": AIRCRAFT_BENEFIT}
        with pytest.raises(McdaError, match="unknown method"):
            ranking.rank_stability(**kw, method="vikor")
        with pytest.raises(McdaError, match="concentration"):
            ranking.rank_stability(**kw, concentration=0)
        with pytest.raises(McdaError, match="top_k"):
            ranking.rank_stability(**kw, top_k=5)
        with pytest.raises(McdaError, match="n_samples"):
            ranking.rank_stability(**kw, n_samples=0)
        with pytest.raises(McdaError, match="percentiles"):
            ranking.rank_stability(**kw, percentiles=(95, 5))
        with pytest.raises(McdaError, match="normalization"):
            ranking.rank_stability(**kw, normalization="minmax")
        with pytest.raises(McdaError, match="samples x 6"):
            ranking.topsis_batch(AIRCRAFT, np.ones((3, 5)), AIRCRAFT_BENEFIT)
