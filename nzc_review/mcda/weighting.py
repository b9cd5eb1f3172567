"""Criteria weighting: AHP (single and group), direct points, and objective weights.

An expert weights the review criteria either directly (points that sum to 100) or by
pairwise comparison (AHP). Analysts may also derive objective weights from a decision
matrix (entropy, CRITIC). Every function here is pure: arrays in, a result out.

References
----------
.. [Saaty1977] Saaty, T. L. (1977). A scaling method for priorities in hierarchical
   structures. *Journal of Mathematical Psychology* 15(3), 234-281.
.. [Saaty1980] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
.. [Saaty2003] Saaty, T. L. (2003). Decision-making with the AHP: Why is the principal
   eigenvector necessary. *European Journal of Operational Research* 145(1), 85-91.
.. [Saaty2005] Saaty, T. L. (2005). *Theory and Applications of the Analytic Network
   Process*. RWS Publications, p. 31 (random index table).
.. [AlonsoLamata2006] Alonso, J. A., & Lamata, M. T. (2006). Consistency in the analytic
   hierarchy process: a new approach. *Int. J. Uncertainty, Fuzziness and Knowledge-Based
   Systems* 14(4), 445-459.
.. [DoneganDodd1991] Donegan, H. A., & Dodd, F. J. (1991). A note on Saaty's random
   indexes. *Mathematical and Computer Modelling* 15(10), 135-137.
.. [AczelSaaty1983] Aczél, J., & Saaty, T. L. (1983). Procedures for synthesizing ratio
   judgements. *Journal of Mathematical Psychology* 27(1), 93-102.
.. [FormanPeniwati1998] Forman, E., & Peniwati, K. (1998). Aggregating individual
   judgments and priorities with the analytic hierarchy process. *European Journal of
   Operational Research* 108(1), 165-169.
.. [HwangYoon1981] Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making:
   Methods and Applications*. Springer (entropy method of criteria weighting).
.. [Diakoulaki1995] Diakoulaki, D., Mavrotas, G., & Papayannakis, L. (1995). Determining
   objective weights in multiple criteria problems: the CRITIC method. *Computers &
   Operations Research* 22(7), 763-770.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nzc_review.mcda import checks
from nzc_review.mcda.checks import McdaError, Shape

__all__ = [
    "RANDOM_INDEX_TABLES",
    "AHPResult",
    "GroupAHPResult",
    "Judgment",
    "RandomIndexTable",
    "ahp",
    "ahp_group",
    "critic_weights",
    "direct_weights",
    "entropy_weights",
    "pairwise_matrix",
]

#: CR at or above this value is "inconsistent" (Saaty 1980: revise the judgments).
CR_THRESHOLD = 0.1


# --------------------------------------------------------------------------------------
# Random index tables (registry)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RandomIndexTable:
    """A table of random consistency indices RI(n) for the consistency ratio CR = CI/RI.

    Attributes
    ----------
    name:
        Registry key, reported in :class:`AHPResult.ri_table`.
    values:
        ``n -> RI``. Orders 1 and 2 are always consistent and are not looked up.
    source:
        Citation of the table.
    """

    name: str
    values: Mapping[int, float]
    source: str

    def lookup(self, n: int) -> float:
        if n <= 2:
            return 0.0
        try:
            return float(self.values[n])
        except KeyError:
            orders = sorted(self.values)
            raise McdaError(
                f"the random-index table has no value for n={n} "
                f"(it covers n in {orders}); choose another table or pass a mapping n->RI",
                name="ri",
                value=self.name,
            ) from None


RANDOM_INDEX_TABLES: dict[str, RandomIndexTable] = {
    t.name: t
    for t in (
        RandomIndexTable(
            "saaty",
            {3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49},
            "Saaty (1980), The Analytic Hierarchy Process, McGraw-Hill (classic table, n<=10)",
        ),
        RandomIndexTable(
            "saaty-2005",
            {
                3: 0.52,
                4: 0.89,
                5: 1.11,
                6: 1.25,
                7: 1.35,
                8: 1.40,
                9: 1.45,
                10: 1.49,
                11: 1.52,
                12: 1.54,
                13: 1.56,
                14: 1.58,
                15: 1.59,
            },
            "Saaty (2005), Theory and Applications of the Analytic Network Process, p. 31",
        ),
        RandomIndexTable(
            "alonso-lamata",
            {
                3: 0.5245,
                4: 0.8815,
                5: 1.1086,
                6: 1.2479,
                7: 1.3417,
                8: 1.4056,
                9: 1.4499,
                10: 1.4854,
                11: 1.5141,
                12: 1.5365,
                13: 1.5551,
                14: 1.5713,
                15: 1.5838,
            },
            "Alonso & Lamata (2006), IJUFKS 14(4):445-459 (100,000 random matrices)",
        ),
        RandomIndexTable(
            "donegan-dodd",
            {
                3: 0.4914,
                4: 0.8286,
                5: 1.0591,
                6: 1.1797,
                7: 1.2519,
                8: 1.3171,
                9: 1.3733,
                10: 1.4055,
                11: 1.4213,
                12: 1.4497,
                13: 1.4643,
                14: 1.4822,
                15: 1.4969,
                16: 1.5078,
                17: 1.5153,
                18: 1.5262,
                19: 1.5313,
                20: 1.5371,
            },
            "Donegan & Dodd (1991), Math. Comput. Modelling 15(10):135-137",
        ),
    )
}

_RI_ALIASES = {
    "saaty1980": "saaty",
    "saaty-1980": "saaty",
    "saaty2005": "saaty-2005",
    "alonso": "alonso-lamata",
    "alonsolamata": "alonso-lamata",
    "dd": "donegan-dodd",
    "donegandodd": "donegan-dodd",
}


def _resolve_ri(ri: str | Mapping[int, float]) -> RandomIndexTable:
    if isinstance(ri, str):
        key = ri.strip().lower().replace("_", "-").replace(" ", "-").replace("&", "")
        key = _RI_ALIASES.get(key.replace("-", ""), _RI_ALIASES.get(key, key))
        if key not in RANDOM_INDEX_TABLES:
            raise McdaError(
                f"unknown random-index table; known: {sorted(RANDOM_INDEX_TABLES)} "
                "(or pass a mapping n -> RI)",
                name="ri",
                value=ri,
            )
        return RANDOM_INDEX_TABLES[key]
    if isinstance(ri, Mapping):
        values: dict[int, float] = {}
        for n, v in ri.items():
            v = float(v)
            if not math.isfinite(v) or v < 0 or (int(n) > 2 and v == 0):
                raise McdaError(f"RI for n={n} must be a positive finite number", name="ri", value=v)
            values[int(n)] = v
        return RandomIndexTable("custom", values, "user-supplied mapping")
    raise McdaError("must be a table name or a mapping n -> RI", name="ri", value=type(ri).__name__)


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------


def _check_pairwise(
    matrix: ArrayLike, name: str = "matrix", rtol: float = 5e-3
) -> NDArray[np.float64]:
    a = checks.float_array(matrix, name, ndim=2)
    n, m = a.shape
    if n != m:
        raise McdaError("a pairwise comparison matrix must be square", name=name, value=Shape(a.shape))
    checks.every(a > 0, a, name, "pairwise judgments must be positive")
    diag = np.diag(a)
    if not np.allclose(diag, 1.0, rtol=0, atol=rtol):
        i = int(np.argmax(np.abs(diag - 1)))
        raise McdaError(
            "the diagonal of a pairwise matrix must be 1",
            name=f"{name}[{i}, {i}]",
            value=float(diag[i]),
        )
    prod = a * a.T
    off = np.abs(prod - 1.0)
    if (off > rtol).any():
        i, j = (int(k) for k in np.unravel_index(np.argmax(off), off.shape))
        i, j = min(i, j), max(i, j)
        raise McdaError(
            f"not reciprocal: a[{i},{j}] * a[{j},{i}] = {a[i, j]:g} * {a[j, i]:g} = "
            f"{prod[i, j]:.6g}, must be 1 (a_ji = 1/a_ij)",
            name=f"{name}[{j}, {i}]",
            value=float(a[j, i]),
        )
    return a


# --------------------------------------------------------------------------------------
# AHP
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judgment:
    """One pairwise judgment and how far it is from the priorities derived from all.

    ``deviation = |ln(a_ij * w_j / w_i)|`` ([Saaty2003]_): 0 for a judgment that agrees
    with the priority vector; ``ln 2`` means it is off by a factor of 2.
    """

    i: int
    j: int
    value: float
    consistent_value: float
    deviation: float


@dataclass(frozen=True)
class AHPResult:
    """Priorities and consistency of one pairwise comparison matrix.

    Attributes
    ----------
    weights:
        Normalised principal right eigenvector (sums to 1).
    lambda_max:
        Principal eigenvalue.
    ci:
        Consistency index ``(lambda_max - n) / (n - 1)`` (0 for ``n <= 2``).
    cr:
        Consistency ratio ``CI / RI(n)`` (0 for ``n <= 2``).
    ri:
        The random index used.
    ri_table:
        Name of the RI table (``"saaty"``, ``"alonso-lamata"``, ... or ``"custom"``).
    consistent:
        ``cr < threshold``.
    judgments:
        Every judgment above the diagonal, most inconsistent first.
    warnings:
        Human-readable warnings (Chinese), empty when consistent.
    """

    weights: NDArray[np.float64]
    lambda_max: float
    ci: float
    cr: float
    ri: float
    ri_table: str
    n: int
    threshold: float
    consistent: bool
    judgments: tuple[Judgment, ...]
    warnings: tuple[str, ...] = ()

    def most_inconsistent(self, k: int = 3) -> tuple[Judgment, ...]:
        """The ``k`` judgments that contribute most to the inconsistency."""
        return self.judgments[:k]


def pairwise_matrix(
    upper: Sequence[float] | Mapping[tuple[int, int], float], n: int | None = None
) -> NDArray[np.float64]:
    """Build a reciprocal pairwise matrix from the judgments above the diagonal.

    Parameters
    ----------
    upper:
        Either the ``n(n-1)/2`` upper-triangle values row by row
        (``a_01, a_02, ..., a_12, ...``), or a mapping ``(i, j) -> a_ij`` covering every
        pair once (either orientation).
    n:
        Order of the matrix; required for a mapping, inferred for a sequence.
    """
    if isinstance(upper, Mapping):
        if n is None:
            raise McdaError("n is required when judgments are given as a mapping", name="n")
        a = np.ones((n, n))
        seen = set()
        for (i, j), value in upper.items():
            if not (0 <= i < n and 0 <= j < n) or i == j:
                raise McdaError(f"bad pair for n={n}", name="upper", value=(i, j))
            v = checks.positive(value, f"upper[{i}, {j}]")
            key = (min(i, j), max(i, j))
            if key in seen:
                raise McdaError("pair given twice", name=f"upper[{i}, {j}]")
            seen.add(key)
            a[i, j], a[j, i] = v, 1.0 / v
        if len(seen) != n * (n - 1) // 2:
            missing = [(i, j) for i in range(n) for j in range(i + 1, n) if (i, j) not in seen]
            raise McdaError(f"missing judgments for pairs {missing}", name="upper")
        return a
    vals = checks.float_array(list(upper), "upper", ndim=1)
    k = vals.shape[0]
    order = int(round((1 + math.sqrt(1 + 8 * k)) / 2))
    if order * (order - 1) // 2 != k or (n is not None and n != order):
        raise McdaError(
            f"{k} upper-triangle values do not fit a square matrix"
            + (f" of order {n}" if n is not None else ""),
            name="upper",
            value=vals,
        )
    checks.every(vals > 0, vals, "upper", "pairwise judgments must be positive")
    a = np.ones((order, order))
    iu = np.triu_indices(order, 1)
    a[iu] = vals
    a[(iu[1], iu[0])] = 1.0 / vals
    return a


def _principal_eigen(a: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    return float(vals[k].real), w / w.sum()


def ahp(
    matrix: ArrayLike,
    ri: str | Mapping[int, float] = "saaty",
    *,
    threshold: float = CR_THRESHOLD,
    rtol: float = 5e-3,
) -> AHPResult:
    """Priority vector and consistency of a pairwise comparison matrix (AHP).

    The priorities are the principal right eigenvector ``A w = lambda_max w`` normalised
    to sum 1 ([Saaty1977]_, [Saaty1980]_); ``CI = (lambda_max - n)/(n - 1)`` and
    ``CR = CI / RI(n)`` ([Saaty1980]_). A CR at or above ``threshold`` (0.1) gives a
    warning naming the judgments that contribute most to the inconsistency, ranked by
    ``|ln(a_ij w_j / w_i)|`` ([Saaty2003]_).

    Parameters
    ----------
    matrix:
        ``n x n`` positive reciprocal matrix; ``a_ij`` says how much more important
        criterion ``i`` is than ``j`` on Saaty's 1-9 scale.
    ri:
        Random-index table: ``"saaty"`` (Saaty 1980, default), ``"saaty-2005"``,
        ``"alonso-lamata"``, ``"donegan-dodd"``, or a mapping ``n -> RI``.
    threshold:
        CR at or above which the matrix is reported inconsistent.
    rtol:
        Tolerance for ``a_ii = 1`` and ``a_ij a_ji = 1`` (lets ``0.333`` stand for 1/3).

    Raises
    ------
    McdaError
        Non-square, non-positive, non-reciprocal, NaN, or an order the RI table lacks.
    """
    a = _check_pairwise(matrix, rtol=rtol)
    table = _resolve_ri(ri)
    n = a.shape[0]
    ri_value = table.lookup(n)
    if n == 1:
        lam, w = 1.0, np.ones(1)
    else:
        lam, w = _principal_eigen(a)
    if n <= 2:
        ci = cr = 0.0
    else:
        ci = (lam - n) / (n - 1)
        cr = ci / ri_value
    iu, ju = np.triu_indices(n, 1)
    implied = w[iu] / w[ju]
    dev = np.abs(np.log(a[iu, ju] / implied))
    order = np.argsort(-dev, kind="stable")
    judgments = tuple(
        Judgment(int(iu[k]), int(ju[k]), float(a[iu[k], ju[k]]), float(implied[k]), float(dev[k]))
        for k in order
    )
    consistent = cr < threshold
    warnings: tuple[str, ...] = ()
    if not consistent:
        worst = "；".join(
            f"第{j.i + 1}项对第{j.j + 1}项判断为 {j.value:g}，与整体权重一致的值约为 "
            f"{j.consistent_value:.2g}"
            for j in judgments[:3]
        )
        warnings = (
            f"判断矩阵一致性比率 CR = {cr:.3f} ≥ {threshold:g}（随机一致性指标表 "
            f"{table.name}，RI = {ri_value:g}），请修正判断。偏离最大的判断：{worst}。",
        )
    return AHPResult(
        weights=w,
        lambda_max=lam,
        ci=float(ci),
        cr=float(cr),
        ri=ri_value,
        ri_table=table.name,
        n=n,
        threshold=threshold,
        consistent=consistent,
        judgments=judgments,
        warnings=warnings,
    )


@dataclass(frozen=True)
class GroupAHPResult:
    """Group priorities from several experts' pairwise matrices.

    Attributes
    ----------
    weights:
        Group priority vector (sums to 1).
    method:
        ``"AIJ"`` or ``"AIP"``.
    cr:
        AIJ: CR of the aggregated (geometric-mean) matrix. AIP: there is no group
        matrix, so the largest individual CR is reported (the worst judgments that went
        into the aggregate).
    expert_weights:
        Normalised weights of the experts.
    individual:
        Each expert's :class:`AHPResult`.
    aggregate:
        AIJ only: the :class:`AHPResult` of the aggregated matrix.
    """

    weights: NDArray[np.float64]
    method: str
    cr: float
    expert_weights: NDArray[np.float64]
    individual: tuple[AHPResult, ...]
    aggregate: AHPResult | None = None
    warnings: tuple[str, ...] = field(default=())


def ahp_group(
    matrices: Sequence[ArrayLike] | ArrayLike,
    method: str = "AIJ",
    expert_weights: ArrayLike | None = None,
    ri: str | Mapping[int, float] = "saaty",
    *,
    threshold: float = CR_THRESHOLD,
    rtol: float = 5e-3,
) -> GroupAHPResult:
    """Group AHP by aggregating individual judgments (AIJ) or priorities (AIP).

    AIJ: the element-wise weighted geometric mean ``a_ij = prod_k a_ij^(k) ** lambda_k``,
    which keeps the matrix reciprocal ([AczelSaaty1983]_), then :func:`ahp` on it.
    AIP: each expert's priorities ``w^(k)`` from :func:`ahp`, then the weighted geometric
    mean ``w_i = prod_k (w_i^(k)) ** lambda_k`` normalised to sum 1
    ([FormanPeniwati1998]_). ``lambda_k`` are the expert weights (equal by default,
    normalised to sum 1).

    Raises
    ------
    McdaError
        Unknown method, no matrices, matrices of different orders, bad expert weights, or
        any bad individual matrix (the error names the expert).
    """
    key = str(method).upper()
    if key not in ("AIJ", "AIP"):
        raise McdaError("unknown group AHP method; one of AIJ, AIP", name="method", value=method)
    mats = list(matrices)
    if not mats:
        raise McdaError("no matrices given", name="matrices")
    checked = []
    for k, m in enumerate(mats):
        checked.append(_check_pairwise(m, name=f"matrices[{k}]", rtol=rtol))
    orders = {m.shape[0] for m in checked}
    if len(orders) != 1:
        raise McdaError(
            f"all experts must compare the same criteria; orders {sorted(orders)}", name="matrices"
        )
    e = len(checked)
    lam = (
        np.full(e, 1.0 / e)
        if expert_weights is None
        else checks.weights(expert_weights, e, "expert_weights", per="one per expert")
    )
    individual = tuple(ahp(m, ri, threshold=threshold, rtol=rtol) for m in checked)
    stack = np.stack(checked)
    warnings = tuple(f"专家{k + 1}：{msg}" for k, r in enumerate(individual) for msg in r.warnings)
    if key == "AIJ":
        g = np.exp(np.tensordot(lam, np.log(stack), axes=1))
        agg = ahp(g, ri, threshold=threshold, rtol=rtol)
        return GroupAHPResult(
            agg.weights, "AIJ", agg.cr, lam, individual, agg, warnings + agg.warnings
        )
    w = np.exp(np.tensordot(lam, np.log(np.stack([r.weights for r in individual])), axes=1))
    w = w / w.sum()
    return GroupAHPResult(w, "AIP", max(r.cr for r in individual), lam, individual, None, warnings)


# --------------------------------------------------------------------------------------
# Direct and objective weights
# --------------------------------------------------------------------------------------


def direct_weights(
    points: ArrayLike, total: float | None = 100.0, *, atol: float = 1e-6
) -> NDArray[np.float64]:
    """Weights from points an expert allocates directly (e.g. 100 points over criteria).

    ``w_j = p_j / sum(p)``.

    Parameters
    ----------
    points:
        Non-negative points per criterion, not all zero.
    total:
        The points must add up to this (100 by default); ``None`` accepts any positive sum.

    Raises
    ------
    McdaError
        Negative points, all zero, NaN, or a sum other than ``total``.
    """
    p = checks.float_array(points, "points", ndim=1)
    return checks.weights(p, p.shape[0], "points", noun="points", total=total, atol=atol)


def entropy_weights(matrix: ArrayLike) -> NDArray[np.float64]:
    """Objective weights by Shannon entropy ([HwangYoon1981]_).

    ``p_ij = x_ij / sum_i x_ij``; ``e_j = -(1/ln m) sum_i p_ij ln p_ij`` (with
    ``0 ln 0 = 0``); ``d_j = 1 - e_j``; ``w_j = d_j / sum_k d_k``. A criterion whose values
    differ more between alternatives carries more information and more weight.

    Parameters
    ----------
    matrix:
        ``m x n`` decision matrix (alternatives x criteria), non-negative, ``m >= 2``.

    Raises
    ------
    McdaError
        Negative values, a column summing to zero, NaN, fewer than 2 alternatives, or
        every criterion constant (no information to weight by).
    """
    x = checks.float_array(matrix, "matrix", ndim=2, layout="alternatives x criteria")
    m, n = x.shape
    checks.at_least(m, 2, "matrix", "alternatives", "the entropy method")
    checks.every(x >= 0, x, "matrix", "entropy weights need non-negative values")
    col = x.sum(axis=0)
    if (col <= 0).any():
        j = int(np.argmax(col <= 0))
        raise McdaError("criterion is zero for every alternative", name=f"matrix[:, {j}]")
    p = x / col
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    d = np.clip(1.0 - e, 0.0, None)
    if d.sum() <= 1e-15:
        raise McdaError(
            "every criterion is constant; entropy weights are undefined", name="matrix"
        )
    return d / d.sum()


def critic_weights(matrix: ArrayLike, benefit: ArrayLike | None = None) -> NDArray[np.float64]:
    """Objective weights by CRITIC ([Diakoulaki1995]_).

    Each criterion is scaled to ``r_ij = (x_ij - min_j)/(max_j - min_j)`` (benefit) or
    ``(max_j - x_ij)/(max_j - min_j)`` (cost); ``C_j = sigma_j sum_k (1 - rho_jk)`` with
    ``sigma_j`` the standard deviation of ``r_.j`` and ``rho`` Pearson's correlation
    between the scaled criteria; ``w_j = C_j / sum_k C_k``. A criterion with more contrast
    and less redundancy with the others weighs more.

    Parameters
    ----------
    matrix:
        ``m x n`` decision matrix (alternatives x criteria), ``m >= 3``.
    benefit:
        ``n`` flags, ``True`` where larger is better (default: all benefit).

    Raises
    ------
    McdaError
        NaN, fewer than 3 alternatives, a constant criterion (no contrast, correlation
        undefined), or bad ``benefit`` flags.
    """
    x = checks.float_array(matrix, "matrix", ndim=2, layout="alternatives x criteria")
    m, n = x.shape
    checks.at_least(m, 3, "matrix", "alternatives", "CRITIC")
    b = checks.benefit_flags(benefit, n)
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    if (span <= 0).any():
        j = int(np.argmax(span <= 0))
        raise McdaError(
            "criterion is constant; CRITIC is undefined for it",
            name=f"matrix[:, {j}]",
            value=float(lo[j]),
        )
    r = np.where(b, (x - lo) / span, (hi - x) / span)
    sigma = r.std(axis=0, ddof=1)
    rho = np.corrcoef(r, rowvar=False) if n > 1 else np.ones((1, 1))
    c = sigma * (1.0 - rho).sum(axis=0)
    if c.sum() <= 0:
        return np.full(n, 1.0 / n)
    return c / c.sum()
