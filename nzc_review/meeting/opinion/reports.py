"""Rendering panel review opinions in batch: one notebook run per finalized application.

Each application runs ``notebooks/panel_opinion.ipynb`` (parameters ``session_dir``,
``app_id``, ``evaluated_on``) through :func:`nzc_review.runner.jobs.run_notebook_jobs`:
warm kernels, the ``reports/nzc_report`` template, one Chromium for the PDFs. Outputs:
``OUT/<app id>/opinion.{ipynb,html,pdf}``, plus the session summary
(:func:`nzc_review.meeting.opinion.session.write_session_summary`).

:func:`render_opinion_reports` is the call for the chair's dashboard (finalize → report), and
:func:`run_reports` the one behind ``nzc-review report``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nzc_review.files.resources import notebook
from nzc_review.files.safe_paths import (
    OutputPathError,
    check_out_not_in_inputs,
    check_output_files,
    record_output_files,
    report_dir,
)
from nzc_review.meeting.opinion.data import OpinionError
from nzc_review.runner.jobs import JobResult, NotebookJob, run_notebook_jobs
from nzc_review.store import Actor, ApplicationRecord, ReviewStore, StoreError

__all__ = [
    "ACCEPTANCE_NOTEBOOK",
    "NOTEBOOK",
    "ReportRun",
    "check_out_dir",
    "finalized_applications",
    "open_session",
    "render_opinion_reports",
    "run_reports",
]

#: The parameterised report notebook.
NOTEBOOK = notebook("panel_opinion.ipynb")
#: The report notebook of an acceptance meeting (session kind ``acceptance``): the acceptance
#: opinion, 近零碳排放区试点验收意见 (:mod:`nzc_review.meeting.opinion.acceptance_html`).
ACCEPTANCE_NOTEBOOK = notebook("acceptance_opinion.ipynb")
#: The file stem of the reports (``opinion.html``, ``opinion.pdf``, ``opinion.ipynb``).
STEM = "opinion"
#: The session summary files (:func:`nzc_review.meeting.opinion.session.write_session_summary`).
SUMMARY_FILES = (
    "summary.html",
    "summary.xlsx",
    "public_notice.html",
    "public_notice.xlsx",
    "scores.xlsx",
)
#: The chair's dashboard writes into this folder of the session (allowed inside it).
SESSION_REPORTS = "reports"

_folder_locks: dict[Path, threading.Lock] = {}
_folder_locks_guard = threading.Lock()


def _folder_lock(out_dir: Path) -> threading.Lock:
    """One lock per output folder: two renders into the same folder (e.g. two quick
    finalizations on the dashboard) run one after the other instead of racing on the same
    work folders."""
    with _folder_locks_guard:
        return _folder_locks.setdefault(out_dir, threading.Lock())


def open_session(session_dir: str | os.PathLike[str]) -> ReviewStore:
    """Open a review session folder.

    Raises
    ------
    OpinionError
        No such folder, or not a review session.
    """
    from nzc_review.store import open_store

    path = Path(session_dir)
    if not path.is_dir():
        raise OpinionError(f"{session_dir}: no such review session folder")
    try:
        return open_store(path)
    except StoreError as exc:
        raise OpinionError(str(exc)) from None


def finalized_applications(
    store: ReviewStore, actor: Actor, app_ids: Sequence[str] | None = None
) -> list[ApplicationRecord]:
    """The applications to report: the named ones (each must exist and be finalized), or
    every finalized one.

    Raises
    ------
    OpinionError
        An unknown application, one not finalized yet (named, with what to do), or no
        finalized application at all.
    """
    apps = {a.id: a for a in store.applications(actor)}
    if app_ids is None:
        done = [a for a in apps.values() if a.finalized]
        if not done:
            raise OpinionError(
                "no finalized application in this review session: the chair finalizes an "
                "application after writing the consensus (专家组评审意见)"
            )
        return done
    problems = []
    chosen = []
    for app_id in dict.fromkeys(app_ids):
        app = apps.get(app_id)
        if app is None:
            known = ", ".join(sorted(apps)) or "none"
            problems.append(f"no application {app_id!r} in this review session (known: {known})")
        elif not app.finalized:
            problems.append(
                f"application {app_id} is not finalized yet; the chair finalizes it first "
                "(consensus with a recommendation, then finalize)"
            )
        else:
            chosen.append(app)
    if problems:
        raise OpinionError("\n".join(problems))
    return chosen


def check_out_dir(out_dir: Path, apps: Sequence[ApplicationRecord]) -> None:
    """Refuse an output folder where rendering would escape it or delete other files: each
    ``<app id>/`` folder must be a plain child of ``out_dir`` and, if it exists, hold only an
    earlier opinion report written by the tool (:func:`nzc_review.files.safe_paths.report_dir`) — a
    folder holding e.g. the evaluation report of the same application
    (``nzc-review batch --out``) is not used.

    Raises
    ------
    OpinionError
        Naming each folder and why (the files that would be lost).
    """
    problems = []
    for app in apps:
        try:
            report_dir(out_dir, app.id, STEM)
        except OutputPathError as exc:
            problems.append(str(exc))
    if problems:
        raise OpinionError("\n".join(problems))


def _jobs(
    session_dir: Path, apps: Sequence[ApplicationRecord], evaluated_on: str | None, notebook: Path
) -> list[NotebookJob]:
    return [
        NotebookJob(
            key=a.id,
            notebook=notebook,
            parameters={
                "session_dir": str(session_dir),
                "app_id": a.id,
                "evaluated_on": evaluated_on,
            },
            stem=STEM,
        )
        for a in apps
    ]


def render_opinion_reports(
    session_dir: str | os.PathLike[str],
    app_ids: Sequence[str],
    out_dir: str | os.PathLike[str],
    pdf: bool = True,
    *,
    workers: int | None = None,
    timeout: float = 300.0,
    evaluated_on: str | None = None,
    summary: bool = True,
    progress: bool = False,
) -> list[JobResult]:
    """Render the panel review opinion of finalized applications (for the chair's dashboard).

    Call it after ``store.finalize(...)``, typically from a background thread::

        threading.Thread(
            target=render_opinion_reports,
            args=(session_dir, [app_id], session_dir / "reports"),
            daemon=True,
        ).start()

    Renders into the same folder are serialised (one lock per folder); a call returns when
    its reports (and PDFs) are written. The render opens the session itself (its own
    connections, read-only use), so the dashboard's store object is not shared.

    Parameters
    ----------
    session_dir:
        The review session folder.
    app_ids:
        The applications (each finalized).
    out_dir:
        Where to write ``<app id>/opinion.{ipynb,html,pdf}`` (an existing report of the same
        application is replaced). Use a folder of its own: a job replaces the whole
        ``<app id>/`` folder.
    pdf:
        Print PDFs with Chromium.
    workers:
        Notebooks run at once (default: one per application, at most the number of cores).
    timeout:
        Seconds allowed per report.
    evaluated_on:
        Date printed in the report (ISO); default the session's date.
    summary:
        Also rewrite the session summary (ranking, public-notice list, scores export) in
        ``out_dir``.
    progress:
        Show a progress bar (off for the dashboard).

    Returns
    -------
    list of JobResult
        One per application, in order: ``status`` ``ok`` or ``failed`` (with ``reason``),
        ``outputs`` (paths relative to ``out_dir``) and ``summary`` (key figures: total,
        recommendation, …).

    Raises
    ------
    OpinionError
        No such session, an unknown application or one not finalized (nothing is rendered).
    """
    return run_reports(
        session_dir,
        out_dir,
        app_ids=list(app_ids),
        workers=workers,
        pdf=pdf,
        timeout=timeout,
        evaluated_on=evaluated_on,
        summary=summary,
        progress=progress,
    ).results


def _links(results: Sequence[JobResult]) -> dict[str, dict]:
    return {
        r.key: {"status": r.status, "reason": r.reason, "outputs": dict(r.outputs)} for r in results
    }


@dataclass
class ReportRun:
    """What :func:`run_reports` did: one result per application, the summary files, and the
    session's kind (``review``: panel review opinions; ``acceptance``: acceptance opinions)."""

    out_dir: Path
    results: list[JobResult]
    files: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    kind: str = "review"

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.status != "ok"]


