"""The review store's vocabulary and records: roles, criteria, and what every query returns.

Plain frozen dataclasses, independent of the database behind them
(:mod:`nzc_review.store.interface` is what a store does with them; :mod:`nzc_review.store.sqlite`
the embedded implementation).
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from nzc_review.store.rules import SessionRules

if TYPE_CHECKING:
    from nzc_review.mcda.recommendation import RecommendationRules

__all__ = [
    "ACCEPTANCE_RECOMMENDATIONS",
    "APPLICATION_READER_ROLES",
    "CONFLICT_BASIS_ZH",
    "CONFLICT_STATUS_ZH",
    "DEFAULT_CRITERIA",
    "MANAGING_ROLES",
    "READ_ALL_ROLES",
    "RECOMMENDATIONS",
    "RECOMMENDATIONS_OF_KIND",
    "RECOMMENDATION_ZH",
    "REVIEW_STATUS_ZH",
    "ROLES",
    "ROLE_ZH",
    "SCORING_ROLES",
    "Actor",
    "ApplicationRecord",
    "ApplicationVersion",
    "Assignment",
    "AuditEvent",
    "Conflict",
    "Consensus",
    "Criterion",
    "Expert",
    "FinalizedFigures",
    "ImportResult",
    "NewExpert",
    "Opinion",
    "Progress",
    "ProgressCell",
    "Review",
    "ReviewRound",
    "SessionInfo",
    "VerifyResult",
    "default_criteria",
]

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

Role = Literal["expert", "chair", "secretary", "analyst", "operator"]

#: Roles a person of the session can have. ``operator`` is not one: it is whoever runs the
#: ``nzc-review`` command line on the machine that holds the session folder (see
#: :meth:`Actor.operator`). An ``analyst`` (分析人员) compares the candidates in the explorer:
#: reads the applications, never a score, an opinion or the consensus.
ROLES: tuple[str, ...] = ("expert", "chair", "secretary", "analyst")
ROLE_ZH = {
    "expert": "专家",
    "chair": "组长",
    "secretary": "秘书",
    "analyst": "分析人员",
    "operator": "操作员",
}

#: Roles that may score: an expert always, the chair when the session's rule
#: ``chair_scores`` says so (:attr:`nzc_review.store.rules.SessionRules.chair_scores`).
SCORING_ROLES = frozenset({"expert", "chair"})
#: Roles that manage the session, the experts and conflicts of interest.
MANAGING_ROLES = frozenset({"secretary", "operator"})
#: Roles that read every record of the session (the secretary: scores and opinions only of
#: finalized applications, :func:`nzc_review.store.access.require_can_see_scores`).
READ_ALL_ROLES = frozenset({"chair", "secretary", "operator"})
#: Roles that read every application (not the reviews): those above and the analyst.
APPLICATION_READER_ROLES = READ_ALL_ROLES | {"analyst"}

RECOMMENDATIONS: tuple[str, ...] = ("recommend", "recommend_after_revision", "do_not_recommend")
#: The conclusions of an expert acceptance meeting (验收, 河环发〔2023〕23号 三、(二)2).
ACCEPTANCE_RECOMMENDATIONS: tuple[str, ...] = ("accepted", "not_accepted")
#: The recommendations an expert and the consensus may give, by the session's kind
#: (:attr:`nzc_review.store.rules.SessionRules.kind`).
RECOMMENDATIONS_OF_KIND: dict[str, tuple[str, ...]] = {
    "review": RECOMMENDATIONS,
    "acceptance": ACCEPTANCE_RECOMMENDATIONS,
}
RECOMMENDATION_ZH = {
    "recommend": "推荐",
    "recommend_after_revision": "修改完善后推荐",
    "do_not_recommend": "不推荐",
    "accepted": "通过验收",
    "not_accepted": "不通过验收",
}

ReviewStatus = Literal["draft", "submitted"]
CellStatus = Literal["not_assigned", "not_started", "draft", "submitted", "recused"]
REVIEW_STATUS_ZH = {
    "not_assigned": "—",
    "not_started": "未开始",
    "draft": "草稿",
    "submitted": "已提交",
    "recused": "回避",
}
CONFLICT_STATUS_ZH = {
    "declared": "本人申报（回避）",
    "pending": "待确认",
    "confirmed": "已确认（回避）",
    "waived": "已豁免",
}
CONFLICT_BASIS_ZH = {
    "declared": "本人申报",
    "same_organization": "同一单位",
    "same_county": "同一县（市、区）",
}


@dataclass(frozen=True)
class Criterion:
    """One review criterion (评审要点) and its default weight in the session.

    Attributes
    ----------
    id:
        Stable key used in stored scores and weights (ASCII).
    name:
        Chinese label, e.g. ``建设基础``; accepted as a key on input as well.
    name_en:
        English label.
    weight:
        Default weight (the weights of a session sum to 1); used for an expert who does not
        weight the criteria.
    """

    id: str
    name: str
    name_en: str = ""
    weight: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "name_en": self.name_en, "weight": self.weight}


#: The default criteria of DESIGN.md ("Review criteria"). The work plan (河环发〔2023〕23号)
#: sets no weights, so the defaults are equal; a session may set its own.
DEFAULT_CRITERIA: tuple[Criterion, ...] = tuple(
    Criterion(cid, name, en, 1 / 6)
    for cid, name, en in (
        ("foundation", "建设基础", "Construction foundation"),
        ("targets", "目标与指标科学性", "Scientific targets and indicators"),
        ("feasibility", "主要任务与重点项目可行性", "Feasibility of main tasks and key projects"),
        ("highlights", "特色亮点", "Distinctive features"),
        ("replicability", "复制推广价值", "Replicability"),
        ("safeguards", "保障措施", "Safeguards"),
    )
)



def default_criteria(kind: str = "review") -> tuple[Criterion, ...]:
    """The criteria of a new session of ``kind``: :data:`DEFAULT_CRITERIA` for a review, the
    acceptance criteria of ``policy/catalog/acceptance_criteria.yaml`` for an acceptance
    meeting (their points normalised to weights summing to 1)."""
    if kind != "acceptance":
        return DEFAULT_CRITERIA
    from nzc_review.policy.criteria import acceptance_criteria

    found = acceptance_criteria()
    total = sum(c.weight for c in found)
    return tuple(Criterion(c.id, c.name, c.name_en, c.weight / total) for c in found)


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who is acting. Every store method takes one; obtain it from
    :meth:`ReviewStore.authenticate` (a personal token) or :meth:`Actor.operator`.

    Attributes
    ----------
    expert_id:
        The person's id, ``None`` for the operator.
    role:
        ``expert``, ``chair``, ``secretary``, ``analyst`` or ``operator``.
    name:
        The person's name (operator: the local user name).
    """

    expert_id: int | None
    role: Role
    name: str = ""

    @classmethod
    def operator(cls, name: str | None = None) -> Actor:
        """The person at the command line of the machine that holds the session folder.

        Whoever can write the session folder can change the database file anyway, so the
        command line acts with the secretary's rights (manage the session, experts and
        conflicts of interest, read everything; never score). Events record them as
        ``operator:<user>``.
        """
        if name is None:
            try:
                name = getpass.getuser()
            except Exception:  # pragma: no cover - no user name in the environment
                name = "unknown"
        return cls(None, "operator", name)

    @property
    def ident(self) -> str:
        """Stable identity written to audit events (``expert:3``, ``operator:alice``)."""
        if self.expert_id is None:
            return f"operator:{self.name}"
        return f"expert:{self.expert_id}"

    def describe(self) -> str:
        """The actor for error messages (``王五 (expert #2, chair)``)."""
        if self.expert_id is None:
            return f"operator {self.name}"
        return f"{self.name or 'expert'} (expert #{self.expert_id}, {self.role})"


