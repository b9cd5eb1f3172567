"""Printing HTML reports to PDF with Debian's Chromium.

nbconvert's own ``webpdf`` exporter cannot be pointed at the system browser (it launches
Playwright's bundled one, which cannot be downloaded here), so the report HTML is printed by
``/usr/bin/chromium`` (or ``$NZC_CHROMIUM``) — one long-lived browser for many reports, driven
over its DevTools pipe (:mod:`nzc_review.runner.cdp`). Output is written to a temporary file
and renamed, so a failed print leaves nothing behind.

What a print costs, and what is skipped (measured on the evaluation report, eight A4 pages:
about 0.9 CPU-seconds of Chromium and of this process a report, against 1.45 when each report
was navigated to, numbered by Chromium's footer template and driven through Playwright): a
report that needs no other file (:func:`self_contained`) is written into the tab's document
rather than navigated to — a navigation costs the browser about 0.1 CPU-s for nothing a print
needs; the page numbers are CSS page-margin boxes (:data:`FOOTER_CSS`) rather than Chromium's
header/footer template, which lays out a separate document for every page (about 0.1 CPU-s
more); and no Playwright driver relays the messages (:mod:`nzc_review.runner.cdp`). The
printed pages are the same, pixel for pixel (``tests/runner/test_print_identical.py``).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures as cf
import contextlib
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from nzc_review.errors import NzcError
from nzc_review.runner import print_fonts
from nzc_review.runner.cdp import LAUNCH_SWITCHES, LINUX_FONT_FAMILIES, Browser, DevToolsError

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
#: How the printing browser is started: :data:`CHROMIUM_ARGS` (those not among
#: :data:`nzc_review.runner.cdp.LAUNCH_SWITCHES` already), and everything in one process
#: (Chromium's ``--single-process``). Printed in the usual processes, every PDF is made by a
#: print compositor process of its own, started for that one print and ended after it; in one
#: process the compositor is a thread. Measured on the evaluation report (20 prints, two
#: tabs): 9.2 CPU-s against 12.0, the same pages pixel for pixel. The cost: a report that
#: crashes or hangs its renderer takes the whole browser with it, so the service starts a new
#: browser and tries a print that failed with the old one once more (:class:`PdfService`).
PRINT_ARGS = [*(a for a in CHROMIUM_ARGS if a not in LAUNCH_SWITCHES), "--single-process"]
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#666;'
    'font-family:\'Noto Sans CJK SC\',sans-serif">第 <span class="pageNumber"></span> 页 / 共 '
    '<span class="totalPages"></span> 页</div>'
)
#: The page margins of every printed report (A4).
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}
#: A4 in inches, and CSS pixels per millimetre, as Playwright converted the page size and the
#: margins for ``Page.printToPDF`` (``crPdf.ts``): the same numbers give the same pages.
A4_INCHES = (8.27, 11.7)
PX_PER_MM = 3.78
#: :data:`FOOTER` as CSS page-margin boxes (CSS Paged Media Module Level 3, §4.2 "Page-Margin
#: Boxes"): the same text, font, size, colour and place, pixel for pixel, laid out with the
#: page itself instead of one template document per page. A bottom margin box centres its
#: content in the 18 mm margin; 12pt of top padding moves it the 6pt lower at which Chromium
#: draws its footer template.
FOOTER_CSS = (
    "@page { @bottom-center { content: '第 ' counter(page) ' 页 / 共 ' counter(pages) ' 页'; "
    "font-family: 'Noto Sans CJK SC', sans-serif; font-size: 8px; color: #666; "
    "padding-top: 12pt; } }"
)
#: The first Chromium release that draws page-margin boxes; an older one prints
#: :data:`FOOTER` as its header/footer template.
MARGIN_BOXES_SINCE = 131


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


#: A reference to another file: an attribute that loads or links a URL, a CSS ``url(...)`` or
#: ``@import`` — unless the URL is a fragment (``#...``) or a ``data:`` URL (removed first:
#: :data:`_DATA_URL`), which need no other file.
_FILE_REFERENCE = re.compile(
    r"""(?:[\s/](?:src|href|srcset|poster|background|action|formaction|data|xlink:href)\s*=\s*"""
    r"""["']?\s*|url\(\s*["']?\s*|@import\s+["']?\s*)(?!data:|#)[^\s"'>)]""",
    re.IGNORECASE,
)
#: A ``data:`` URL, up to the quote, space or bracket that ends it: the charts' base64 images,
#: most of a report's bytes, taken out before :data:`_FILE_REFERENCE` looks (3 ms, not 16 ms).
_DATA_URL = re.compile(r"""data:[^"'\s)>]*""", re.IGNORECASE)


