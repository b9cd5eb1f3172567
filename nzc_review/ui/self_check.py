"""The applicants' self-check page (申报自查, ``panels/self_check.ipynb``, served by
``nzc-review serve --self-check``).

An applicant uploads the filled Excel template or a YAML/JSON application and sees, within
seconds, what to correct or supplement (:mod:`nzc_review.present.self_check`), then the
evaluation report — the HTML ``nzc-review batch`` writes, from the same notebook run the same
way (:mod:`nzc_review.runner.jobs`) — and a PDF of it printed by Chromium
(:class:`nzc_review.runner.pdf.PdfService`).

What happens to the files (本工具默认规则 unless said):

* the upload is checked by extension, content and size before anything reads it
  (:func:`nzc_review.intake.upload.check_upload`, OWASP File Upload Cheat Sheet); the
  visitor's file name is never a path: the file is stored as ``upload-<n><suffix>``;
* everything made of the visitor's file — the stored upload, the executed notebook, the HTML
  and the PDF — is in the visitor's own folder (:class:`SelfCheckSession`), made for the
  page's kernel (one kernel per page: Voila) and removed when the kernel ends; it holds only
  the latest upload and its report (:meth:`SelfCheckSession.prune`). A folder left by a
  kernel that was killed is removed by the next page, and with the whole work folder when
  ``serve`` stops. (The report kernel's sockets and Chromium's profile stay in the system's
  temporary folder and go when those programs stop: they hold nothing of the file, and a
  socket's path must stay short, at most 107 bytes, unix(7).)
* nothing is kept unless the bureau started the server with ``--keep-dir DIR``: then each
  accepted upload is also written there, atomically, as
  ``<UTC time>-<random>-<name>.<suffix>`` (:func:`kept_name`), proven to lie inside ``DIR``
  (:func:`nzc_review.files.safe_paths.child_path`).

Everything the page says is Chinese; an unexpected failure is said as one Chinese sentence and
its traceback goes to the server's log, never to the page.
"""

from __future__ import annotations

import atexit
import base64
import concurrent.futures as cf
import datetime as dt
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import traceback
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from nzc_review.errors import NzcError
from nzc_review.intake.upload import Upload, UploadRefused, UploadRules, check_upload, size_zh
from nzc_review.present.self_check import SelfCheckResult, check_file, checklist_html
from nzc_review.server.self_check import KEEP_ENV, MAX_BYTES_ENV, WORK_ENV

__all__ = [
    "MAX_PDF_LINK_BYTES",
    "Received",
    "ReportFiles",
    "SelfCheckPanel",
    "SelfCheckSession",
    "kept_name",
    "preload",
    "self_check_panel",
]

#: Largest PDF offered as a download link (本工具默认规则): the link is a ``data:`` URL (the
#: file goes to the page that asked, through its own kernel; no route of the server serves a
#: visitor's files), Chromium takes URLs of up to 2 MB, and base64 adds a third.
MAX_PDF_LINK_BYTES = 1_400_000
#: Seconds the report notebook may run (本工具默认规则; a report takes 1–3 s on a warm kernel).
REPORT_TIMEOUT = 120.0
#: Seconds Chromium may take to print the PDF (本工具默认规则).
PDF_TIMEOUT = 120.0
#: How often the page looks whether the report is ready (seconds).
POLL_SECONDS = 0.4
#: Prefix of a visitor's work folder (with the kernel's process id).
VISITOR_PREFIX = "visitor-"
INTERNAL_ERROR = ("检查时发生内部错误，请稍后重新上传；如多次出现，请联系市生态环境局。")
REPORT_FAILED = ("评估报告未能生成，请稍后重新上传；如多次出现，请联系市生态环境局。"
                 "上方的检查结果不受影响。")


def _log(text: str) -> None:
    """A line for the server's log (the kernel's own stderr, never the page)."""
    print(f"nzc self-check: {text}", file=sys.__stderr__, flush=True)


# --- files ---------------------------------------------------------------------------------------


