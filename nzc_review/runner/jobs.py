"""Run many parameterised notebooks into report files: the engine behind every batch command.

Each job runs one notebook through papermill on a pre-started kernel
(:mod:`nzc_review.runner.kernels`), ``workers`` at once; the executed notebook is written once,
rendered to HTML in-process with the report template (:mod:`nzc_review.runner.render`) and
printed to PDF in a tab of one long-lived Chromium (:class:`nzc_review.runner.pdf.PdfService`)
while the worker moves on. A job that fails or times out never stops the others: its reason is
recorded. Outputs of a job appear in ``out_dir/<key>/`` only when complete (built in a new
hidden work folder, then swapped in), and only where :mod:`nzc_review.files.safe_paths` allows:
a key that is not a plain folder name, or an existing folder the tool did not write, fails
that job before its notebook runs.

A notebook can hand key figures to the caller by displaying a bundle with the mimetype
:data:`SUMMARY_MIME` (see :func:`nzc_review.present.evaluation_report.summary_bundle`); they
arrive in :attr:`JobResult.summary`. Where each job's time went is in :attr:`JobResult.stages`
(:data:`STAGES`); a cell tagged ``stage:<name>`` counts towards that stage.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from nzc_review.errors import NzcError
from nzc_review.files.safe_paths import (
    OutputPathError,
    new_work_dir,
    prepare_out_dir,
    publish_dir,
    report_dir,
)
from nzc_review.present.evaluation_report import SUMMARY_MIME  # noqa: E402  (one definition, re-exported)
from nzc_review.runner.kernels import KernelPool
from nzc_review.runner.pdf import PdfService
from nzc_review.runner.render import render_html, warm_renderer

if TYPE_CHECKING:
    import nbformat

#: Where a job's time goes, in the order the stages run (seconds, in :attr:`JobResult.stages`):
#: waiting for a free kernel; the kernel's time in cells tagged ``stage:evaluate`` and
#: ``stage:charts``; the rest of the notebook run (papermill, messages, other cells); writing
#: the notebook and rendering the HTML; printing the PDF (in its tab, not waiting for one).
STAGES = ("wait", "evaluate", "charts", "notebook", "html", "pdf")
#: The tag prefix of a cell whose kernel time counts towards a stage other than ``notebook``.
STAGE_TAG = "stage:"
#: The progress line: done/total, elapsed and the estimated time left (tqdm's estimate, from
#: the recent rate of finished jobs), and the last job finished.
PROGRESS_FORMAT = ("{desc} {n_fmt}/{total_fmt} 份 |{bar:24}| 已用 {elapsed}，预计剩余 {remaining}"
                   "{postfix}")


@dataclass(frozen=True)
class NotebookJob:
    """One notebook run: outputs go to ``out_dir/<key>/<stem>.{ipynb,html,pdf}``."""

    key: str
    notebook: Path
    parameters: dict
    stem: str = "report"


@dataclass
class JobResult:
    key: str
    status: str = "pending"  # ok | failed
    reason: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    seconds: float | None = None
    #: seconds per stage (:data:`STAGES`)
    stages: dict[str, float] = field(default_factory=dict)
    #: resident memory of the kernel that ran the notebook, just after it ran (MB)
    kernel_mb: float | None = None


def failure_reason(exc: BaseException, timeout: float, timed_out: bool) -> str:
    """A failure in words for the summary."""
    if timed_out:
        return f"运行超时（超过 {timeout:g} 秒）"
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"笔记本第 {exc.exec_count} 个单元格出错：{exc.ename}: {exc.evalue}"
    if isinstance(exc, NzcError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def read_summary(nb: nbformat.NotebookNode) -> dict:
    """The :data:`SUMMARY_MIME` bundle a notebook displayed, or ``{}``."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(SUMMARY_MIME)
            if data:
                return dict(data)
    return {}


