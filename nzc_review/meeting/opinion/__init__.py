"""The panel review opinion (专家组评审意见): per application, and the session's results.

When the chair finalizes an application, the meeting's output is a signed-off review opinion
of it, and for the session a ranking and the public-notice list (公示名单). This package
makes them:

* :mod:`~nzc_review.meeting.opinion.consensus` — how the consensus text carries its parts
  (主要优点, 存在问题, 修改意见 tagged with 附件2 sections 一…八);
* :mod:`~nzc_review.meeting.opinion.data` — the numbers and texts of one opinion, from the store
  (:func:`collect_opinion`, :func:`load_opinion`, :func:`panel_scores`);
* :mod:`~nzc_review.meeting.opinion.html` — its HTML fragments (everything escaped), shown by
  ``notebooks/panel_opinion.ipynb`` and printed with the ``reports/nzc_report`` template;
* :mod:`~nzc_review.meeting.opinion.session` — ranking, public-notice list, summary files;
* :mod:`~nzc_review.meeting.opinion.acceptance` and
  :mod:`~nzc_review.meeting.opinion.acceptance_html` — the acceptance opinion (近零碳排放区试点
  验收意见) of an expert acceptance meeting (a session of kind ``acceptance``);
* :mod:`~nzc_review.meeting.opinion.reports` — batch rendering: :func:`render_opinion_reports` (for
  the chair's dashboard) and :func:`run_reports` (``nzc-review report``).
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each public name lives. The modules are imported on first use: the chair's dashboard
#: needs only the consensus parser, not the report runner (nbformat, jsonschema: seconds of a
#: panel kernel's start).
_HOMES = {
    "SECTION_NUMBERS": "consensus", "ConsensusText": "consensus", "Revision": "consensus",
    "compose_consensus": "consensus", "parse_consensus": "consensus",
    "section_label": "consensus",
    "CriterionStats": "data", "OpinionError": "data", "PanelMember": "data",
    "PanelOpinion": "data", "PanelScores": "data", "collect_opinion": "data",
    "load_opinion": "data", "panel_scores": "data",
    "AcceptanceOpinion": "acceptance", "collect_acceptance_opinion": "acceptance",
    "load_acceptance_opinion": "acceptance",
    "ReportRun": "reports", "render_opinion_reports": "reports", "run_reports": "reports",
    "RankedApplication": "session", "SessionOverview": "session", "rank_totals": "session",
    "session_overview": "session", "write_session_summary": "session",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "SECTION_NUMBERS",
    "AcceptanceOpinion",
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
    "collect_acceptance_opinion",
    "collect_opinion",
    "compose_consensus",
    "load_acceptance_opinion",
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
