"""The panel review opinion (专家组评审意见): per application, and the session's results.

When the chair finalizes an application, the meeting's output is a signed-off review opinion
of it, and for the session a ranking and the public-notice list (公示名单). This package
makes them:

* :mod:`~nzc_review.opinion.consensus` — how the consensus text carries its parts
  (主要优点, 存在问题, 修改意见 tagged with 附件2 sections 一…八);
* :mod:`~nzc_review.opinion.data` — the numbers and texts of one opinion, from the store
  (:func:`collect_opinion`, :func:`load_opinion`, :func:`panel_scores`);
* :mod:`~nzc_review.opinion.html` — its HTML fragments (everything escaped), shown by
  ``notebooks/panel_opinion.ipynb`` and printed with the ``reports/nzc_report`` template;
* :mod:`~nzc_review.opinion.session` — ranking, public-notice list, summary files;
* :mod:`~nzc_review.opinion.reports` — batch rendering: :func:`render_opinion_reports` (for
  the chair's dashboard) and :func:`run_reports` (``nzc-review report``).
"""

from __future__ import annotations

from nzc_review.opinion.consensus import (
    SECTION_NUMBERS,
    ConsensusText,
    Revision,
    compose_consensus,
    parse_consensus,
    section_label,
)
from nzc_review.opinion.data import (
    CriterionStats,
    OpinionError,
    PanelMember,
    PanelOpinion,
    PanelScores,
    collect_opinion,
    load_opinion,
    panel_scores,
)
from nzc_review.opinion.reports import ReportRun, render_opinion_reports, run_reports
from nzc_review.opinion.session import (
    RankedApplication,
    SessionOverview,
    rank_totals,
    session_overview,
    write_session_summary,
)

__all__ = [
    "SECTION_NUMBERS",
    "ConsensusText",
    "CriterionStats",
    "OpinionError",
    "PanelMember",
    "PanelOpinion",
    "PanelScores",
    "RankedApplication",
    "ReportRun",
    "Revision",
    "SessionOverview",
    "collect_opinion",
    "compose_consensus",
    "load_opinion",
    "panel_scores",
    "parse_consensus",
    "rank_totals",
    "render_opinion_reports",
    "run_reports",
    "section_label",
    "session_overview",
    "write_session_summary",
]