def kept_name(original: str, suffix: str, when: dt.datetime | None = None) -> str:
    """The name an upload is kept under in ``--keep-dir``: the UTC time, a random part, and
    the visitor's file name reduced to letters, digits, ``_`` and ``-`` (at most 40; OWASP
    File Upload Cheat Sheet: never the user's name as given), then ``suffix``."""
    when = when or dt.datetime.now(dt.UTC)
    stem = unicodedata.normalize("NFKC", Path(original.replace("\\", "/")).stem)
    stem = re.sub(r"[^\w-]+", "_", stem, flags=re.UNICODE).strip("_")[:40] or "申报文件"
    return f"{when.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(3)}-{stem}{suffix}"


def visitor_folder(root: Path | None = None) -> Path:
    """A new folder for one visitor (mode 0700), inside ``root`` (the work folder of
    ``serve``) or the system's temporary folder; folders left there by kernels no longer
    running are removed first (only in ``root``, which the server made)."""
    if root is not None:
        _sweep(root)
    return Path(tempfile.mkdtemp(prefix=f"{VISITOR_PREFIX}{os.getpid()}-",
                                 dir=str(root) if root is not None else None))


def _sweep(root: Path) -> None:
    import psutil

    for folder in root.glob(f"{VISITOR_PREFIX}*-*"):
        m = re.fullmatch(rf"{VISITOR_PREFIX}(\d+)-.+", folder.name)
        if m and folder.is_dir() and not folder.is_symlink() and not psutil.pid_exists(int(m[1])):
            shutil.rmtree(folder, ignore_errors=True)


# --- the work of one visitor (no widgets) ---------------------------------------------------------


@dataclass
class Received:
    """An accepted upload: its number on this page, the visitor's file name (for display
    only), where it is stored, what the checklist found, and where a copy was kept."""

    number: int
    name: str
    path: Path
    upload: Upload
    result: SelfCheckResult
    kept: Path | None = None


@dataclass
class ReportFiles:
    """The evaluation report of an upload: the HTML, and the PDF or why there is none."""

    html: Path
    pdf: Path | None = None
    pdf_note: str | None = None


