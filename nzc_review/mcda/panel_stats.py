"""Aggregation across the expert panel: central scores, reviewer bias, agreement, outliers.

Shapes follow the literature each statistic comes from and are stated per function:
``kendall_w`` and ``krippendorff_alpha`` take raters in rows; ``icc`` takes targets in
rows and raters in columns (Shrout & Fleiss). Score summaries take experts in rows.

References
----------
.. [Kendall1939] Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings.
   *Annals of Mathematical Statistics* 10(3), 275-287.
.. [Kendall1948] Kendall, M. G. (1948). *Rank Correlation Methods*. Griffin (tie
   correction of W).
.. [SiegelCastellan1988] Siegel, S., & Castellan, N. J. (1988). *Nonparametric Statistics
   for the Behavioral Sciences*, 2nd ed. McGraw-Hill (W with ties,
   chi-square approximation with n-1 df).
.. [Legendre2005] Legendre, P. (2005). Species associations: the Kendall coefficient of
   concordance revisited. *JABES* 10(2), 226-245.
.. [Krippendorff2011] Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
   Annenberg School for Communication, University of Pennsylvania, Departmental Papers 43.
.. [ShroutFleiss1979] Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses
   in assessing rater reliability. *Psychological Bulletin* 86(2), 420-428.
.. [Scheffe1959] Scheffé, H. (1959). *The Analysis of Variance*. Wiley (two-way additive
   model without interaction; least-squares row/column effects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nzc_review.mcda import checks
from nzc_review.mcda.checks import McdaError

__all__ = [
    "ICC_KINDS",
    "BiasCalibration",
    "ExpertFlag",
    "ICCAnova",
    "KendallW",
    "PanelSummary",
    "ScoreStats",
    "calibrate_bias",
    "flag_outlier_experts",
    "icc",
    "icc_anova",
    "kendall_w",
    "krippendorff_alpha",
    "summarize",
    "trimmed_mean",
    "weighted_mean",
]


# --------------------------------------------------------------------------------------
# Central scores
# --------------------------------------------------------------------------------------


def trimmed_mean(scores: ArrayLike, trim: int = 1) -> float:
    """Mean after dropping the ``trim`` highest and ``trim`` lowest scores.

    The usual review-panel rule 去掉一个最高分和一个最低分 is ``trim=1``; it needs at
    least ``2 * trim + 1`` experts (3 for ``trim=1``).

    Raises
    ------
    McdaError
        Fewer than ``2 * trim + 1`` scores, NaN, not 1-D, or ``trim`` not a whole number of
        at least 0.
    """
    s = checks.float_array(scores, "scores", ndim=1)
    trim = checks.whole_number(trim, "trim")
    method = f"a trimmed mean dropping {trim} highest and {trim} lowest"
    checks.at_least(s.shape[0], 2 * trim + 1, "scores", "experts", method)
    s = np.sort(s)
    return float(s[trim : s.shape[0] - trim].mean())


def weighted_mean(scores: ArrayLike, expert_weights: ArrayLike) -> float:
    """Expert-weighted mean ``sum_e lambda_e s_e / sum_e lambda_e``."""
    s = checks.float_array(scores, "scores", ndim=1)
    w = checks.weights(expert_weights, s.shape[0], "expert_weights", per="one per expert")
    return float(w @ s)


@dataclass(frozen=True)
class ScoreStats:
    """Central values of one score across the experts.

    ``trimmed_mean`` is ``None`` when the panel is too small to trim.
    """

    mean: float
    median: float
    trimmed_mean: float | None
    weighted_mean: float


@dataclass(frozen=True)
class PanelSummary:
    """Per-criterion and total scores of one application across the panel.

    Attributes
    ----------
    criteria:
        One :class:`ScoreStats` per criterion (column of ``scores``).
    total:
        :class:`ScoreStats` of the experts' totals.
    expert_totals:
        Each expert's total (row sum, or criteria-weighted sum).
    n_experts, trim:
        Panel size and the trim used.
    """

    criteria: tuple[ScoreStats, ...]
    total: ScoreStats
    expert_totals: NDArray[np.float64]
    n_experts: int
    trim: int


def _stats(col: NDArray[np.float64], lam: NDArray[np.float64], trim: int) -> ScoreStats:
    tm = trimmed_mean(col, trim) if col.shape[0] >= 2 * trim + 1 else None
    return ScoreStats(float(col.mean()), float(np.median(col)), tm, float(lam @ col))


def summarize(
    scores: ArrayLike,
    *,
    expert_weights: ArrayLike | None = None,
    criteria_weights: ArrayLike | None = None,
    trim: int = 1,
) -> PanelSummary:
    """Mean, median, trimmed mean and expert-weighted mean per criterion and in total.

    Parameters
    ----------
    scores:
        ``experts x criteria`` scores of one application (no NaN: an expert who recused
        is left out of the array).
    expert_weights:
        Weights of the experts (equal by default).
    criteria_weights:
        ``None``: an expert's total is the sum of their criterion scores (criteria carry
        their maximum points). Otherwise weights per criterion, shape ``(criteria,)``,
        or per expert and criterion, shape ``(experts, criteria)`` (each expert weighted
        the criteria themselves); each row is normalised to sum 1 and the total is
        ``sum_c w_ec s_ec``.
    trim:
        How many highest and lowest to drop for the trimmed mean.
    """
    s = checks.float_array(scores, "scores", ndim=2, layout="experts x criteria")
    trim = checks.whole_number(trim, "trim")
    e, c = s.shape
    lam = (
        np.full(e, 1.0 / e)
        if expert_weights is None
        else checks.weights(expert_weights, e, "expert_weights", per="one per expert")
    )
    if criteria_weights is None:
        totals = s.sum(axis=1)
    else:
        cw = checks.float_array(criteria_weights, "criteria_weights", ndim=(1, 2))
        if cw.ndim == 1:
            cw = checks.weights(cw, c, "criteria_weights")[None, :]
        else:
            cw = checks.weight_rows(cw, c, "criteria_weights", rows=e, layout="experts x criteria")
        totals = (cw * s).sum(axis=1)
    return PanelSummary(
        criteria=tuple(_stats(s[:, j], lam, trim) for j in range(c)),
        total=_stats(totals, lam, trim),
        expert_totals=totals,
        n_experts=e,
        trim=trim,
    )


# --------------------------------------------------------------------------------------
# Reviewer bias
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BiasCalibration:
    """Scores with each expert's systematic leniency/severity removed.

    Attributes
    ----------
    calibrated:
        ``scores - bias`` (NaN where the expert did not score).
    bias:
        Each expert's mean deviation from the per-application panel mean (positive =
        lenient), shape ``(experts, ...)``.
    deviations:
        ``scores - per-application panel mean``.
    """

    calibrated: NDArray[np.float64]
    bias: NDArray[np.float64]
    deviations: NDArray[np.float64]


def calibrate_bias(scores: ArrayLike) -> BiasCalibration:
    """Remove each expert's mean deviation from the per-application panel mean.

    With ``s[e, a]`` the score of expert ``e`` for application ``a``:
    ``d[e, a] = s[e, a] - mean_e' s[e', a]``, ``b[e] = mean_a d[e, a]`` and
    ``s'[e, a] = s[e, a] - b[e]``. With every expert scoring every application, ``b[e]``
    is the least-squares rater effect of the two-way additive model
    ``s = mu + alpha_a + beta_e + error`` ([Scheffe1959]_); with recusals (NaN) it is
    its one-step approximation over the scores present.

    Parameters
    ----------
    scores:
        ``experts x applications`` (extra trailing axes, e.g. criteria, are calibrated
        independently). NaN marks a score not given.

    Raises
    ------
    McdaError
        Fewer than 2 experts or 2 applications, infinite values, an expert with no
        scores, or an application scored by fewer than 2 experts.
    """
    s = checks.float_array(scores, "scores", ndim=tuple(range(2, 8)), allow_nan=True)
    checks.at_least(s.shape[0], 2, "scores", "experts", "bias calibration")
    checks.at_least(s.shape[1], 2, "scores", "applications", "bias calibration")
    present = ~np.isnan(s)
    per_app = present.sum(axis=0)
    if (per_app < 2).any():
        where = [int(i) for i in np.argwhere(per_app < 2)[0]]
        raise McdaError(
            "an application scored by fewer than 2 experts cannot be compared",
            name=f"scores[:, {where[0]}]",
        )
    per_expert = present.sum(axis=1)
    if (per_expert == 0).any():
        i = int(np.argwhere(per_expert == 0)[0][0])
        raise McdaError("an expert with no scores", name=f"scores[{i}]")
    app_mean = np.nanmean(s, axis=0)
    dev = s - app_mean
    bias = np.nanmean(dev, axis=1)
    calibrated = s - bias[:, None]
    return BiasCalibration(calibrated, bias, dev)


# --------------------------------------------------------------------------------------
# Agreement: Kendall's W
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KendallW:
    """Kendall's coefficient of concordance with its chi-square test."""

    w: float
    chi2: float
    df: int
    p: float
    m: int
    n: int
    ties_corrected: bool