@dataclass(frozen=True)
class SessionInfo:
    """A review session (评审会): one per session folder.

    ``rules`` is the session's rules as stored (plain JSON, as written at creation);
    :attr:`session_rules` is the same checked and typed, for reading a rule.
    """

    name: str
    date: str | None
    batch: str | None
    criteria: tuple[Criterion, ...]
    rules: Mapping[str, Any]
    created_at: str
    schema_version: int

    @cached_property
    def session_rules(self) -> SessionRules:
        """The rules as :class:`~nzc_review.store.rules.SessionRules` (a rule the session
        does not store takes its default; :meth:`SessionRules.from_stored`).

        Raises
        ------
        InputError
            A stored rule the checks refuse (:func:`nzc_review.store.validate.check_rules`).
        """
        return SessionRules.from_stored(self.rules)

    @property
    def kind(self) -> str:
        """``review`` or ``acceptance`` (:attr:`SessionRules.kind`)."""
        return self.session_rules.kind

    def criterion(self, key: str) -> Criterion | None:
        """The criterion with this id or Chinese name."""
        for c in self.criteria:
            if key in (c.id, c.name):
                return c
        return None

    def recommendation_rules(self) -> RecommendationRules:
        """The session's bands as :class:`nzc_review.mcda.recommendation.RecommendationRules`."""
        return self.session_rules.recommendation_rules()