class SelfCheckSession:
    """One visitor's uploads, checks and reports, in their own folder ``work_dir``.

    Parameters
    ----------
    work_dir:
        The visitor's folder (:func:`visitor_folder`); removed by :meth:`close`.
    keep_dir:
        Where each accepted upload is also kept (``serve --keep-dir``); ``None``: nowhere.
    rules:
        The upload limit.
    """

    def __init__(self, work_dir: Path, keep_dir: Path | None = None,
                 rules: UploadRules | None = None) -> None:
        self.work_dir = Path(work_dir)
        self.keep_dir = Path(keep_dir) if keep_dir is not None else None
        self.rules = rules or UploadRules()
        self.count = 0
        self._pool = None
        self._pool_lock = threading.Lock()
        self._closed = False

    # the upload and the checklist ------------------------------------------------------------

    def receive(self, name: str, data: bytes) -> Received:
        """Check, store and read an upload; its checklist.

        Raises
        ------
        UploadRefused
            a file of the wrong type or content, empty or too large (nothing is stored).
        """
        from nzc_review.files.atomic import write_atomic

        upload = check_upload(name, data, self.rules)
        self.count += 1
        path = write_atomic(self.work_dir / f"upload-{self.count}{upload.suffix}", data,
                            make_parents=False, mode=0o600)
        kept = self._keep(name, upload.suffix, data)
        result = check_file(path, upload.kind)
        if not result.readable:
            path.unlink(missing_ok=True)  # no report will read it: the checklist has it all
        return Received(self.count, name, path, upload, result, kept)

    def prune(self, number: int) -> None:
        """Remove the files of uploads before ``number`` and their reports: the page shows
        only the latest, so a visitor's folder holds at most one upload and its report however
        many times they upload (本工具默认规则)."""
        for item in [*self.work_dir.glob("upload-*"), *self.work_dir.glob("reports/upload-*")]:
            m = re.fullmatch(r"upload-(\d+)(?:\.\w+)?", item.name)
            if m and int(m[1]) < number and not item.is_symlink():
                if item.is_dir():
                    shutil.rmtree(item, ignore_errors=True)
                else:
                    item.unlink(missing_ok=True)

    def _keep(self, name: str, suffix: str, data: bytes) -> Path | None:
        if self.keep_dir is None:
            return None
        from nzc_review.files.atomic import write_atomic
        from nzc_review.files.safe_paths import child_path

        target = child_path(self.keep_dir, kept_name(name, suffix))
        try:
            return write_atomic(target, data, make_parents=False)
        except NzcError as exc:  # the check goes on; the bureau reads why in the log
            _log(f"upload not kept in {self.keep_dir}: {exc}")
            return None

    # the report ------------------------------------------------------------------------------

    def start_kernel(self) -> None:
        """Start the kernel that runs the report notebook, and the renderer, in the
        background (the visitor is still choosing a file)."""
        with self._pool_lock:
            if self._pool is None and not self._closed:
                from nzc_review.runner.kernels import KernelPool

                self._pool = KernelPool(size=1, cwd=self.work_dir)
        threading.Thread(target=_warm_renderer, name="self-check-warm", daemon=True).start()

    def report(self, received: Received,
               on_html: Callable[[ReportFiles], None] | None = None) -> ReportFiles:
        """The evaluation report of an upload that could be read: the notebook of ``batch``
        run on this visitor's kernel, rendered to HTML in the work folder (handed to
        ``on_html`` at once), then printed to PDF (Chromium starts while the notebook runs).
        Without Chromium, or if printing fails, the HTML alone with a Chinese note.

        Raises
        ------
        NzcError
            the notebook failed (the reason is for the log).
        """
        from nzc_review.runner.batch import NOTEBOOK
        from nzc_review.runner.jobs import NotebookJob, run_notebook_jobs
        from nzc_review.runner.pdf import PdfError, PdfService

        self.start_kernel()
        self.prune(received.number)  # reports run one at a time: earlier ones are done
        printer, note = None, None
        try:
            printer = PdfService(concurrency=1, wait=False)
        except PdfError:
            note = ("本机未安装 Chromium 浏览器，暂不能生成 PDF：请使用浏览器的“打印”功能，将下方评估报告"
                    "另存为 PDF。")
        try:
            key = f"upload-{received.number}"
            job = NotebookJob(key=key, notebook=NOTEBOOK, stem="evaluation",
                              parameters={"application": str(received.path.resolve())})
            done = run_notebook_jobs([job], self.work_dir / "reports", workers=1, pdf=False,
                                     timeout=REPORT_TIMEOUT, progress=False, pool=self._pool)[0]
            if done.status != "ok" or "html" not in done.outputs:
                raise NzcError(f"report notebook failed: {done.reason}")
            files = ReportFiles(html=self.work_dir / "reports" / done.outputs["html"],
                                pdf_note=note)
            if on_html is not None:
                on_html(ReportFiles(html=files.html, pdf_note=note))
            if printer is not None:
                files.pdf, files.pdf_note = self._print(printer, files.html)
            return files
        finally:
            if printer is not None:
                printer.close()

    @staticmethod
    def _print(printer, html: Path) -> tuple[Path | None, str | None]:
        """The PDF of ``html``, or a Chinese note (the HTML stays shown whatever happens)."""
        try:
            printer.wait_ready()
            pdf = html.with_suffix(".pdf")
            printer.submit(html, pdf).result(timeout=PDF_TIMEOUT)
            return pdf, None
        except Exception as exc:  # noqa: BLE001 - PdfError, a timeout, a browser gone
            _log(f"PDF not printed: {exc}")
            return None, ("PDF 未能生成（打印服务暂不可用）：请使用浏览器的“打印”功能，将下方评估报告"
                          "另存为 PDF。")

    def close(self) -> None:
        """Stop the report kernel and remove the visitor's folder (the tool made it)."""
        self._closed = True
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            try:
                pool.close()
            except Exception as exc:  # noqa: BLE001 - the folder goes all the same
                _log(f"report kernel not closed cleanly: {exc}")
        shutil.rmtree(self.work_dir, ignore_errors=True)


def _warm_renderer() -> None:
    try:
        from nzc_review.runner.render import warm_renderer

        warm_renderer()
    except Exception as exc:  # noqa: BLE001 - an optimisation only
        _log(f"renderer not warmed: {exc}")


# --- what the page shows (pure) --------------------------------------------------------------------


