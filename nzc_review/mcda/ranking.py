"""Ranking candidate pilots: weighted sum, TOPSIS, and rank stability under weight noise.

Rows of a decision matrix are candidates (alternatives), columns are criteria. ``benefit``
flags say which criteria are better when larger (``True``) and which are costs.

References
----------
.. [HwangYoon1981] Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making:
   Methods and Applications*. Springer (TOPSIS; vector and linear normalisation;
   simple additive weighting).
.. [TzengHuang2011] Tzeng, G.-H., & Huang, J.-J. (2011). *Multiple Attribute Decision
   Making: Methods and Applications*. CRC Press (TOPSIS worked example).
.. [Butler1997] Butler, J., Jia, J., & Dyer, J. (1997). Simulation techniques for the
   sensitivity analysis of multi-criteria decision models. *European Journal of
   Operational Research* 103(3), 531-546 (random weights around the assessed ones).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nzc_review.mcda import checks
from nzc_review.mcda.checks import McdaError

__all__ = [
    "NORMALIZATIONS",
    "SCORERS",
    "RankStability",
    "normalize",
    "rank",
    "rank_stability",
    "sample_weights",
    "topsis",
    "topsis_batch",
    "weighted_sum",
    "weighted_sum_batch",
]


def _matrix(x: ArrayLike) -> NDArray[np.float64]:
    return checks.float_array(x, "matrix", ndim=2, layout="candidates x criteria")


# --------------------------------------------------------------------------------------
# Normalisation registry
# --------------------------------------------------------------------------------------


def _norm_none(x: NDArray[np.float64], b: NDArray[np.bool_]) -> NDArray[np.float64]:
    if not b.all():
        j = int(np.argmax(~b))
        raise McdaError(
            "a cost criterion needs a normalisation ('minmax', 'max', 'sum' or "
            "'vector'), not 'none'",
            name=f"benefit[{j}]",
        )
    return x


def _norm_vector(x: NDArray[np.float64], b: NDArray[np.bool_]) -> NDArray[np.float64]:
    # r = x / ||x|| ([HwangYoon1981]); cost: 1 - r (larger is better)
    norm = np.sqrt((x**2).sum(axis=0))
    if (norm == 0).any():
        j = int(np.argmax(norm == 0))
        raise McdaError("criterion is zero for every candidate", name=f"matrix[:, {j}]")
    r = x / norm
    return np.where(b, r, 1.0 - r)


def _norm_minmax(x: NDArray[np.float64], b: NDArray[np.bool_]) -> NDArray[np.float64]:
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    r = np.where(b, (x - lo) / safe, (hi - x) / safe)
    return np.where(span > 0, r, 1.0)  # a constant criterion does not discriminate


def _norm_max(x: NDArray[np.float64], b: NDArray[np.bool_]) -> NDArray[np.float64]:
    # linear scale transformation: x / max (benefit), min / x (cost) ([HwangYoon1981])
    checks.every(x > 0, x, "matrix", "'max' normalisation needs positive values")
    return np.where(b, x / x.max(axis=0), x.min(axis=0) / x)


def _norm_sum(x: NDArray[np.float64], b: NDArray[np.bool_]) -> NDArray[np.float64]:
    checks.every(x > 0, x, "matrix", "'sum' normalisation needs positive values")
    inv = 1.0 / x
    return np.where(b, x / x.sum(axis=0), inv / inv.sum(axis=0))


#: Column normalisations; each maps (matrix, benefit) to a matrix where larger is better.
NORMALIZATIONS: dict[
    str, Callable[[NDArray[np.float64], NDArray[np.bool_]], NDArray[np.float64]]
] = {
    "none": _norm_none,
    "vector": _norm_vector,
    "minmax": _norm_minmax,
    "max": _norm_max,
    "sum": _norm_sum,
}


def normalize(
    matrix: ArrayLike, benefit: ArrayLike | None = None, method: str = "minmax"
) -> NDArray[np.float64]:
    """Normalise each criterion so that larger is better; ``method`` from NORMALIZATIONS."""
    x = _matrix(matrix)
    checks.one_of(method, sorted(NORMALIZATIONS), "normalization", "normalisation")
    return NORMALIZATIONS[method](x, checks.benefit_flags(benefit, x.shape[1]))


# --------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------


def weighted_sum(
    matrix: ArrayLike,
    weights: ArrayLike,
    benefit: ArrayLike | None = None,
    normalization: str = "none",
) -> NDArray[np.float64]:
    """Simple additive weighting ``S_i = sum_j w_j r_ij`` ([HwangYoon1981]_).

    Weights are normalised to sum 1. ``r`` is ``matrix`` normalised by ``normalization``
    (default ``"none"``: the scores are used as they are, so cost criteria are refused).
    """
    x = _matrix(matrix)
    w = checks.weights(weights, x.shape[1])
    return normalize(x, benefit, normalization) @ w


def weighted_sum_batch(
    matrix: ArrayLike,
    weight_samples: ArrayLike,
    benefit: ArrayLike | None = None,
    normalization: str = "none",
) -> NDArray[np.float64]:
    """:func:`weighted_sum` for many weight vectors at once: ``samples x candidates``."""
    x = _matrix(matrix)
    w = checks.weight_rows(weight_samples, x.shape[1], "weight_samples")
    return w @ normalize(x, benefit, normalization).T


def _topsis_parts(
    x: NDArray[np.float64], b: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Squared distances per criterion to the ideal and anti-ideal, before weighting.

    With ``w_j >= 0`` the weighted ideal is ``w_j max_i r_ij`` (benefit) or
    ``w_j min_i r_ij`` (cost), so ``(v_ij - v_j^+)^2 = w_j^2 (r_ij - r_j^+)^2``.
    """
    norm = np.sqrt((x**2).sum(axis=0))
    if (norm == 0).any():
        j = int(np.argmax(norm == 0))
        raise McdaError("criterion is zero for every candidate", name=f"matrix[:, {j}]")
    r = x / norm
    hi, lo = r.max(axis=0), r.min(axis=0)
    if (hi == lo).all():
        raise McdaError(
            "all candidates are identical on every criterion; TOPSIS is undefined", name="matrix"
        )
    ideal = np.where(b, hi, lo)
    anti = np.where(b, lo, hi)
    return (r - ideal) ** 2, (r - anti) ** 2


