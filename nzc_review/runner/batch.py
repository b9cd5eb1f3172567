"""Batch evaluation: every application → an executed notebook, an HTML and a PDF report, and
a summary workbook and page.

Each application runs ``notebooks/evaluate_application.ipynb`` through papermill with the
application as a parameter (:mod:`nzc_review.runner.jobs`: warm kernels, in-process HTML,
PDFs printed in the reused tabs of one Chromium); the kernels start before the files are
read. Invalid files and duplicate ids are caught before any notebook runs. A broken
application never stops the others: its reason is recorded in the summary. Every output file
is written atomically, inside the output folder, and replaces only what the tool wrote before
(:mod:`nzc_review.files.safe_paths`). :meth:`BatchReport.profile` says where the time went.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import TextIO

from nzc_review.errors import InputError, NzcError
from nzc_review.files.discover import discover
from nzc_review.files.safe_paths import (
    check_out_not_in_inputs,
    check_output_files,
    prepare_out_dir,
    write_output_file,
)
from nzc_review.intake import load_application, supported_suffixes
from nzc_review.policy.application import Application
from nzc_review.runner.jobs import STAGES, NotebookJob, run_notebook_jobs, start_pool
from nzc_review.runner.kernels import KernelPool
from nzc_review.runner.render import NOTEBOOKS_DIR

NOTEBOOK = NOTEBOOKS_DIR / "evaluate_application.ipynb"
#: The summary files written into the output folder.
SUMMARY_FILES = ("summary.html", "summary.xlsx")


@dataclass(frozen=True)
class BatchOptions:
    out_dir: Path
    workers: int = os.cpu_count() or 1
    pdf: bool = True
    timeout: float = 300.0
    draws: int = 10_000
    seed: int = 20231228
    factors: str | None = None
    electricity_scope: str | None = None
    #: ``None``: the review rules' basis and grid factor (default location, held).
    accounting_basis: str | None = None
    grid_factor: str | None = None
    #: A review-rules file (:mod:`nzc_review.evaluation.review_rules`); ``None``: the defaults.
    rules: str | None = None
    evaluated_on: str | None = None
    notebook: Path = NOTEBOOK
    progress: bool | TextIO = True


@dataclass
class AppResult:
    source: str
    id: str | None = None
    name: str | None = None
    pilot_type: str | None = None
    status: str = "pending"  # ok | failed | skipped
    reason: str | None = None
    core_gate: str | None = None
    #: The core gate in words under the run's veto rule (the review rules)
    core_gate_zh: str | None = None
    verdict: str | None = None
    projected_reduction_pct: float | None = None
    required_reduction_pct: float | None = None
    probability_meets_target: float | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float | None = None
    #: seconds per report stage (:data:`nzc_review.runner.jobs.STAGES`)
    stages: dict[str, float] = field(default_factory=dict)
    #: resident memory of the kernel that ran the report, just after it ran (MB)
    kernel_mb: float | None = None


#: Stages of a batch (seconds, :meth:`BatchReport.profile`): reading and validating the files,
#: the report stages of every application (:data:`nzc_review.runner.jobs.STAGES`, summed over
#: the applications, which run ``workers`` at once), and writing the summary files.
BATCH_STAGES = ("intake", *STAGES, "summary")


@dataclass
class BatchReport:
    out_dir: str
    results: list[AppResult]
    seconds: float
    #: seconds of the batch's own stages: ``intake`` and ``summary``
    stages: dict[str, float] = field(default_factory=dict)
    #: kernels started for the batch (one per worker and a spare, and each replacement)
    kernels_started: int = 0

    @property
    def failed(self) -> list[AppResult]:
        return [r for r in self.results if r.status == "failed"]

    def profile(self) -> dict[str, float]:
        """Where the time went (:data:`BATCH_STAGES`): the batch's own stages and each report
        stage summed over the applications."""
        total = {stage: self.stages.get(stage, 0.0) for stage in BATCH_STAGES}
        for result in self.results:
            for stage, seconds in result.stages.items():
                total[stage] = total.get(stage, 0.0) + seconds
        return total

    def to_dict(self) -> dict:
        return {"out_dir": self.out_dir, "seconds": self.seconds, "stages": self.stages,
                "profile": self.profile(), "kernels_started": self.kernels_started,
                "results": [asdict(r) for r in self.results]}


def unreadable_reason(path: Path, exc: BaseException) -> str:
    """A failure to read or validate an application file, in words for the summary."""
    if isinstance(exc, InputError):
        return exc.message
    if isinstance(exc, RecursionError):
        return f"{path.name}: 文件嵌套层级过深，无法读取"
    return f"{path.name}: 读取或校验时出错（{type(exc).__name__}: {exc}）"


def _load(path: Path, result: AppResult) -> Application | None:
    """The application in ``path``, or ``None`` with ``result`` marked failed: any error of
    one file is that file's failure, never the batch's."""
    try:
        app = load_application(path)
    except Exception as exc:  # noqa: BLE001 - one file never stops the batch
        result.status, result.reason = "failed", unreadable_reason(path, exc)
        return None
    result.id, result.name, result.pilot_type = app.id, app.name, app.pilot_type
    return app


def _same(a: Application, b: Application) -> bool:
    try:
        return a == b
    except Exception:  # noqa: BLE001 - e.g. too deep to compare: treated as different
        return False


def resolve_duplicates(loaded: list[tuple[Path, AppResult, Application]]
                       ) -> list[tuple[Path, AppResult]]:
    """The files to evaluate, one per application id.

    Files of one id with the same content (e.g. a YAML and its Excel twin) are one
    application: the first is evaluated, the others skipped. Files of one id with different
    contents conflict: which one is genuine cannot be told, so every one of them fails, naming
    the others, and none is published under that id.
    """
    groups: dict[str, list[tuple[Path, AppResult, Application]]] = {}
    for item in loaded:
        groups.setdefault(item[2].id, []).append(item)
    runnable = []
    for app_id, group in groups.items():
        first_path, first_result, first_app = group[0]
        if all(_same(app, first_app) for _, _, app in group[1:]):
            runnable.append((first_path, first_result))
            for _, result, _ in group[1:]:
                result.status, result.reason = "skipped", f"与 {first_path.name} 内容相同，已跳过"
            continue
        names = "、".join(path.name for path, _, _ in group)
        for _, result, _ in group:
            result.status = "failed"
            result.reason = (f"申报编号 {app_id} 重复：{names} 内容不同，无法确定以哪份为准，"
                             "均未评估；请只保留正确的一份后重新运行")
    return runnable


def run_batch(inputs: list[str | Path], options: BatchOptions) -> BatchReport:
    """Evaluate every application found in ``inputs`` into ``options.out_dir``.

    Raises
    ------
    NzcError
        No application file found, or an output folder that is an input folder (or inside
        one), not a folder, or holding summary files the tool did not write
        (:mod:`nzc_review.files.safe_paths`); checked before any notebook runs.
    """
    started = time.perf_counter()
    check_out_not_in_inputs(options.out_dir, inputs)
    paths = discover(inputs, supported_suffixes())
    if not paths:
        raise NzcError("no application files found (expected " + ", ".join(supported_suffixes())
                       + ")")
    out = prepare_out_dir(options.out_dir)
    check_output_files(out, SUMMARY_FILES)
    options = BatchOptions(**{**options.__dict__, "out_dir": out})
    # the kernels start now, in the background, while the files are read
    pool = start_pool(min(options.workers, len(paths)), out)
    try:
        results, stages = _run(paths, options, out, pool)
    finally:
        pool.close()
    report = BatchReport(out_dir=str(out), results=results,
                         seconds=time.perf_counter() - started, stages=stages,
                         kernels_started=pool.started)
    summary_started = time.perf_counter()
    write_summary(report, options)
    report.stages["summary"] = time.perf_counter() - summary_started
    report.seconds = time.perf_counter() - started
    return report


def _run(paths: list[Path], options: BatchOptions, out: Path, pool: KernelPool
         ) -> tuple[list[AppResult], dict[str, float]]:
    """Read every file, then run the notebooks of those that can run; the results in the
    order of ``paths`` and the seconds spent reading (``intake``)."""
    intake_started = time.perf_counter()
    results: list[AppResult] = []
    loaded: list[tuple[Path, AppResult, Application]] = []
    for path in paths:
        result = AppResult(source=str(path))
        results.append(result)
        app = _load(path, result)
        if app is not None:
            loaded.append((path, result, app))
    runnable = resolve_duplicates(loaded)
    stages = {"intake": time.perf_counter() - intake_started}
    if runnable:
        jobs = [NotebookJob(key=result.id, notebook=options.notebook, stem="evaluation",
                            parameters={"application": str(path.resolve()),
                                        "draws": options.draws, "seed": options.seed,
                                        "factors": options.factors,
                                        "electricity_scope": options.electricity_scope,
                                        "accounting_basis": options.accounting_basis,
                                        "grid_factor": options.grid_factor,
                                        "rules": options.rules,
                                        "evaluated_on": options.evaluated_on})
                for path, result in runnable]
        done = run_notebook_jobs(jobs, out, workers=options.workers, pdf=options.pdf,
                                 timeout=options.timeout, progress=options.progress, desc="评估",
                                 pool=pool, notebooks_done=lambda: _notebooks_done(pool))
        for (_, result), job_result in zip(runnable, done, strict=True):
            result.status, result.reason = job_result.status, job_result.reason
            result.outputs, result.seconds = job_result.outputs, job_result.seconds
            result.stages, result.kernel_mb = job_result.stages, job_result.kernel_mb
            for key in ("core_gate", "core_gate_zh", "verdict", "projected_reduction_pct",
                        "required_reduction_pct", "probability_meets_target"):
                setattr(result, key, job_result.summary.get(key))
    return results, stages


# --- summary ---------------------------------------------------------------------------------


def _import_summary_writer() -> None:
    with contextlib.suppress(Exception):  # an optimisation only: the summary imports it anyway
        import openpyxl  # noqa: F401

        import nzc_review.files.excel_safety  # noqa: F401


def _notebooks_done(pool: KernelPool) -> None:
    """Once every notebook has run, while the last PDFs print: shut the kernels down and import
    the workbook writer (about 0.4 CPU-s: openpyxl imports numpy), in the background, rather
    than after the last PDF. :func:`run_batch` closes the pool again, waiting for this."""
    threading.Thread(target=pool.close, name="kernels-close", daemon=True).start()
    threading.Thread(target=_import_summary_writer, name="summary-import", daemon=True).start()


SUMMARY_COLUMNS = [
    ("来源文件", "source"), ("申报编号", "id"), ("名称", "name"), ("试点类型", "pilot_type"),
    ("状态", "status"), ("核心指标门槛", "core_gate"), ("可行性结论", "verdict"),
    ("目标年预计降幅(%)", "projected_reduction_pct"), ("要求降幅(%)", "required_reduction_pct"),
    ("按期实现概率", "probability_meets_target"), ("HTML报告", "html"), ("PDF报告", "pdf"),
    ("失败原因", "reason"),
]
GATE_ZH = {"pass": "通过", "fail": "不通过（一票否决）", "incomplete": "待补充", None: ""}
TYPE_ZH = {"region": "区域", "park": "园区", "community": "社区", "campus": "校园",
           "commercial": "商业场所", None: ""}


def _row(r: AppResult) -> list:
    return [Path(r.source).name, r.id or "", r.name or "", TYPE_ZH.get(r.pilot_type, ""),
            {"ok": "成功", "failed": "失败", "skipped": "跳过"}.get(r.status, r.status), r.core_gate_zh or GATE_ZH.get(r.core_gate, ""), r.verdict or "",
            None if r.projected_reduction_pct is None else round(r.projected_reduction_pct, 1),
            r.required_reduction_pct, r.probability_meets_target,
            r.outputs.get("html", ""), r.outputs.get("pdf", ""), r.reason or ""]


def write_summary(report: BatchReport, options: BatchOptions) -> None:
    """``summary.xlsx`` and ``summary.html`` in the output folder (atomic writes)."""
    out = Path(report.out_dir)
    write_output_file(out, "summary.html", summary_html(report, options))
    write_output_file(out, "summary.xlsx", summary_xlsx(report))


def summary_xlsx(report: BatchReport) -> bytes:
    """The ``summary.xlsx`` bytes; text is written as text, never as a formula
    (:mod:`nzc_review.files.excel_safety`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from nzc_review.files.excel_safety import append_row, as_text, workbook_bytes

    wb = Workbook()
    ws = wb.active
    ws.title = "评估汇总"
    append_row(ws, [c for c, _ in SUMMARY_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0E8")
    for r in report.results:
        append_row(ws, _row(r))
        row = ws.max_row
        for col, key in ((11, "html"), (12, "pdf")):
            if r.outputs.get(key):
                ws.cell(row, col).hyperlink = r.outputs[key]
                ws.cell(row, col).style = "Hyperlink"
                as_text(ws.cell(row, col))  # the named style resets quotePrefix
        if r.status == "failed":
            ws.cell(row, 5).font = Font(color="B71C1C", bold=True)
    widths = [24, 20, 36, 10, 8, 18, 10, 16, 12, 12, 30, 30, 60]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    return workbook_bytes(wb)


def summary_html(report: BatchReport, options: BatchOptions) -> str:
    rows = []
    for r in report.results:
        values = _row(r)
        cells = []
        for (header, key), value in zip(SUMMARY_COLUMNS, values, strict=True):
            if key in {"html", "pdf"} and value:
                cells.append(f"<td><a href='{escape(value)}'>{escape(header[:-2])}</a></td>")
            elif key == "probability_meets_target" and value is not None:
                cells.append(f"<td class='num'>{value:.0%}</td>")
            else:
                cls = " class='failed'" if key == "status" and r.status == "failed" else ""
                cells.append(f"<td{cls}>{escape('' if value is None else str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    failed = report.failed
    head = "".join(f"<th>{escape(c)}</th>" for c, _ in SUMMARY_COLUMNS)
    day = options.evaluated_on or dt.date.today().isoformat()
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>近零碳排放区试点申报评估汇总</title>
<style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
  font-size: 10pt; margin: 16px; color: #1a1a1a; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; overflow-wrap: anywhere; }}
th {{ background: #e8f0e8; }} td.num {{ text-align: right; }} td.failed {{ color: #b71c1c;
  font-weight: 700; }}
</style></head><body>
<h1>近零碳排放区试点申报评估汇总</h1>
<p>评估日期：{escape(day)}；共 {len(report.results)} 份申报，成功 {sum(r.status == "ok" for r in report.results)} 份，
失败 {len(failed)} 份，跳过 {sum(r.status == "skipped" for r in report.results)} 份。依据《河池市近零碳排放区试点建设工作方案（试行）》（河环发〔2023〕23号）。</p>
<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>
</body></html>
"""