STYLE = """
<style>
.nzc-sc { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
  font-size: 14px; color: #1a1a1a; max-width: 1100px; }
.nzc-sc h2 { font-size: 22px; margin: 4px 0 8px; } .nzc-sc h3 { font-size: 16px; margin: 14px 0 6px; }
.nzc-sc p, .nzc-sc li { line-height: 1.6; }
.nzc-sc .msg { padding: 10px 14px; border-radius: 6px; margin: 6px 0; }
.nzc-sc .msg.error { background: #fdecea; color: #b71c1c; border: 1px solid #f5c2c0; }
.nzc-sc .msg.info { background: #e8f0fe; color: #174ea6; }
.nzc-sc .msg.ok { background: #e6f4ea; color: #1e4620; }
.nzc-sc .msg.warn { background: #fff8e1; color: #6d5300; }
.nzc-sc iframe { width: 100%; height: 900px; border: 1px solid #ccc; background: white; }
</style>
"""


def note_html(text: str, kind: str = "info") -> str:
    """A message of the page (``info``, ``ok``, ``warn``, ``error``), escaped."""
    return f"{STYLE}<div class='nzc-sc'><div class='msg {kind}'>{escape(text)}</div></div>"


def intro_html(max_bytes: int, keeping: bool) -> str:
    """The page's title and what it does, with what happens to the file."""
    kept = ("本服务器由市生态环境局配置为保存上传文件的副本，仅供受理部门使用。" if keeping
            else "上传的文件只用于本次检查，不会保存：检查在本页面专用的临时文件夹中进行，关闭页面后即删除。")
    return (f"{STYLE}<div class='nzc-sc'><h2>申报自查</h2>"
            "<p>报送前，请上传填好的申报模板（.xlsx），或 YAML、JSON 格式的申报文件。本页面按照"
            "《河池市近零碳排放区试点建设工作方案（试行）》（河环发〔2023〕23号）检查填写错误、附件2"
            "（创建方案编制大纲）缺项、遴选条件和核心指标，列出需修改或补充的内容，并生成评估报告及 PDF。"
            "检查结果仅供申报单位自查参考，不代表评审结论。</p>"
            f"<p>文件大小上限 {escape(size_zh(max_bytes))}。{kept}</p></div>")


def received_html(received: Received) -> str:
    """What was read, and the checklist's heading."""
    ev = received.result.evaluation
    if ev is None:
        n = len(received.result.items)
        head = note_html(f"“{received.name}”中有 {n} 处填写错误，须改正后才能评估。请按下表逐项改正后"
                         "重新上传。", "error")
    else:
        head = note_html(f"已读取“{received.name}”：{ev.id} {ev.name}（{ev.pilot_type_zh}）。"
                         f"评估结论：{ev.verdict.level}。", "ok")
    return head + f"{STYLE}<div class='nzc-sc'><h3>需修改或补充的内容</h3></div>"


def report_frame_html(html: str) -> str:
    """The evaluation report in a sandboxed frame (its styles stay inside; no script runs)."""
    return (f"{STYLE}<div class='nzc-sc'><h3>评估报告</h3>"
            f"<iframe class='nzc-report' title='评估报告' sandbox='' srcdoc=\"{escape(html, quote=True)}\">"
            "</iframe></div>")


def pdf_link_html(pdf: Path, app_id: str) -> str:
    """A download link to the report's PDF (a ``data:`` link), or why there is none."""
    try:
        data = pdf.read_bytes()
    except OSError:
        return note_html("PDF 文件无法读取，请重新上传。", "warn")
    if len(data) > MAX_PDF_LINK_BYTES:
        return note_html(f"PDF 文件较大（{size_zh(len(data))}），无法在本页面直接下载：请使用浏览器的"
                         "“打印”功能，将下方评估报告另存为 PDF。", "warn")
    name = f"{app_id}-申报评估报告.pdf"
    href = "data:application/pdf;base64," + base64.b64encode(data).decode("ascii")
    return (f"{STYLE}<div class='nzc-sc'><div class='msg ok'>评估报告 PDF 已生成："
            f"<a class='nzc-pdf-link' download='{escape(name, quote=True)}' href='{href}'>"
            f"下载评估报告（PDF，{escape(size_zh(len(data)))}）</a></div></div>")


