"""The review meeting in a real browser: Debian's Chromium driven by Playwright against
``nzc-review serve --demo`` (Voila). Under CI these run, not skip. Screenshots go to
``out/screenshots/``.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tests.fixtures.pages import tab as _tab
from tests.fixtures.serving import Serve

SHOTS = ROOT / "out" / "screenshots"
pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``nzc-review serve --demo`` on a free port; yields the participants' links."""
    folder = tmp_path_factory.mktemp("meeting") / "session"
    with Serve(folder, "--demo", "--pool-size", "1").start(timeout=120) as served:
        yield {"port": served.port, "links": served.links, "dir": folder}


def _score(page, values: list[int], opinion: str) -> None:
    _tab(page, "评分")
    boxes = page.get_by_placeholder("0–100")
    for i, value in enumerate(values):
        boxes.nth(i).fill(str(value))
    _tab(page, "评审意见")
    areas = page.locator(".nzc-keep textarea")  # the opinion's fields, once the tab is built
    areas.nth(0).fill(f"{opinion}：基础扎实，重点项目明确。")
    areas.nth(1).fill("部分指标现状值与核算值需核实。")
    areas.nth(2).fill("【五、重点项目】补充项目实施计划。")
    page.get_by_text("推荐", exact=True).first.click()


def test_review_meeting_in_the_browser(server, pages):
    SHOTS.mkdir(parents=True, exist_ok=True)
    links = server["links"]
    experts = [links[k] for k in links if "expert_review" in links[k]]
    chair_link = next(v for k, v in links.items() if k.startswith("赵立"))

    # two experts work at the same time
    a = pages.open(experts[0])
    b = pages.open(experts[1])
    for page in (a, b):
        page.get_by_text("已载入").wait_for(timeout=60_000)
    a.screenshot(path=str(SHOTS / "expert_panel.png"), full_page=True)
    _score(a, [80, 82, 84, 86, 88, 90], "专家A")
    _score(b, [70, 72, 74, 76, 78, 80], "专家B")
    _tab(a, "权重")
    a.locator(".widget-hslider").first.wait_for()
    for page in (a, b):
        page.get_by_text(re.compile(r"^已保存 \d")).wait_for(timeout=30_000)

    # reload: the draft is kept
    a.reload()
    a.get_by_text("已载入").wait_for(timeout=60_000)
    _tab(a, "评分")
    assert a.get_by_placeholder("0–100").nth(0).input_value() == "80"
    assert a.get_by_placeholder("0–100").nth(5).input_value() == "90"

    for page in (a, b):
        page.get_by_role("button", name="提交评审").click()
        page.get_by_role("button", name="确认提交").click()
        page.get_by_text("评审已提交。").wait_for(timeout=30_000)
    b.get_by_text("专家组评分（已提交").wait_for(timeout=30_000)
    b.screenshot(path=str(SHOTS / "expert_submitted.png"), full_page=True)

    # the conflicted expert (same organisation as the community applicant) cannot score it
    c = pages.open(experts[2])
    c.get_by_text("已载入").wait_for(timeout=60_000)
    c.locator("select").first.select_option(index=1)  # DEMO-2024-SQ-001
    c.get_by_text("已回避").wait_for(timeout=30_000)
    assert c.get_by_placeholder("0–100").count() == 0
    c.screenshot(path=str(SHOTS / "expert_recused.png"), full_page=True)

    # the chair sees both, writes the consensus and finalizes
    chair = pages.open(chair_link)
    chair.get_by_text("专家评分汇总（已提交 2 位）").wait_for(timeout=60_000)
    chair.screenshot(path=str(SHOTS / "chair_dashboard.png"), full_page=True)
    consensus = chair.locator("textarea").first
    assert "专家A" in consensus.input_value() and "专家B" in consensus.input_value()
    consensus.fill(consensus.input_value() + "\n专家组认为该项目建设基础较好，同意推荐。")
    chair.locator("select").nth(1).select_option(label="推荐")
    chair.get_by_role("button", name="保存专家组意见").click()
    chair.get_by_text("专家组意见已保存（结论：推荐）").wait_for(timeout=30_000)
    chair.get_by_placeholder("未全部提交时须说明").fill("专家C未参加本项目评审")
    chair.get_by_role("button", name="定稿（锁定）").click()
    chair.get_by_role("button", name="确认定稿").click()  # finalizing asks first
    chair.get_by_text("已定稿并锁定").wait_for(timeout=30_000)
    chair.screenshot(path=str(SHOTS / "chair_finalized.png"), full_page=True)

    # a bad token sees a clear message and no data
    bad = pages.open(re.sub(r"token=.*", "token=not-a-token", experts[0]))
    bad.get_by_text("个人链接无效").wait_for(timeout=60_000)
    assert "DEMO-2024" not in bad.inner_text("body")
    bad.screenshot(path=str(SHOTS / "bad_token.png"))

    assert pages.external == [], f"the panels loaded from the network: {pages.external}"

    from nzc_review.store import Actor, open_store

    store = open_store(server["dir"])
    try:
        operator = Actor.operator("test")
        reviews = [r for r in store.reviews(operator, "DEMO-2024-QY-001")
                   if r.status == "submitted"]
        assert sorted(r.scores["foundation"] for r in reviews) == [70, 80]
        assert store.consensus(operator, "DEMO-2024-QY-001").recommendation == "recommend"
        status = {a.id: a.status for a in store.applications(operator)}
        assert status["DEMO-2024-QY-001"] == "finalized"
    finally:
        store.close()
