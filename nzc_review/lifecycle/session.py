"""The acceptance evaluation as an expert acceptance meeting holds it.

河环发〔2023〕23号 三、(二)2: the construction entity hands in its self-evaluation report (自我评价
报告, ``nzc-acceptance/1``) and 市生态环境局会同市级主管部门组织专家开展验收工作. An acceptance meeting
is a review session of kind ``acceptance`` (:attr:`nzc_review.store.rules.SessionRules.kind`): its
"applications" are self-evaluation reports, each kept with the application it refers to, and every
panel shows the automatic acceptance evaluation (:func:`nzc_review.lifecycle.acceptance.evaluate_acceptance`)
where a review shows the application's evaluation.

This module is that link, pure:

* :func:`acceptance_snapshot` — what the session keeps of a report: the report's data with the
  application **embedded** (``application: {id, content}``), so that it reads the same later
  wherever the files went; :func:`case_from_snapshot` validates it back (as on import);
* :func:`evaluate_snapshot` — the automatic acceptance evaluation of a kept report under the
  session's acceptance rules and accounting basis.

The acceptance rules a session keeps, in their stored form, and the panel's bands they give are
:mod:`nzc_review.mcda.acceptance_rules` (below the review store, which holds them).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nzc_review.errors import InputError
from nzc_review.lifecycle.acceptance import AcceptanceResult, evaluate_acceptance
from nzc_review.lifecycle.intake import AcceptanceCase, validate_acceptance
from nzc_review.lifecycle.model import ACCEPTANCE_FORMAT
from nzc_review.mcda.acceptance_rules import AcceptanceRules

__all__ = [
    "acceptance_snapshot",
    "case_from_snapshot",
    "evaluate_for_session",
    "evaluate_snapshot",
]


def acceptance_snapshot(case: AcceptanceCase) -> dict[str, Any]:
    """The self-evaluation report as a session keeps it (plain JSON data): the report's fields,
    its ``application`` embedded as ``{id, content}`` (the validated application's data), so the
    kept report never depends on the file it named."""
    data = case.acceptance.model_dump(mode="json")
    data["application"] = {"id": case.application.id,
                           "content": case.application.model_dump(mode="json")}
    return data


def case_from_snapshot(snapshot: Mapping[str, Any], source: str) -> AcceptanceCase:
    """A kept report validated again (:func:`nzc_review.lifecycle.intake.validate_acceptance`:
    the snapshot is data, and the catalog may have changed).

    Raises
    ------
    InputError
        naming ``source`` and the field.
    """
    if not isinstance(snapshot, Mapping) or snapshot.get("format") != ACCEPTANCE_FORMAT:
        raise InputError(source, [("format", f"expected {ACCEPTANCE_FORMAT}")])
    return validate_acceptance(dict(snapshot), source, Path(source))


def evaluate_snapshot(snapshot: Mapping[str, Any], rules: AcceptanceRules | None = None,
                      options: Any = None, source: str = "snapshot") -> AcceptanceResult:
    """The automatic acceptance evaluation of a kept report (河环发〔2023〕23号 三、(二)2) under
    ``rules`` (default :class:`AcceptanceRules`) and the accounting ``options``
    (:class:`nzc_review.evaluation.basis.AccountingOptions`; default location-based, held)."""
    case = case_from_snapshot(snapshot, source)
    return evaluate_acceptance(case, rules or AcceptanceRules(), options=options)


def evaluate_for_session(snapshot: Mapping[str, Any], rules: Any,
                         source: str = "snapshot") -> AcceptanceResult:
    """The automatic acceptance evaluation of a kept report as an acceptance meeting shows it:
    under the session's acceptance rules (``rules.acceptance``) on the accounting basis of its
    review rules (``rules.review.accounting``, DESIGN.md contract 4); ``rules`` is the
    session's :class:`~nzc_review.store.rules.SessionRules`. Every panel and the report call
    this one function."""
    from nzc_review.evaluation.pipeline import EvaluationOptions

    options = EvaluationOptions.from_rules(rules.review).accounting
    return evaluate_snapshot(snapshot, rules.acceptance, options, source)
