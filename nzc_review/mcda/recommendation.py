"""The panel's recommendation for one application: grade, outcome and the reasons.

Rules, each of which caps the result (the final grade and outcome are the lowest any
rule allows):

1. **Score band.** The panel total falls in a grade band. The default bands are
   优秀 (excellent) >= 85, 通过 (pass) 60-85 (60 inclusive, below 85), 未通过 (fail)
   < 60, as used for the acceptance evaluation of Shenzhen's near-zero carbon emission
   zone pilots: 《深圳市生态环境局关于常态化开展近零碳排放区试点项目验收评价工作的通知》
   ("评价结果分为三个等级：优秀（85分及以上）、通过（60-85分）和未通过（60分以下）"),
   issued under 《深圳市近零碳排放区试点建设实施方案》（深环〔2021〕212号）. We read this
   notice in a reposted copy (https://www.gushiio.com/?p=70045), not on the bureau's own
   site; its date and document number were not confirmed. The Hechi work plan (河环发
   〔2023〕23号) sets no score bands, so these are configurable defaults, not Hechi
   policy.
2. **Criterion floors** (optional, none by default). A criterion scored below its floor
   caps the grade (by default at 通过: a common rule of the form 单项得分低于…不得评为
   优秀).
3. **Core indicators** (``core_gate`` from compliance, DESIGN.md contract 3). The plan
   labels rows 核心指标 (附件1 表1–表5) and sets no veto: the veto (一票否决) is the tool's
   rule (本工具默认规则, ``veto`` of :mod:`nzc_review.evaluation.review_rules`). With
   ``RecommendationRules.veto`` ``lower_verdict`` (default) ``"fail"`` gives grade 未通过
   and 不推荐 whatever the scores; with ``flag_only`` it is a reason that caps nothing
   (:attr:`Recommendation.veto_flag`); with ``off`` it is not applied. ``"incomplete"``
   allows at best 修改完善后推荐 (本工具默认规则).
4. **Revision requested** by the panel (optional): at best 修改完善后推荐.

The grade maps to an outcome (优秀 and 通过 -> 推荐, 未通过 -> 不推荐 by default) and
the outcome is then capped by rules 3 and 4. The result is the rules' suggestion: the
panel's own recommendation (the consensus) decides.

An expert **acceptance** meeting (验收, 河环发〔2023〕23号 三、(二)2) uses the same rules with
its own outcomes, :data:`ACCEPTANCE_OUTCOMES` 通过验收 / 不通过验收 (bands whose outcomes are
these: :data:`ACCEPTANCE_BANDS`). There is no "after revision" outcome: a core indicator whose
achieved value is missing or needs review (``incomplete``) caps the suggestion at 不通过验收,
as the automatic acceptance evaluation fails it (``require_core_met``,
:mod:`nzc_review.lifecycle.acceptance`; 本工具默认规则), and a revision request does not apply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from nzc_review.evaluation.verdict import origin_zh
from nzc_review.mcda import checks
from nzc_review.mcda.checks import McdaError

__all__ = [
    "ACCEPTANCE_BANDS",
    "ACCEPTANCE_OUTCOMES",
    "ALL_OUTCOMES",
    "CORE_GATES",
    "DEFAULT_BANDS",
    "DEFAULT_RULES",
    "OUTCOMES",
    "VETO_MODES",
    "Band",
    "Floor",
    "Outcome",
    "Reason",
    "Recommendation",
    "RecommendationRules",
    "recommend",
]


@dataclass(frozen=True)
class Outcome:
    """A recommendation outcome; ``level`` orders them (higher is better)."""

    code: str
    label: str
    label_en: str
    level: int


#: The three outcomes, best first.
OUTCOMES: dict[str, Outcome] = {
    o.code: o
    for o in (
        Outcome("recommend", "推荐", "recommend", 2),
        Outcome("recommend_after_revision", "修改完善后推荐", "recommend after revision", 1),
        Outcome("do_not_recommend", "不推荐", "do not recommend", 0),
    )
}

#: The outcomes of an expert acceptance meeting (验收, 三、(二)2), best first.
ACCEPTANCE_OUTCOMES: dict[str, Outcome] = {
    o.code: o
    for o in (
        Outcome("accepted", "通过验收", "accepted", 1),
        Outcome("not_accepted", "不通过验收", "not accepted", 0),
    )
}
#: Every outcome by its code: a review's and an acceptance's (a band names one of them).
ALL_OUTCOMES: dict[str, Outcome] = {**OUTCOMES, **ACCEPTANCE_OUTCOMES}
#: The outcome sets, each complete: a session's bands take their outcomes from one of them.
_FAMILIES: tuple[dict[str, Outcome], ...] = (OUTCOMES, ACCEPTANCE_OUTCOMES)

#: Values of ``core_gate`` (DESIGN.md, contract 3).
CORE_GATES = ("pass", "incomplete", "fail")
#: What the core-indicator veto does (``veto`` of the review rules): the default first.
VETO_MODES = ("lower_verdict", "flag_only", "off")


@dataclass(frozen=True)
class Band:
    """A grade band: totals ``>= lower`` (and below the next band up) get this grade."""

    code: str
    label: str
    lower: float
    outcome: str

    def __post_init__(self) -> None:
        checks.one_of(self.outcome, ALL_OUTCOMES, f"bands[{self.code}].outcome", "outcome")
        if math.isnan(self.lower):
            raise McdaError("lower bound is NaN", name=f"bands[{self.code}].lower")


#: Default bands (best first): see the module docstring for the source.
DEFAULT_BANDS: tuple[Band, ...] = (
    Band("excellent", "优秀", 85.0, "recommend"),
    Band("pass", "通过", 60.0, "recommend"),
    Band("fail", "未通过", -math.inf, "do_not_recommend"),
)
#: Default bands of an acceptance meeting: the same grades (the source above is an acceptance
#: evaluation notice), 优秀 and 通过 -> 通过验收, 未通过 -> 不通过验收 (本工具默认规则).
ACCEPTANCE_BANDS: tuple[Band, ...] = (
    Band("excellent", "优秀", 85.0, "accepted"),
    Band("pass", "通过", 60.0, "accepted"),
    Band("fail", "未通过", -math.inf, "not_accepted"),
)


@dataclass(frozen=True)
class Floor:
    """A minimum score for one criterion; below it the grade is at most ``cap``."""

    criterion: str
    minimum: float
    cap: str = "pass"


@dataclass(frozen=True)
class RecommendationRules:
    """The configurable rules; the defaults are :data:`DEFAULT_RULES`.

    Attributes
    ----------
    bands:
        Grade bands, best first, strictly decreasing ``lower``; the last must start at
        ``-inf`` (or at most ``min_score``) so every total has a grade.
    floors:
        Per-criterion floors (none by default).
    min_score, max_score:
        Valid range of the total (0-100 by default).
    veto:
        What a failed core indicator does (:data:`VETO_MODES`; 本工具默认规则
        ``lower_verdict``).
    """

    bands: tuple[Band, ...] = DEFAULT_BANDS
    floors: tuple[Floor, ...] = ()
    min_score: float = 0.0
    max_score: float = 100.0
    veto: str = VETO_MODES[0]

    def __post_init__(self) -> None:
        checks.one_of(self.veto, VETO_MODES, "veto", "veto mode")
        if not self.bands:
            raise McdaError("at least one grade band is needed", name="bands")
        codes = [b.code for b in self.bands]
        if len(set(codes)) != len(codes):
            raise McdaError("grade codes must be unique", name="bands", value=codes)
        lowers = [b.lower for b in self.bands]
        if any(a <= b for a, b in zip(lowers, lowers[1:], strict=False)):
            raise McdaError(
                "bands must be listed best first with strictly decreasing lower bounds",
                name="bands",
                value=lowers,
            )
        if lowers[-1] > self.min_score:
            raise McdaError(
                f"the lowest band starts at {lowers[-1]:g}, so totals "
                f"between {self.min_score:g} and it have no grade",
                name="bands",
            )
        if not self.min_score < self.max_score:
            raise McdaError("min_score must be below max_score", name="max_score",
                            value=self.max_score)
        for f in self.floors:
            checks.one_of(f.cap, codes, f"floors[{f.criterion}].cap", "grade")
            checks.finite_number(f.minimum, f"floors[{f.criterion}].minimum")
        if not any(all(b.outcome in family for b in self.bands) for family in _FAMILIES):
            raise McdaError(
                "the bands mix the outcomes of a review (recommend, …) and of an acceptance "
                "(accepted, not_accepted)",
                name="bands",
                value=[b.outcome for b in self.bands],
            )

    @property
    def outcomes(self) -> dict[str, Outcome]:
        """The outcome set of the bands, best first: :data:`OUTCOMES` (a review) or
        :data:`ACCEPTANCE_OUTCOMES` (an acceptance)."""
        return next(f for f in _FAMILIES if all(b.outcome in f for b in self.bands))

    @property
    def acceptance(self) -> bool:
        """The bands give acceptance outcomes (通过验收 / 不通过验收)."""
        return self.outcomes is ACCEPTANCE_OUTCOMES

    def band(self, code: str) -> Band:
        for b in self.bands:
            if b.code == code:
                return b
        known = [b.code for b in self.bands]
        raise McdaError(f"unknown grade; one of {known}", name="grade", value=code)

    def grade_for(self, total: float) -> Band:
        """The band a total falls in (lower bounds inclusive)."""
        for b in self.bands:
            if total >= b.lower:
                return b
        return self.bands[-1]


DEFAULT_RULES = RecommendationRules()


@dataclass(frozen=True)
class Reason:
    """Why the result is what it is: a machine ``code`` and a Chinese ``message``."""

    code: str
    message: str


@dataclass(frozen=True)
class Recommendation:
    """The panel's recommendation for one application.

    Attributes
    ----------
    outcome, outcome_label:
        ``"recommend"`` / ``"recommend_after_revision"`` / ``"do_not_recommend"`` and
        推荐 / 修改完善后推荐 / 不推荐.
    grade, grade_label:
        Final grade code and label (e.g. ``"pass"``, 通过).
    score_grade:
        The grade the total alone would give.
    total:
        The panel total it was computed from.
    core_gate:
        The core-indicator gate it was computed with.
    vetoed:
        True when a failed core indicator vetoed the application (一票否决 under the rule
        ``lower_verdict``).
    veto_flag:
        True when a failed core indicator is shown as a veto flag: vetoed, or flagged only
        (rule ``flag_only``).
    reasons:
        Every rule that applied, in order: band, floors, core gate, revision.
    """

    outcome: str
    outcome_label: str
    grade: str
    grade_label: str
    score_grade: str
    total: float
    core_gate: str
    vetoed: bool
    reasons: tuple[Reason, ...] = field(default=())
    veto_flag: bool = False

    @property
    def outcome_label_en(self) -> str:
        return ALL_OUTCOMES[self.outcome].label_en


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def recommend(
    total: float,
    core_gate: str,
    criterion_scores: Mapping[str, float] | None = None,
    *,
    rules: RecommendationRules = DEFAULT_RULES,
    revision_requested: bool = False,
) -> Recommendation:
    """Apply the recommendation rules (see the module docstring) to one application.

    Parameters
    ----------
    total:
        The panel total (e.g. the trimmed mean of the experts' totals), in
        ``[rules.min_score, rules.max_score]``.
    core_gate:
        ``"pass"``, ``"incomplete"`` or ``"fail"`` from compliance.
    criterion_scores:
        Panel score per criterion, needed for every criterion that has a floor.
    rules:
        Bands and floors.
    revision_requested:
        The panel asks for revisions before the application can be recommended.

    Raises
    ------
    McdaError
        NaN or out-of-range total, unknown ``core_gate``, or a floor whose criterion has
        no (finite) score.
    """
    t = checks.finite_number(total, "total")
    if not rules.min_score <= t <= rules.max_score:
        raise McdaError(
            f"must lie in [{rules.min_score:g}, {rules.max_score:g}]", name="total", value=total
        )
    checks.one_of(core_gate, CORE_GATES, "core_gate", "core-indicator gate")
    scores = dict(criterion_scores or {})

    order = {b.code: i for i, b in enumerate(rules.bands)}  # 0 = best
    reasons: list[Reason] = []

    score_band = rules.grade_for(t)
    grade = score_band
    above = [b for b in rules.bands if b.lower > score_band.lower]
    if not above:
        span = f"{_fmt(score_band.lower)} 分及以上"
    elif not math.isfinite(score_band.lower):
        span = f"{_fmt(above[-1].lower)} 分以下"
    else:
        span = f"{_fmt(score_band.lower)}–{_fmt(above[-1].lower)} 分"
    reasons.append(
        Reason(
            f"score_band_{score_band.code}",
            f"专家组评分 {t:.2f} 分，属于“{score_band.label}”档（{span}）。",  # as printed
        )
    )

    def cap_grade(code: str) -> None:
        nonlocal grade
        capped = rules.band(code)
        if order[capped.code] > order[grade.code]:
            grade = capped

    for f in rules.floors:
        if f.criterion not in scores:
            raise McdaError(
                "no score given for a criterion that has a floor",
                name=f"criterion_scores[{f.criterion}]",
            )
        v = checks.finite_number(scores[f.criterion], f"criterion_scores[{f.criterion}]")
        if v < f.minimum:
            cap_grade(f.cap)
            reasons.append(
                Reason(
                    "criterion_below_floor",
                    f"“{f.criterion}”得分 {_fmt(v)} 分，低于最低要求 "
                    f"{_fmt(f.minimum)} 分，等级最高为"
                    f"“{rules.band(f.cap).label}”。",
                )
            )

    flagged = core_gate == "fail" and rules.veto != "off"
    vetoed = flagged and rules.veto == "lower_verdict"
    origin = origin_zh(rules.veto == VETO_MODES[0])
    family = rules.outcomes
    lowest = min(family.values(), key=lambda o: o.level)
    value = "实际值" if rules.acceptance else "目标值"
    if vetoed:
        cap_grade(rules.bands[-1].code)
        reasons.append(
            Reason(
                "core_indicator_veto",
                f"核心指标{value}未达到参考值要求，按一票否决规则（{origin}）建议"
                f"{'不通过验收' if rules.acceptance else '不予推荐'}。",
            )
        )
    elif flagged:
        reasons.append(
            Reason(
                "core_indicator_veto_flag",
                f"核心指标{value}未达到参考值要求：一票否决仅作提示（{origin}），不改变"
                f"{'验收' if rules.acceptance else '推荐'}建议。",
            )
        )

    outcome = family[grade.outcome]

    def cap_outcome(code: str) -> None:
        nonlocal outcome
        if family[code].level < outcome.level:
            outcome = family[code]

    if vetoed:
        cap_outcome(lowest.code)
    elif core_gate == "incomplete" and rules.acceptance:
        cap_outcome(lowest.code)
        reasons.append(
            Reason(
                "core_indicator_incomplete",
                "部分核心指标实际值缺失或需人工核定，须补充核实后方可通过验收（本工具默认规则）。",
            )
        )
    elif core_gate == "incomplete":
        cap_outcome("recommend_after_revision")
        reasons.append(
            Reason(
                "core_indicator_incomplete",
                "部分核心指标目标值缺失或需人工核实，须补充完善后方可推荐。",
            )
        )
    if revision_requested and not rules.acceptance:
        cap_outcome("recommend_after_revision")
        reasons.append(Reason("revision_requested", "专家组要求根据评审意见修改完善创建方案。"))

    return Recommendation(
        outcome=outcome.code,
        outcome_label=outcome.label,
        grade=grade.code,
        grade_label=grade.label,
        score_grade=score_band.code,
        total=t,
        core_gate=core_gate,
        vetoed=vetoed,
        reasons=tuple(reasons),
        veto_flag=flagged,
    )
