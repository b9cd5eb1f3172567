"""A headless Chromium driven over the Chrome DevTools Protocol, on a pipe: what printing needs.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands on its file
descriptor 3 and writes replies and events on 4, each message a JSON text ended by a NUL byte
(Chrome DevTools Protocol, "Remote debugging over a pipe"). Driving it directly costs no
second program: Playwright's driver (a Node.js process relaying every message, about 1.8
CPU-seconds to start and 0.07 per printed report) is not needed to print. Only what a print
uses is switched on in the browser (the ``Page`` domain's events, no network or console
tracking).

:class:`Browser` starts the process (in a session of its own, so that it and its children
can be killed together), sends commands (:meth:`Browser.send`) and hands over events
(:meth:`Browser.expect`); it runs on an asyncio event loop. A closed or crashed browser fails
every pending command with :class:`DevToolsError`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import json
import os
import shutil
import signal
import tempfile
import time
from typing import Any

from nzc_review.errors import NzcError
from nzc_review.files.short_tmp import short_tmpdir

#: The switches Chromium is started with, beyond the caller's: those Playwright starts it
#: with (``chromiumSwitches`` and the headless defaults of Playwright 1.5x), so that a report
#: prints exactly as it did when Playwright drove the browser — the colour profile and the
#: media features a page sees — and no background work (updates, sync, field trials,
#: networking) runs beside the prints.
LAUNCH_SWITCHES = (
    "--disable-field-trial-config",
    "--disable-background-networking",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-back-forward-cache",
    "--disable-breakpad",
    "--disable-component-extensions-with-background-pages",
    "--disable-component-update",
    "--no-default-browser-check",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,"
    "HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,"
    "ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,OptimizationHints,"
    "NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch",
    "--enable-features=CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies",
    "--allow-pre-commit-input",
    "--disable-hang-monitor",
    "--disable-ipc-flooding-protection",
    "--disable-popup-blocking",
    "--disable-prompt-on-repost",
    "--disable-renderer-backgrounding",
    "--force-color-profile=srgb",
    "--metrics-recording-only",
    "--no-first-run",
    "--password-store=basic",
    "--use-mock-keychain",
    "--no-service-autorun",
    "--disable-search-engine-choice-screen",
    "--disable-infobars",
    "--disable-sync",
    "--headless",
    "--hide-scrollbars",
    "--mute-audio",
    "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,"
    "availablePointerTypes=4",
    "--no-sandbox",
    "--no-startup-window",
    "--remote-debugging-pipe",
)
#: The generic font families a headless page is given (Playwright's defaults on Linux,
#: ``Page.setFontFamilies``): a character no named font of a report has falls back to the
#: same font as before.
LINUX_FONT_FAMILIES = {"standard": "Times New Roman", "fixed": "Monospace",
                       "serif": "Times New Roman", "sansSerif": "Arial",
                       "cursive": "Comic Sans MS", "fantasy": "Impact"}
#: Seconds a browser is given to close before it is killed.
CLOSE_TIMEOUT = 10.0


class DevToolsError(NzcError):
    """The browser refused a command, could not start, or went away."""


class _Pipe(asyncio.Protocol):
    """Splits what the browser writes into messages (NUL-terminated JSON) for :class:`Browser`."""

    def __init__(self, browser: Browser):
        self.browser = browser
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        start = len(self.buffer)
        self.buffer += data
        end = self.buffer.find(b"\0", start)
        while end >= 0:
            message = bytes(self.buffer[:end])
            del self.buffer[:end + 1]
            self.browser._dispatch(json.loads(message))
            end = self.buffer.find(b"\0")

    def connection_lost(self, exc: Exception | None) -> None:
        self.browser._lost()


def _high_fd(fd: int) -> int:
    """``fd`` moved to a number of 10 or more (close-on-exec), clear of 3 and 4."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Browser:
    """One Chromium process and its protocol pipe; use :meth:`launch`."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.user_data_dir: str | None = None
        self._writer: asyncio.WriteTransport | None = None
        self._reader: asyncio.ReadTransport | None = None
        self._next_id = 0
        self._pending: dict[int, asyncio.Future] = {}
        self._waiters: dict[tuple[str, str | None], list[asyncio.Future]] = {}
        self._closed = False

    @classmethod
    async def launch(cls, executable: str, args: list[str] | tuple[str, ...] = (),
                     env: dict[str, str] | None = None) -> Browser:
        """Start ``executable`` headless, with :data:`LAUNCH_SWITCHES`, ``args``, a new
        profile folder (removed by :meth:`close`) and ``env`` added to the environment.

        Raises
        ------
        DevToolsError
            The program cannot be started or does not answer.
        """
        browser = cls()
        tmpdir = short_tmpdir()  # Chromium makes a socket in it
        browser.user_data_dir = tempfile.mkdtemp(prefix="nzc-chromium-", dir=tmpdir)
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        child_in, child_out = _high_fd(to_browser_r), _high_fd(from_browser_w)
        argv = [executable, *LAUNCH_SWITCHES, *args, f"--user-data-dir={browser.user_data_dir}"]
        try:
            browser.pid = os.posix_spawn(executable, argv, {**os.environ, **(env or {}), "TMPDIR": tmpdir},
                                         setsid=True,
                                         file_actions=[
                                             (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                                             (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                             (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                                             (os.POSIX_SPAWN_DUP2, child_in, 3),
                                             (os.POSIX_SPAWN_DUP2, child_out, 4)])
        except OSError as exc:
            for fd in (to_browser_w, from_browser_r):
                os.close(fd)
            shutil.rmtree(browser.user_data_dir, ignore_errors=True)
            raise DevToolsError(f"{executable}: {exc.strerror or exc}") from None
        finally:
            os.close(child_in)
            os.close(child_out)
        atexit.register(browser._abandon)
        loop = asyncio.get_running_loop()
        browser._reader, _ = await loop.connect_read_pipe(lambda: _Pipe(browser),
                                                          os.fdopen(from_browser_r, "rb", 0))
        browser._writer, _ = await loop.connect_write_pipe(asyncio.Protocol,
                                                           os.fdopen(to_browser_w, "wb", 0))
        try:
            await asyncio.wait_for(browser.send("Browser.getVersion"), timeout=60)
        except BaseException:
            await browser.close()
            raise
        return browser

    @property
    def closed(self) -> bool:
        """Whether the browser has gone (closed, crashed or killed)."""
        return self._closed

    def _dispatch(self, message: dict) -> None:
        if "id" in message:
            future = self._pending.pop(message["id"], None)
            if future is not None and not future.done():
                if "error" in message:
                    error = message["error"]
                    future.set_exception(DevToolsError(error.get("message", str(error))))
                else:
                    future.set_result(message.get("result", {}))
            return
        key = (message.get("method", ""), message.get("sessionId"))
        for future in self._waiters.pop(key, []):
            if not future.done():
                future.set_result(message.get("params", {}))

    def _lost(self) -> None:
        self._closed = True
        error = DevToolsError("the browser closed")
        for future in [*self._pending.values(), *(f for fs in self._waiters.values() for f in fs)]:
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        self._waiters.clear()

    async def send(self, method: str, params: dict[str, Any] | None = None,
                   session: str | None = None) -> dict:
        """The result of one command (to the browser, or to the target of ``session``).

        Raises
        ------
        DevToolsError
            The browser refused the command or has gone.
        """
        if self._closed or self._writer is None:
            raise DevToolsError("the browser closed")
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        try:
            self._writer.write(json.dumps(message).encode() + b"\0")
            return await future
        finally:
            self._pending.pop(message["id"], None)

    def expect(self, method: str, session: str | None = None) -> asyncio.Future:
        """A future of the parameters of the next event ``method`` of ``session``; ask for it
        before sending the command that causes the event."""
        future = asyncio.get_running_loop().create_future()
        if self._closed:
            future.set_exception(DevToolsError("the browser closed"))
        else:
            self._waiters.setdefault((method, session), []).append(future)
        return future

    async def close(self, kill: bool = False) -> None:
        """Close the browser (killing it and its children if it does not close in
        :data:`CLOSE_TIMEOUT` seconds, or at once with ``kill``: a browser that hangs), wait
        for it and remove its profile folder."""
        if kill and self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        elif not self._closed and self._writer is not None:
            with contextlib.suppress(DevToolsError, asyncio.TimeoutError):
                await asyncio.wait_for(self.send("Browser.close"), timeout=CLOSE_TIMEOUT)
        for transport in (self._writer, self._reader):
            if transport is not None:
                transport.close()
        self._closed = True
        if self.pid is not None:
            await asyncio.get_running_loop().run_in_executor(None, _reap, self.pid)
            self.pid = None
        if self.user_data_dir is not None:
            _remove_profile(self.user_data_dir)
            self.user_data_dir = None
        atexit.unregister(self._abandon)

    def _abandon(self) -> None:
        """At interpreter exit, for a browser never closed: end the pipe (Chromium then exits),
        wait for it (killing it if need be) and remove its profile folder."""
        if self._writer is not None:
            with contextlib.suppress(Exception):  # the file, not its descriptor: closed once
                self._writer.get_extra_info("pipe").close()
        if self.pid is not None:
            _reap(self.pid)
            self.pid = None
        if self.user_data_dir is not None:
            _remove_profile(self.user_data_dir)
            self.user_data_dir = None


def _reap(pid: int) -> None:
    """Wait for the browser to exit, killing its session (it and its children) after
    :data:`CLOSE_TIMEOUT` seconds; then end any child of it still running (a renderer or
    zygote that outlived it would go on writing into the profile folder)."""
    deadline = time.monotonic() + CLOSE_TIMEOUT
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            break
        if done:
            break
        time.sleep(0.05)
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # the session's stragglers, if any


def _remove_profile(folder: str) -> None:
    """Remove a profile folder, again for a moment while a process just killed may still be
    writing into it."""
    for _ in range(20):
        shutil.rmtree(folder, ignore_errors=True)
        if not os.path.exists(folder):
            return
        time.sleep(0.05)