def kendall_w(ratings: ArrayLike, ties: bool = True) -> KendallW:
    """Kendall's coefficient of concordance W ([Kendall1939]_, [Kendall1948]_).

    Each rater's scores are ranked (average ranks for ties); with ``R_i`` the rank sum of
    item ``i`` and ``S = sum_i (R_i - m(n+1)/2)^2``:

    ``W = 12 S / (m^2 (n^3 - n) - m sum_j T_j)``, ``T_j = sum (t^3 - t)`` over the groups
    of ``t`` tied ranks of rater ``j`` (0 when ``ties=False``) ([SiegelCastellan1988]_,
    [Legendre2005]_). ``chi2 = m (n - 1) W`` on ``n - 1`` df;
    with ties corrected this equals Friedman's tie-corrected statistic.

    Parameters
    ----------
    ratings:
        ``raters x items`` (m x n) scores or ranks; no NaN.
    ties:
        Apply the tie correction.

    Raises
    ------
    McdaError
        Fewer than 2 raters or 2 items, NaN, or every rater tying every item.
    """
    x = checks.float_array(ratings, "ratings", ndim=2, layout="raters x items")
    m, n = x.shape
    checks.at_least(m, 2, "ratings", "raters", "Kendall's W")
    checks.at_least(n, 2, "ratings", "items", "Kendall's W")
    from scipy import stats  # here, not at import: 1.5 s of a panel kernel's start

    r = stats.rankdata(x, axis=1)
    rank_sums = r.sum(axis=0)
    s = float(((rank_sums - m * (n + 1) / 2.0) ** 2).sum())
    t_total = 0.0
    if ties:
        srt = np.sort(r, axis=1)
        for row in srt:
            _, counts = np.unique(row, return_counts=True)
            t_total += float((counts**3 - counts).sum())
    denom = m * m * (n**3 - n) - m * t_total
    if denom <= 0:
        raise McdaError(
            "every rater gave every item the same score; W is undefined", name="ratings"
        )
    w = 12.0 * s / denom
    chi2 = m * (n - 1) * w
    df = n - 1
    return KendallW(float(w), float(chi2), df, float(stats.chi2.sf(chi2, df)), m, n, ties)


