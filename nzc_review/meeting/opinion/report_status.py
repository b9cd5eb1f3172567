"""Whether the panel review opinion report of a finalized application is being made, made, or
failed: a small status record next to the reports, so the chair's dashboard can follow it (and
a dashboard opened later still can).

When the chair finalizes on the dashboard, :func:`start_report` writes ``running`` and renders
the report in a background thread (:func:`nzc_review.meeting.opinion.reports.render_opinion_reports`
into the session's ``reports/`` folder); the thread writes ``ready`` with the PDF's path, or
``failed`` with the reason. The record is ``REPORTS/.nzc-report-status/<app id>.json``,
written atomically::

    {"format": "nzc-report-status/1", "app_id": "HC-2024-YQ-001", "version": 2,
     "state": "running" | "ready" | "failed", "started_at": "…", "finished_at": "…",
     "pid": 1234, "pdf": "HC-2024-YQ-001/opinion.pdf", "html": "…", "reason": "…"}

:func:`read_status` is what the dashboard polls: a record for another version of the
application counts as none; ``running`` from a process that is gone (the kernel was closed
mid-render), or older than :data:`STALE_SECONDS`, reads as ``failed``; ``ready`` whose PDF is
missing reads as none. Paths are checked to lie inside the reports folder.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from nzc_review.files.atomic import write_atomic

__all__ = [
    "STALE_SECONDS",
    "STATUS_DIR",
    "ReportStatus",
    "read_status",
    "failure_zh",
    "start_report",
    "status_file",
    "wait_for",
    "write_status",
]

#: The folder of status records inside the reports folder.
STATUS_DIR = ".nzc-report-status"
#: A render still ``running`` after this many seconds is taken as failed (本工具默认规则:
#: the report's notebook times out after 300 s, and PDF printing takes a few seconds more).
STALE_SECONDS = 600.0

State = Literal["none", "running", "ready", "failed"]


@dataclass(frozen=True)
class ReportStatus:
    """The state of one application's report, as the dashboard shows it.

    Attributes
    ----------
    state:
        ``none`` (no report of this version), ``running``, ``ready`` or ``failed``.
    pdf, html:
        The report files when ``ready`` (absolute paths inside the reports folder).
    reason_zh:
        Why it failed, in Chinese, when ``failed``.
    """

    app_id: str
    version: int
    state: State
    pdf: Path | None = None
    html: Path | None = None
    reason_zh: str = ""
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def state_zh(self) -> str:
        return {
            "none": "尚未生成",
            "running": "报告生成中",
            "ready": "报告已生成",
            "failed": "报告生成失败",
        }[self.state]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def status_file(reports_dir: str | os.PathLike[str], app_id: str) -> Path:
    """The status record of ``app_id`` (an id fit for a file name, :mod:`nzc_review.policy.application`)."""
    from nzc_review.store.validate import check_app_id

    return Path(reports_dir) / STATUS_DIR / f"{check_app_id(app_id)}.json"


def write_status(reports_dir: str | os.PathLike[str], app_id: str, **record: Any) -> Path:
    """Write the status record of ``app_id`` atomically (a reader never sees half of it)."""
    data = {"format": "nzc-report-status/1", "app_id": app_id, **record}
    return write_atomic(
        status_file(reports_dir, app_id), json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    )


def _inside(reports_dir: Path, relative: object) -> Path | None:
    """``reports_dir / relative`` when it is a file inside ``reports_dir`` (no escape through
    ``..`` or a link: OWASP Path Traversal), else ``None``."""
    if not isinstance(relative, str) or not relative:
        return None
    root = reports_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _age(started_at: object) -> float:
    try:
        started = datetime.fromisoformat(str(started_at))
    except ValueError:
        return float("inf")
    return (datetime.now(UTC) - started).total_seconds()


def read_status(reports_dir: str | os.PathLike[str], app_id: str, version: int) -> ReportStatus:
    """The state of the report of ``app_id`` at ``version`` (see the module docstring)."""
    path = status_file(reports_dir, app_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ReportStatus(app_id, version, "none")
    if not isinstance(data, dict) or data.get("version") != version:
        return ReportStatus(app_id, version, "none")
    state = data.get("state")
    started, finished = data.get("started_at"), data.get("finished_at")
    if state == "running":
        if not _alive(data.get("pid")) or _age(started) > STALE_SECONDS:
            return ReportStatus(
                app_id,
                version,
                "failed",
                reason_zh="报告生成中断（生成报告的进程已退出或超时），请点击“重新生成报告”。",
                started_at=started,
            )
        return ReportStatus(app_id, version, "running", started_at=started)
    if state == "failed":
        reason = data.get("reason_zh")
        return ReportStatus(
            app_id,
            version,
            "failed",
            reason_zh=reason if isinstance(reason, str) and reason else "报告生成失败。",
            started_at=started,
            finished_at=finished,
        )
    if state == "ready":
        root = Path(reports_dir)
        pdf = _inside(root, data.get("pdf"))
        if pdf is None:
            return ReportStatus(app_id, version, "none")
        return ReportStatus(
            app_id,
            version,
            "ready",
            pdf=pdf,
            html=_inside(root, data.get("html")),
            started_at=started,
            finished_at=finished,
        )
    return ReportStatus(app_id, version, "none")


def failure_zh(reason: str | None) -> str:
    """Why a report failed, in Chinese: the runner's own Chinese reasons (a time-out, a
    notebook error) keep their first words; anything else is said generally, the detail kept
    in the status record."""
    text = (reason or "").strip()
    if text.startswith("运行超时"):
        return f"专家组评审意见报告生成失败：{text.split('：', 1)[0]}。"
    if text.startswith("笔记本第"):
        return "专家组评审意见报告生成失败：报告笔记本运行出错。"
    if "PDF" in text or "pdf" in text or "hromium" in text:
        return "专家组评审意见报告生成失败：PDF 打印失败（请检查本机的 Chromium 浏览器）。"
    return "专家组评审意见报告生成失败。"


Render = Callable[..., Sequence[Any]]


def _failure(result: Any) -> tuple[str, str] | None:
    """Why a render's result is no finished report — none returned, a failed job, no PDF —
    as ``(reason, reason_zh)``; ``None`` when the PDF was written."""
    if result is None:
        return "the renderer returned nothing", failure_zh("")
    if getattr(result, "status", None) != "ok":
        reason = str(getattr(result, "reason", "") or "failed")
        return reason, failure_zh(reason)
    if "pdf" not in dict(getattr(result, "outputs", {}) or {}):
        return "no PDF was written", failure_zh("PDF")
    return None


def _render(
    session_dir: Path, reports_dir: Path, app_id: str, version: int, render: Render | None
) -> None:
    """Render and record the outcome, ``failed`` with the reason or ``ready`` with the files
    (runs in the background thread)."""
    started = _now()
    try:
        if render is None:
            from nzc_review.meeting.opinion.reports import render_opinion_reports as render
        results = list(render(session_dir, [app_id], reports_dir))
    except Exception as exc:  # noqa: BLE001 - the outcome is recorded, never raised here
        result = None
        failure = (
            f"{type(exc).__name__}: {exc}",
            failure_zh(str(exc) if isinstance(exc, OSError) else ""),
        )
    else:
        result = results[0] if results else None
        failure = _failure(result)
    if failure is None:
        outputs = dict(getattr(result, "outputs", {}) or {})
        state, detail = "ready", {"pdf": outputs.get("pdf"), "html": outputs.get("html")}
    else:
        state, detail = "failed", {"reason": failure[0], "reason_zh": failure[1]}
    write_status(
        reports_dir,
        app_id,
        version=version,
        state=state,
        started_at=started,
        finished_at=_now(),
        **detail,
    )


def start_report(
    session_dir: str | os.PathLike[str],
    app_id: str,
    version: int,
    *,
    reports_dir: str | os.PathLike[str] | None = None,
    render: Render | None = None,
    background: bool = True,
) -> ReportStatus:
    """Start rendering the report of a finalized application and record ``running``.

    Parameters
    ----------
    session_dir:
        The review session folder.
    app_id, version:
        The application and the version finalized.
    reports_dir:
        Where reports go (default ``SESSION_DIR/reports``).
    render:
        The renderer (default :func:`nzc_review.meeting.opinion.reports.render_opinion_reports`),
        called as ``render(session_dir, [app_id], reports_dir)``.
    background:
        Render in a daemon thread (the dashboard) or here (tests).
    """
    folder = Path(session_dir).resolve()
    out = Path(reports_dir) if reports_dir is not None else folder / "reports"
    write_status(out, app_id, version=version, state="running", started_at=_now(), pid=os.getpid())
    if background:
        threading.Thread(
            target=_render, args=(folder, out, app_id, version, render), daemon=True
        ).start()
    else:
        _render(folder, out, app_id, version, render)
    return read_status(out, app_id, version)


def wait_for(
    reports_dir: str | os.PathLike[str], app_id: str, version: int, timeout: float = 600.0
) -> ReportStatus:
    """Poll until the report is no longer ``running`` (for scripts and tests)."""
    deadline = time.monotonic() + timeout
    while True:
        status = read_status(reports_dir, app_id, version)
        if status.state != "running" or time.monotonic() > deadline:
            return status
        time.sleep(0.5)