def template_link_html(pilot_type: str) -> str:
    """A download link to the empty application template of a pilot type (申报模板)."""
    from nzc_review.intake.excel import build_workbook, workbook_bytes
    from nzc_review.policy import catalog

    label = catalog.PILOT_TYPE_ZH[pilot_type]
    data = workbook_bytes(build_workbook(pilot_type, source=f"{label}申报模板.xlsx"))
    href = ("data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
            + base64.b64encode(data).decode("ascii"))
    return (f"{STYLE}<div class='nzc-sc'><a class='nzc-template-link' "
            f"download='{escape(label, quote=True)}申报模板.xlsx' href='{href}'>"
            f"下载{escape(label)}申报模板（.xlsx）</a></div>")


# --- the page ----------------------------------------------------------------------------------------


def _call_later(delay: float, callback) -> bool:
    """Run ``callback`` on the kernel's event loop after ``delay`` seconds; ``False`` when no
    loop runs (a script, a test)."""
    import asyncio

    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return False
    if not loop.is_running():
        return False
    loop.call_later(delay, callback)
    return True


class SelfCheckPanel:
    """The widgets of the page over a :class:`SelfCheckSession`.

    An upload is checked at once (the checklist shows in about a second); the report is made
    in a background thread and shown when ready (:meth:`poll`, on the kernel's event loop), then
    its PDF link. A later upload replaces everything an earlier one showed.
    """

    def __init__(self, session: SelfCheckSession, *, background: bool = True) -> None:
        import ipywidgets as w

        from nzc_review.policy import catalog

        self.session = session
        self.background = background
        self.generation = 0
        self._executor = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="self-check")
        self._future: cf.Future | None = None
        self._pending: tuple[int, Received] | None = None
        self._html: tuple[int, ReportFiles] | None = None  # set by the report's thread
        self._report_shown: int | None = None  # the upload whose report is on the page
        keeping = session.keep_dir is not None
        self.intro = w.HTML(intro_html(session.rules.max_bytes, keeping))
        self.template_type = w.Dropdown(
            options=[("请选择试点类型", "")] + [(catalog.PILOT_TYPE_ZH[t], t)
                                          for t in catalog.PILOT_TYPES],
            description="空白模板", style={"description_width": "70px"},
            layout=w.Layout(width="320px"))
        self.template_link = w.HTML()
        self.template_type.observe(lambda change: self.show_template(change["new"]),
                                   names="value")
        self.upload = w.FileUpload(accept=".xlsx,.yaml,.yml,.json", multiple=False,
                                   description="上传申报文件", icon="",
                                   layout=w.Layout(width="200px"))
        self.upload.add_class("nzc-upload")
        self.upload.add_class(f"nzc-max-{session.rules.max_bytes}")
        self.upload.observe(self._on_upload, names="value")
        self.status = w.HTML()
        self.checklist = w.HTML()
        self.pdf = w.HTML()
        self.report = w.HTML()
        self.widget = w.VBox([self.intro, w.HBox([self.template_type, self.template_link]),
                              self.upload, self.status, self.checklist, self.pdf, self.report])
        self.widget.add_class("nzc-self-check")
        if background:
            session.start_kernel()

    # the template --------------------------------------------------------------------------

    def show_template(self, pilot_type: str) -> None:
        try:
            self.template_link.value = template_link_html(pilot_type) if pilot_type else ""
        except Exception:  # noqa: BLE001 - the page says it in Chinese, the log has the rest
            _log(traceback.format_exc())
            self.template_link.value = note_html("模板暂时无法生成，请稍后再试。", "error")

    # an upload ------------------------------------------------------------------------------

    def _on_upload(self, change: dict) -> None:
        files = change.get("new") or ()
        if not files:
            return
        item = files[0]
        name, data = str(item["name"]), bytes(item["content"])
        self.upload.value = ()  # frees the bytes; the same file can be uploaded again
        self.handle(name, data)

    def handle(self, name: str, data: bytes) -> Received | None:
        """Check one upload and show its checklist; start its report when it could be read."""
        self.generation += 1
        self._pending = None
        self.checklist.value = self.pdf.value = self.report.value = ""
        self.status.value = note_html(f"正在检查“{name}”……", "info")
        try:
            received = self.session.receive(name, data)
        except UploadRefused as exc:
            self.status.value = note_html(str(exc), "error")
            return None
        except Exception:  # noqa: BLE001 - never a traceback on the page
            _log(traceback.format_exc())
            self.status.value = note_html(INTERNAL_ERROR, "error")
            return None
        self.status.value = received_html(received)
        self.checklist.value = checklist_html(received.result.items)
        if received.result.readable:
            self.start_report(received)
        return received

    # the report -------------------------------------------------------------------------------

    def start_report(self, received: Received) -> None:
        self.report.value = note_html("正在生成评估报告（通常需要几秒钟）……", "info")
        self._pending = (self.generation, received)
        if not self.background:
            self._show(self.generation, received, *self._run(received))
            return
        self._future = self._executor.submit(self._run, received)
        if not _call_later(POLL_SECONDS, self.poll):
            self._future.result()
            self.poll()

    def _run(self, received: Received) -> tuple[ReportFiles | None, str | None]:
        generation = self.generation

        def html_ready(files: ReportFiles) -> None:
            self._html = (generation, files)

        try:
            return self.session.report(received, on_html=html_ready), None
        except Exception:  # noqa: BLE001 - said in Chinese, logged in full
            _log(traceback.format_exc())
            return None, REPORT_FAILED

    def poll(self) -> None:
        """Show the report as soon as its HTML is ready, then its PDF link once the thread is
        done; look again later while it runs (on the kernel's event loop: widgets change in
        the kernel's own thread)."""
        future, pending = self._future, self._pending
        if future is None or pending is None:
            return
        html, self._html = self._html, None
        if html is not None and html[0] == pending[0] and not future.done():
            self._show_html(pending[0], html[1])
            self.pdf.value = note_html("正在生成 PDF……", "info")
        if not future.done():
            _call_later(POLL_SECONDS, self.poll)
            return
        self._future = None
        self._show(*pending, *future.result())

    def _show_html(self, generation: int, files: ReportFiles) -> bool:
        try:
            html = files.html.read_text(encoding="utf-8")
        except OSError:
            self.report.value = note_html(REPORT_FAILED, "error")
            return False
        self.report.value = report_frame_html(html)
        self._report_shown = generation
        return True

    def _show(self, generation: int, received: Received, files: ReportFiles | None,
              error: str | None) -> None:
        if generation != self.generation:
            return  # a later upload replaced this one
        self._pending = None
        if files is None:
            self.report.value = note_html(error or REPORT_FAILED, "error")
            return
        if self._report_shown != generation and not self._show_html(generation, files):
            return
        if files.pdf is not None:
            self.pdf.value = pdf_link_html(files.pdf, received.result.evaluation.id)
        else:
            self.pdf.value = note_html(files.pdf_note or "PDF 未能生成。", "warn")

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.session.close()