# --------------------------------------------------------------------------------------
# Agreement: Krippendorff's alpha
# --------------------------------------------------------------------------------------


def _delta_nominal(v: NDArray[np.float64], nc: NDArray[np.float64]) -> NDArray[np.float64]:
    return 1.0 - np.eye(v.shape[0])


def _delta_ordinal(v: NDArray[np.float64], nc: NDArray[np.float64]) -> NDArray[np.float64]:
    # (sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2, Krippendorff (2011)
    cum = np.concatenate(([0.0], np.cumsum(nc)))
    i = np.arange(v.shape[0])
    lo, hi = np.minimum.outer(i, i), np.maximum.outer(i, i)
    between = cum[hi + 1] - cum[lo]
    return (between - (nc[:, None] + nc[None, :]) / 2.0) ** 2


def _delta_interval(v: NDArray[np.float64], nc: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.subtract.outer(v, v) ** 2


def _delta_ratio(v: NDArray[np.float64], nc: NDArray[np.float64]) -> NDArray[np.float64]:
    num = np.subtract.outer(v, v)
    den = np.add.outer(v, v)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(den != 0, num / den, 0.0)
    return d**2


#: Difference functions delta^2_ck by level of measurement (Krippendorff 2011).
ALPHA_METRICS: dict[
    str, Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]
] = {
    "nominal": _delta_nominal,
    "ordinal": _delta_ordinal,
    "interval": _delta_interval,
    "ratio": _delta_ratio,
}