@dataclass(frozen=True)
class Expert:
    """A panel member. The personal token is never part of the record (only its hash is
    stored, and only by the store)."""

    id: int
    code: str
    name: str
    organisation: str
    title: str | None
    field: str | None
    county: str | None
    role: str
    active: bool
    created_at: str

    @property
    def role_zh(self) -> str:
        return ROLE_ZH.get(self.role, self.role)


@dataclass(frozen=True)
class NewExpert:
    """The result of adding an expert (or resetting a token): the only time the token is
    available in clear."""

    expert: Expert
    token: str


@dataclass(frozen=True)
class ApplicationRecord:
    """An application imported into the session, at its current version.

    ``round`` is the review round (评审轮次) now under way or last finalized: 1, then one more
    for each revised version accepted after 修改完善后推荐 (:class:`ReviewRound`).
    """

    id: str
    name: str
    pilot_type: str
    applicant_organization: str | None
    applicant_county: str | None
    version: int
    content_sha256: str
    source_name: str
    imported_at: str
    status: Literal["open", "finalized"]
    finalized_at: str | None = None
    finalized_by: str | None = None
    finalize_note: str | None = None
    round: int = 1

    @property
    def finalized(self) -> bool:
        return self.status == "finalized"


@dataclass(frozen=True)
class ApplicationVersion:
    """One imported version of an application (every version is kept)."""

    app_id: str
    version: int
    name: str
    pilot_type: str
    applicant_organization: str | None
    applicant_county: str | None
    content_sha256: str
    source_name: str
    imported_at: str
    imported_by: str


@dataclass(frozen=True)
class ImportResult:
    """What importing one application file did: ``new`` (version 1), ``revised`` (a new
    version; earlier ones kept) or ``unchanged`` (same content hash as the current one).

    ``round`` is the review round the application is in afterwards: a revised file of an
    application finalized with 修改完善后推荐 starts the next one (``new_round``)."""

    app_id: str
    version: int
    action: Literal["new", "revised", "unchanged"]
    content_sha256: str
    new_conflicts: tuple[Conflict, ...] = ()
    round: int = 1
    new_round: bool = False


