"""Run many parameterised notebooks into report files: the engine behind every batch command.

Each job runs one notebook through papermill on a pre-started kernel
(:mod:`nzc_review.runner.kernels`), ``workers`` at once; the executed notebook is written once, rendered
to HTML in-process with the report template (:mod:`nzc_review.runner.render`) and printed to PDF by one
long-lived Chromium (:class:`nzc_review.runner.pdf.PdfService`) while the worker moves on. A job that
fails or times out never stops the others: its reason is recorded. Outputs of a job appear in
``out_dir/<key>/`` only when complete (built in a new hidden work folder, then swapped in), and
only where :mod:`nzc_review.files.safe_paths` allows: a key that is not a plain folder name, or an
existing folder the tool did not write, fails that job before its notebook runs.

A notebook can hand key figures to the caller by displaying a bundle with the mimetype
:data:`SUMMARY_MIME` (see :func:`nzc_review.present.evaluation_report.summary_bundle`); they arrive in
:attr:`JobResult.summary`.
"""

from __future__ import annotations

import concurrent.futures as cf
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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
from nzc_review.runner.render import render_html

if TYPE_CHECKING:
    import nbformat


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

    started = time.perf_counter()
    result = JobResult(job.key)
    done: cf.Future = cf.Future()
    work = new_work_dir(out_dir)
    km = pool.acquire()
    timed_out = threading.Event()

    def on_timeout() -> None:
        timed_out.set()
        KernelPool.kill(km)

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    healthy = False
    nb = None
    try:
        # No output path: papermill would rewrite the growing notebook before and after every
        # cell; it is written once below. No cwd either: papermill would chdir the whole
        # process (the pool sets the kernel's working folder).
        nb = pm.execute_notebook(str(job.notebook), None, parameters=job.parameters,
                                 kernel_name="python3", progress_bar=False, log_output=False,
                                 km=km)
        healthy = True
    except BaseException as exc:  # noqa: BLE001 - one job never stops the batch
        done.set_result(_fail(result, work, failure_reason(exc, timeout, timed_out.is_set())))
    finally:
        timer.cancel()
        pool.release(km, healthy=healthy and not timed_out.is_set())
    if done.done():
        result.seconds = time.perf_counter() - started
        return done
    try:
        import nbformat  # here: importing it costs seconds (jsonschema's format checkers)

        nbformat.write(nb, work / f"{job.stem}.ipynb")
        result.summary = read_summary(nb)
        (work / f"{job.stem}.html").write_text(render_html(nb), encoding="utf-8")
    except BaseException as exc:  # noqa: BLE001
        done.set_result(_fail(result, work, failure_reason(exc, timeout, False)))
        result.seconds = time.perf_counter() - started
        return done
    if pdf is None:
        done.set_result(_finish(job, result, work, target, timeout))
        result.seconds = time.perf_counter() - started
        return done

    def printed(future: cf.Future) -> None:
        error = future.exception()
        if error is None:
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
    progress: bool = True,
    desc: str = "生成报告",
) -> list[JobResult]:
    """Run every job into ``out_dir``; results in the order of ``jobs``.

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
                                       timeout=timeout, progress=progress, desc=desc),
                             strict=True):
            results[i] = result
    return [r for r in results if r is not None]  # every slot is filled


def _run_jobs(runnable: list[tuple[int, NotebookJob, Path]], out_dir: Path, *, workers: int,
              pdf: bool, timeout: float, progress: bool, desc: str) -> list[JobResult]:
    from tqdm import tqdm

    workers = max(1, min(workers, len(runnable)))
    printer = PdfService(concurrency=workers) if pdf else None
    pool = KernelPool(size=workers + 1, cwd=out_dir)  # one spare: resets overlap runs
    bar = tqdm(total=len(runnable), desc=desc, unit="份", disable=not progress)
    lock = threading.Lock()

    def tick(final: cf.Future) -> None:
        done = final.result()
        with lock:
            bar.set_postfix_str(f"{done.key} {'✔' if done.status == 'ok' else '✘'}")
            bar.update()

    try:
        with cf.ThreadPoolExecutor(max_workers=workers) as executor:
            pending = [executor.submit(_run_one, job, out_dir, target, timeout, pool, printer)
                       for _, job, target in runnable]
            finals = []
            for future in pending:
                final = future.result()
                final.add_done_callback(tick)
                finals.append(final)
            cf.wait(finals)
        return [final.result() for final in finals]
    finally:
        bar.close()
        pool.close()
        if printer is not None:
            printer.close()