def krippendorff_alpha(data: ArrayLike, level: str = "interval") -> float:
    """Krippendorff's alpha from the coincidence matrix ([Krippendorff2011]_).

    Values are counted per unit, ``n_uc``; pairable units have ``m_u >= 2`` values. The
    coincidence matrix is ``o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1)`` with
    margins ``n_c`` and ``n = sum_c n_c``, and

    ``alpha = 1 - (n - 1) sum_ck o_ck delta^2_ck / sum_ck n_c n_k delta^2_ck``

    with the difference function ``delta^2`` of the level of measurement: nominal
    ``[c != k]``; ordinal ``(sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2``; interval
    ``(c - k)^2``; ratio ``((c - k)/(c + k))^2``.

    Parameters
    ----------
    data:
        ``raters x units`` reliability data; NaN marks a missing value.
    level:
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.

    Raises
    ------
    McdaError
        Unknown level, no unit with two values, only one distinct value (alpha is 0/0),
        infinite values, negative values at ratio level.
    """
    key = str(level).lower()
    checks.one_of(key, ALPHA_METRICS, "level", "level of measurement")
    x = checks.float_array(data, "data", ndim=2, layout="raters x units", allow_nan=True)
    present = ~np.isnan(x)
    m_u = present.sum(axis=0)
    pairable = m_u >= 2
    if not pairable.any():
        raise McdaError("no unit has values from at least two raters", name="data")
    x = x[:, pairable]
    present = present[:, pairable]
    m_u = m_u[pairable].astype(float)
    values = np.unique(x[present])
    if key == "ratio" and (values < 0).any():
        raise McdaError("ratio data cannot be negative", name="data", value=float(values[0]))
    if values.shape[0] < 2:
        raise McdaError("all values are identical; alpha is undefined (no variation)", name="data")
    n_units, n_vals = x.shape[1], values.shape[0]
    unit_idx = np.broadcast_to(np.arange(n_units), x.shape)[present]
    val_idx = np.searchsorted(values, x[present])
    counts = np.zeros((n_units, n_vals))
    np.add.at(counts, (unit_idx, val_idx), 1.0)
    scaled = counts / (m_u - 1.0)[:, None]
    o = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    n_c = o.sum(axis=0)
    n = n_c.sum()
    delta2 = ALPHA_METRICS[key](values, n_c)
    d_o = (o * delta2).sum()
    d_e = (np.outer(n_c, n_c) * delta2).sum()
    if d_e <= 0:
        raise McdaError("expected disagreement is zero; alpha is undefined", name="data")
    return float(1.0 - (n - 1.0) * d_o / d_e)


