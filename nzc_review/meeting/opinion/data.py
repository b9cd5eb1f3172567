"""Everything the panel review opinion of one application shows, gathered from the store.

:func:`collect_opinion` reads the store once and returns a :class:`PanelOpinion` that the
HTML fragments (:mod:`nzc_review.meeting.opinion.html`) and the session summary
(:mod:`nzc_review.meeting.opinion.session`) render without touching the store again.

The numbers are the panel's figures of :func:`nzc_review.store.figures.application_figures` — the
one function the chair's dashboard, the expert's view, the exports and the record kept at
finalization call as well (DESIGN.md, "One figure, one function"): the submitted reviews of
panel members who are not recused, each expert's weighted total with their own weights, and
the panel total (专家组评分) by the session's trim rule. Nothing here stores or prefers a total
of its own.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nzc_review.errors import NzcError
from nzc_review.mcda.recommendation import Recommendation
from nzc_review.meeting.opinion.consensus import ConsensusText, parse_consensus
from nzc_review.store import (
    RECOMMENDATION_ZH,
    Actor,
    ApplicationRecord,
    Consensus,
    Criterion,
    Review,
    ReviewStore,
    SessionInfo,
)
from nzc_review.store.figures import (
    CriterionStats,
    FigureRules,
    PanelFigures,
    application_figures,
    panel_figures,
)

if TYPE_CHECKING:
    from nzc_review.evaluation.pipeline import Evaluation

__all__ = [
    "CriterionStats",
    "OpinionError",
    "PanelMember",
    "PanelOpinion",
    "PanelScores",
    "collect_opinion",
    "expert_label",
    "format_score",
    "load_opinion",
    "panel_members",
    "panel_scores",
    "printed_date",
]


class OpinionError(NzcError):
    """The panel review opinion cannot be made (no such session or application, not
    finalized, …)."""


#: The panel's figures (:class:`nzc_review.store.figures.PanelFigures`) under the name the report
#: has always used.
PanelScores = PanelFigures


def panel_scores(
    criteria: Sequence[Criterion],
    reviews: Sequence[Review],
    *,
    trim: int = 1,
) -> PanelFigures | None:
    """:func:`nzc_review.store.figures.panel_figures` with the default rules and ``trim``
    (a shorthand for analysts; reports use the session's rules)."""
    return panel_figures(criteria, reviews, FigureRules(trim=trim))


@dataclass(frozen=True)
class PanelMember:
    """A panel member as listed for signature (专家组成员签字).

    ``recused``: the member is recused from this application (回避); ``missing``: assigned
    but did not submit a review.
    """

    name: str
    organisation: str
    title: str | None
    role: str
    role_zh: str
    label: str
    recused: bool = False
    missing: bool = False


@dataclass(frozen=True)
class PanelOpinion:
    """The panel review opinion of one application (what the report shows).

    Attributes
    ----------
    session:
        The review session.
    app:
        The application record (current version).
    snapshot:
        The imported application (``nzc-application/1`` data) at its current version.
    evaluation:
        The automatic evaluation of the snapshot (:func:`nzc_review.evaluation.pipeline.evaluate_application`).
    reviews:
        The reviews that count (submitted, not recused, complete), in expert order.
    scores:
        The panel's figures (:func:`nzc_review.store.figures.application_figures`; ``None`` when
        no review counts).
    consensus:
        The chair's consensus (``None`` while not written).
    text:
        The consensus opinion split into its parts.
    votes:
        Outcome code → labels of the experts who recommended it individually (``None``:
        undecided).
    total:
        The panel total (专家组评分, :attr:`PanelFigures.panel_total`; ``None`` without
        scores).
    total_source:
        ``finalized`` (the figures kept at finalization, recomputed and checked),
        ``computed`` (an open application) or ``none``.
    rules_result:
        The recommendation rules applied to :attr:`total` and the core gate
        (:attr:`PanelFigures.suggestion`), ``None`` without a total.
    panel:
        The panel members for the signature block.
    recused, missing, other_version:
        Labels of recused members, of assigned members without a submitted review, and of
        reviews made on another version than the current one.
    date:
        The date printed in the title block and above the signatures.
    names_shown:
        Experts appear by name (session rule ``expert_display: names``), else as 专家A….
    warnings:
        Problems met while collecting (e.g. the recommendation rules could not be applied).
    audit_head:
        The head of the session's audit trail when the opinion was collected
        (:func:`nzc_review.store.audit_head`, ``87:3fa9…``), printed under the signatures.
    """

    session: SessionInfo
    app: ApplicationRecord
    snapshot: dict[str, Any]
    evaluation: Evaluation
    reviews: tuple[Review, ...]
    scores: PanelFigures | None
    consensus: Consensus | None
    text: ConsensusText
    votes: dict[str | None, tuple[str, ...]]
    total: float | None
    total_source: str
    rules_result: Recommendation | None
    panel: tuple[PanelMember, ...]
    recused: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    other_version: tuple[str, ...] = ()
    date: str = ""
    names_shown: bool = False
    warnings: tuple[str, ...] = field(default=())
    audit_head: str = ""

    @property
    def finalized(self) -> bool:
        """The chair finalized the application (else the report is marked as a draft)."""
        return self.app.finalized

    @property
    def recommendation(self) -> str | None:
        """The panel's recommendation (the consensus), ``None`` while undecided."""
        return self.consensus.recommendation if self.consensus else None

    @property
    def recommendation_zh(self) -> str:
        """推荐 / 修改完善后推荐 / 不推荐 (empty while undecided)."""
        return RECOMMENDATION_ZH.get(self.recommendation or "", "")

    @property
    def core_gate(self) -> str:
        """``pass`` / ``incomplete`` / ``fail`` of the automatic evaluation (contract 3)."""
        return self.evaluation.core_gate

    @property
    def vetoed(self) -> bool:
        """A core indicator's target is not met and the session's review rules apply the veto
        (一票否决, 本工具默认规则): shown as a flag with :attr:`veto_rule_zh`."""
        return self.evaluation.core_gate == "fail" and self.evaluation.rules.veto.enabled

    @property
    def veto_rule_zh(self) -> str:
        """The veto rule the evaluation followed, in one sentence with its origin."""
        return self.evaluation.rules.veto.describe_zh()

    def summary(self) -> dict[str, Any]:
        """Key figures (plain data) for the batch runner and the session summary."""
        sc = self.scores
        return {
            "id": self.app.id,
            "name": self.app.name,
            "version": self.app.version,
            "round": self.app.round,
            "consensus_version": self.consensus.app_version if self.consensus else None,
            "finalized": self.finalized,
            "recommendation": self.recommendation,
            "recommendation_zh": self.recommendation_zh,
            "total": self.total,
            "total_source": self.total_source,
            "n_experts": sc.n_experts if sc else 0,
            "total_basis": sc.panel_total_basis if sc else None,
            "total_mean": sc.total.mean if sc else None,
            "total_median": sc.total.median if sc else None,
            "total_trimmed_mean": sc.total.trimmed_mean if sc else None,
            "kendall_w": sc.kendall.w if sc and sc.kendall else None,
            "core_gate": self.core_gate,
            "vetoed": self.vetoed,
            "rules_outcome": self.rules_result.outcome if self.rules_result else None,
        }


def expert_label(session: SessionInfo, name: str, code: str) -> str:
    """How an expert appears in reports: their name or their code (专家A), per the session's
    ``expert_display`` rule."""
    return name if session.session_rules.shows_names else code


def _evaluate(snapshot: dict[str, Any], source: str, session: SessionInfo) -> Evaluation:
    """The automatic evaluation of an imported snapshot (validated again, as on import) under
    the session's review rules."""
    from nzc_review.evaluation.pipeline import EvaluationOptions, evaluate_application
    from nzc_review.intake import validate_application

    options = EvaluationOptions.from_rules(session.session_rules.review)
    return evaluate_application(validate_application(snapshot, source), options)


def collect_opinion(
    store: ReviewStore,
    actor: Actor,
    app_id: str,
    *,
    evaluated_on: str | dt.date | None = None,
    evaluation: Evaluation | None = None,
) -> PanelOpinion:
    """Read everything the panel review opinion of ``app_id`` shows.

    Parameters
    ----------
    store, actor:
        The review store and who reads (chair, secretary or the operator: every record).
    app_id:
        The application.
    evaluated_on:
        The date to print (ISO text or a date); default the session's date, else today.
    evaluation:
        A ready automatic evaluation of the current snapshot (computed under the session's
        review rules when omitted).

    Raises
    ------
    NotFound, PermissionDenied
        From the store (unknown application; an actor who cannot read every record).
    """
    session = store.session(actor)
    app = next((a for a in store.applications(actor) if a.id == app_id), None)
    if app is None:
        from nzc_review.store import NotFound

        raise NotFound(f"no application {app_id!r} in this review session")
    snapshot = store.application_snapshot(actor, app_id)
    if evaluation is None:
        evaluation = _evaluate(snapshot, f"{app_id}@v{app.version}", session)
    names = session.session_rules.shows_names
    all_reviews = store.reviews(actor, app_id)
    panel, recused, missing = panel_members(store, actor, app_id, session)
    consensus = store.consensus(actor, app_id)
    text = parse_consensus(consensus.opinion if consensus else "")
    scores = application_figures(
        store,
        actor,
        app_id,
        reviews=all_reviews,
        core_gate=evaluation.core_gate,
        revision_requested=bool(
            consensus and consensus.recommendation == "recommend_after_revision"
        ),
    )
    counted = scores.reviews if scores else ()
    other_version = tuple(r.expert_label for r in counted if r.app_version != app.version)
    if scores is None:
        total, source = None, "none"
    else:
        total = scores.panel_total
        source = "finalized" if scores.kept_at else "computed"
    warnings = list(scores.warnings) if scores else []
    result = scores.suggestion if scores else None
    day = printed_date(session, evaluated_on)
    from nzc_review.store import audit_head

    return PanelOpinion(
        session=session,
        app=app,
        snapshot=snapshot,
        evaluation=evaluation,
        reviews=tuple(counted),
        scores=scores,
        consensus=consensus,
        text=text,
        votes=dict(scores.votes) if scores else {},
        total=total,
        total_source=source,
        rules_result=result,
        panel=panel,
        recused=recused,
        missing=missing,
        other_version=other_version,
        date=day,
        names_shown=names,
        warnings=tuple(warnings),
        audit_head=audit_head(store, actor),
    )


def panel_members(
    store: ReviewStore, actor: Actor, app_id: str, session: SessionInfo
) -> tuple[tuple[PanelMember, ...], tuple[str, ...], tuple[str, ...]]:
    """The panel of one application for the signature block, and the labels of the members
    recused (回避) and of those assigned who did not submit: ``(panel, recused, missing)``.

    The chair signs even when not assigned to score; the chair comes first, then the members
    — in letters mode by name, so the list does not reveal which member is 专家A, 专家B, …
    """
    experts = {e.id: e for e in store.experts(actor)}
    names = session.session_rules.shows_names
    progress = store.progress(actor)
    cells = {eid: c for (eid, aid), c in progress.cells.items() if aid == app_id}

    def label(eid: int) -> str:
        e = experts.get(eid)
        return expert_label(session, e.name, e.code) if e else f"#{eid}"

    recused = tuple(label(eid) for eid, c in sorted(cells.items()) if c.status == "recused")
    missing = tuple(
        label(eid) for eid, c in sorted(cells.items()) if c.status in ("not_started", "draft")
    )
    panel = []
    for eid, c in sorted(cells.items()):
        e = experts.get(eid)
        if e is None:
            continue
        panel.append(
            PanelMember(
                name=e.name,
                organisation=e.organisation,
                title=e.title,
                role=e.role,
                role_zh=e.role_zh,
                label=label(eid),
                recused=c.status == "recused",
                missing=c.status in ("not_started", "draft"),
            )
        )
    chair_ids = [e.id for e in experts.values() if e.role == "chair" and e.active]
    for eid in chair_ids:  # the chair signs even when not assigned to score
        if eid not in cells:
            e = experts[eid]
            panel.append(
                PanelMember(e.name, e.organisation, e.title, e.role, e.role_zh, label(eid))
            )
    panel.sort(key=lambda m: (m.role != "chair", m.label if names else m.name))
    return tuple(panel), recused, missing


def printed_date(session: SessionInfo, evaluated_on: str | dt.date | None = None) -> str:
    """The date a report prints: ``evaluated_on`` (ISO text or a date), else the session's
    date, else today."""
    if evaluated_on is None:
        return session.date or dt.date.today().isoformat()
    return evaluated_on.isoformat() if isinstance(evaluated_on, dt.date) else str(evaluated_on)


def load_opinion(
    session_dir: str | os.PathLike[str],
    app_id: str,
    *,
    evaluated_on: str | dt.date | None = None,
    actor: Actor | None = None,
) -> PanelOpinion:
    """Open a session folder and collect the panel review opinion of ``app_id`` (what the
    report notebook calls).

    Raises
    ------
    StoreError
        Not a review session folder; no such application.
    """
    from nzc_review.store import open_store

    store = open_store(session_dir)
    try:
        return collect_opinion(store, actor or Actor.operator(), app_id, evaluated_on=evaluated_on)
    finally:
        store.close()


def format_score(value: float | None, digits: int = 2) -> str:
    """A score for display (``—`` for ``None`` or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"
