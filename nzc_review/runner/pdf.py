"""Printing HTML reports to PDF with Debian's Chromium, driven by Playwright.

nbconvert's own ``webpdf`` exporter cannot be pointed at the system browser (it launches
Playwright's bundled one, which cannot be downloaded here), so the report HTML is printed by
``/usr/bin/chromium`` (or ``$NZC_CHROMIUM``) — one long-lived browser for many reports. Output is
written to a temporary file and renamed, so a failed print leaves nothing behind.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from nzc_review.errors import NzcError

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#666;'
    'font-family:\'Noto Sans CJK SC\',sans-serif">第 <span class="pageNumber"></span> 页 / 共 '
    '<span class="totalPages"></span> 页</div>'
)


#: Reports a tab prints before it is replaced by a fresh one (本工具默认规则): keeps the
#: renderers' memory flat over long batches at the cost of one font load per 50 reports.
TAB_USES = 50


#: The tabs' window. Nobody looks at a tab's screen rendering, which Chromium repaints after
#: every load; a small window leaves less to paint. The printed pages do not depend on it:
#: they are laid out on the A4 page, and the report's CSS has no rule that depends on the
#: window's size.
VIEWPORT = {"width": 700, "height": 200}


class PdfError(NzcError):
    """Chromium is missing or could not print."""


def chromium_path() -> str:
    """The Chromium to use: ``$NZC_CHROMIUM``, else Debian's ``/usr/bin/chromium``."""
    candidates = [os.environ.get("NZC_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise PdfError(
        "Chromium not found: install Debian's package (apt-get install chromium fonts-noto-cjk) "
        "or set NZC_CHROMIUM; use --no-pdf to skip PDF output"
    )


class PdfPrinter:
    """A headless Chromium kept open to print many HTML files to A4 PDF.

    Use as a context manager::

        with PdfPrinter() as printer:
            printer.print(Path("report.html"), Path("report.pdf"))
    """

    def __init__(self, executable: str | None = None, timeout_ms: int = 60_000):
        self.executable = executable or chromium_path()
        self.timeout_ms = timeout_ms
        self._playwright = None
        self._browser = None

    def __enter__(self) -> PdfPrinter:
        from playwright.sync_api import Error, sync_playwright

        try:
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable, args=CHROMIUM_ARGS
            )
        except Error as exc:
            self.close()
            raise PdfError(f"cannot start Chromium ({self.executable}): {exc.message}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None

    def print(self, html_path: Path, pdf_path: Path) -> Path:
        """Print ``html_path`` to ``pdf_path`` (A4, backgrounds, page numbers in the footer)."""
        from playwright.sync_api import Error

        if self._browser is None:
            raise PdfError("PdfPrinter used outside its with-block")
        tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
        page = self._browser.new_page()
        try:
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load",
                      timeout=self.timeout_ms)
            page.emulate_media(media="print")
            page.pdf(
                path=str(tmp),
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
            )
            tmp.replace(pdf_path)
        except Error as exc:
            tmp.unlink(missing_ok=True)
            raise PdfError(f"{html_path}: printing to PDF failed: {exc.message}") from None
        finally:
            page.close()
        return pdf_path


@dataclass(frozen=True)
class Printed:
    """A printed report: the PDF and the seconds its tab spent on it (loading and printing,
    not waiting for a free tab)."""

    path: Path
    seconds: float