# --------------------------------------------------------------------------------------
# Agreement: intraclass correlation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ICCAnova:
    """Mean squares of the two-way (targets x judges) ANOVA of Shrout & Fleiss (1979).

    ``bms`` between targets, ``wms`` within targets (one-way), ``jms`` between judges,
    ``ems`` residual; ``n`` targets, ``k`` judges.
    """

    bms: float
    wms: float
    jms: float
    ems: float
    n: int
    k: int


def icc_anova(scores: ArrayLike) -> ICCAnova:
    """Two-way ANOVA decomposition of a ``targets x raters`` table ([ShroutFleiss1979]_).

    ``SS_targets = k sum_i (xbar_i. - xbar)^2``, ``SS_judges = n sum_j (xbar_.j - xbar)^2``,
    ``SS_within = SS_total - SS_targets``, ``SS_error = SS_within - SS_judges``;
    ``BMS = SS_targets/(n-1)``, ``WMS = SS_within/(n(k-1))``, ``JMS = SS_judges/(k-1)``,
    ``EMS = SS_error/((n-1)(k-1))``.
    """
    x = checks.float_array(scores, "scores", ndim=2, layout="targets x raters")
    n, k = x.shape
    checks.at_least(n, 2, "scores", "targets", "the ICC")
    checks.at_least(k, 2, "scores", "raters", "the ICC")
    gm = x.mean()
    ss_total = float(((x - gm) ** 2).sum())
    ss_rows = float(k * ((x.mean(axis=1) - gm) ** 2).sum())
    ss_cols = float(n * ((x.mean(axis=0) - gm) ** 2).sum())
    # Sums of squares that differ from zero by rounding only are zero: otherwise identical
    # targets would give ICC values made of floating-point noise (e.g. -0.5).
    tol = 1e-10 * ss_total
    ss_rows, ss_cols = (0.0 if v <= tol else v for v in (ss_rows, ss_cols))
    ss_within = max(ss_total - ss_rows, 0.0)
    ss_within = 0.0 if ss_within <= tol else ss_within
    ss_err = ss_within - ss_cols
    ss_err = 0.0 if ss_err <= tol else ss_err
    return ICCAnova(
        ss_rows / (n - 1),
        ss_within / (n * (k - 1)),
        ss_cols / (k - 1),
        ss_err / ((n - 1) * (k - 1)),
        n,
        k,
    )


def _icc11(a: ICCAnova) -> tuple[float, float]:
    return a.bms - a.wms, a.bms + (a.k - 1) * a.wms


def _icc21(a: ICCAnova) -> tuple[float, float]:
    return a.bms - a.ems, a.bms + (a.k - 1) * a.ems + a.k * (a.jms - a.ems) / a.n


def _icc31(a: ICCAnova) -> tuple[float, float]:
    return a.bms - a.ems, a.bms + (a.k - 1) * a.ems


def _icc1k(a: ICCAnova) -> tuple[float, float]:
    return a.bms - a.wms, a.bms


def _icc2k(a: ICCAnova) -> tuple[float, float]:
    return a.bms - a.ems, a.bms + (a.jms - a.ems) / a.n


def _icc3k(a: ICCAnova) -> tuple[float, float]:
    return a.bms - a.ems, a.bms


#: The six forms of Shrout & Fleiss (1979): single rater and mean of k raters, each as
#: ``(numerator, denominator)`` of its formula.
ICC_KINDS: dict[str, Callable[[ICCAnova], tuple[float, float]]] = {
    "ICC(1,1)": _icc11,
    "ICC(2,1)": _icc21,
    "ICC(3,1)": _icc31,
    "ICC(1,k)": _icc1k,
    "ICC(2,k)": _icc2k,
    "ICC(3,k)": _icc3k,
}