def self_contained(html: str) -> bool:
    """Whether ``html`` needs no other file to be drawn: every URL it references is a
    ``data:`` URL or a fragment. Such a report prints the same from any document URL, so it is
    written into the tab's document rather than navigated to (a text that merely looks like a
    reference only sends the report the slower way)."""
    return _FILE_REFERENCE.search(_DATA_URL.sub("", html)) is None


def _read_self_contained(html_path: Path) -> str | None:
    """The report's HTML if it is UTF-8 and :func:`self_contained`, else ``None`` (navigated
    to: its own file URL resolves its references, and Chromium reports a missing file)."""
    try:
        html = Path(html_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return html if self_contained(html) else None


def print_params(css_footer: bool) -> dict:
    """``Page.printToPDF`` parameters of every report: A4, backgrounds, :data:`MARGIN`; the
    page numbers from :data:`FOOTER_CSS` (added to the page) or from :data:`FOOTER`."""
    inches = {side: float(value.removesuffix("mm")) * PX_PER_MM / 96
              for side, value in MARGIN.items()}
    return {"landscape": False, "printBackground": True, "scale": 1,
            "paperWidth": A4_INCHES[0], "paperHeight": A4_INCHES[1],
            "marginTop": inches["top"], "marginBottom": inches["bottom"],
            "marginLeft": inches["left"], "marginRight": inches["right"], "pageRanges": "",
            "preferCSSPageSize": False, "generateTaggedPDF": False,
            "generateDocumentOutline": False, "transferMode": "ReturnAsBase64",
            "displayHeaderFooter": not css_footer,
            "headerTemplate": "" if css_footer else "<span></span>",
            "footerTemplate": "" if css_footer else FOOTER}


def add_style(css: str) -> str:
    """A script adding ``css`` to the page, as a style element at the end of its head, that
    ends once the page's fonts are loaded (``document.fonts.ready``)."""
    return ("(async () => { const style = document.createElement('style'); style.textContent = "
            f"{json.dumps(css)}; (document.head || document.documentElement)"
            ".appendChild(style); await document.fonts.ready; })()")


#: Adds :data:`FOOTER_CSS` to the page.
ADD_FOOTER_CSS = add_style(FOOTER_CSS)


def draws_margin_boxes(version: str) -> bool:
    """Whether Chromium ``version`` (``"156.0.8078.114"``, or the product
    ``"HeadlessChrome/156.0.8078.114"``) draws page-margin boxes."""
    try:
        return int(version.rsplit("/", 1)[-1].split(".")[0]) >= MARGIN_BOXES_SINCE
    except ValueError:
        return False


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


@dataclass(frozen=True)
class Printed:
    """A printed report: the PDF and the seconds its tab spent on it (loading and printing,
    not waiting for a free tab)."""

    path: Path
    seconds: float


@dataclass
class _Tab:
    """A page of the browser, attached over the pipe, and the reports it printed."""

    target: str
    session: str
    frame: str = ""
    uses: int = 0
    generation: int = 0  # the browser it belongs to (:attr:`PdfService.launched` then)


class PdfService:
    """Chromium printing in a background thread, in ``concurrency`` tabs of one browser.

    ``submit(html, pdf)`` returns a :class:`concurrent.futures.Future` of :class:`Printed`.
    The browser is started once; its tabs (pages of one browser context) are kept open and
    reused, report after report, so each renderer loads the CJK fonts once rather than once
    per report. A tab holds one report at a time: it is taken from the idle tabs, given the
    report (written into its document when :func:`self_contained`, else navigated to), printed,
    and only then handed to the next report. A tab whose load or print failed, or timed out,
    is closed and replaced by a fresh one; a tab is also replaced after ``tab_uses`` reports,
    which keeps the renderers' memory flat over long batches (本工具默认规则). The browser is
    driven over its DevTools pipe (:class:`nzc_review.runner.cdp.Browser`) on an event loop of
    its own, in one process (:data:`PRINT_ARGS`): after a failed or timed-out print it is
    killed, and a browser that has gone is started again before the next print; a print that
    failed only because its browser went away is tried once more in the new one.
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
        self.executable = executable or chromium_path()
        self.timeout_ms = timeout_ms
        self.tab_uses = max(1, tab_uses)
        self.opened = 0  # tabs opened so far (one per slot, plus replacements)
        self.launched = 0  # browsers started so far (one, plus one after each crash or hang)
        self._concurrency = max(1, concurrency)
        self._browser: Browser | None = None
        self._css_footer = False
        self._subset = False  # whether the running browser has the report font's subset
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
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self._error = PdfError(f"cannot start Chromium ({self.executable}): {exc}")
        self._ready.set()
        if self._error is None:
            self._loop.run_forever()

    async def _start(self) -> None:
        self._launching = asyncio.Lock()
        self._generation = 0
        self._written = -1  # the last browser a report was written into (not navigated to)
        await self._launch()
        # idle tabs; ``None`` stands for a tab not opened yet (opened on first use)
        self._idle: asyncio.Queue = asyncio.Queue()
        for _ in range(self._concurrency):
            self._idle.put_nowait(None)

    async def _launch(self) -> None:
        fonts = print_fonts.ready()  # the report font's subset, when built (else built now)
        if fonts is None:
            print_fonts.build_in_background()
        browser = await Browser.launch(
            self.executable, PRINT_ARGS,
            env={"FONTCONFIG_FILE": str(fonts / "fonts.conf")} if fonts else None)
        self._subset = fonts is not None
        try:
            version = await browser.send("Browser.getVersion")
            self._css_footer = draws_margin_boxes(version.get("product", ""))
            self._context = (await browser.send("Target.createBrowserContext")
                             )["browserContextId"]
        except BaseException:
            await browser.close()
            raise
        self._browser = browser
        self._generation += 1
        self.launched += 1

    async def _current(self, tab: _Tab | None) -> _Tab | None:
        """Start the browser again if it has gone (a crash takes every tab with it in one
        process); ``tab`` if it belongs to the browser running now, else ``None``."""
        async with self._launching:
            if self._browser is None or self._browser.closed:
                if self._browser is not None:
                    await self._browser.close()  # reaps it and removes its profile folder
                    self._browser = None
                await self._launch()
        return tab if tab is not None and tab.generation == self._generation else None

    async def _restart(self, generation: int) -> None:
        """After a failed or timed-out print: close the browser of ``generation`` (its one
        renderer may hang or be broken), unless it was replaced already; the next print starts
        a new one. A print in another tab of it fails and is tried again (:meth:`_print`)."""
        async with self._launching:
            if self._generation == generation and self._browser is not None:
                await self._browser.close(kill=True)

    async def _new_tab(self) -> _Tab:
        """A page with the print media type, :data:`VIEWPORT` and the generic fonts the pages
        had when Playwright opened them (:data:`nzc_review.runner.cdp.LINUX_FONT_FAMILIES`)."""
        send = self._browser.send
        target = (await send("Target.createTarget", {"url": "about:blank",
                                                     "browserContextId": self._context})
                  )["targetId"]
        self.opened += 1
        tab = _Tab(target, (await send("Target.attachToTarget", {"targetId": target,
                                                                 "flatten": True}))["sessionId"],
                   generation=self._generation)
        await asyncio.gather(
            send("Page.enable", session=tab.session),
            send("Emulation.setDeviceMetricsOverride",
                 {**VIEWPORT, "deviceScaleFactor": 1, "mobile": False}, tab.session),
            send("Emulation.setEmulatedMedia", {"media": "print"}, tab.session),
            send("Page.setFontFamilies", {"fontFamilies": LINUX_FONT_FAMILIES}, tab.session))
        tree = await send("Page.getFrameTree", session=tab.session)
        tab.frame = tree["frameTree"]["frame"]["id"]
        return tab

    async def _retire(self, tab: _Tab) -> None:
        with contextlib.suppress(DevToolsError, asyncio.TimeoutError):
            await asyncio.wait_for(self._browser.send("Target.closeTarget",
                                                      {"targetId": tab.target}), timeout=10)

    async def _print_in(self, tab: _Tab, html_path: Path, html: str | None, tmp: Path) -> None:
        send = self._browser.send
        loaded = self._browser.expect("Page.loadEventFired", tab.session)
        try:
            if html is None:
                navigated = await send("Page.navigate",
                                       {"url": Path(html_path).resolve().as_uri()}, tab.session)
                if navigated.get("errorText"):
                    raise PdfError(f"{html_path}: printing to PDF failed: "
                                   f"{navigated['errorText']}")
            else:
                self._written = tab.generation
                if self._subset:
                    html = print_fonts.prefer_subset(html)
                await send("Page.setDocumentContent", {"frameId": tab.frame, "html": html},
                           tab.session)
            await loaded
        finally:
            loaded.cancel()
        if self._css_footer:
            added = await send("Runtime.evaluate", {"expression": ADD_FOOTER_CSS,
                                                    "awaitPromise": True}, tab.session)
            if "exceptionDetails" in added:
                raise PdfError(f"{html_path}: printing to PDF failed: the page numbers could "
                               "not be added")
        printed = await send("Page.printToPDF", print_params(self._css_footer), tab.session)
        tmp.write_bytes(base64.b64decode(printed["data"]))

    async def _print(self, html_path: Path, pdf_path: Path) -> Printed:
        tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
        html = _read_self_contained(html_path)
        tab = await self._idle.get()
        healthy = False
        try:
            for attempt in (1, 2):
                if html is None and self._written == self._generation:
                    # in one process, a browser that was given a document crashes when it
                    # navigates to a file: a report that must be navigated to gets a new one
                    await self._restart(self._generation)
                tab = await self._current(tab)
                browser = self._browser
                try:
                    if tab is None:
                        tab = await self._new_tab()
                    started = time.perf_counter()
                    try:
                        await asyncio.wait_for(self._print_in(tab, html_path, html, tmp),
                                               timeout=self.timeout_ms / 1000)
                    except TimeoutError:
                        raise PdfError(f"{html_path}: printing to PDF timed out "
                                       f"({self.timeout_ms / 1000:g} s)") from None
                except DevToolsError as exc:
                    if attempt == 1 and browser is not None and browser.closed:
                        tab = None  # the browser went away: once more, in a new one
                        continue
                    raise PdfError(f"{html_path}: printing to PDF failed: {exc}") from None
                tmp.replace(pdf_path)
                healthy = True
                tab.uses += 1
                return Printed(pdf_path, time.perf_counter() - started)
            raise AssertionError("unreachable: the second attempt returns or raises")
        finally:
            if not healthy:
                tmp.unlink(missing_ok=True)
                if tab is not None:
                    await self._restart(tab.generation)
                    tab = None
            elif tab is not None and tab.uses >= self.tab_uses:
                await self._retire(tab)
                tab = None
            self._idle.put_nowait(tab)

    def submit(self, html_path: Path, pdf_path: Path) -> cf.Future:
        """Print in the background; a Future of :class:`Printed`."""
        return asyncio.run_coroutine_threadsafe(self._print(html_path, pdf_path), self._loop)

    async def _stop(self) -> None:
        if self._browser is not None:
            await self._browser.close()
            self._browser = None

    def close(self) -> None:
        """Close the browser and stop the thread."""
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=60)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=60)

    def __enter__(self) -> PdfService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PdfPrinter:
    """:class:`PdfService` with one tab, printing one file at a time::

        with PdfPrinter() as printer:
            printer.print(Path("report.html"), Path("report.pdf"))
    """

    def __init__(self, executable: str | None = None, timeout_ms: int = 60_000):
        self.executable = executable or chromium_path()
        self.timeout_ms = timeout_ms
        self._service: PdfService | None = None

    def __enter__(self) -> PdfPrinter:
        self._service = PdfService(concurrency=1, executable=self.executable,
                                   timeout_ms=self.timeout_ms)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
            self._service = None

    def print(self, html_path: Path, pdf_path: Path) -> Path:
        """Print ``html_path`` to ``pdf_path`` (A4, backgrounds, page numbers in the footer)."""
        if self._service is None:
            raise PdfError("PdfPrinter used outside its with-block")
        return self._service.submit(Path(html_path), Path(pdf_path)).result().path
