"""Lifecycle reports in batch: notebook jobs for :func:`nzc_review.runner.jobs.run_notebook_jobs`,
and the loaders the notebooks call with their parameters.

=====================================  =========================  ==============================
notebook                               job key                    outputs in ``out_dir/<key>/``
=====================================  =========================  ==============================
``notebooks/acceptance_report.ipynb``  ``<id>-acceptance``        ``acceptance.{ipynb,html,pdf}``
``notebooks/disclosure_report.ipynb``  ``<id>-disclosure-<year>``  ``disclosure.{ipynb,html,pdf}``
``notebooks/monitor_dashboard.ipynb``  ``monitor``                ``monitor.{ipynb,html,pdf}``
=====================================  =========================  ==============================

Keys carry the kind so that lifecycle reports never replace an evaluation report
(``out_dir/<id>/evaluation.*``) written to the same folder. Paths handed to notebooks are
absolute: kernels run in the output folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nzc_review.errors import InputError
from nzc_review.files.resources import notebook
from nzc_review.lifecycle.intake import (
    AcceptanceCase,
    PilotHistory,
    load_acceptance,
    load_histories,
)
from nzc_review.runner.jobs import NotebookJob

ACCEPTANCE_NOTEBOOK = notebook("acceptance_report.ipynb")
DISCLOSURE_NOTEBOOK = notebook("disclosure_report.ipynb")
MONITOR_NOTEBOOK = notebook("monitor_dashboard.ipynb")


def _abs(path: str | Path | None) -> str | None:
    return None if path is None else str(Path(path).resolve())


# --- what the notebooks call -----------------------------------------------------------------


def acceptance_for_report(acceptance: str, rules: str | None = None,
                          accounting_basis: str = "location", grid_factor: str = "held"):
    """Load and evaluate an acceptance file with the notebook's parameters."""
    from nzc_review.evaluation.basis import AccountingOptions
    from nzc_review.lifecycle.acceptance import evaluate_acceptance
    from nzc_review.lifecycle.config import load_rules

    return evaluate_acceptance(load_acceptance(acceptance), load_rules(rules)[0],
                               options=AccountingOptions(accounting_basis, grid_factor))


def disclosure_for_report(files: Sequence[str], pilot: str | None = None,
                          year: int | None = None, accounting_basis: str = "location",
                          grid_factor: str = "held"):
    """The disclosure view of ``pilot`` (default: the only one in ``files``) for ``year``, on
    the accounting basis of the notebook's parameters."""
    from nzc_review.evaluation.basis import AccountingOptions
    from nzc_review.lifecycle.disclosure import disclosure_view

    histories = load_histories(files)
    if pilot is None:
        if len(histories) != 1:
            raise InputError("files", "several pilots in the files; name one with `pilot`")
        history = histories[0]
    else:
        history = next((h for h in histories if h.id == pilot), None)
        if history is None:
            raise InputError("files", f"no disclosure of pilot {pilot}")
    return disclosure_view(history, year,
                           options=AccountingOptions(accounting_basis, grid_factor))


def monitor_for_report(inputs: Sequence[str], as_of: int | None = None,
                       rules: str | None = None, accounting_basis: str = "location",
                       grid_factor: str = "held"):
    """Load every disclosure found in ``inputs`` and re-review them as of ``as_of``."""
    from nzc_review.evaluation.basis import AccountingOptions
    from nzc_review.lifecycle.config import load_rules
    from nzc_review.lifecycle.monitor import monitor

    return monitor(load_histories(inputs), as_of, load_rules(rules)[1],
                   AccountingOptions(accounting_basis, grid_factor))


# --- jobs ------------------------------------------------------------------------------------


def acceptance_jobs(cases: Sequence[tuple[str | Path, AcceptanceCase]], *,
                    rules: str | Path | None = None, evaluated_on: str | None = None,
                    accounting_basis: str = "location", grid_factor: str = "held"
                    ) -> list[NotebookJob]:
    """One acceptance report job per case (stem ``acceptance``)."""
    return [NotebookJob(key=f"{case.application.id}-acceptance", notebook=ACCEPTANCE_NOTEBOOK,
                        stem="acceptance",
                        parameters={"acceptance": _abs(path), "rules": _abs(rules),
                                    "evaluated_on": evaluated_on,
                                    "accounting_basis": accounting_basis,
                                    "grid_factor": grid_factor})
            for path, case in cases]


def disclosure_jobs(histories: Sequence[PilotHistory], years: Sequence[int] | None = None, *,
                    accounting_basis: str = "location", grid_factor: str = "held"
                    ) -> list[NotebookJob]:
    """One public disclosure report job per pilot and disclosed year (stem ``disclosure``)."""
    jobs = []
    for history in histories:
        own = sorted({str(Path(p).resolve()) for p in history.sources.values()})
        for year in history.years:
            if years and year not in years:
                continue
            jobs.append(NotebookJob(key=f"{history.id}-disclosure-{year}",
                                    notebook=DISCLOSURE_NOTEBOOK, stem="disclosure",
                                    parameters={"files": own, "pilot": history.id,
                                                "year": year,
                                                "accounting_basis": accounting_basis,
                                                "grid_factor": grid_factor}))
    return jobs


def monitor_job(inputs: Sequence[str | Path], *, as_of: int | None = None,
                rules: str | Path | None = None, evaluated_on: str | None = None,
                accounting_basis: str = "location", grid_factor: str = "held") -> NotebookJob:
    """The dashboard job over every disclosure in ``inputs`` (stem ``monitor``)."""
    return NotebookJob(key="monitor", notebook=MONITOR_NOTEBOOK, stem="monitor",
                       parameters={"inputs": [_abs(i) for i in inputs], "as_of": as_of,
                                   "rules": _abs(rules), "evaluated_on": evaluated_on,
                                   "accounting_basis": accounting_basis,
                                   "grid_factor": grid_factor})