def preload() -> None:
    """Import what a check needs (the workbook reader, the evaluation, the widgets) while Voila
    pre-heats the page's kernel, before anyone connects: the first upload is then checked in
    about a second."""
    import ipywidgets  # noqa: F401
    import openpyxl  # noqa: F401

    import nzc_review.evaluation.pipeline  # noqa: F401
    import nzc_review.present.evaluation_report  # noqa: F401


def _settings() -> tuple[Path | None, Path | None, UploadRules]:
    """The work folder, the keep folder and the upload limit ``serve --self-check`` gave the
    kernel (:mod:`nzc_review.server.self_check`)."""
    work = os.environ.get(WORK_ENV)
    keep = os.environ.get(KEEP_ENV)
    limit = os.environ.get(MAX_BYTES_ENV, "")
    rules = UploadRules(max_bytes=int(limit)) if limit.isdigit() else UploadRules()
    return (Path(work) if work else None), (Path(keep) if keep else None), rules


def self_check_panel():
    """The page (what ``panels/self_check.ipynb`` displays), with a visitor's folder for this
    kernel, removed when the kernel ends."""
    import ipywidgets as w

    try:
        work_root, keep, rules = _settings()
        folder = visitor_folder(work_root if work_root and work_root.is_dir() else None)
        session = SelfCheckSession(folder, keep, rules)
        panel = SelfCheckPanel(session)
        atexit.register(panel.close)
        return panel.widget
    except Exception:  # noqa: BLE001 - never a traceback on the page
        _log(traceback.format_exc())
        return w.HTML(note_html("申报自查页面暂时无法打开，请稍后刷新重试。", "error"))
