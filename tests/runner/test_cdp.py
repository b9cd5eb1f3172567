"""The DevTools pipe that drives Chromium for printing: messages cut into NUL-terminated JSON
whatever the chunks, replies to their commands, events to whoever waits, every waiter failed
when the browser goes, a program that cannot start said so, and nothing left behind on close.

The browser tests run Debian's Chromium; under CI they must run, not skip.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import psutil
import pytest

from nzc_review.runner.cdp import Browser, DevToolsError, _Pipe
from nzc_review.runner.pdf import chromium_path


def _frames(*messages: dict) -> bytes:
    return b"".join(json.dumps(m, ensure_ascii=False).encode() + b"\0" for m in messages)


def test_replies_and_events_reach_their_waiters_whatever_the_chunks():
    async def scenario():
        browser = Browser()
        loop = asyncio.get_running_loop()
        reply, failed = loop.create_future(), loop.create_future()
        browser._pending.update({1: reply, 2: failed})
        loaded = browser.expect("Page.loadEventFired", "S1")
        other_session = browser.expect("Page.loadEventFired", "S2")
        data = _frames({"id": 1, "result": {"data": "报告" * 5000}},
                       {"method": "Page.loadEventFired", "sessionId": "S1",
                        "params": {"timestamp": 1.5}},
                       {"id": 2, "error": {"code": -32000, "message": "No frame with given id"}})
        pipe = _Pipe(browser)
        for start in range(0, len(data), 777):  # split anywhere, even inside a character
            pipe.data_received(data[start:start + 777])
        assert pipe.buffer == bytearray()
        assert (await reply) == {"data": "报告" * 5000}
        assert (await loaded) == {"timestamp": 1.5}
        with pytest.raises(DevToolsError, match="No frame with given id"):
            await failed
        assert not other_session.done()
        pipe.connection_lost(None)  # the browser went: whoever still waits is told
        with pytest.raises(DevToolsError, match="closed"):
            await other_session
        with pytest.raises(DevToolsError, match="closed"):
            await browser.send("Browser.getVersion")

    asyncio.run(scenario())


def test_a_program_that_cannot_start_is_said_and_leaves_no_profile(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    async def scenario():
        with pytest.raises(DevToolsError, match="no-chromium"):
            await Browser.launch(str(tmp_path / "no-chromium"))

    asyncio.run(scenario())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_a_browser_answers_refuses_and_leaves_nothing_behind_when_closed():
    async def scenario():
        browser = await Browser.launch(chromium_path(), ["--disable-gpu"])
        version = await browser.send("Browser.getVersion")
        assert version["product"].split("/")[0] in {"Chrome", "HeadlessChrome"}
        with pytest.raises(DevToolsError):
            await browser.send("Page.noSuchMethod")
        target = (await browser.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
        session = (await browser.send("Target.attachToTarget",
                                      {"targetId": target, "flatten": True}))["sessionId"]
        await browser.send("Page.enable", session=session)
        loaded = browser.expect("Page.loadEventFired", session)
        await browser.send("Page.navigate", {"url": "data:text/html,<p>近零碳</p>"}, session)
        await asyncio.wait_for(loaded, timeout=60)
        family = {p.pid for p in psutil.Process(browser.pid).children(recursive=True)}
        profile = Path(browser.user_data_dir)
        assert profile.is_dir() and family
        pid = browser.pid
        await browser.close()
        return pid, family, profile

    pid, family, profile = asyncio.run(scenario())
    assert not profile.exists()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    alive = [p for p in family if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert alive == [], "every Chromium process ends with the browser"


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_a_browser_never_closed_goes_with_its_profile_when_python_exits():
    """A program that ends without closing its printer (a report kernel shut down) leaves
    neither a Chromium process nor a profile folder behind."""
    import subprocess
    import sys
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(prefix="cdp-", dir="/tmp"))  # short: Chromium uses it

    code = ("import asyncio\n"
            "from nzc_review.runner.cdp import Browser\n"
            "from nzc_review.runner.pdf import chromium_path\n"
            "browser = asyncio.run(Browser.launch(chromium_path(), ['--disable-gpu']))\n"
            "print(browser.pid, flush=True)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "TMPDIR": str(tmp_path)}, check=True)
    pid = int(done.stdout.split()[0])
    assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr
    tmp_path.rmdir()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_the_browser_starts_from_a_long_temporary_folder(tmp_path, monkeypatch):
    """A ``$TMPDIR`` too long for Chromium's socket path (more than 107 bytes with what
    Chromium adds) does not keep the browser from starting: it is given a short one."""
    import tempfile

    from nzc_review.files.short_tmp import MAX_TMPDIR_CHARS, short_tmpdir

    deep = tmp_path / ("long-temporary-folder-" * 4)
    deep.mkdir()
    assert len(str(deep)) > MAX_TMPDIR_CHARS
    monkeypatch.setenv("TMPDIR", str(deep))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read $TMPDIR again
    assert len(short_tmpdir()) <= MAX_TMPDIR_CHARS

    async def scenario():
        browser = await Browser.launch(chromium_path(), ["--disable-gpu"])
        try:
            return (await browser.send("Browser.getVersion"))["product"]
        finally:
            await browser.close()

    assert "Chrome" in asyncio.run(scenario())
    assert list(deep.iterdir()) == []
