"""Tests for nzc_review.mcda.weighting against published worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from nzc_review.errors import NzcError
from nzc_review.mcda import weighting
from nzc_review.mcda.checks import McdaError

# Saaty, T. L. (2008). Decision making with the analytic hierarchy process. Int. J.
# Services Sciences 1(1), 83-98: "relative consumption of drinks in the United States",
# judgments and derived priorities in the table of that example; published
# priorities coffee .177, wine .019, tea .042, beer .116, soda .190, milk .129,
# water .327 and C.R. = .022. (Judgments as transcribed in AHPy's test suite,
# PhilipGriffith/AHPy tests/test_ahp.py.)
DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
DRINK_JUDGMENTS = {
    ("coffee", "wine"): 9,
    ("coffee", "tea"): 5,
    ("coffee", "beer"): 2,
    ("coffee", "soda"): 1,
    ("coffee", "milk"): 1,
    ("water", "coffee"): 2,
    ("water", "wine"): 9,
    ("water", "tea"): 9,
    ("water", "beer"): 3,
    ("water", "soda"): 2,
    ("water", "milk"): 3,
    ("tea", "wine"): 3,
    ("beer", "wine"): 9,
    ("beer", "tea"): 3,
    ("beer", "milk"): 1,
    ("soda", "wine"): 9,
    ("soda", "tea"): 4,
    ("soda", "beer"): 2,
    ("soda", "milk"): 2,
    ("milk", "wine"): 9,
    ("milk", "tea"): 3,
}
DRINK_PRIORITIES = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]


def drinks_matrix() -> np.ndarray:
    return weighting.pairwise_matrix(
        {(DRINKS.index(a), DRINKS.index(b)): v for (a, b), v in DRINK_JUDGMENTS.items()}, 7
    )


# Wikipedia, "Analytic hierarchy process - leader example": criteria Experience,
# Education, Charisma, Age; published weights .547, .127, .270, .056.
LEADER_UPPER = [4, 3, 7, 1 / 3, 3, 5]  # exp/edu, exp/cha, exp/age, edu/cha, edu/age, cha/age


class TestAHPPublished:
    def test_saaty_2008_drinks_priorities(self):
        r = weighting.ahp(drinks_matrix())
        assert r.weights == pytest.approx(DRINK_PRIORITIES, abs=5e-4)
        assert r.weights.sum() == pytest.approx(1.0)

    def test_saaty_2008_drinks_cr_with_saaty_1980_table(self):
        r = weighting.ahp(drinks_matrix(), ri="saaty")
        assert r.ri_table == "saaty"
        assert r.ri == 1.32  # Saaty (1980) RI for n = 7
        assert round(r.cr, 3) == 0.022  # Saaty (2008): C.R. = .022
        assert r.consistent and r.warnings == ()
        assert r.lambda_max == pytest.approx(7 + 6 * r.ci)
        assert r.cr == pytest.approx(r.ci / 1.32)

    def test_alonso_lamata_table(self):
        # Alonso & Lamata (2006), IJUFKS 14(4):445-459: RI(7) = 1.3417.
        saaty = weighting.ahp(drinks_matrix(), ri="saaty")
        al = weighting.ahp(drinks_matrix(), ri="alonso-lamata")
        assert al.ri_table == "alonso-lamata"
        assert al.ri == 1.3417
        assert al.ci == pytest.approx(saaty.ci)
        assert al.cr == pytest.approx(saaty.ci / 1.3417)
        assert np.allclose(al.weights, saaty.weights)

    def test_donegan_dodd_table_matches_independent_implementation(self):
        # AHPy (independent implementation) reports CR 0.0235 for the drinks matrix with
        # Donegan & Dodd's (1991) RI(7) = 1.2519.
        r = weighting.ahp(drinks_matrix(), ri="Donegan & Dodd")
        assert r.ri_table == "donegan-dodd"
        assert round(r.cr, 4) == 0.0235

    def test_ri_tables_differ_where_they_should(self):
        crs = {t: weighting.ahp(drinks_matrix(), ri=t).cr for t in weighting.RANDOM_INDEX_TABLES}
        assert len({round(c, 6) for c in crs.values()}) == len(crs)

    def test_leader_example_weights(self):
        r = weighting.ahp(weighting.pairwise_matrix(LEADER_UPPER))
        assert r.weights == pytest.approx([0.547, 0.127, 0.270, 0.056], abs=1e-3)
        assert r.consistent

    def test_custom_ri_mapping_is_reported(self):
        r = weighting.ahp(drinks_matrix(), ri={7: 1.0})
        assert r.ri_table == "custom" and r.cr == pytest.approx(r.ci)


class TestAHPProperties:
    def test_consistent_matrix(self):
        w = np.array([0.5, 0.3, 0.2])
        a = w[:, None] / w[None, :]
        r = weighting.ahp(a)
        assert r.weights == pytest.approx(w)
        assert r.lambda_max == pytest.approx(3.0)
        assert r.ci == pytest.approx(0.0, abs=1e-12) and r.cr == pytest.approx(0.0, abs=1e-12)
        assert all(j.deviation == pytest.approx(0.0, abs=1e-12) for j in r.judgments)

    def test_orders_one_and_two(self):
        assert weighting.ahp([[1.0]]).weights == pytest.approx([1.0])
        r = weighting.ahp([[1, 3], [1 / 3, 1]])
        assert r.weights == pytest.approx([0.75, 0.25]) and r.cr == 0.0

    def test_inconsistent_warns_and_names_the_worst_judgment(self):
        # Consistent 4x4 from w = (8, 4, 2, 1), then one judgment reversed: a_03 = 1/8.
        w = np.array([8.0, 4.0, 2.0, 1.0])
        a = w[:, None] / w[None, :]
        a[0, 3], a[3, 0] = 1 / 8, 8
        r = weighting.ahp(a)
        assert r.cr >= 0.1 and not r.consistent
        assert r.warnings and "CR" in r.warnings[0]
        worst = r.most_inconsistent(1)[0]
        assert (worst.i, worst.j) == (0, 3)
        assert worst.value == pytest.approx(1 / 8)
        assert worst.deviation == pytest.approx(abs(np.log(a[0, 3] * r.weights[3] / r.weights[0])))

    def test_rounded_reciprocal_is_accepted(self):
        r = weighting.ahp([[1, 3, 0.5], [0.333, 1, 0.25], [2, 4, 1]])
        assert r.weights.sum() == pytest.approx(1.0)

    def test_pairwise_matrix_from_sequence_and_mapping_agree(self):
        a = weighting.pairwise_matrix([2, 4, 2])
        b = weighting.pairwise_matrix({(0, 1): 2, (2, 0): 0.25, (1, 2): 2}, 3)
        assert np.allclose(a, b)
        assert np.allclose(a * a.T, 1.0)


class TestGroupAHP:
    def test_aij_is_elementwise_geometric_mean(self):
        a = weighting.pairwise_matrix([2, 4, 3])
        b = weighting.pairwise_matrix([8, 1, 1 / 3])
        g = weighting.ahp_group([a, b], method="AIJ")
        expected = weighting.ahp(weighting.pairwise_matrix([4, 2, 1]))
        assert g.method == "AIJ"
        assert g.weights == pytest.approx(expected.weights)
        assert g.cr == pytest.approx(expected.cr)
        assert len(g.individual) == 2 and g.aggregate is not None

    def test_expert_weighted_aij(self):
        a = weighting.pairwise_matrix([9])
        b = weighting.pairwise_matrix([1])
        g = weighting.ahp_group([a, b], method="AIJ", expert_weights=[3, 1])
        # 9 ** 0.75 * 1 ** 0.25 = 5.196...
        assert g.aggregate.n == 2
        assert g.weights[0] / g.weights[1] == pytest.approx(9**0.75)
        assert g.expert_weights == pytest.approx([0.75, 0.25])

    def test_aip_is_normalised_weighted_geometric_mean_of_priorities(self):
        mats = [drinks_matrix(), weighting.pairwise_matrix(np.full(21, 1.0))]
        g = weighting.ahp_group(mats, method="AIP", expert_weights=[2, 1])
        w1, w2 = (weighting.ahp(m).weights for m in mats)
        raw = w1 ** (2 / 3) * w2 ** (1 / 3)
        assert g.weights == pytest.approx(raw / raw.sum())
        assert g.cr == pytest.approx(max(r.cr for r in g.individual))

    def test_aij_equals_aip_for_consistent_judgments(self):
        ws = [np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.2, 0.6]), np.array([0.4, 0.4, 0.2])]
        mats = [w[:, None] / w[None, :] for w in ws]
        aij = weighting.ahp_group(mats, "AIJ", expert_weights=[1, 2, 3])
        aip = weighting.ahp_group(mats, "AIP", expert_weights=[1, 2, 3])
        assert aij.weights == pytest.approx(aip.weights)

    def test_individual_warnings_name_the_expert(self):
        w = np.array([8.0, 4.0, 2.0, 1.0])
        bad = w[:, None] / w[None, :]
        bad[0, 3], bad[3, 0] = 1 / 8, 8
        g = weighting.ahp_group([w[:, None] / w[None, :], bad])
        assert any(msg.startswith("专家2") for msg in g.warnings)


class TestDirectAndObjective:
    def test_direct_weights(self):
        assert weighting.direct_weights([30, 20, 20, 10, 10, 10]) == pytest.approx(
            [0.3, 0.2, 0.2, 0.1, 0.1, 0.1]
        )
        assert weighting.direct_weights([3, 1], total=None) == pytest.approx([0.75, 0.25])

    def test_entropy_elsayed_2017(self):
        # Elsayed, Dawood & Karthikeyan (2017), "Evaluating alternatives through the
        # application of TOPSIS method with entropy weight", IJETT 46(2), 60-66;
        # matrix and weights as used in pymcdm's test suite (test/test_weights.py).
        x = np.array(
            [
                [7, 312, 1891, 6613, 163],
                [72, 88, 728, 941804, 1078],
                [10, 252, 2594, 3466, 117471],
                [10, 145, 980, 2371, 86329],
                [65, 54, 350, 501, 29897],
                [29, 48, 380, 912, 34051],
                [7, 476, 3300, 78470, 2212],
                [70, 87, 650, 733, 819000],
                [4, 86, 591, 3015, 103],
                [12, 79, 579, 3240, 96098],
                [21, 45, 261, 1253, 453],
                [1, 72, 530, 4333, 0.104800],
            ]
        )
        w = weighting.entropy_weights(x)
        assert w == pytest.approx([0.104991, 0.069124, 0.071373, 0.449937, 0.304575], abs=5e-7)

    def test_entropy_zero_entries_use_0_log_0(self):
        w = weighting.entropy_weights([[1, 0], [1, 2], [1, 2]])
        # column 0 is uniform (e = 1, no information); column 1 has e = ln 2 / ln 3
        assert w == pytest.approx([0.0, 1.0])

    def test_critic_diakoulaki_1995(self):
        # Data of Diakoulaki, Mavrotas & Papayannakis (1995), Comput. Oper. Res. 22(7),
        # 763-770; weights as computed by scikit-criteria (independent implementation,
        # tests/preprocessing/test_weighters.py) with min-max scaling and Pearson r.
        x = [
            [61, 1.08, 4.33],
            [20.7, 0.26, 4.34],
            [16.3, 1.98, 2.53],
            [9.0, 3.29, 1.65],
            [5.4, 2.77, 2.33],
            [4.0, 4.12, 1.21],
            [-6.1, 3.52, 2.10],
            [-34.6, 3.31, 0.98],
        ]
        w = weighting.critic_weights(x)
        assert w == pytest.approx([0.20222554, 0.48090173, 0.31687273], abs=1e-8)

    def test_critic_tus_adali_2019(self):
        # Tuş & Adalı (2019), "The new combination with CRITIC and WASPAS methods for the
        # time and attendance software selection problem", Opsearch 56(2), 528-538;
        # weights to 3 d.p. as used in pymcdm's test suite (all criteria scaled as
        # benefit, as in that reference).
        x = [
            [5000, 3, 3, 4, 3, 2],
            [680, 5, 3, 2, 2, 1],
            [2000, 3, 2, 3, 4, 3],
            [600, 4, 3, 1, 2, 2],
            [800, 2, 4, 3, 3, 4],
        ]
        w = weighting.critic_weights(x)
        assert np.round(w, 3) == pytest.approx([0.157, 0.249, 0.168, 0.121, 0.154, 0.151])

    def test_critic_cost_flag_flips_the_column(self):
        x = np.array([[1.0, 5, 3], [2, 3, 1], [4, 4, 2], [3, 1, 5]])
        flipped = x.copy()
        flipped[:, 0] = -flipped[:, 0]
        assert weighting.critic_weights(x, [False, True, True]) == pytest.approx(
            weighting.critic_weights(flipped)
        )


class TestErrors:
    def test_errors_are_nzc_and_value_errors(self):
        with pytest.raises(McdaError) as exc:
            weighting.ahp([[1, 2], [0.5, 1], [1, 1]])
        assert isinstance(exc.value, NzcError) and isinstance(exc.value, ValueError)
        assert "square" in str(exc.value)

    def test_non_reciprocal(self):
        with pytest.raises(McdaError, match="not reciprocal") as exc:
            weighting.ahp([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 2, 1]])
        assert exc.value.name == "matrix[2, 1]"

    def test_non_positive(self):
        with pytest.raises(McdaError, match="positive"):
            weighting.ahp([[1, 0], [0, 1]])
        with pytest.raises(McdaError, match="positive"):
            weighting.ahp([[1, -2], [-0.5, 1]])

    def test_bad_diagonal(self):
        with pytest.raises(McdaError, match="diagonal"):
            weighting.ahp([[2, 1], [1, 1]])

    def test_nan_in_matrix(self):
        with pytest.raises(McdaError, match="NaN"):
            weighting.ahp([[1, np.nan], [np.nan, 1]])

    def test_unknown_ri_table_and_uncovered_order(self):
        with pytest.raises(McdaError, match="unknown random-index table"):
            weighting.ahp(drinks_matrix(), ri="nobody-1999")
        big = np.ones((11, 11))
        with pytest.raises(McdaError, match="no value for n=11"):
            weighting.ahp(big, ri="saaty")
        assert weighting.ahp(big, ri="alonso-lamata").cr == pytest.approx(0.0, abs=1e-9)

    def test_group_errors(self):
        with pytest.raises(McdaError, match="AIJ"):
            weighting.ahp_group([drinks_matrix()], method="mean")
        with pytest.raises(McdaError, match="same criteria"):
            weighting.ahp_group([drinks_matrix(), np.ones((3, 3))])
        with pytest.raises(McdaError, match="no matrices"):
            weighting.ahp_group([])
        with pytest.raises(McdaError, match="expected 2 weights"):
            weighting.ahp_group([np.ones((3, 3))] * 2, expert_weights=[1, 1, 1])
        with pytest.raises(McdaError, match="all zero"):
            weighting.ahp_group([np.ones((3, 3))] * 2, expert_weights=[0, 0])
        with pytest.raises(McdaError, match=r"matrices\[1\]"):
            weighting.ahp_group([np.ones((3, 3)), [[1, 2, 1], [2, 1, 1], [1, 1, 1]]])

    def test_direct_weight_errors(self):
        with pytest.raises(McdaError, match="negative"):
            weighting.direct_weights([110, -10])
        with pytest.raises(McdaError, match="all zero"):
            weighting.direct_weights([0, 0, 0], total=None)
        with pytest.raises(McdaError, match="add up to 90"):
            weighting.direct_weights([50, 40])
        with pytest.raises(McdaError, match="NaN"):
            weighting.direct_weights([50, np.nan])

    def test_objective_weight_errors(self):
        with pytest.raises(McdaError, match="non-negative"):
            weighting.entropy_weights([[1, -1], [2, 3]])
        with pytest.raises(McdaError, match="constant"):
            weighting.entropy_weights([[1, 1], [1, 1]])
        with pytest.raises(McdaError, match="at least 2"):
            weighting.entropy_weights([[1, 2]])
        with pytest.raises(McdaError, match="constant"):
            weighting.critic_weights([[1, 2], [1, 3], [1, 4]])
        with pytest.raises(McdaError, match="at least 3"):
            weighting.critic_weights([[1, 2], [2, 3]])
        with pytest.raises(McdaError, match="benefit"):
            weighting.critic_weights([[1, 2], [2, 3], [3, 1]], benefit=[True])

    def test_pairwise_matrix_errors(self):
        with pytest.raises(McdaError, match="do not fit"):
            weighting.pairwise_matrix([1, 2])
        with pytest.raises(McdaError, match="missing"):
            weighting.pairwise_matrix({(0, 1): 2}, 3)
        with pytest.raises(McdaError, match="positive"):
            weighting.pairwise_matrix([2, 0, 1])
