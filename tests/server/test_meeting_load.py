"""A review meeting opening at once, in a real browser: Debian's Chromium (Playwright, one
browser context per person) against ``nzc-review serve`` with its pre-heated kernels sized
from the session. Every page becomes interactive and shows its panel first (no stray output
above it), no kernel output is lost, and once the pages close the kernels fall back to the
pool. The loading page speaks Chinese and says when the server is busy. Under CI these run,
not skip.
"""

from __future__ import annotations

import asyncio
import re
import textwrap
import time

import pytest

from nzc_review.ui.demo import create_demo_session
from tests.conftest import CHROMIUM
from tests.fixtures.serving import Serve, Voila, panel_paths, write_notebook

pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]
HEADERS = {"expert": "专家评审", "chair": "组长看板"}
READY = {"expert": "已载入", "chair": "评审进度"}
LOADING = "正在加载评审面板…"
BUSY = "服务器繁忙，评审面板仍在加载"


@pytest.fixture(scope="module")
def meeting(tmp_path_factory):
    """A session of 7 experts, a chair and a secretary served with pools sized from it."""
    folder = tmp_path_factory.mktemp("meeting") / "session"
    demo = create_demo_session(folder, more_experts=4)
    with Serve(folder).start(timeout=240) as server:
        # warm: each pool says it is filled once its kernels finished their first cell
        server.wait_for(r"Kernel pool of \S+ is filled", count=2, timeout=240)
        plan = re.search(r"专家评审 (\d+)，组长看板 (\d+)，候选项目分析 (\d+)", server.output())
        pool = sum(int(n) for n in plan.groups())
        people = [(role, server.url(path)) for _, role, path in panel_paths(demo)]
        yield {"server": server, "people": people, "pool": pool}


async def _open_all(people: list[tuple[str, str]]) -> list[dict]:
    from playwright.async_api import async_playwright

    from nzc_review.runner.pdf import CHROMIUM_ARGS

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for _role, _url in people:
            context = await browser.new_context(viewport={"width": 1366, "height": 900},
                                                locale="zh-CN")
            pages.append((context, await context.new_page()))
        started = time.perf_counter()

        async def visit(page, role: str, url: str) -> dict:
            result = {"role": role}
            try:
                await page.goto(url, wait_until="commit", timeout=120_000)
                await page.get_by_text(READY[role]).first.wait_for(timeout=120_000)
                select = page.locator(".widget-dropdown select").first
                await select.wait_for(state="visible", timeout=30_000)
                result["enabled"] = await select.is_enabled()
                result["seconds"] = time.perf_counter() - started
                await page.wait_for_function(  # the loading note goes with the first widget
                    "() => !document.querySelector('.nzc-loading-note')", timeout=10_000)
                result["first"] = await page.evaluate(
                    "() => (document.body.innerText || '').trim().split('\\n')"
                    ".find(l => l.trim()) || ''")
            except Exception as exc:  # noqa: BLE001 - reported by the test
                result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            return result

        results = await asyncio.gather(*(visit(page, role, url) for (_, page), (role, url)
                                         in zip(pages, people, strict=True)))
        for context, page in pages:
            await page.close(run_before_unload=True)  # as a person closing the tab
            await context.close()
        await browser.close()
    return results


async def _explorer_first_text(url: str) -> str:
    from playwright.async_api import async_playwright

    from nzc_review.runner.pdf import CHROMIUM_ARGS

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.goto(url, wait_until="commit", timeout=120_000)
        await page.locator(".jupyter-widgets").first.wait_for(timeout=120_000)
        await page.wait_for_function("() => !document.querySelector('.nzc-loading-note')",
                                     timeout=10_000)
        text = await page.evaluate("() => (document.body.innerText || '').trim()"
                                   ".split('\\n').find(l => l.trim()) || ''")
        await page.close(run_before_unload=True)
        await browser.close()
    return text


def test_eight_pages_at_once_all_become_interactive_and_give_their_kernels_back(meeting):
    people = meeting["people"]
    assert len(people) == 8
    results = asyncio.run(_open_all(people))
    failed = [r for r in results if "error" in r or not r.get("enabled")]
    assert not failed, failed
    for r in results:  # the panel's header is the first thing on the page: no stray output
        assert r["first"].startswith(HEADERS[r["role"]]), r
    assert "Timeout waiting for IOPub output" not in meeting["server"].output()
    # closing the pages gives their kernels back: the pool, and nothing more
    deadline = time.monotonic() + 45
    while True:
        kernels = meeting["server"].kernels()
        if len(kernels) <= meeting["pool"] or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert len(kernels) <= meeting["pool"], (len(kernels), meeting["pool"])
    # the explorer (its kernel started when opened) shows its title first as well
    chair = next(url for role, url in people if role == "chair")
    explorer = chair.replace("chair_dashboard.ipynb", "explorer.ipynb")
    assert asyncio.run(_explorer_first_text(explorer)).startswith("候选项目分析")


SLOW_PANEL = textwrap.dedent("""
    import time
    import ipywidgets as w
    time.sleep(6)
    w.HTML("<h2>慢速面板</h2>")
""")


@pytest.fixture
def slow_voila(tmp_path):
    """Voila with the panels' template serving a notebook that takes 6 s to show its
    widget."""
    write_notebook(tmp_path / "slow.ipynb", SLOW_PANEL)
    with Voila(tmp_path) as voila:
        yield voila.render("slow.ipynb")


def test_a_slow_page_says_it_is_loading_then_that_the_server_is_busy(slow_voila):
    # a browser of its own (not conftest's module-wide one): the other test drives Chromium
    # through Playwright's asyncio API, which cannot run beside a live sync one
    from playwright.sync_api import sync_playwright

    from nzc_review.runner.pdf import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="zh-CN")
        page.clock.install()
        page.goto(slow_voila, wait_until="commit")
        page.get_by_text(LOADING).first.wait_for(timeout=60_000)
        assert "Running" not in page.inner_text("body")  # Voila's English text is gone
        page.clock.fast_forward(21_000)  # 21 s later, still loading
        page.get_by_text(BUSY).first.wait_for(timeout=10_000)
        page.get_by_text("慢速面板").wait_for(timeout=90_000)
        page.wait_for_function("() => !document.querySelector('.nzc-loading-note')",
                               timeout=10_000)
        assert LOADING not in page.inner_text("body") and BUSY not in page.inner_text("body")
        browser.close()