@dataclass(frozen=True)
class Conflict:
    """A conflict of interest (利益冲突) between an expert and an application.

    ``kind`` is ``declared`` (by the expert, or by the secretary on their behalf; always
    effective) or ``detected`` (same organisation or county; ``pending`` until the
    secretary ``confirmed`` or ``waived`` it, with a reason). ``effective`` conflicts
    recuse the expert (回避) from that application.
    """

    id: int
    expert_id: int
    app_id: str
    kind: Literal["declared", "detected"]
    basis: str
    detail: str
    status: Literal["declared", "pending", "confirmed", "waived"]
    reason: str | None
    recorded_at: str
    recorded_by: str
    decided_at: str | None
    decided_by: str | None

    @property
    def effective(self) -> bool:
        return self.status in ("declared", "confirmed")

    @property
    def status_zh(self) -> str:
        return CONFLICT_STATUS_ZH[self.status]

    @property
    def basis_zh(self) -> str:
        return CONFLICT_BASIS_ZH.get(self.basis, self.basis)


@dataclass(frozen=True)
class Opinion:
    """An expert's written opinion (评审意见) on one application.

    Attributes
    ----------
    strengths:
        主要优点.
    problems:
        存在问题.
    revisions:
        修改意见 (required when recommending after revision).
    recommendation:
        ``recommend`` / ``recommend_after_revision`` / ``do_not_recommend`` (an acceptance
        meeting: ``accepted`` / ``not_accepted``), or ``None`` while undecided.
    """

    strengths: str = ""
    problems: str = ""
    revisions: str = ""
    recommendation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "strengths": self.strengths,
            "problems": self.problems,
            "revisions": self.revisions,
            "recommendation": self.recommendation,
        }

    @property
    def recommendation_zh(self) -> str:
        return RECOMMENDATION_ZH.get(self.recommendation or "", "")


@dataclass(frozen=True)
class Review:
    """One expert's review of one application: weights, scores, opinion and status.

    Attributes
    ----------
    weights:
        What the expert entered (``{"method": "direct", "points": {...}}`` or
        ``{"method": "pairwise", "criteria": [...], "matrix": [[...]]}``) plus, once
        complete, ``normalized`` (criterion id → weight, summing to 1) and for pairwise
        ``cr`` (consistency ratio); ``None`` when the expert keeps the session's defaults.
    scores:
        Criterion id → score (0–100 by default); criteria not yet scored are absent.
    total:
        Weighted total (expert's weights, else the session's) once every criterion is
        scored, else ``None``.
    recused:
        The expert has an effective conflict of interest with the application.
    """

    expert_id: int
    expert_label: str
    app_id: str
    app_version: int
    status: ReviewStatus
    weights: Mapping[str, Any] | None
    scores: Mapping[str, float]
    opinion: Opinion
    total: float | None
    saves: int
    created_at: str
    updated_at: str
    submitted_at: str | None
    reopened_at: str | None = None
    reopened_by: str | None = None
    reopen_reason: str | None = None
    recused: bool = False

    @property
    def status_zh(self) -> str:
        return REVIEW_STATUS_ZH[self.status]


@dataclass(frozen=True)
class Assignment:
    """An application assigned to an expert, with the state of the expert's review."""

    expert_id: int
    app_id: str
    app_name: str
    status: CellStatus
    conflict_pending: bool = False
    finalized: bool = False

    @property
    def status_zh(self) -> str:
        return REVIEW_STATUS_ZH[self.status]


@dataclass(frozen=True)
class Consensus:
    """The panel's consensus (专家组评审意见), written by the chair.

    It holds no score: the panel's figures are computed from the reviews
    (:func:`nzc_review.store.figures.panel_figures`), and kept at finalization as
    :class:`FinalizedFigures`. ``app_version`` is the version of the application it judged
    (the current one when the chair saved it; ``None`` for a consensus saved before versions
    were recorded). ``recommendation`` is one of the outcomes of the session's kind: a
    review's ``recommend`` / ``recommend_after_revision`` / ``do_not_recommend``, an acceptance
    meeting's ``accepted`` (通过验收) / ``not_accepted`` (不通过验收), the codes the programme
    register moves an application by.
    """

    app_id: str
    opinion: str
    majority: str
    minority: str
    recommendation: str | None
    updated_at: str
    updated_by: str
    app_version: int | None = None

    @property
    def recommendation_zh(self) -> str:
        return RECOMMENDATION_ZH.get(self.recommendation or "", "")


