"""The expert's form in a real browser (Debian's Chromium driven by Playwright) against
``nzc-review serve``: nothing typed is lost — a typo does not stop the rest from being saved,
a server restart while typing loses nothing, a returned expert sees the chair's reason, the
page says at once when the connection is gone. Under CI these run, not skip. Screenshots go
to ``out/screenshots/``.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.conftest import ROOT
from tests.fixtures.pages import tab as _tab
from tests.fixtures.serving import Serve

SHOTS = ROOT / "out" / "screenshots"
APP = "DEMO-2024-QY-001"
LOST = "与服务器的连接已中断，您输入的内容已保存在本机浏览器中，连接恢复后请刷新页面"
pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``nzc-review serve`` of a demo session, stopped and started again at will (on the same
    port)."""
    root = tmp_path_factory.mktemp("form")
    with Serve(root / "session", "--pool-size", "1", log=root / "serve.log") as server:
        server.start("--demo", timeout=120)
        yield server


@pytest.fixture
def open_page(pages):
    """Open a link at 1366 × 768 and wait until the panel has loaded."""

    def open_(url: str):
        page = pages.open(url, height=768)
        page.get_by_text("已载入").wait_for(timeout=60_000)
        return page

    return open_


def _review(server, token_link: str):
    """The expert's review as the store holds it."""
    from nzc_review.store import open_store

    token = token_link.split("token=", 1)[1]
    store = open_store(server.folder)
    try:
        return store.my_review(store.authenticate(token), APP)
    finally:
        store.close()


def test_a_typo_in_one_score_does_not_stop_the_opinion_from_being_saved(server, open_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    link = server.link("张明")
    page = open_page(link)
    _tab(page, "评分")
    page.locator(".nzc-f-score-0 input").fill("8O")
    page.locator(".nzc-f-score-1 input").fill("82")
    page.get_by_text("请输入 0–100 之间的数字").wait_for(timeout=10_000)
    assert page.locator(".nzc-f-score-0.nzc-invalid").count() == 1  # marked red
    _tab(page, "评审意见")
    page.locator(".nzc-f-strengths textarea").fill("错字之后写的主要优点。")
    page.get_by_text("未保存：评分『建设基础』不是数字（其余内容已保存").wait_for(timeout=20_000)
    page.screenshot(path=str(SHOTS / "expert_typo_marked.png"))

    page.reload()
    page.get_by_text("已载入").wait_for(timeout=60_000)
    _tab(page, "评审意见")
    assert page.locator(".nzc-f-strengths textarea").input_value() == "错字之后写的主要优点。"
    review = _review(server, link)
    assert review.opinion.strengths == "错字之后写的主要优点。"
    assert review.scores == {"targets": 82}
    # the typo itself was never saved: the page offers it back rather than dropping it
    page.get_by_text("发现未保存到服务器的内容").wait_for(timeout=10_000)
    page.get_by_role("button", name="忽略").click()

    # the AHP view at 1366×768: the consistency line stays in view beside the comparisons
    _tab(page, "权重")
    page.get_by_text("两两比较（AHP）").click()
    cr_line = page.locator(".nzc-cr-line")
    cr_line.wait_for(timeout=20_000)
    page.locator(".widget-hslider").last.scroll_into_view_if_needed()
    box = cr_line.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768
    page.screenshot(path=str(SHOTS / "expert_ahp_1366x768.png"))
    cut = page.evaluate("() => [...document.querySelectorAll('.widget-toggle-button')]"
                        ".filter(b => b.scrollWidth > b.clientWidth).length")
    assert cut == 0  # no toggle label is cut
    page.context.close()


def test_a_returned_expert_sees_the_chairs_reason_without_reloading(server, open_page):
    from nzc_review.store import open_store

    link = server.link("李华")
    page = open_page(link)
    _tab(page, "评分")
    for i in range(6):
        page.locator(f".nzc-f-score-{i} input").fill(str(70 + i))
    _tab(page, "评审意见")
    page.locator(".nzc-f-strengths textarea").fill("基础较好。")
    page.get_by_text("推荐", exact=True).first.click()
    page.get_by_role("button", name="提交评审").click()
    page.get_by_role("button", name="确认提交").click()
    page.get_by_text("专家组评分（已提交 1 位）").wait_for(timeout=30_000)

    store = open_store(server.folder)
    try:
        chair = store.authenticate(server.link("赵立").split("token=", 1)[1])
        expert = store.authenticate(link.split("token=", 1)[1])
        store.reopen(chair, expert.expert_id, APP, "请补充重点项目的资金来源后重新评分")
    finally:
        store.close()
    # the page follows the store: no reload
    page.get_by_text("请补充重点项目的资金来源后重新评分").wait_for(timeout=20_000)
    assert "[草稿]" in page.locator("select").first.inner_text()
    assert page.get_by_role("button", name="提交评审").is_enabled()
    page.screenshot(path=str(SHOTS / "expert_returned.png"))
    page.context.close()


def test_the_server_stops_while_an_expert_types_and_nothing_is_lost(server, open_page):
    link = server.link("王强")
    page = open_page(link)
    _tab(page, "评审意见")
    area = page.locator(".nzc-f-problems textarea")
    area.fill("断线前写的问题；")
    signalled = time.monotonic()
    server.signal_stop()
    banner = page.get_by_text(LOST)
    ended = shown = None
    while time.monotonic() - signalled < 30 and (ended is None or shown is None):
        if ended is None and server.process.poll() is not None:
            ended = time.monotonic()
        if shown is None and banner.is_visible():
            shown = time.monotonic()
        page.wait_for_timeout(100)
    assert ended is not None and shown is not None, "the server did not stop or no banner"
    print(f"server ended {ended - signalled:.1f} s after the stop signal; "
          f"banner {shown - signalled:.1f} s after it")
    assert shown - ended < 3, f"the banner came {shown - ended:.1f} s after the server ended"
    server.stop()
    area.press_sequentially("断线后写的问题。")
    page.screenshot(path=str(SHOTS / "expert_connection_lost.png"))

    server.start(timeout=120)
    page.reload()
    page.get_by_text("已载入").wait_for(timeout=120_000)
    page.get_by_text("发现未保存到服务器的内容").wait_for(timeout=10_000)
    page.screenshot(path=str(SHOTS / "expert_offer_back.png"))
    page.get_by_role("button", name="恢复").click()
    page.get_by_text(re.compile(r"^已保存 \d")).wait_for(timeout=20_000)
    _tab(page, "评审意见")
    assert area.input_value() == "断线前写的问题；断线后写的问题。"
    assert _review(server, link).opinion.problems == "断线前写的问题；断线后写的问题。"
    # saved: the browser's copy is gone, and a reload offers nothing
    page.wait_for_function(
        "() => !Object.keys(localStorage).some(k => k.startsWith('nzc-draft-'))", timeout=5_000)
    page.reload()
    page.get_by_text("已载入").wait_for(timeout=60_000)
    page.wait_for_timeout(1_000)
    assert page.get_by_text("发现未保存到服务器的内容").count() == 0
    page.context.close()
