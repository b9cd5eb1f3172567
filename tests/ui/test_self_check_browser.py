"""The self-check page (申报自查) in a real browser: Debian's Chromium driven by Playwright
against ``nzc-review serve --self-check``. Under CI this runs, not skips. Screenshots go to
``out/screenshots/``."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from nzc_review.intake import load_application
from nzc_review.intake.excel import write_workbook
from nzc_review.limits import MiB
from tests.conftest import EXAMPLES, ROOT
from tests.fixtures.serving import Serve

SHOTS = ROOT / "out" / "screenshots"
PAGE = "/voila/render/self_check.ipynb"
pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]


def _damaged(folder: Path) -> tuple[Path, str, str]:
    """The park example as the tool's workbook, with a text in YQ-03's target and the
    申报编号 emptied; the file and those two cells."""
    path = folder / "园区申报（待改）.xlsx"
    write_workbook(load_application(EXAMPLES / "park-pass.yaml"), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["指标"]
    col = next(c.column_letter for c in ws[4] if c.value == "target")
    row = next(r[0].row for r in ws.iter_rows(min_row=5) if r[0].value == "YQ-03")
    ws[f"{col}{row}"] = "十二"
    basic = wb["基本信息"]
    id_row = next(r[0].row for r in basic.iter_rows(min_row=5) if r[3].value == "id")
    basic[f"B{id_row}"] = None
    wb.save(path)
    return path, f"指标!{col}{row}", f"基本信息!B{id_row}"


def _upload(page, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator(".nzc-upload").click()
    chooser.value.set_files(str(path))


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _first_line(page) -> str:
    return page.evaluate("() => (document.body.innerText || '').trim().split('\\n')"
                         ".find(l => l.trim()) || ''")


@pytest.fixture
def short_tmp():
    """``serve``'s temporary folder (its work folder is made there), with a short path as a
    system's ``/tmp`` has: kernel and Chromium sockets live under it too, and a socket's path
    holds at most 107 bytes (unix(7))."""
    folder = Path(tempfile.mkdtemp(prefix="nzc-t-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_applicant_checks_a_damaged_then_a_good_workbook(pages, tmp_path, short_tmp):
    SHOTS.mkdir(parents=True, exist_ok=True)
    keep, temp = tmp_path / "kept", short_tmp
    damaged, target_cell, id_cell = _damaged(tmp_path)
    big = tmp_path / "扫描件.xlsx"
    big.write_bytes(b"PK\x03\x04" + bytes(11 * MiB))
    serve = Serve(None, "--self-check", "--keep-dir", str(keep), "--max-pages", "1",
                  log=tmp_path / "serve.log",
                  env={**os.environ, "TMPDIR": str(temp)})
    with serve.start(timeout=180) as served:
        # the review panels are not served in this mode; the page needs no token
        for panel in ("expert_review.ipynb?token=x", "chair_dashboard.ipynb", "explorer.ipynb"):
            status, body = _status(served.url(f"/voila/render/{panel}"))
            assert status == 403 and "评审会面板不在此开放" in body
        assert _status(served.url("/voila/api/contents/"))[0] == 403

        page = pages.open(served.url(PAGE))
        page.get_by_text("上传申报文件").wait_for(timeout=120_000)
        assert _first_line(page) == "申报自查"  # the panel first: no stray output above it
        status, body = _status(served.url(PAGE))  # --max-pages 1: this page is the one
        assert status == 503 and "当前使用申报自查的人数较多" in body

        # a file above the limit is refused in the browser, before it is sent
        _upload(page, big)
        page.get_by_text("文件过大（11 MB），本页面最多接受 10 MB").wait_for(timeout=30_000)

        # the damaged workbook: the checklist names its cells; no report
        _upload(page, damaged)
        page.get_by_text(f"{target_cell}（目标值，YQ-03）").wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert f"{id_cell}（申报编号）" in body and "应填写数字，实际为“十二”。" in body
        assert "“园区申报（待改）.xlsx”中有 2 处填写错误" in body
        assert "文件过大" not in body  # the refusal went with the next file
        assert page.locator("iframe.nzc-report").count() == 0
        page.screenshot(path=str(SHOTS / "self_check_damaged.png"), full_page=True)

        # a good workbook: its checklist, the report embedded, the PDF to download
        _upload(page, EXAMPLES / "park-pass.xlsx")
        page.get_by_text("已读取“park-pass.xlsx”").wait_for(timeout=60_000)
        page.frame_locator("iframe.nzc-report").get_by_text(
            "近零碳排放区试点申报评估报告").wait_for(timeout=120_000)
        link = page.locator("a.nzc-pdf-link")
        link.wait_for(timeout=120_000)
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "DEMO-2024-YQ-001-申报评估报告.pdf"
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
        page.screenshot(path=str(SHOTS / "self_check_report.png"), full_page=True)

        body = page.inner_text("body")
        assert _first_line(page) == "申报自查"
        for stray in ("Traceback", "Error", "Warning", "nzc_review", "True", "False", "None"):
            assert stray not in body, stray
        assert pages.external == [], f"the page loaded from the network: {pages.external}"

        # kept: the two accepted uploads, inside --keep-dir
        kept = sorted(p.name for p in keep.iterdir())
        assert len(kept) == 2 and kept[0].endswith("园区申报_待改.xlsx")
        assert kept[1].endswith("-park-pass.xlsx")

        # the visitor's folder is removed when the page closes (its kernel ends)
        work = next(temp.glob("nzc-self-check-*"))
        visitor = next(work.glob("visitor-*"))
        # only the latest upload and its report: the damaged one went once checked
        assert [p.name for p in visitor.glob("upload-*")] == ["upload-2.xlsx"]
        assert [p.name for p in (visitor / "reports").iterdir()] == ["upload-2"]
        page.close(run_before_unload=True)
        deadline = time.monotonic() + 60
        while visitor.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not visitor.exists()
    assert not work.exists()  # serve removes its work folder when it stops
    log = served.output()
    assert "nzc self-check:" not in log  # nothing went wrong in the page's kernel
    assert not re.search(r'File ".*/nzc_review/', log)
