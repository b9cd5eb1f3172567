"""The acceptance opinion (近零碳排放区试点验收意见) of one self-evaluation report, gathered from
an acceptance meeting's store.

河环发〔2023〕23号 三、(二)2: 由市生态环境局会同市级主管部门组织专家开展验收工作，对通过验收的试点
项目分别授予相应的近零碳排放称号. When the chair of an acceptance meeting (a session of kind
``acceptance``) finalizes a report, the meeting's output is its acceptance opinion: the automatic
acceptance evaluation (:func:`nzc_review.lifecycle.session.evaluate_for_session`), the panel's
scores of the acceptance criteria and their figures, the panel's acceptance opinion and the
outcome (the consensus: ``accepted`` 通过验收 / ``not_accepted`` 不通过验收), signed by the panel.

:func:`collect_acceptance_opinion` reads the store once; the figures are those of
:func:`nzc_review.store.figures.application_figures` — the function the chair's dashboard, the
expert's view and the record kept at finalization call (DESIGN.md, "One figure, one
function") — with the automatic evaluation's core gate. The HTML is
:mod:`nzc_review.meeting.opinion.acceptance_html`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nzc_review.mcda.recommendation import Recommendation
from nzc_review.meeting.opinion.consensus import ConsensusText, parse_consensus
from nzc_review.meeting.opinion.data import (
    OpinionError,
    PanelMember,
    panel_members,
    printed_date,
)
from nzc_review.store import (
    RECOMMENDATION_ZH,
    Actor,
    ApplicationRecord,
    Consensus,
    Review,
    ReviewStore,
    SessionInfo,
)
from nzc_review.store.figures import PanelFigures, application_figures

if TYPE_CHECKING:
    from nzc_review.lifecycle.acceptance import AcceptanceResult

__all__ = ["AcceptanceOpinion", "collect_acceptance_opinion", "load_acceptance_opinion"]


@dataclass(frozen=True)
class AcceptanceOpinion:
    """The acceptance opinion of one self-evaluation report (what the report shows).

    The attributes are those of :class:`nzc_review.meeting.opinion.data.PanelOpinion` (the panel's
    figures, consensus, members, …) with ``result``, the automatic acceptance evaluation, in
    place of the application's evaluation.

    Attributes
    ----------
    snapshot:
        The kept report (``nzc-acceptance/1`` with its application embedded).
    result:
        The automatic acceptance evaluation of the snapshot under the session's rules.
    scores:
        The panel's figures (``None`` when no review counts).
    rules_result:
        The session's bands applied to the panel total and the automatic core gate
        (:attr:`PanelFigures.suggestion`): 通过验收 / 不通过验收 by the rules.
    """

    session: SessionInfo
    app: ApplicationRecord
    snapshot: dict[str, Any]
    result: AcceptanceResult
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
        """The chair finalized the report (else the opinion is marked as a draft)."""
        return self.app.finalized

    @property
    def recommendation(self) -> str | None:
        """The panel's conclusion (the consensus): ``accepted`` / ``not_accepted``, ``None``
        while undecided — the code the programme register moves the pilot by."""
        return self.consensus.recommendation if self.consensus else None

    @property
    def recommendation_zh(self) -> str:
        """通过验收 / 不通过验收 (empty while undecided)."""
        return RECOMMENDATION_ZH.get(self.recommendation or "", "")

    @property
    def accepted(self) -> bool:
        """The panel's conclusion is 通过验收."""
        return self.recommendation == "accepted"

    @property
    def core_gate(self) -> str:
        """``pass`` / ``incomplete`` / ``fail`` of the core indicators' achieved values."""
        return self.result.core_gate

    @property
    def vetoed(self) -> bool:
        """A core indicator's achieved value misses its reference value and the session's
        review rules apply the veto (一票否决, 本工具默认规则): shown as a flag."""
        return self.result.core_gate == "fail" and self.session.session_rules.review.veto.enabled

    @property
    def veto_rule_zh(self) -> str:
        """The veto rule, in one sentence with its origin."""
        return self.session.session_rules.review.veto.describe_zh()

    def summary(self) -> dict[str, Any]:
        """Key figures (plain data) for the batch runner."""
        sc = self.scores
        return {
            "id": self.app.id,
            "name": self.app.name,
            "version": self.app.version,
            "kind": "acceptance",
            "finalized": self.finalized,
            "recommendation": self.recommendation,
            "recommendation_zh": self.recommendation_zh,
            "total": self.total,
            "total_source": self.total_source,
            "n_experts": sc.n_experts if sc else 0,
            "total_basis": sc.panel_total_basis if sc else None,
            "automatic_verdict": self.result.verdict,
            "automatic_passed": self.result.passed,
            "automatic_score": round(self.result.score, 2),
            "core_gate": self.core_gate,
            "vetoed": self.vetoed,
            "rules_outcome": self.rules_result.outcome if self.rules_result else None,
        }


