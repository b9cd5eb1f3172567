"""The rules of a review session, typed, with their defaults in one place.

A session keeps its rules as plain JSON (``session.rules_json``, the form written at creation
and audited); :class:`SessionRules` is that data checked and typed, for every reader: the store,
the panels, the panel's figures, reports and exports. Its field defaults are the defaults of a
new session (:func:`default_rules` is them in stored form); a rule missing from a stored
session takes its default, except ``chair_scores`` (:data:`LEGACY_CHAIR_SCORES`); a session
stored before the review rules existed reads the tool's defaults for them (``review``), and one
stored before sessions had a kind is a review (``kind``). The checks are
:func:`nzc_review.store.validate.check_rules`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from nzc_review.evaluation.review_rules import ReviewRules
    from nzc_review.mcda.acceptance_rules import AcceptanceRules
    from nzc_review.mcda.recommendation import Band, RecommendationRules

__all__ = [
    "EXPERT_DISPLAYS",
    "KINDS",
    "LEGACY_CHAIR_SCORES",
    "RULE_NAMES",
    "SessionRules",
    "chair_scores",
    "default_rules",
]

#: How experts appear to other experts, on the projector and in reports: ``letters``
#: (专家A, 专家B, …) or ``names`` (their names).
EXPERT_DISPLAYS: tuple[str, ...] = ("letters", "names")

#: What a session is (:attr:`SessionRules.kind`): a ``review`` of applications (专家评审,
#: 河环发〔2023〕23号 三、(一)2) or an expert ``acceptance`` meeting (验收, 三、(二)2).
KINDS: tuple[str, ...] = ("review", "acceptance")

#: ``chair_scores`` of a session created before the rule existed: its chair scored, and keeps
#: doing so. New sessions get the default of :class:`SessionRules` (``False``).
LEGACY_CHAIR_SCORES = True


def _default_bands() -> tuple[Band, ...]:
    # imported when first needed: the recommendation rules bring NumPy, which opening a
    # store does not need
    from nzc_review.mcda.recommendation import DEFAULT_BANDS

    return DEFAULT_BANDS


def _default_review() -> ReviewRules:
    # imported when first needed, as the bands: opening a store does not need the evaluation
    from nzc_review.evaluation.review_rules import ReviewRules

    return ReviewRules()


@dataclass(frozen=True)
class SessionRules:
    """The rules of one review session; the field defaults are those of a new session.

    Attributes
    ----------
    expert_display:
        ``letters`` (专家A, 专家B, …) or ``names``: how experts appear to other experts, on
        the projector and in reports (本工具默认规则: letters, so that the panel reads scores
        without names).
    bands:
        The recommendation bands, best first
        (:data:`nzc_review.mcda.recommendation.DEFAULT_BANDS`; the source is cited there).
    trim:
        How many highest and lowest totals the trimmed mean drops (去掉最高分和最低分; 本工具
        默认规则: 1).
    score_min, score_max:
        The range of a criterion score and of a total (本工具默认规则: 0–100).
    outlier_z, outlier_min_sd, outlier_min_experts:
        When the dashboard names an expert far from the panel (本工具默认规则): their
        weighted total lies more than ``outlier_z`` (2.5) leave-one-out standard deviations
        from the other experts' mean; the standard deviation is taken as at least
        ``outlier_min_sd`` (5) points on a 0–100 scale, so that a few points' difference from
        a near-unanimous rest is not "far"; and the rule applies with at least
        ``outlier_min_experts`` (4) experts, 3 others to compare with (the standard deviation
        of two scores says almost nothing). A flag is a prompt to look, not a verdict
        (:func:`nzc_review.mcda.panel_stats.flag_outlier_experts`).
    chair_scores:
        Whether the chair also scores as a member of the panel (本工具默认规则: ``False``; the
        work plan does not say, and a chair who presides and writes the consensus usually
        does not score). With ``False`` the chair is not assigned, not counted in the
        progress grid and never blocks finalizing.
    review:
        The review rules (:class:`~nzc_review.evaluation.review_rules.ReviewRules`: the
        core-indicator veto, the verdict thresholds, the plausibility rules, the 公示名单 rule
        and the accounting basis), given with ``session create --rules FILE``; the session's
        panels, evaluation cache and reports follow them. Stored in the rules file's shape
        when they differ from the tool's defaults (a session at the defaults stores the same
        JSON as before the review rules existed, and reads the defaults).
    kind:
        ``review`` (a review of applications, the default: a session stored without it is one)
        or ``acceptance`` (an expert acceptance meeting, 河环发〔2023〕23号 三、(二)2): its
        applications are self-evaluation reports (``nzc-acceptance/1``), its panels show the
        automatic acceptance evaluation, its criteria are the acceptance criteria
        (``policy/catalog/acceptance_criteria.yaml``) and its outcomes 通过验收 / 不通过验收
        (``accepted`` / ``not_accepted``). Stored only for an acceptance session.
    acceptance:
        An acceptance session's acceptance rules
        (:class:`~nzc_review.mcda.acceptance_rules.AcceptanceRules`: the automatic evaluation's
        weights, requirements and grades), given with ``session create --kind acceptance
        --rules FILE`` (the ``acceptance:`` section of the rules file ``nzc-review accept``
        reads); the session's bands follow their grades unless given
        (:func:`nzc_review.mcda.acceptance_rules.panel_bands`: 本工具默认规则 优秀 ≥ 85 and 通过 ≥ 60
        通过验收, below 60 不通过验收). ``None`` (the default, and what equal defaults read as)
        stands for :class:`~nzc_review.mcda.acceptance_rules.AcceptanceRules`'s defaults, so that
        opening a review session never imports the acceptance rules. Stored in that
        section's shape when not the defaults.
    """

    expert_display: Literal["letters", "names"] = "letters"
    bands: tuple[Band, ...] = field(default_factory=_default_bands)
    trim: int = 1
    score_min: float = 0.0
    score_max: float = 100.0
    outlier_z: float = 2.5
    outlier_min_sd: float = 5.0
    outlier_min_experts: int = 4
    chair_scores: bool = False
    review: ReviewRules = field(default_factory=_default_review)
    kind: Literal["review", "acceptance"] = "review"
    acceptance: AcceptanceRules | None = None

    def __post_init__(self) -> None:
        """An acceptance session left at the review's default bands takes the acceptance bands
        of its rules (:func:`nzc_review.mcda.acceptance_rules.panel_bands`); acceptance rules equal
        to the defaults read as ``None``.

        Raises
        ------
        ValueError
            Bands whose outcomes are not those of the session's kind.
        """
        from nzc_review.mcda.recommendation import ACCEPTANCE_OUTCOMES, DEFAULT_BANDS

        if self.acceptance is not None:
            from nzc_review.mcda.acceptance_rules import AcceptanceRules

            if self.acceptance == AcceptanceRules():
                object.__setattr__(self, "acceptance", None)
        acceptance = all(b.outcome in ACCEPTANCE_OUTCOMES for b in self.bands)
        if self.kind == "acceptance" and not acceptance:
            if self.bands != DEFAULT_BANDS:
                raise ValueError("an acceptance session's bands give accepted or not_accepted")
            from nzc_review.mcda.acceptance_rules import panel_bands

            object.__setattr__(self, "bands", panel_bands(self.acceptance))
        elif self.kind != "acceptance" and acceptance:
            raise ValueError("a review session's bands give recommend, "
                             "recommend_after_revision or do_not_recommend")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "rules") -> SessionRules:
        """Rules from plain data (a rule left out takes its default).

        Raises
        ------
        InputError
            An unknown rule or a value the rule does not accept, each named
            (:func:`nzc_review.store.validate.check_rules`).
        """
        from nzc_review.store.validate import check_rules

        return check_rules(data, source=source)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any], *, source: str = "rules") -> SessionRules:
        """The rules of a stored session: as :meth:`from_dict`, but a session stored before
        the rule ``chair_scores`` existed reads :data:`LEGACY_CHAIR_SCORES`."""
        return cls.from_dict({"chair_scores": LEGACY_CHAIR_SCORES, **data}, source=source)

    def to_dict(self) -> dict[str, Any]:
        """The stored form (JSON): bands as ``{code, label, lower, outcome}``, a ``lower`` of
        ``None`` for minus infinity; ``review`` only when it is not the defaults; ``kind`` and
        ``acceptance`` only for an acceptance session (``acceptance`` when not the defaults),
        so a review session stores the JSON it always did."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["bands"] = [
            {
                "code": b.code,
                "label": b.label,
                "lower": b.lower if math.isfinite(b.lower) else None,
                "outcome": b.outcome,
            }
            for b in self.bands
        ]
        del out["review"], out["kind"], out["acceptance"]
        if self.review != _default_review():  # the defaults stay unstored: the JSON older
            out["review"] = self.review.to_dict()  # versions of the tool wrote and read
        if self.kind != "review":
            out["kind"] = self.kind
            if self.acceptance is not None:
                from nzc_review.mcda.acceptance_rules import acceptance_rules_to_dict

                out["acceptance"] = acceptance_rules_to_dict(self.acceptance)
        return out

    @property
    def is_acceptance(self) -> bool:
        """An expert acceptance meeting (rule ``kind`` is ``acceptance``)."""
        return self.kind == "acceptance"

    @property
    def shows_names(self) -> bool:
        """Experts appear by name (rule ``expert_display`` is ``names``)."""
        return self.expert_display == "names"

    def recommendation_rules(self) -> RecommendationRules:
        """The bands and the score range as
        :class:`nzc_review.mcda.recommendation.RecommendationRules`."""
        from nzc_review.mcda.recommendation import RecommendationRules

        return RecommendationRules(
            bands=self.bands, min_score=self.score_min, max_score=self.score_max,
            veto=self.review.veto.mode,
        )


#: The names of the rules, in the order of :class:`SessionRules`.
RULE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(SessionRules))


def default_rules() -> dict[str, Any]:
    """The rules of a new session in stored form (a fresh dict): :class:`SessionRules`'s
    defaults."""
    return SessionRules().to_dict()


def chair_scores(rules: Mapping[str, Any]) -> bool:
    """Does the chair score in a session with these stored rules (rule ``chair_scores``)?

    A session created before the rule existed has no ``chair_scores`` and reads
    :data:`LEGACY_CHAIR_SCORES`; new sessions get the default ``False``.
    """
    return SessionRules.from_stored(rules).chair_scores