def topsis(
    matrix: ArrayLike, weights: ArrayLike, benefit: ArrayLike | None = None
) -> NDArray[np.float64]:
    """TOPSIS closeness coefficients ([HwangYoon1981]_).

    ``r_ij = x_ij / sqrt(sum_i x_ij^2)`` (vector normalisation); ``v_ij = w_j r_ij``;
    ideal ``v_j^+ = max_i v_ij`` for benefit and ``min_i v_ij`` for cost criteria,
    anti-ideal the opposite; ``D_i^± = sqrt(sum_j (v_ij - v_j^±)^2)`` and the closeness
    ``C_i = D_i^- / (D_i^+ + D_i^-)`` in [0, 1], larger is better.

    Parameters
    ----------
    matrix:
        ``candidates x criteria``.
    weights:
        Non-negative, not all zero (normalised to sum 1; C does not depend on the scale).
    benefit:
        Flags, ``True`` where larger is better (default all benefit).

    Raises
    ------
    McdaError
        Mismatched shapes, NaN, negative or all-zero weights, an all-zero criterion, or
        all candidates identical.
    """
    x = _matrix(matrix)
    w = checks.weights(weights, x.shape[1])
    return topsis_batch(x, w[None, :], benefit)[0]


def topsis_batch(
    matrix: ArrayLike, weight_samples: ArrayLike, benefit: ArrayLike | None = None
) -> NDArray[np.float64]:
    """TOPSIS closeness for many weight vectors at once: ``samples x candidates``.

    The normalised matrix and the per-criterion squared distances are computed once; the
    distances for all samples are one matrix product ``D^2 = (W ∘ W) A^T``. A sample
    whose positively weighted criteria are all constant leaves every candidate at both
    ideals at once; its closeness is reported as 0.5.
    """
    x = _matrix(matrix)
    w = checks.weight_rows(weight_samples, x.shape[1], "weight_samples")
    b = checks.benefit_flags(benefit, x.shape[1])
    a_plus, a_minus = _topsis_parts(x, b)
    w2 = w * w
    d_plus = np.sqrt(w2 @ a_plus.T)
    d_minus = np.sqrt(w2 @ a_minus.T)
    total = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 0.5)
    return c


