"""Everything the panel review opinion of one application shows, gathered from the store.

:func:`panel_scores` is the pure arithmetic (scores of the experts → mean, median, trimmed
mean, spread, Kendall's W); :func:`collect_opinion` reads the store once and returns a
:class:`PanelOpinion` that the HTML fragments (:mod:`nzc_review.opinion.html`) and the
session summary (:mod:`nzc_review.opinion.session`) render without touching the store again.

Which reviews count: the *submitted* reviews of panel members who are not recused (回避).
Drafts and reviews of recused members are left out (and listed). The panel total the
recommendation rests on is the chair's ``Consensus.total`` when the chair set one, otherwise
the trimmed mean of the experts' weighted totals (dropping ``rules["trim"]`` highest and
lowest, 去掉最高分和最低分) when at least ``2 * trim + 1`` experts scored, otherwise their
mean.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from nzc_review.errors import NzcError
from nzc_review.opinion.consensus import ConsensusText, parse_consensus
from nzc_review.panel import KendallW, PanelError, kendall_w, summarize
from nzc_review.recommendation import OUTCOMES, Recommendation, RecommendationError, recommend
from nzc_review.store.base import (
    RECOMMENDATION_ZH,
    Actor,
    ApplicationRecord,
    Consensus,
    Criterion,
    Review,
    ReviewStore,
    SessionInfo,
)

if TYPE_CHECKING:
    from nzc_review.evaluation import Evaluation

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
    "panel_scores",
]


class OpinionError(NzcError):
    """The panel review opinion cannot be made (no such session or application, not
    finalized, …)."""


@dataclass(frozen=True)
class CriterionStats:
    """One criterion across the experts who scored.

    Attributes
    ----------
    criterion:
        The criterion (id, Chinese name, the session's default weight).
    scores:
        One score per expert, in the order of :attr:`PanelScores.experts`.
    mean, median, trimmed_mean:
        Central values; ``trimmed_mean`` is ``None`` when too few experts scored (or
        the session does not trim).
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


@dataclass(frozen=True)
class PanelScores:
    """The experts' scores of one application and their aggregates.

    Attributes
    ----------
    experts:
        Labels of the experts who count (专家A… or names, per the session setting).
    criteria:
        One :class:`CriterionStats` per criterion of the session.
    totals:
        Each expert's weighted total (their own weights, else the session's).
    total:
        :class:`CriterionStats`-like aggregate of the totals (``criterion`` named 加权总分).
    panel_total:
        The trimmed mean of the totals when available, else their mean.
    panel_total_basis:
        How :attr:`panel_total` was obtained, in words.
    trim:
        The session's trim.
    kendall:
        Kendall's W of the experts over the criteria (raters = experts, items = criteria),
        ``None`` when undefined; :attr:`kendall_note` says why.
    """

    experts: tuple[str, ...]
    criteria: tuple[CriterionStats, ...]
    totals: tuple[float, ...]
    total: CriterionStats
    panel_total: float
    panel_total_basis: str
    trim: int
    kendall: KendallW | None
    kendall_note: str

    @property
    def n_experts(self) -> int:
        """How many experts' scores count."""
        return len(self.experts)


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


def panel_scores(
    criteria: Sequence[Criterion],
    reviews: Sequence[Review],
    *,
    trim: int = 1,
) -> PanelScores | None:
    """Aggregate the experts' scores of one application.

    Parameters
    ----------
    criteria:
        The session's criteria (their ``weight`` is used for an expert who kept the session's
        weights).
    reviews:
        The reviews that count (submitted, not recused), each scoring every criterion.
    trim:
        How many highest and lowest to drop for the trimmed mean (session rule ``trim``).

    Returns
    -------
    PanelScores or None
        ``None`` when no review counts.

    Notes
    -----
    Per criterion and for the totals: mean, median and the trimmed mean
    (:func:`nzc_review.panel.summarize`); each expert's total is ``sum_c w_ec s_ec`` with the
    expert's own normalised weights (else the session's), as the store computes it.
    Agreement: Kendall's W [Kendall1939]_ with the tie correction, raters = experts and items =
    criteria (:func:`nzc_review.panel.kendall_w`); it needs 2 experts and 2 criteria and at
    least one expert who does not give every criterion the same score.
    """
    rows = [r for r in reviews if all(c.id in r.scores for c in criteria)]
    if not rows or not criteria:
        return None
    s = np.array([[float(r.scores[c.id]) for c in criteria] for r in rows])
    default = np.array([c.weight for c in criteria], dtype=float)
    w = np.array(
        [
            [float(r.weights["normalized"][c.id]) for c in criteria]
            if r.weights and r.weights.get("normalized")
            else default
            for r in rows
        ]
    )
    summary = summarize(s, criteria_weights=w, trim=trim)
    can_trim = trim >= 1 and len(rows) >= 2 * trim + 1
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
        panel_total = float(summary.total.trimmed_mean)
        basis = f"{len(rows)} 位专家加权总分去掉 {trim} 个最高分和 {trim} 个最低分后的平均分"
    else:
        panel_total = float(summary.total.mean)
        basis = f"{len(rows)} 位专家加权总分的算术平均分"
        if trim >= 1:
            basis += f"（不足 {2 * trim + 1} 位专家，不去掉最高分和最低分）"
    kw: KendallW | None = None
    if len(rows) < 2:
        note = "仅 1 位专家评分，无法计算一致性系数。"
    elif len(criteria) < 2:
        note = "仅 1 项评审要点，无法计算一致性系数。"
    else:
        try:
            kw = kendall_w(s)
            note = ""
        except PanelError:
            note = "每位专家对各评审要点的评分均相同，W 无定义。"
    return PanelScores(
        experts=tuple(r.expert_label for r in rows),
        criteria=crit,
        totals=tuple(float(t) for t in totals),
        total=total,
        panel_total=panel_total,
        panel_total_basis=basis,
        trim=trim,
        kendall=kw,
        kendall_note=note,
    )


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
        The automatic evaluation of the snapshot (:func:`nzc_review.evaluation.evaluate_application`).
    reviews:
        The reviews that count (submitted, not recused), in expert order.
    scores:
        Their aggregates (``None`` when no review counts).
    consensus:
        The chair's consensus (``None`` while not written).
    text:
        The consensus opinion split into its parts.
    votes:
        Outcome code → labels of the experts who recommended it individually.
    total:
        The panel total the recommendation rests on (``None`` without scores).
    total_source:
        ``consensus`` (set by the chair) or ``computed`` (:attr:`PanelScores.panel_total`).
    rules_result:
        The recommendation rules applied to :attr:`total` and the core gate
        (:func:`nzc_review.recommendation.recommend`), ``None`` without a total.
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
    """

    session: SessionInfo
    app: ApplicationRecord
    snapshot: dict[str, Any]
    evaluation: Evaluation
    reviews: tuple[Review, ...]
    scores: PanelScores | None
    consensus: Consensus | None
    text: ConsensusText
    votes: dict[str, tuple[str, ...]]
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
        """A core indicator's target is not met: 一票否决."""
        return self.evaluation.core_gate == "fail"

    def summary(self) -> dict[str, Any]:
        """Key figures (plain data) for the batch runner and the session summary."""
        sc = self.scores
        return {
            "id": self.app.id,
            "name": self.app.name,
            "version": self.app.version,
            "finalized": self.finalized,
            "recommendation": self.recommendation,
            "recommendation_zh": self.recommendation_zh,
            "total": self.total,
            "total_source": self.total_source,
            "n_experts": sc.n_experts if sc else 0,
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
    return name if session.rules.get("expert_display") == "names" else code


def _evaluate(snapshot: dict[str, Any], source: str) -> Evaluation:
    """The automatic evaluation of an imported snapshot (validated again, as on import)."""
    from nzc_review.evaluation import evaluate_application
    from nzc_review.intake import validate_application

    return evaluate_application(validate_application(snapshot, source))


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
        A ready automatic evaluation of the current snapshot (computed when omitted).

    Raises
    ------
    NotFound, PermissionDenied
        From the store (unknown application; an actor who cannot read every record).
    """
    session = store.session(actor)
    app = next((a for a in store.applications(actor) if a.id == app_id), None)
    if app is None:
        from nzc_review.store.base import NotFound

        raise NotFound(f"no application {app_id!r} in this review session")
    snapshot = store.application_snapshot(actor, app_id)
    if evaluation is None:
        evaluation = _evaluate(snapshot, f"{app_id}@v{app.version}")
    experts = {e.id: e for e in store.experts(actor)}
    names = session.rules.get("expert_display") == "names"
    all_reviews = store.reviews(actor, app_id)
    counted = tuple(r for r in all_reviews if r.status == "submitted" and not r.recused)
    progress = store.progress(actor)
    cells = {eid: c for (eid, aid), c in progress.cells.items() if aid == app_id}

    def label(eid: int) -> str:
        e = experts.get(eid)
        return expert_label(session, e.name, e.code) if e else f"#{eid}"

    recused = tuple(label(eid) for eid, c in sorted(cells.items()) if c.status == "recused")
    missing = tuple(
        label(eid) for eid, c in sorted(cells.items()) if c.status in ("not_started", "draft")
    )
    other_version = tuple(r.expert_label for r in counted if r.app_version != app.version)
    trim = int(session.rules.get("trim", 1))
    scores = panel_scores(session.criteria, counted, trim=trim)
    consensus = store.consensus(actor, app_id)
    text = parse_consensus(consensus.opinion if consensus else "")
    votes: dict[str, tuple[str, ...]] = {}
    for code in OUTCOMES:
        who = tuple(r.expert_label for r in counted if r.opinion.recommendation == code)
        if who:
            votes[code] = who
    if consensus is not None and consensus.total is not None:
        total, source = float(consensus.total), "consensus"
    elif scores is not None:
        total, source = scores.panel_total, "computed"
    else:
        total, source = None, "none"
    warnings: list[str] = []
    result = None
    if total is not None:
        try:
            result = recommend(
                total,
                evaluation.core_gate,
                rules=session.recommendation_rules(),
                revision_requested=bool(
                    consensus and consensus.recommendation == "recommend_after_revision"
                ),
            )
        except RecommendationError as exc:  # e.g. a floor on a criterion nobody scored
            warnings.append(f"评分规则无法计算推荐结论：{exc}")
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
    # Chair first, then members; in letters mode by name, so the list does not reveal which
    # member is 专家A, 专家B, …
    panel.sort(key=lambda m: (m.role != "chair", m.label if names else m.name))
    if evaluated_on is None:
        day = session.date or dt.date.today().isoformat()
    else:
        day = evaluated_on.isoformat() if isinstance(evaluated_on, dt.date) else str(evaluated_on)
    return PanelOpinion(
        session=session,
        app=app,
        snapshot=snapshot,
        evaluation=evaluation,
        reviews=counted,
        scores=scores,
        consensus=consensus,
        text=text,
        votes=votes,
        total=total,
        total_source=source,
        rules_result=result,
        panel=tuple(panel),
        recused=recused,
        missing=missing,
        other_version=other_version,
        date=day,
        names_shown=names,
        warnings=tuple(warnings),
    )


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
