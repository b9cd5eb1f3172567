"""The programme dashboard in a real browser: Debian's Chromium (Playwright) against
``nzc-review serve --programme DIR`` with the bureau's token it prints. Under CI these run, not
skip. A screenshot goes to ``out/screenshots/``."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from openpyxl import load_workbook

from tests.conftest import ROOT
from tests.fixtures.programme_dashboard import BY_TYPE, PILOT, build_programme
from tests.fixtures.serving import Serve

SHOTS = ROOT / "out" / "screenshots"
pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("programme-serve")
    folder = build_programme(root / "register", root / "inputs")
    with Serve(None, "--programme", str(folder), "--pool-size", "1",
               log=root / "serve.log").start(timeout=180) as served:
        yield served


def test_the_bureau_sees_the_programme(server, pages, tmp_path):
    link = server.link("市生态环境局")
    assert "/voila/render/programme_dashboard.ipynb?token=" in link
    page = pages.open(link)
    page.get_by_text(re.compile(r"申报项目 6 个")).wait_for(timeout=90_000)
    page.wait_for_function("() => !document.querySelector('.nzc-loading-note')", timeout=10_000)
    # the panel's title is the first thing on the page: no stray output above it
    first = page.evaluate("() => (document.body.innerText || '').trim().split('\\n')"
                          ".find(l => l.trim()) || ''")
    assert first.startswith("试点项目总览（主管部门）")
    body = page.inner_text("body")
    for label, n in BY_TYPE:
        assert re.search(f"{label}\\s+{n}\\n", body), label
    assert "停滞 4 个" in body  # every day after 2024-08-19: four wait more than 60 days
    assert "QY-03 可再生能源消费比重" in body and "预警" in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "programme_dashboard.png"), full_page=True)

    # a filter recounts; the export is what is shown
    page.locator("select").nth(1).select_option(label="金城江区")
    page.get_by_text(re.compile(r"申报项目 3 个")).wait_for(timeout=30_000)
    page.get_by_role("button", name="导出 Excel").click()
    with page.expect_download() as download:
        page.locator("a.nzc-export-link").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("试点项目总览-") and saved.suffix == ".xlsx"
    wb = load_workbook(saved)
    ids = {r[0].value for r in wb["申报项目"].iter_rows(min_row=2)}
    assert ids == {PILOT, "DEMO-2024-QY-001", "DEMO-2024-XY-001"}
    about = dict((r[0].value, r[1].value) for r in wb["说明"].iter_rows(min_row=2))
    assert about["筛选条件"] == "县（市、区）：金城江区"
    assert pages.external == [], f"the dashboard loaded from the network: {pages.external}"


def test_without_the_token_the_page_is_refused_in_chinese(server, pages):
    base = server.url("/voila/render/programme_dashboard.ipynb")
    for url in (base, base + "?token=" + "A" * 32):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=30)
        assert refused.value.code == 403
        text = refused.value.read().decode("utf-8")
        assert "令牌" in text and "DEMO-" not in text
    page = pages.open(base + "?token=wrong")
    assert "访问令牌无效" in page.inner_text("body")
    assert "DEMO-" not in page.content()
    # the bureau's token opens no page of a review meeting
    token = server.link("市生态环境局").split("token=")[1]
    page = pages.open(server.url(f"/voila/render/chair_dashboard.ipynb?token={token}"))
    assert "未配置评审会" in page.inner_text("body")