@dataclass(frozen=True)
class FinalizedFigures:
    """The panel's figures of a finalized application, computed at finalization from the
    final reviews (:func:`nzc_review.store.figures.panel_figures`) and kept with the record.

    Attributes
    ----------
    app_id, app_version:
        The application and the version finalized.
    figures:
        :meth:`nzc_review.store.figures.PanelFigures.to_dict` (totals, mean, median, trimmed mean,
        the panel total and its basis, …).
    rule:
        :meth:`nzc_review.store.figures.FigureRules.to_dict`: the rule that produced them.
    computed_at:
        When (UTC).
    """

    app_id: str
    app_version: int
    figures: Mapping[str, Any]
    rule: Mapping[str, Any]
    computed_at: str


@dataclass(frozen=True)
class ReviewRound:
    """A closed review round (评审轮次) of an application, kept when a revised version opens
    the next one: the version it judged, the finalization, the consensus, the figures kept
    at finalization and every review, as they were.

    Attributes
    ----------
    round:
        1, 2, …
    app_version:
        The version of the application the round judged.
    consensus:
        The consensus record as finalized (``None`` if there was none).
    figures:
        The :class:`FinalizedFigures` record as plain data (``figures``, ``rule``,
        ``computed_at``), ``None`` when none was kept.
    reviews:
        Every review record of the round as plain data (scores, weights, opinion, status).
    closed_at, closed_by:
        When and by whom the next round was opened (the revised file imported).
    """

    app_id: str
    round: int
    app_version: int
    finalized_at: str | None
    finalized_by: str | None
    finalize_note: str | None
    consensus: Consensus | None
    figures: Mapping[str, Any] | None
    reviews: tuple[Mapping[str, Any], ...]
    closed_at: str
    closed_by: str

    @property
    def recommendation(self) -> str | None:
        return self.consensus.recommendation if self.consensus else None


@dataclass(frozen=True)
class ProgressCell:
    """One cell of the progress grid (expert × application)."""

    expert_id: int
    app_id: str
    status: CellStatus
    conflict_pending: bool = False

    @property
    def status_zh(self) -> str:
        return REVIEW_STATUS_ZH[self.status]


@dataclass(frozen=True)
class Progress:
    """The progress grid: which expert has done what for which application."""

    experts: tuple[Expert, ...]
    applications: tuple[ApplicationRecord, ...]
    cells: Mapping[tuple[int, str], ProgressCell]

    def cell(self, expert_id: int, app_id: str) -> ProgressCell:
        return self.cells.get((expert_id, app_id), ProgressCell(expert_id, app_id, "not_assigned"))

    def counts(self) -> dict[str, int]:
        """How many cells have each status (unassigned cells not counted)."""
        out = {k: 0 for k in ("not_started", "draft", "submitted", "recused")}
        for c in self.cells.values():
            if c.status in out:
                out[c.status] += 1
        return out


@dataclass(frozen=True)
class AuditEvent:
    """One append-only audit event: who did what to which record, and when (UTC)."""

    seq: int
    at: str
    actor: str
    actor_role: str
    actor_name: str
    entity: str
    entity_id: str
    action: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking the audit trail.

    Attributes
    ----------
    ok:
        The chain is intact and every record matches its last audited state.
    events:
        Number of events checked.
    head:
        Hash of the last event.
    first_broken:
        Sequence number of the first event that fails, ``None`` when the chain is intact.
    problems:
        ``(seq or None, finding in Chinese)`` for every problem found (``None``: a record
        or the key, not one event).
    warnings:
        What the check cannot prove, in Chinese (events written before the session had a
        key, a key file others can read); not failures.
    """

    ok: bool
    events: int
    head: str
    first_broken: int | None = None
    problems: tuple[tuple[int | None, str], ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())

    @property
    def anchor(self) -> str:
        """The head to write down: ``<events>:<hash>`` (``nzc-review audit verify --head``)."""
        return f"{self.events}:{self.head}"