def _timestamp(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def cell_seconds(cell: dict) -> float:
    """The kernel's time on one executed cell: from the kernel taking the code to its reply
    (nbclient's ``execution`` timing metadata), else papermill's duration, else 0."""
    timing = cell.get("metadata", {}).get("execution", {})
    start = _timestamp(timing.get("iopub.execute_input"))
    end = _timestamp(timing.get("shell.execute_reply"))
    if start is not None and end is not None and end >= start:
        return (end - start).total_seconds()
    duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
    return float(duration) if isinstance(duration, int | float) else 0.0


def notebook_stages(nb: dict, run_seconds: float) -> dict[str, float]:
    """Split a notebook run of ``run_seconds`` into stages: each cell tagged
    ``stage:<name>`` counts towards ``<name>``, the rest of the run is ``notebook``."""
    stages: dict[str, float] = {}
    for cell in nb.get("cells", []):
        names = [t[len(STAGE_TAG):] for t in cell.get("metadata", {}).get("tags", [])
                 if isinstance(t, str) and t.startswith(STAGE_TAG)]
        if names:
            stages[names[0]] = stages.get(names[0], 0.0) + cell_seconds(cell)
    stages["notebook"] = max(0.0, run_seconds - sum(stages.values()))
    return stages


def _finish(job: NotebookJob, result: JobResult, work: Path, target: Path,
            timeout: float) -> JobResult:
    try:
        publish_dir(work, target, job.stem)
    except BaseException as exc:  # noqa: BLE001 - one job never stops the batch
        return _fail(result, work, failure_reason(exc, timeout, False))
    result.status = "ok"
    result.outputs = {kind: f"{job.key}/{job.stem}.{kind}" for kind in ("ipynb", "html", "pdf")
                      if (target / f"{job.stem}.{kind}").exists()}
    return result


def _fail(result: JobResult, work: Path, reason: str) -> JobResult:
    result.status, result.reason = "failed", reason
    shutil.rmtree(work, ignore_errors=True)
    return result


def _run_one(job: NotebookJob, out_dir: Path, target: Path, timeout: float, pool: KernelPool,
             pdf: PdfService | None) -> cf.Future:
    """Execute and render one job into ``target`` (checked by :func:`report_dir`); a future
    that completes when its PDF is printed."""
    import papermill as pm

    from nzc_review.runner.engine import ENGINE_NAME

    started = time.perf_counter()
    result = JobResult(job.key, stages=dict.fromkeys(STAGES, 0.0))
    done: cf.Future = cf.Future()
    work = new_work_dir(out_dir)
    try:
        km = pool.acquire()
    except BaseException as exc:  # noqa: BLE001 - a kernel that cannot start fails this job
        done.set_result(_fail(result, work, failure_reason(exc, timeout, False)))
        result.seconds = time.perf_counter() - started
        return done
    result.stages["wait"] = time.perf_counter() - started
    timed_out = threading.Event()

    def on_timeout() -> None:
        timed_out.set()
        KernelPool.kill(km)

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    healthy = False
    nb = None
    run_started = time.perf_counter()
    try:
        # No output path: papermill would rewrite the growing notebook before and after every
        # cell; it is written once below. No cwd either: papermill would chdir the whole
        # process (the pool sets the kernel's working folder).
        nb = pm.execute_notebook(str(job.notebook), None, parameters=job.parameters,
                                 engine_name=ENGINE_NAME, kernel_name="python3",
                                 progress_bar=False, log_output=False, km=km)
        healthy = True
    except BaseException as exc:  # noqa: BLE001 - one job never stops the batch
        done.set_result(_fail(result, work, failure_reason(exc, timeout, timed_out.is_set())))
    finally:
        timer.cancel()
        result.kernel_mb = pool.memory_mb(km)
        pool.release(km, healthy=healthy and not timed_out.is_set())
    if done.done():
        result.seconds = time.perf_counter() - started
        return done
    result.stages.update(notebook_stages(nb, time.perf_counter() - run_started))
    html_started = time.perf_counter()
    try:
        import nbformat  # here: importing it costs seconds (jsonschema's format checkers)

        nbformat.write(nb, work / f"{job.stem}.ipynb")
        result.summary = read_summary(nb)
        (work / f"{job.stem}.html").write_text(render_html(nb), encoding="utf-8")
    except BaseException as exc:  # noqa: BLE001
        done.set_result(_fail(result, work, failure_reason(exc, timeout, False)))
        result.seconds = time.perf_counter() - started
        return done
    result.stages["html"] = time.perf_counter() - html_started
    if pdf is None:
        done.set_result(_finish(job, result, work, target, timeout))
        result.seconds = time.perf_counter() - started
        return done

    def printed(future: cf.Future) -> None:
        error = future.exception()
        if error is None:
            result.stages["pdf"] = future.result().seconds
            _finish(job, result, work, target, timeout)
        else:
            _fail(result, work, failure_reason(error, timeout, False))
        result.seconds = time.perf_counter() - started
        done.set_result(result)

    pdf.submit(work / f"{job.stem}.html", work / f"{job.stem}.pdf").add_done_callback(printed)
    return done


def run_notebook_jobs(
    jobs: list[NotebookJob],
    out_dir: Path,
    *,
    workers: int = 2,
    pdf: bool = True,
    timeout: float = 300.0,
    progress: bool | TextIO = True,
    desc: str = "生成报告",
    pool: KernelPool | None = None,
    notebooks_done: Callable[[], None] | None = None,
) -> list[JobResult]:
    """Run every job into ``out_dir``; results in the order of ``jobs``.

    ``progress`` shows a progress line with the estimated time left (:data:`PROGRESS_FORMAT`)
    on standard error, or on the stream given. ``pool`` is a kernel pool the caller started
    early (and closes); without it the run starts its own. ``notebooks_done`` is called once
    every notebook has run, while the last PDFs print (the caller's own work can start there).

    A job whose report folder is unsafe (:func:`nzc_review.files.safe_paths.report_dir`) fails at
    once with the reason and runs no notebook.

    Raises
    ------
    OutputPathError
        ``out_dir`` exists and is not a folder, or cannot be created.
    NzcError
        Two jobs with the same key.
    """
    if not jobs:
        return []
    out_dir = prepare_out_dir(out_dir)
    keys = [job.key for job in jobs]
    if len(set(keys)) != len(keys):
        raise NzcError("duplicate job keys: " + ", ".join(sorted({k for k in keys
                                                                   if keys.count(k) > 1})))
    results: list[JobResult | None] = [None] * len(jobs)
    runnable: list[tuple[int, NotebookJob, Path]] = []
    for i, job in enumerate(jobs):
        try:
            runnable.append((i, job, report_dir(out_dir, job.key, job.stem)))
        except OutputPathError as exc:
            results[i] = JobResult(job.key, status="failed", reason=str(exc))
    if runnable:
        for i, result in zip([i for i, _, _ in runnable],
                             _run_jobs(runnable, out_dir, workers=workers, pdf=pdf,
                                       timeout=timeout, progress=progress, desc=desc,
                                       pool=pool, notebooks_done=notebooks_done),
                             strict=True):
            results[i] = result
    return [r for r in results if r is not None]  # every slot is filled


def start_pool(workers: int, cwd: Path) -> KernelPool:
    """The kernel pool of a run with ``workers`` notebooks at once: a kernel per worker, all
    started together. No spare: a used kernel is reset in a few hundredths of a second
    (:func:`nzc_review.runner.warmup.freeze_warm_objects`), less than a spare kernel costs to
    start (two CPU-seconds)."""
    workers = max(1, workers)
    return KernelPool(size=workers, cwd=cwd, starters=workers)


def progress_bar(total: int, desc: str, progress: bool | TextIO):
    """The tqdm progress line of a run (:data:`PROGRESS_FORMAT`): off for ``False``, on
    standard error for ``True``, else on the stream given."""
    from tqdm import tqdm

    stream = None if isinstance(progress, bool) else progress
    return tqdm(total=total, desc=desc, unit="份", bar_format=PROGRESS_FORMAT, file=stream,
                disable=progress is False, mininterval=0.5, dynamic_ncols=stream is None)


def _run_jobs(runnable: list[tuple[int, NotebookJob, Path]], out_dir: Path, *, workers: int,
              pdf: bool, timeout: float, progress: bool | TextIO, desc: str,
              pool: KernelPool | None,
              notebooks_done: Callable[[], None] | None = None) -> list[JobResult]:
    workers = max(1, min(workers, len(runnable)))
    # the kernels start first, in the background, while Chromium starts and the report
    # template compiles here
    own_pool = pool is None
    if pool is None:
        pool = start_pool(workers, out_dir)
    printer = None
    bar = None
    lock = threading.Lock()

    def tick(final: cf.Future) -> None:
        done = final.result()
        with lock:
            bar.set_postfix_str(f"{done.key} {'✔' if done.status == 'ok' else '✘'}",
                                refresh=False)
            bar.update()

    try:
        printer = PdfService(concurrency=workers, wait=False) if pdf else None
        warm_renderer()  # while Chromium starts
        if printer is not None:
            printer.wait_ready()
        bar = progress_bar(len(runnable), desc, progress)
        with cf.ThreadPoolExecutor(max_workers=workers) as executor:
            pending = [executor.submit(_run_one, job, out_dir, target, timeout, pool, printer)
                       for _, job, target in runnable]
            finals = []
            for future in pending:
                final = future.result()
                final.add_done_callback(tick)
                finals.append(final)
            if notebooks_done is not None:
                notebooks_done()
            cf.wait(finals)
        return [final.result() for final in finals]
    finally:
        if bar is not None:
            bar.close()
        if own_pool:
            pool.close()
        if printer is not None:
            printer.close()