def _icc_key(kind: str) -> str:
    k = str(kind).upper().replace(" ", "").replace("ICC", "")
    k = k.strip("()")
    aliases = {"1": "1,1", "2": "2,1", "3": "3,1", "1K": "1,K", "2K": "2,K", "3K": "3,K"}
    k = aliases.get(k, k)
    key = f"ICC({k})".replace("K", "k")
    if key not in ICC_KINDS:
        raise McdaError(f"unknown ICC kind; one of {list(ICC_KINDS)}", name="kind", value=kind)
    return key


def icc(scores: ArrayLike, kind: str = "ICC(2,1)") -> float:
    """Intraclass correlation, one of the six forms of Shrout & Fleiss (1979).

    With the mean squares of :func:`icc_anova` (``k`` judges, ``n`` targets):

    - ``ICC(1,1) = (BMS - WMS) / (BMS + (k-1) WMS)`` (one-way random)
    - ``ICC(2,1) = (BMS - EMS) / (BMS + (k-1) EMS + k (JMS - EMS)/n)`` (two-way random)
    - ``ICC(3,1) = (BMS - EMS) / (BMS + (k-1) EMS)`` (two-way mixed)
    - ``ICC(1,k) = (BMS - WMS) / BMS``
    - ``ICC(2,k) = (BMS - EMS) / (BMS + (JMS - EMS)/n)``
    - ``ICC(3,k) = (BMS - EMS) / BMS``

    Parameters
    ----------
    scores:
        ``targets x raters`` (applications x experts); no NaN.
    kind:
        ``"ICC(1,1)"``, ``"ICC(2,1)"``, ``"ICC(3,1)"``, ``"ICC(1,k)"``, ``"ICC(2,k)"`` or
        ``"ICC(3,k)"`` (short forms ``"ICC2"``, ``"ICC2k"`` accepted).

    A form whose denominator is zero is undefined and raises :class:`McdaError` rather
    than dividing by zero: every ``k`` form and ``ICC(3,1)`` when all targets have the same
    mean score and no residual (e.g. identical rows), ``ICC(1,k)`` and ``ICC(3,k)`` whenever
    all targets share a mean. Sums of squares within ``1e-10`` of the total are taken as
    zero (rounding), so identical targets never yield noise such as ``-0.5``. A defined form
    may be negative (the disagreement within targets exceeds the differences between them;
    conventionally read as no reliability): with all targets sharing a mean, ``ICC(1,1)`` is
    its lower bound ``-1/(k-1)`` and ``ICC(2,1)`` and ``ICC(2,k)`` are 0 or undefined.

    Raises
    ------
    McdaError
        Unknown kind, NaN, fewer than 2 targets or raters, no variance at all, or a form
        that is undefined for these scores (its denominator is zero).
    """
    key = _icc_key(kind)
    a = icc_anova(scores)
    if a.bms == 0 and a.wms == 0:
        raise McdaError("all scores are identical; the ICC is undefined", name="scores")
    num, den = ICC_KINDS[key](a)
    if den <= 0:
        why = (
            "all targets have the same mean score (no variance between targets)"
            if a.bms == 0
            else "the mean squares leave its denominator at zero"
        )
        raise McdaError(f"{key} is undefined for these scores: {why}", name="scores")
    return float(num / den)


# --------------------------------------------------------------------------------------
# Experts far from the panel
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertFlag:
    """How far one expert is from the rest of the panel.

    Attributes
    ----------
    expert:
        Row index of the expert.
    z:
        Per item: ``(s - mean of the others) / max(sd of the others, min_sd)``; NaN where
        the expert did not score or fewer than 2 others did.
    max_abs_z:
        Largest ``|z|`` (NaN if none).
    correlation:
        Pearson correlation of the expert's scores with the leave-one-out panel mean over
        the items both have (NaN with fewer than 3 items or no variance).
    flagged:
        Whether any rule fired.
    reasons:
        ``(code, message)`` pairs, messages in Chinese.
    """

    expert: int
    z: NDArray[np.float64]
    max_abs_z: float
    correlation: float
    flagged: bool
    reasons: tuple[tuple[str, str], ...]