def run_reports(
    session_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    app_ids: Sequence[str] | None = None,
    workers: int | None = None,
    pdf: bool = True,
    timeout: float = 300.0,
    evaluated_on: str | None = None,
    summary: bool = True,
    progress: bool = False,
    notebook: Path | None = None,
) -> ReportRun:
    """Render the reports of the named (or all) finalized applications and the session
    summary (what ``nzc-review report`` runs).

    Parameters
    ----------
    app_ids:
        The applications to render (each finalized); ``None``: every finalized one (at
        least one is needed).
    workers:
        Notebooks run at once (default: one per application, at most the number of cores).
    notebook:
        The report notebook (default :data:`NOTEBOOK`; for an acceptance meeting
        :data:`ACCEPTANCE_NOTEBOOK`, whose reports are the acceptance opinions and which
        writes no session summary: ranking and 公示名单 belong to the review).

    Other parameters are those of :func:`render_opinion_reports`.

    Raises
    ------
    OpinionError
        Invalid input: no such session, unknown or unfinalized application, nothing
        finalized, an output folder holding other files of an application
        (:func:`check_out_dir`). Checked before any notebook runs.
    OutputPathError
        The output folder is the session folder or inside it (other than its ``reports/``
        folder), is not a folder, or holds summary files the tool did not write.
    """
    started = time.perf_counter()
    session_path = Path(session_dir).resolve()
    out = Path(out_dir).resolve()
    store = open_session(session_path)
    try:
        apps = finalized_applications(store, Actor.operator(), app_ids)
        acceptance = store.session(Actor.operator()).session_rules.is_acceptance
    finally:
        store.close()
    if acceptance:
        summary = False  # no ranking or public-notice list: the register takes the outcomes
        notebook = notebook or ACCEPTANCE_NOTEBOOK
    check_out_not_in_inputs(out, [session_path], allowed=[session_path / SESSION_REPORTS])
    check_out_dir(out, apps)
    if summary and out.is_dir():
        check_output_files(out, SUMMARY_FILES)
    n = workers or min(max(1, len(apps)), os.cpu_count() or 1)
    files: dict[str, Path] = {}
    with _folder_lock(out):
        results = run_notebook_jobs(
            _jobs(session_path, apps, evaluated_on, notebook or NOTEBOOK),
            out,
            workers=max(1, n),
            pdf=pdf,
            timeout=timeout,
            progress=progress,
            desc="验收意见" if acceptance else "评审意见",
        )
        if summary:
            from nzc_review.meeting.opinion.session import write_session_summary

            store = open_session(session_path)
            try:
                record_output_files(out, SUMMARY_FILES)
                files = write_session_summary(
                    store, Actor.operator(), out, reports=_links(results), day=evaluated_on
                )
            finally:
                store.close()
    return ReportRun(out, results, files, time.perf_counter() - started,
                     "acceptance" if acceptance else "review")