def collect_acceptance_opinion(
    store: ReviewStore,
    actor: Actor,
    app_id: str,
    *,
    evaluated_on: str | dt.date | None = None,
    result: AcceptanceResult | None = None,
) -> AcceptanceOpinion:
    """Read everything the acceptance opinion of ``app_id`` shows.

    Parameters
    ----------
    store, actor:
        An acceptance meeting's store and who reads (chair, secretary or the operator).
    evaluated_on:
        The date to print; default the session's date, else today.
    result:
        A ready automatic acceptance evaluation of the current snapshot (computed under the
        session's rules when omitted).

    Raises
    ------
    OpinionError
        The session is not an acceptance meeting.
    NotFound, PermissionDenied
        From the store.
    """
    from nzc_review.lifecycle.session import evaluate_for_session
    from nzc_review.store import NotFound, audit_head

    session = store.session(actor)
    if not session.session_rules.is_acceptance:
        raise OpinionError(f"{session.name}: not an acceptance meeting (session kind review); "
                           "its opinions are the panel review opinions")
    app = next((a for a in store.applications(actor) if a.id == app_id), None)
    if app is None:
        raise NotFound(f"no application {app_id!r} in this acceptance meeting")
    snapshot = store.application_snapshot(actor, app_id)
    if result is None:
        result = evaluate_for_session(snapshot, session.session_rules, f"{app_id}@v{app.version}")
    panel, recused, missing = panel_members(store, actor, app_id, session)
    consensus = store.consensus(actor, app_id)
    scores = application_figures(store, actor, app_id, core_gate=result.core_gate)
    counted = scores.reviews if scores else ()
    if scores is None:
        total, source = None, "none"
    else:
        total, source = scores.panel_total, "finalized" if scores.kept_at else "computed"
    return AcceptanceOpinion(
        session=session,
        app=app,
        snapshot=snapshot,
        result=result,
        reviews=tuple(counted),
        scores=scores,
        consensus=consensus,
        text=parse_consensus(consensus.opinion if consensus else ""),
        votes=dict(scores.votes) if scores else {},
        total=total,
        total_source=source,
        rules_result=scores.suggestion if scores else None,
        panel=panel,
        recused=recused,
        missing=missing,
        other_version=tuple(r.expert_label for r in counted if r.app_version != app.version),
        date=printed_date(session, evaluated_on),
        names_shown=session.session_rules.shows_names,
        warnings=tuple(scores.warnings) if scores else (),
        audit_head=audit_head(store, actor),
    )


def load_acceptance_opinion(
    session_dir: str | os.PathLike[str],
    app_id: str,
    *,
    evaluated_on: str | dt.date | None = None,
    actor: Actor | None = None,
) -> AcceptanceOpinion:
    """Open an acceptance meeting's folder and collect the acceptance opinion of ``app_id``
    (what ``notebooks/acceptance_opinion.ipynb`` calls)."""
    from nzc_review.store import open_store

    store = open_store(session_dir)
    try:
        return collect_acceptance_opinion(store, actor or Actor.operator(), app_id,
                                          evaluated_on=evaluated_on)
    finally:
        store.close()