class PdfService:
    """Chromium printing in a background thread, in ``concurrency`` tabs of one browser.

    ``submit(html, pdf)`` returns a :class:`concurrent.futures.Future` of :class:`Printed`.
    The browser is started once; its tabs (pages of one browser context) are kept open and
    reused, report after report, so each renderer loads the CJK fonts once rather than once
    per report. A tab holds one report at a time: it is taken from the idle tabs, navigated
    to the report, printed, and only then handed to the next report. A tab whose load or
    print failed, or timed out, is closed and replaced by a fresh one; a tab is also replaced
    after ``tab_uses`` reports, which keeps the renderers' memory flat over long batches
    (本工具默认规则). Playwright's async API runs on an event loop of its own.
    """

    def __init__(self, concurrency: int = 2, executable: str | None = None,
                 timeout_ms: int = 60_000, tab_uses: int = TAB_USES, wait: bool = True):
        """Start the browser; with ``wait=False`` return at once and let :meth:`wait_ready`
        wait (the caller does other work while Chromium starts).

        Raises
        ------
        PdfError
            Chromium is missing or could not start (with ``wait=False``: from
            :meth:`wait_ready`).
        """
        import asyncio
        import threading

        self.executable = executable or chromium_path()
        self.timeout_ms = timeout_ms
        self.tab_uses = max(1, tab_uses)
        self._concurrency = max(1, concurrency)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pdf", daemon=True)
        self._thread.start()
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until the browser has started; :class:`PdfError` (and the service closed) if
        it could not."""
        self._ready.wait()
        if self._error is not None:
            self.close()
            raise self._error

    def _run(self) -> None:
        import asyncio

        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self._error = PdfError(f"cannot start Chromium ({self.executable}): {exc}")
        self._ready.set()
        if self._error is None:
            self._loop.run_forever()

    async def _start(self) -> None:
        import asyncio

        from playwright.async_api import async_playwright

        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(
            executable_path=self.executable, args=CHROMIUM_ARGS
        )
        self._context = await self._browser.new_context(viewport=VIEWPORT)
        # idle tabs; ``None`` stands for a tab not opened yet (opened on first use)
        self._idle: asyncio.Queue = asyncio.Queue()
        for _ in range(self._concurrency):
            self._idle.put_nowait(None)
        self._uses: dict = {}
        self.opened = 0  # tabs opened so far (one per slot, plus replacements)

    async def _new_tab(self):
        page = await self._context.new_page()
        await page.emulate_media(media="print")
        self._uses[page] = 0
        self.opened += 1
        return page

    async def _retire(self, page) -> None:
        self._uses.pop(page, None)
        with contextlib.suppress(Exception):
            await page.close()

    async def _print_in(self, page, html_path: Path, tmp: Path) -> None:
        await page.goto(Path(html_path).resolve().as_uri(), wait_until="load",
                        timeout=self.timeout_ms)
        await page.pdf(path=str(tmp), format="A4", print_background=True,
                       display_header_footer=True, header_template="<span></span>",
                       footer_template=FOOTER,
                       margin={"top": "16mm", "bottom": "18mm", "left": "14mm",
                               "right": "14mm"})

    async def _print(self, html_path: Path, pdf_path: Path) -> Printed:
        import asyncio

        from playwright.async_api import Error

        tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
        page = await self._idle.get()
        healthy = False
        try:
            if page is None:
                page = await self._new_tab()
            started = time.perf_counter()
            try:
                await asyncio.wait_for(self._print_in(page, html_path, tmp),
                                       timeout=self.timeout_ms / 1000)
            except TimeoutError:
                raise PdfError(f"{html_path}: printing to PDF timed out "
                               f"({self.timeout_ms / 1000:g} s)") from None
            tmp.replace(pdf_path)
            healthy = True
            self._uses[page] += 1
            return Printed(pdf_path, time.perf_counter() - started)
        except Error as exc:
            raise PdfError(f"{html_path}: printing to PDF failed: {exc.message}") from None
        finally:
            if not healthy:
                tmp.unlink(missing_ok=True)
            if page is not None and (not healthy or self._uses.get(page, 0) >= self.tab_uses):
                await self._retire(page)
                page = None
            self._idle.put_nowait(page)

    def submit(self, html_path: Path, pdf_path: Path) -> cf.Future:
        """Print in the background; a Future of :class:`Printed`."""
        import asyncio

        return asyncio.run_coroutine_threadsafe(self._print(html_path, pdf_path), self._loop)

    async def _stop(self) -> None:
        if getattr(self, "_browser", None) is not None:
            await self._browser.close()
        if getattr(self, "_playwright", None) is not None:
            await self._playwright.stop()

    def close(self) -> None:
        """Close the browser and stop the thread."""
        import asyncio

        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=60)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=60)

    def __enter__(self) -> PdfService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