def rank(scores: ArrayLike) -> NDArray[np.int64]:
    """Ranks (1 = best = highest score) along the last axis; ties keep input order."""
    s = np.asarray(scores, dtype=float)
    order = np.argsort(-s, axis=-1, kind="stable")
    ranks = np.empty(s.shape, dtype=np.int64)
    m = s.shape[-1]
    np.put_along_axis(
        ranks, order, np.broadcast_to(np.arange(1, m + 1, dtype=np.int64), s.shape), axis=-1
    )
    return ranks


# --------------------------------------------------------------------------------------
# Rank stability
# --------------------------------------------------------------------------------------


def _scorer_topsis(
    x: NDArray[np.float64], w: NDArray[np.float64], b: NDArray[np.bool_], normalization: str | None
) -> NDArray[np.float64]:
    return topsis_batch(x, w, b)


def _scorer_wsum(
    x: NDArray[np.float64], w: NDArray[np.float64], b: NDArray[np.bool_], normalization: str | None
) -> NDArray[np.float64]:
    return weighted_sum_batch(x, w, b, normalization or "none")


#: Batched scoring methods available to :func:`rank_stability`.
SCORERS: dict[str, Callable[..., NDArray[np.float64]]] = {
    "topsis": _scorer_topsis,
    "weighted_sum": _scorer_wsum,
}


@dataclass(frozen=True)
class RankStability:
    """How stable each candidate's rank is when the weights vary around the panel's.

    Attributes
    ----------
    method:
        Scoring method (``"topsis"`` or ``"weighted_sum"``).
    weights:
        The panel's weights (normalised).
    base_scores, base_ranks:
        Scores and ranks at the panel's weights.
    weight_samples:
        ``samples x criteria`` sampled weights.
    scores, ranks:
        ``samples x candidates``; rank 1 is best.
    rank_probability:
        ``candidates x ranks``: ``[i, r-1]`` is the share of samples where candidate ``i``
        has rank ``r``.
    top_k, top_k_probability:
        Share of samples where the candidate ranks ``<= top_k``.
    rank_interval:
        ``candidates x 2``: the ``percentiles`` of each candidate's rank.
    median_rank:
        Median rank per candidate.
    concentration, seed:
        Dirichlet concentration, and the seed entropy that reproduces the samples
        (``None`` when a Generator was passed in).
    """

    method: str
    weights: NDArray[np.float64]
    base_scores: NDArray[np.float64]
    base_ranks: NDArray[np.int64]
    weight_samples: NDArray[np.float64]
    scores: NDArray[np.float64]
    ranks: NDArray[np.int64]
    rank_probability: NDArray[np.float64]
    top_k: int
    top_k_probability: NDArray[np.float64]
    percentiles: tuple[float, float]
    rank_interval: NDArray[np.int64]
    median_rank: NDArray[np.float64]
    concentration: float
    seed: int | None


