"""The pilot lifecycle after selection: acceptance, annual disclosure, re-review and exit.

河环发〔2023〕23号 does not end at selection: pilots are built, then accepted against their targets
(三、(二)2 验收评价), disclose their carbon emissions every year (四、(四) 每年对外开展碳排放信息披露),
are re-reviewed periodically and lose the title when results fall away (三、(三)2 复核提升, 动态退出
机制). The same catalog (附件1 表1–表5) and evaluation engine (:func:`nzc_review.evaluation.compliance.judge`,
:func:`nzc_review.evaluation.accounting.account_carbon`, :mod:`nzc_review.evaluation.derive`) serve all of it.

Modules
-------
``model``        the ``nzc-acceptance/1`` and ``nzc-disclosure/1`` file formats (pydantic)
``intake``       reading any file by its ``format`` key; cross-checks; merging disclosures
``excel``        the simple workbook layout of both formats
``acceptance``   the acceptance evaluation: indicators, projects, accounting, score, verdict
                 (its rules: :mod:`nzc_review.mcda.acceptance_rules`)
``disclosure``   one pilot's disclosure of one year, in plain public language
``monitor``      the re-review rules (pure functions) and the review of every pilot
``config``       acceptance and re-review rules from a YAML/JSON file
``report``, ``charts``, ``terminal``   HTML fragments, matplotlib charts, rich tables
``jobs``         notebook jobs for :func:`nzc_review.runner.jobs.run_notebook_jobs`
``session``      the acceptance evaluation as an expert acceptance meeting (a review session of
                 kind ``acceptance``) keeps and shows it

Everything is described for users in ``docs/lifecycle.md``.
"""

from __future__ import annotations

from nzc_review.lifecycle.acceptance import AcceptanceResult, evaluate_acceptance
from nzc_review.lifecycle.disclosure import DisclosureView, disclosure_view
from nzc_review.lifecycle.intake import (
    AcceptanceCase,
    PilotHistory,
    load_acceptance,
    load_document,
    load_histories,
    register_format,
)
from nzc_review.lifecycle.monitor import MonitorReport, MonitorRules, monitor
from nzc_review.mcda.acceptance_rules import AcceptanceRules, ScoreWeights

__all__ = [
    "AcceptanceCase",
    "AcceptanceResult",
    "AcceptanceRules",
    "DisclosureView",
    "MonitorReport",
    "MonitorRules",
    "PilotHistory",
    "ScoreWeights",
    "disclosure_view",
    "evaluate_acceptance",
    "load_acceptance",
    "load_document",
    "load_histories",
    "monitor",
    "register_format",
]