def flag_outlier_experts(
    scores: ArrayLike,
    *,
    z_threshold: float = 2.5,
    min_sd: float = 1.0,
    min_correlation: float | None = 0.3,
) -> tuple[ExpertFlag, ...]:
    """Flag experts whose scores are far from the rest of the panel.

    The rule, for every expert ``e`` and item ``j`` (an application, or a criterion):

    1. leave-one-out panel: the mean ``mu`` and sample standard deviation ``sd``
       (ddof=1) of the *other* experts' scores on ``j``;
    2. ``z_ej = (s_ej - mu) / max(sd, min_sd)`` — the floor keeps a one-point difference
       from a unanimous rest from looking infinitely far;
    3. the expert is flagged when ``|z_ej| > z_threshold`` on any item (code
       ``far_from_panel``), or, with at least 3 items, when the Pearson correlation of
       the expert's scores with the leave-one-out means is below ``min_correlation``
       (code ``low_correlation``; set ``None`` to disable).

    A flag is a prompt for the chair to look, not a verdict.

    Parameters
    ----------
    scores:
        ``experts x items``; NaN where an expert did not score (recusal). Needs at least
        3 experts so that two others remain.
    z_threshold, min_sd, min_correlation:
        See the rule above; ``min_sd`` is in score units (1 point on a 0-100 scale).
    """
    x = checks.float_array(scores, "scores", ndim=2, layout="experts x items", allow_nan=True)
    e, j = x.shape
    checks.at_least(e, 3, "scores", "experts", "flagging experts")
    z_threshold = checks.positive(z_threshold, "z_threshold")
    min_sd = checks.positive(min_sd, "min_sd")
    present = ~np.isnan(x)
    filled = np.where(present, x, 0.0)
    cnt = present.sum(axis=0)
    tot = filled.sum(axis=0)
    sq = (filled**2).sum(axis=0)
    n_o = cnt[None, :] - present
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = (tot[None, :] - filled) / n_o
        var = (sq[None, :] - filled**2 - n_o * mu**2) / (n_o - 1)
    sd = np.sqrt(np.clip(var, 0.0, None))
    valid = present & (n_o >= 2)
    z = np.where(valid, (x - mu) / np.maximum(np.where(valid, sd, 1.0), min_sd), np.nan)
    flags = []
    for i in range(e):
        zi = z[i]
        has = ~np.isnan(zi)
        max_abs = float(np.abs(zi[has]).max()) if has.any() else float("nan")
        both = present[i] & (n_o[i] >= 1)
        corr = float("nan")
        if both.sum() >= 3:
            a, b = x[i, both], mu[i, both]
            if a.std() > 0 and b.std() > 0:
                corr = float(np.corrcoef(a, b)[0, 1])
        reasons: list[tuple[str, str]] = []
        if has.any() and max_abs > z_threshold:
            items = [
                int(k) for k in np.flatnonzero(has & (np.abs(np.nan_to_num(zi)) > z_threshold))
            ]
            reasons.append(
                (
                    "far_from_panel",
                    f"专家{i + 1}在第{'、'.join(str(k + 1) for k in items)}项的评分"
                    f"偏离其他专家均值超过 {z_threshold:g} 个标准差（最大 |z| = "
                    f"{max_abs:.2f}）",
                )
            )
        if min_correlation is not None and not np.isnan(corr) and corr < min_correlation:
            reasons.append(
                (
                    "low_correlation",
                    f"专家{i + 1}的评分与其他专家均值的相关系数为 {corr:.2f}，"
                    f"低于 {min_correlation:g}",
                )
            )
        flags.append(ExpertFlag(i, zi, max_abs, corr, bool(reasons), tuple(reasons)))
    return tuple(flags)