def sample_weights(
    weights: ArrayLike, n_samples: int, concentration: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Dirichlet weight samples around ``weights``: ``alpha = concentration * weights``.

    The samples have mean ``weights`` and variance ``w_j (1 - w_j) / (concentration + 1)``;
    criteria with zero weight stay at zero ([Butler1997]_ samples weights the same way,
    uniformly on the simplex being ``concentration = n`` with equal weights).
    """
    w = np.asarray(weights, dtype=float)
    out = np.zeros((n_samples, w.shape[0]))
    pos = w > 0
    if pos.sum() == 1:
        out[:, pos] = 1.0
    else:
        out[:, pos] = rng.dirichlet(concentration * w[pos], size=n_samples)
    return out


def rank_stability(
    matrix: ArrayLike,
    weights: ArrayLike,
    benefit: ArrayLike | None = None,
    *,
    method: str = "topsis",
    n_samples: int = 10_000,
    concentration: float = 100.0,
    top_k: int | None = None,
    percentiles: tuple[float, float] = (5.0, 95.0),
    seed: int | np.random.Generator | None = None,
    normalization: str | None = None,
) -> RankStability:
    """Rank probabilities of each candidate under uncertainty in the weights.

    Weight vectors are drawn from ``Dirichlet(concentration * w)`` around the panel's
    weights ``w`` (larger concentration = tighter around ``w``); every sample is scored
    at once (:func:`topsis_batch` / :func:`weighted_sum_batch`) and ranked with one
    ``argsort``. Reported per candidate: the probability of each rank, of being in the
    top ``top_k``, and the ``percentiles`` of its rank (e.g. the 5th-95th percentile
    interval; ``inverted_cdf`` so the ends are ranks that occurred).

    Parameters
    ----------
    matrix, weights, benefit:
        As for :func:`topsis`.
    method:
        ``"topsis"`` or ``"weighted_sum"`` (see :data:`SCORERS`).
    n_samples:
        Number of weight samples.
    concentration:
        Dirichlet concentration (> 0).
    top_k:
        The k of "probability of being in the top k"; default 3, or the number of
        candidates when there are fewer (with 2 candidates, the top 2 is everyone).
    seed:
        Seed (or a ``numpy.random.Generator``) for reproducible samples.
    normalization:
        For ``weighted_sum`` only (default ``"none"``).

    Raises
    ------
    McdaError
        Bad shapes or weights, unknown method, ``n_samples < 1``, ``concentration <= 0``,
        ``top_k`` out of range, or bad percentiles.
    """
    x = _matrix(matrix)
    m, n = x.shape
    w = checks.weights(weights, n)
    b = checks.benefit_flags(benefit, n)
    checks.one_of(method, sorted(SCORERS), "method", "method")
    if method != "weighted_sum" and normalization is not None:
        raise McdaError(
            "normalization applies to 'weighted_sum' only (TOPSIS uses vector normalisation)",
            name="normalization",
        )
    n_samples = checks.whole_number(n_samples, "n_samples", least=1)
    concentration = checks.positive(concentration, "concentration")
    top_k = min(3, m) if top_k is None else checks.whole_number(top_k, "top_k", least=1)
    if top_k > m:
        raise McdaError(
            f"must be between 1 and the number of candidates ({m})", name="top_k", value=top_k
        )
    lo_p, hi_p = (float(p) for p in percentiles)
    if not 0 <= lo_p <= hi_p <= 100:
        raise McdaError("need 0 <= low <= high <= 100", name="percentiles", value=percentiles)
    if isinstance(seed, np.random.Generator):
        rng, entropy = seed, None
    else:
        ss = np.random.SeedSequence(seed)
        rng, entropy = np.random.default_rng(ss), ss.entropy
    scorer = SCORERS[method]
    samples = sample_weights(w, n_samples, concentration, rng)
    scores = scorer(x, samples, b, normalization)
    ranks = rank(scores)
    base_scores = scorer(x, w[None, :], b, normalization)[0]
    counts = np.bincount(
        (np.arange(m)[None, :] * m + (ranks - 1)).ravel(), minlength=m * m
    ).reshape(m, m)
    prob = counts / float(n_samples)
    interval = np.percentile(ranks, [lo_p, hi_p], axis=0, method="inverted_cdf").T
    return RankStability(
        method=method,
        weights=w,
        base_scores=base_scores,
        base_ranks=rank(base_scores),
        weight_samples=samples,
        scores=scores,
        ranks=ranks,
        rank_probability=prob,
        top_k=top_k,
        top_k_probability=prob[:, :top_k].sum(axis=1),
        percentiles=(lo_p, hi_p),
        rank_interval=interval.astype(np.int64),
        median_rank=np.median(ranks, axis=0),
        concentration=concentration,
        seed=entropy if isinstance(entropy, int) else None,
    )
