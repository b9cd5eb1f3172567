"""The panel's figures for one application: one function that every view calls.

DESIGN.md, "One figure, one function": every number a person signs or reads is computed by
one library function from the stored inputs and the session's rules. For the expert panel
that function is :func:`panel_figures`. The chair's dashboard, the expert's view after
submitting, the panel review opinion (HTML and PDF), the session summary, the public-notice
list, the Excel exports and the record kept at finalization all call it; none of them keeps
a total of its own. It lives in the store because the store computes the figures at
finalization and keeps them with the finalized record (:class:`FinalizedFigures`).

What it computes, from the reviews that count and the session's rules (:class:`FigureRules`):

* **Which reviews count** (:func:`counted_reviews`): submitted, not recused (回避), every
  criterion scored. Drafts and recused members are left out.
* **Each expert's total** ``sum_c w_ec s_ec`` with the expert's *own* normalised weights
  (direct points or AHP), else the session's default weights — the same total the store
  shows for the review (:func:`nzc_review.store.validate.weighted_total`).
* **Central values** of every criterion and of the totals: mean, median, and the trimmed
  mean that drops the session's ``trim`` highest and lowest (去掉最高分和最低分), when at
  least ``2 * trim + 1`` experts scored (:func:`nzc_review.mcda.panel_stats.summarize`).
* **The panel total** (专家组评分): the trimmed mean of the totals when it exists, else
  their mean; the words saying which (:attr:`PanelFigures.panel_total_basis`).
* **Agreement**: Kendall's W over the criteria with its chi-square p-value
  (:func:`nzc_review.mcda.panel_stats.kendall_w`) and a reading in plain words
  (:func:`kendall_reading`).
* **Experts far from the panel** (:func:`nzc_review.mcda.panel_stats.flag_outlier_experts`), under
  the rule of :class:`FigureRules` (本工具默认规则, configurable in the session rules).
* **The experts' own recommendations**, tallied, and the **rule's suggestion**
  (:func:`nzc_review.mcda.recommendation.recommend` with the session's bands and score range,
  the core-indicator gate and the panel's revision request).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from nzc_review.errors import FieldError, InputError
from nzc_review.mcda.checks import McdaError
from nzc_review.mcda.panel_stats import (
    KendallW,
    flag_outlier_experts,
    kendall_w,
    summarize,
)
from nzc_review.mcda.recommendation import (
    ACCEPTANCE_OUTCOMES,
    ALL_OUTCOMES,
    DEFAULT_RULES,
    Recommendation,
    RecommendationRules,
    recommend,
)
from nzc_review.store.records import Criterion
from nzc_review.store.rules import SessionRules

if TYPE_CHECKING:
    from nzc_review.store.interface import ReviewStore
    from nzc_review.store.records import Actor, FinalizedFigures, Review, SessionInfo

__all__ = [
    "DEFAULT_OUTLIER_MIN_EXPERTS",
    "DEFAULT_OUTLIER_MIN_SD",
    "DEFAULT_OUTLIER_Z",
    "CriterionStats",
    "FigureRules",
    "FiguresError",
    "Outliers",
    "PanelFigures",
    "application_figures",
    "check_kept",
    "counted_reviews",
    "kendall_reading",
    "panel_figures",
]

#: The defaults of a new session's rules (:class:`nzc_review.store.rules.SessionRules`, where
#: each is explained, the outlier rule included: 本工具默认规则).
_DEFAULTS = SessionRules()
DEFAULT_OUTLIER_Z = _DEFAULTS.outlier_z
DEFAULT_OUTLIER_MIN_SD = _DEFAULTS.outlier_min_sd
DEFAULT_OUTLIER_MIN_EXPERTS = _DEFAULTS.outlier_min_experts
#: The session rules the figures follow (:meth:`FigureRules.from_dict`).
_FIGURE_RULE_NAMES = frozenset(
    {"trim", "score_min", "score_max", "bands", "outlier_z", "outlier_min_sd", "outlier_min_experts"}
)

#: Significance level of the chi-square test of Kendall's W (本工具默认规则).
SIGNIFICANCE = 0.05


class FiguresError(FieldError, ValueError):
    """The panel figures cannot be computed from these rules (a bad stored rule); ``name`` is
    the session rule."""


@dataclass(frozen=True)
class FigureRules:
    """The rules the panel figures follow (the session's rules as one object).

    Attributes
    ----------
    trim:
        How many highest and lowest totals the trimmed mean drops (session rule ``trim``).
    score_min, score_max:
        The range of a criterion score and of a total (session rules).
    recommendation:
        The recommendation bands (session rule ``bands``) with the score range and what the
        core-indicator veto does (the session's review rules, ``veto``).
    outlier_z, outlier_min_sd, outlier_min_experts:
        The outlier rule (see :data:`DEFAULT_OUTLIER_Z`); ``outlier_min_sd`` is in score
        points on a 0–100 scale and scales with the session's score range.
    """

    trim: int = _DEFAULTS.trim
    score_min: float = _DEFAULTS.score_min
    score_max: float = _DEFAULTS.score_max
    recommendation: RecommendationRules = DEFAULT_RULES
    outlier_z: float = DEFAULT_OUTLIER_Z
    outlier_min_sd: float = DEFAULT_OUTLIER_MIN_SD
    outlier_min_experts: int = DEFAULT_OUTLIER_MIN_EXPERTS

    def __post_init__(self) -> None:
        if isinstance(self.trim, bool) or not isinstance(self.trim, int) or self.trim < 0:
            raise FiguresError("expected a whole number of at least 0", name="trim",
                               value=self.trim)
        lo, hi = float(self.score_min), float(self.score_max)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise FiguresError("expected finite numbers, min below max", name="score_min, score_max",
                               value=(self.score_min, self.score_max))
        for name in ("outlier_z", "outlier_min_sd"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise FiguresError("expected a positive number", name=name, value=value)
        if (
            isinstance(self.outlier_min_experts, bool)
            or not isinstance(self.outlier_min_experts, int)
            or self.outlier_min_experts < 3
        ):
            raise FiguresError("expected a whole number of at least 3", name="outlier_min_experts",
                               value=self.outlier_min_experts)

    @classmethod
    def from_session(cls, session: SessionInfo) -> FigureRules:
        """The rules of a review session (:attr:`SessionInfo.session_rules`)."""
        return cls.from_rules(session.session_rules)

    @classmethod
    def from_rules(cls, rules: SessionRules) -> FigureRules:
        """The figure rules among a session's rules."""
        return cls(
            trim=rules.trim,
            score_min=rules.score_min,
            score_max=rules.score_max,
            recommendation=rules.recommendation_rules(),
            outlier_z=rules.outlier_z,
            outlier_min_sd=rules.outlier_min_sd,
            outlier_min_experts=rules.outlier_min_experts,
        )

    @classmethod
    def from_dict(cls, rules: Mapping[str, Any]) -> FigureRules:
        """Rules from session-rule data or a kept rule (:meth:`to_dict`): ``trim``,
        ``score_min``, ``score_max``, ``bands``, ``outlier_*``, checked as session rules
        (:class:`~nzc_review.store.rules.SessionRules`), and ``veto`` (a kept rule's veto mode,
        :data:`~nzc_review.mcda.recommendation.VETO_MODES`); other keys are ignored, missing
        ones take the defaults (a rule kept before the veto was configurable: the default).

        Raises
        ------
        FiguresError
            A value the rules cannot use, naming the rule.
        """
        known = {k: v for k, v in rules.items() if k in _FIGURE_RULE_NAMES}
        bands = known.get("bands")
        if isinstance(bands, list) and bands and all(
                isinstance(b, Mapping) and b.get("outcome") in ACCEPTANCE_OUTCOMES for b in bands):
            known["kind"] = "acceptance"  # an acceptance meeting's rule: its bands say so
        try:
            made = cls.from_rules(SessionRules.from_dict(known))
        except InputError as exc:
            name, reason = exc.problems[0]
            raise FiguresError(reason, name=name or None) from None
        if "veto" not in rules:
            return made
        from dataclasses import replace

        try:
            return replace(made, recommendation=replace(made.recommendation, veto=rules["veto"]))
        except McdaError as exc:
            raise FiguresError(exc.reason, name="veto", value=exc.value) from None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON): what the finalized record keeps as "the rule that produced the
        figures"; :meth:`from_dict` reads it back."""
        return {
            "weights": "own",  # each expert's own normalised weights, else the session's
            "trim": self.trim,
            "score_min": float(self.score_min),
            "score_max": float(self.score_max),
            "bands": [
                {
                    "code": b.code,
                    "label": b.label,
                    "lower": b.lower if math.isfinite(b.lower) else None,
                    "outcome": b.outcome,
                }
                for b in self.recommendation.bands
            ],
            "outlier_z": self.outlier_z,
            "outlier_min_sd": self.outlier_min_sd,
            "outlier_min_experts": self.outlier_min_experts,
            "veto": self.recommendation.veto,
        }

    def bands_zh(self) -> str:
        """The recommendation bands in words: ``优秀（85 分及以上，推荐）、通过（60–85 分，
        推荐）、未通过（60 分以下，不推荐）``."""
        bands = self.recommendation.bands
        parts = []
        for i, b in enumerate(bands):
            upper = bands[i - 1].lower if i else None
            if upper is None:
                span = f"{b.lower:g} 分及以上"
            elif not math.isfinite(b.lower):
                span = f"{upper:g} 分以下"
            else:
                span = f"{b.lower:g}–{upper:g} 分"
            parts.append(f"{b.label}（{span}，{ALL_OUTCOMES[b.outcome].label}）")
        return "、".join(parts)

    def describe_zh(self) -> str:
        """The rule in one Chinese sentence (printed with the figures)."""
        trim = (
            f"去掉 {self.trim} 个最高分和 {self.trim} 个最低分后取平均（不足 "
            f"{2 * self.trim + 1} 位专家时取算术平均）"
            if self.trim
            else "取算术平均"
        )
        meeting = "验收会" if self.recommendation.acceptance else "评审会"
        return (
            f"各专家按本人设置的权重（未设置的按{meeting}默认权重）计算加权总分，{trim}；"
            f"评分范围 {self.score_min:g}—{self.score_max:g} 分。"
        )


@dataclass(frozen=True)
class CriterionStats:
    """One criterion (or the weighted total) across the experts who count.

    Attributes
    ----------
    criterion:
        The criterion (id, Chinese name, the session's default weight); the weighted total
        is ``Criterion("total", "加权总分", …)``.
    scores:
        One score per expert, in the order of :attr:`PanelFigures.experts`.
    mean, median, trimmed_mean:
        Central values; ``trimmed_mean`` is ``None`` when too few experts scored (or the
        session does not trim).
    minimum, maximum, spread, std:
        Spread: ``spread = maximum - minimum`` (极差) and the sample standard deviation
        (``None`` with one expert).
    """

    criterion: Criterion
    scores: tuple[float, ...]
    mean: float
    median: float
    trimmed_mean: float | None
    minimum: float
    maximum: float
    spread: float
    std: float | None

    @property
    def central(self) -> float:
        """The trimmed mean when there is one, else the mean (the panel's value)."""
        return self.mean if self.trimmed_mean is None else self.trimmed_mean


@dataclass(frozen=True)
class Outliers:
    """Experts far from the rest of the panel.

    Attributes
    ----------
    experts:
        Labels of the flagged experts (never every expert: when the rule fires for more
        than half of the panel, no one is singled out and :attr:`note` says so).
    reasons:
        One sentence per flagged expert.
    note:
        Why nobody is flagged (too few experts, a split panel), or ``""``.
    judged:
        Whether the rule was applied at all.
    """

    experts: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    note: str = ""
    judged: bool = False


@dataclass(frozen=True)
class PanelFigures:
    """The panel's figures for one application (what :func:`panel_figures` returns).

    Attributes
    ----------
    rules:
        The rules that produced them.
    experts, expert_ids:
        Labels (专家A… or names, per the session) and ids of the experts who count.
    reviews:
        Those reviews, in the same order.
    weights:
        The normalised weights used for each expert, one row per expert.
    own_weights:
        Per expert: whether they set their own weights (else the session's defaults).
    criteria:
        One :class:`CriterionStats` per criterion of the session.
    totals:
        Each expert's weighted total.
    total:
        :class:`CriterionStats` of the totals (mean, median, trimmed mean, spread).
    panel_total:
        专家组评分: the trimmed mean of the totals when it exists, else their mean.
    panel_total_kind:
        ``"trimmed_mean"`` or ``"mean"``.
    panel_total_basis:
        How :attr:`panel_total` was obtained, in words.
    trim:
        The trim applied.
    kendall, kendall_note, kendall_reading:
        Kendall's W over the criteria (``None`` when undefined, with the reason in
        ``kendall_note``) and its reading in plain words.
    outliers:
        Experts far from the panel.
    votes:
        Outcome code → labels of the experts who recommended it; ``None`` → undecided.
    suggestion:
        The recommendation rules applied to :attr:`panel_total` (``None`` when the core
        gate was not given or the rules could not be applied: see :attr:`warnings`).
    warnings:
        Problems met (in Chinese).
    kept_at:
        For a finalized application: when these figures were kept at finalization (UTC;
        :func:`application_figures` checks that the recomputation equals them).
    """

    rules: FigureRules
    experts: tuple[str, ...]
    expert_ids: tuple[int, ...]
    reviews: tuple[Review, ...]
    weights: tuple[tuple[float, ...], ...]
    own_weights: tuple[bool, ...]
    criteria: tuple[CriterionStats, ...]
    totals: tuple[float, ...]
    total: CriterionStats
    panel_total: float
    panel_total_kind: str
    panel_total_basis: str
    trim: int
    kendall: KendallW | None
    kendall_note: str
    kendall_reading: str
    outliers: Outliers
    votes: dict[str | None, tuple[str, ...]] = field(default_factory=dict)
    suggestion: Recommendation | None = None
    warnings: tuple[str, ...] = ()
    kept_at: str | None = None

    @property
    def n_experts(self) -> int:
        """How many experts' scores count."""
        return len(self.experts)

    @property
    def panel_total_rule_zh(self) -> str:
        """The panel total's rule in a few words (a table column)."""
        if self.panel_total_kind == "trimmed_mean":
            return f"去掉{self.trim}个最高分和{self.trim}个最低分后的平均分"
        return "算术平均分"

    def votes_zh(self) -> str:
        """``推荐 2 人（专家A、专家C）；不推荐 1 人（专家B）`` (``""`` when nobody voted)."""
        parts = []
        for code, who in self.votes.items():
            label = ALL_OUTCOMES[code].label if code else "未表态"
            parts.append(f"{label} {len(who)} 人（{'、'.join(who)}）")
        return "；".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON): the figures a finalized record keeps."""
        return {
            "experts": list(self.experts),
            "expert_ids": list(self.expert_ids),
            "totals": list(self.totals),
            "n_experts": self.n_experts,
            "mean": self.total.mean,
            "median": self.total.median,
            "trimmed_mean": self.total.trimmed_mean,
            "panel_total": self.panel_total,
            "panel_total_kind": self.panel_total_kind,
            "panel_total_basis": self.panel_total_basis,
            "criteria": {
                c.criterion.id: {
                    "mean": c.mean,
                    "median": c.median,
                    "trimmed_mean": c.trimmed_mean,
                }
                for c in self.criteria
            },
            "kendall_w": None if self.kendall is None else self.kendall.w,
            "kendall_p": None if self.kendall is None else self.kendall.p,
            "votes": {code or "undecided": list(v) for code, v in self.votes.items()},
        }


def counted_reviews(reviews: Sequence[Review], criteria: Sequence[Criterion]) -> list[Review]:
    """The reviews whose scores count: submitted, not recused, every criterion scored."""
    return [
        r
        for r in reviews
        if r.status == "submitted"
        and not r.recused
        and all(c.id in r.scores for c in criteria)
    ]


def _stats(criterion: Criterion, col: np.ndarray, trimmed: float | None) -> CriterionStats:
    return CriterionStats(
        criterion=criterion,
        scores=tuple(float(x) for x in col),
        mean=float(col.mean()),
        median=float(np.median(col)),
        trimmed_mean=trimmed,
        minimum=float(col.min()),
        maximum=float(col.max()),
        spread=float(col.max() - col.min()),
        std=float(col.std(ddof=1)) if col.shape[0] > 1 else None,
    )


def _expert_weights(review: Review, criteria: Sequence[Criterion]) -> tuple[list[float], bool]:
    norm = (review.weights or {}).get("normalized")
    if norm and all(c.id in norm for c in criteria):
        return [float(norm[c.id]) for c in criteria], True
    default = [float(c.weight) for c in criteria]
    total = sum(default) or 1.0
    return [x / total for x in default], False


#: Strength of agreement by W, read from the table of Schmidt (1997): W = 0.1 very weak,
#: 0.3 weak, 0.5 moderate, 0.7 strong, 0.9 unusually strong; the boundaries are the
#: midpoints between those values (本工具默认规则).
#: Schmidt, R. C. (1997). Managing Delphi surveys using nonparametric statistical
#: techniques. *Decision Sciences* 28(3), 763-774.
W_STRENGTH: tuple[tuple[float, str], ...] = (
    (0.8, "很强"),
    (0.6, "较强"),
    (0.4, "中等"),
    (0.2, "较弱"),
    (0.0, "很弱"),
)


def kendall_reading(kw: KendallW | None, note: str = "", alpha: float = SIGNIFICANCE,
                    criteria: str = "评审要点") -> str:
    """Kendall's W in plain words, with its p-value (Chinese).

    ``W`` says whether the experts agree on which criteria of the application are
    stronger and which weaker (their order), not whether their scores are close; the
    strength follows :data:`W_STRENGTH`, and the chi-square p-value says whether that
    agreement could be chance (``p < alpha``: unlikely).
    """
    if kw is None:
        return f"无法计算肯德尔协调系数 W：{note or '数据不足'}"
    strength = next(label for lower, label in W_STRENGTH if kw.w >= lower)
    if kw.p < alpha:
        chance = f"p = {kw.p:.3f} < {alpha:g}，这种一致不大可能出于偶然"
    else:
        chance = (
            f"p = {kw.p:.3f} ≥ {alpha:g}，不能排除一致出于偶然（专家或{criteria}较少时常见）"
        )
    return (
        f"肯德尔协调系数 W = {kw.w:.3f}：{kw.m} 位专家对 {kw.n} 项{criteria}孰强孰弱的判断"
        f"一致性{strength}；{chance}。W 衡量排序是否一致，不衡量分数是否接近。"
    )


def _outliers(
    labels: Sequence[str],
    names: Sequence[str],
    scores: np.ndarray,
    totals: np.ndarray,
    rules: FigureRules,
) -> Outliers:
    """Experts whose weighted total is far from the others' (the rule of :class:`FigureRules`);
    the criteria on which a flagged expert is far as well are named in the reason."""
    n = len(labels)
    word = "验收要点" if rules.recommendation.acceptance else "评审要点"
    if n < rules.outlier_min_experts:
        return Outliers(
            note=f"专家不足 {rules.outlier_min_experts} 位，不判断偏离（本工具默认规则）。"
        )
    min_sd = rules.outlier_min_sd * (rules.score_max - rules.score_min) / 100.0
    kwargs = {"z_threshold": rules.outlier_z, "min_sd": min_sd, "min_correlation": None}
    flagged = [f for f in flag_outlier_experts(totals[:, None], **kwargs) if f.flagged]
    if not flagged:
        return Outliers(judged=True)
    if len(flagged) * 2 > n:
        return Outliers(
            note=(
                f"{len(flagged)} 位专家的加权总分都偏离其余专家较多：专家组分歧普遍，"
                f"未单独标出偏离专家，请查看各{word}的分布。"
            ),
            judged=True,
        )
    per_criterion = flag_outlier_experts(scores, **kwargs)
    reasons = []
    for f in flagged:
        z = float(f.z[0])
        side = "高于" if z > 0 else "低于"
        far = [
            names[j]
            for j in range(len(names))
            if abs(np.nan_to_num(per_criterion[f.expert].z[j])) > rules.outlier_z
        ]
        reasons.append(
            f"{labels[f.expert]}的加权总分{side}其他专家均值 {abs(z):.1f} 个标准差"
            + (f"（{'、'.join(far)}评分同样偏离）" if far else "")
        )
    return Outliers(
        experts=tuple(labels[f.expert] for f in flagged), reasons=tuple(reasons), judged=True
    )


def panel_figures(
    criteria: Sequence[Criterion],
    reviews: Sequence[Review],
    rules: FigureRules | None = None,
    *,
    core_gate: str | None = None,
    revision_requested: bool = False,
) -> PanelFigures | None:
    """The panel's figures for one application (see the module docstring).

    Parameters
    ----------
    criteria:
        The session's criteria (their ``weight`` is used for an expert who kept the
        session's weights).
    reviews:
        The application's reviews, as the store gives them; those that do not count
        (drafts, recused, incomplete) are left out here.
    rules:
        The session's rules (:meth:`FigureRules.from_session`); default
        :class:`FigureRules` ().
    core_gate:
        ``pass`` / ``incomplete`` / ``fail`` of the automatic evaluation; without it there
        is no rule suggestion.
    revision_requested:
        The panel asks for revisions (the consensus recommends after revision).

    Returns
    -------
    PanelFigures or None
        ``None`` when no review counts.

    Notes
    -----
    Totals and central values: :func:`nzc_review.mcda.panel_stats.summarize` with one row of
    criteria weights per expert. Agreement: Kendall's W [Kendall1939]_ with the tie
    correction, raters = experts and items = criteria; it needs 2 experts and 2 criteria
    and at least one expert who does not give every criterion the same score.
    """
    rules = rules or FigureRules()
    rows = counted_reviews(reviews, criteria)
    if not rows or not criteria:
        return None
    trim = rules.trim
    s = np.array([[float(r.scores[c.id]) for c in criteria] for r in rows])
    weights = [_expert_weights(r, criteria) for r in rows]
    w = np.array([row for row, _ in weights])
    summary = summarize(s, criteria_weights=w, trim=trim)
    n = len(rows)
    can_trim = trim >= 1 and n >= 2 * trim + 1
    crit = tuple(
        _stats(c, s[:, j], summary.criteria[j].trimmed_mean if can_trim else None)
        for j, c in enumerate(criteria)
    )
    totals = summary.expert_totals
    total = _stats(
        Criterion("total", "加权总分", "Weighted total", 1.0),
        totals,
        summary.total.trimmed_mean if can_trim else None,
    )
    if can_trim:
        panel_total, kind = float(summary.total.trimmed_mean), "trimmed_mean"
        basis = f"{n} 位专家加权总分去掉 {trim} 个最高分和 {trim} 个最低分后的平均分"
    else:
        panel_total, kind = float(summary.total.mean), "mean"
        basis = f"{n} 位专家加权总分的算术平均分"
        if trim >= 1:
            basis += f"（不足 {2 * trim + 1} 位专家，不去掉最高分和最低分）"
    kw: KendallW | None = None
    word = "验收要点" if rules.recommendation.acceptance else "评审要点"  # the criteria's name
    if n < 2:
        note = "仅 1 位专家评分，无法计算一致性系数。"
    elif len(criteria) < 2:
        note = f"仅 1 项{word}，无法计算一致性系数。"
    else:
        try:
            kw = kendall_w(s)
            note = ""
        except McdaError:
            note = f"每位专家对各{word}的评分均相同，W 无定义。"
    labels = tuple(r.expert_label for r in rows)
    outliers = _outliers(labels, [c.name for c in criteria], s, np.asarray(totals), rules)
    votes: dict[str | None, tuple[str, ...]] = {}
    for code in (*rules.recommendation.outcomes, None):
        who = tuple(r.expert_label for r in rows if r.opinion.recommendation == code)
        if who:
            votes[code] = who
    warnings: list[str] = []
    suggestion = None
    if core_gate is not None:
        central = {}
        for c in crit:
            central[c.criterion.id] = central[c.criterion.name] = c.central
        try:
            suggestion = recommend(
                panel_total,
                core_gate,
                central,
                rules=rules.recommendation,
                revision_requested=revision_requested,
            )
        except McdaError as exc:
            warnings.append(f"评分规则无法计算推荐结论：{exc}")
    return PanelFigures(
        rules=rules,
        experts=labels,
        expert_ids=tuple(r.expert_id for r in rows),
        reviews=tuple(rows),
        weights=tuple(tuple(float(x) for x in row) for row, _ in weights),
        own_weights=tuple(own for _, own in weights),
        criteria=crit,
        totals=tuple(float(t) for t in totals),
        total=total,
        panel_total=panel_total,
        panel_total_kind=kind,
        panel_total_basis=basis,
        trim=trim,
        kendall=kw,
        kendall_note=note,
        kendall_reading=kendall_reading(kw, note, criteria=word),
        outliers=outliers,
        votes=votes,
        suggestion=suggestion,
        warnings=tuple(warnings),
    )


# --- reading the store (the edge) -------------------------------------------------------------

_KEPT_FIELDS = (
    ("panel_total", "专家组评分"),
    ("mean", "平均分"),
    ("median", "中位数"),
    ("trimmed_mean", "截尾平均分"),
)


def check_kept(figures: PanelFigures | None, kept: FinalizedFigures) -> tuple[str, ...]:
    """Compare figures recomputed now with those kept at finalization; one Chinese sentence
    per difference (none when they agree to 1e-9: the reviews of a finalized application are
    locked, so a difference means a record changed behind the store's back)."""
    data = kept.figures or {}
    if figures is None:
        return () if not data else ("定稿时记录有专家评分，现已无可计算的评分记录，请核查审计记录。",)
    now = figures.to_dict()
    problems = []
    if list(data.get("experts") or []) != list(now["experts"]):
        problems.append(
            f"定稿时计分的专家为 {'、'.join(data.get('experts') or []) or '无'}，现为 "
            f"{'、'.join(now['experts'])}"
        )
    for key, label in _KEPT_FIELDS:
        a, b = data.get(key), now[key]
        if (a is None) != (b is None) or (a is not None and abs(float(a) - float(b)) > 1e-9):
            problems.append(
                f"定稿时记录的{label}为 {'—' if a is None else f'{a:.2f}'}，按现有评分记录"
                f"计算为 {'—' if b is None else f'{b:.2f}'}"
            )
    return tuple(f"{p}，请核查审计记录（nzc-review audit verify）。" for p in problems)


def application_figures(
    store: ReviewStore,
    actor: Actor,
    app_id: str,
    *,
    reviews: Sequence[Review] | None = None,
    core_gate: str | None = None,
    revision_requested: bool = False,
) -> PanelFigures | None:
    """:func:`panel_figures` of one application as the store holds it: what every view calls.

    The rule is the session's; for a finalized application read by the chair, the secretary
    or the operator, it is the rule kept at finalization, and the recomputed figures are
    checked against the kept ones (:func:`check_kept`; differences become warnings).

    Parameters
    ----------
    reviews:
        The application's reviews as ``actor`` may read them (default
        ``store.reviews(actor, app_id)``; an expert passes ``store.scores_for(...)``).
    core_gate, revision_requested:
        As for :func:`panel_figures`.
    """
    from dataclasses import replace

    from nzc_review.store import access

    session = store.session(actor)
    if reviews is None:
        reviews = store.reviews(actor, app_id)
    kept = store.finalized_figures(actor, app_id) if access.can_read_all(actor) else None
    rules = FigureRules.from_dict(kept.rule) if kept is not None else FigureRules.from_session(
        session
    )
    figures = panel_figures(
        session.criteria,
        reviews,
        rules,
        core_gate=core_gate,
        revision_requested=revision_requested,
    )
    if kept is None or figures is None:
        return figures
    return replace(
        figures,
        warnings=figures.warnings + check_kept(figures, kept),
        kept_at=kept.computed_at,
    )
