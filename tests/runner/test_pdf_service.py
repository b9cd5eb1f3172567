"""The printing service survives a browser that goes away or a report that hangs it.

The printing browser runs in one process (:data:`nzc_review.runner.pdf.PRINT_ARGS`), so a
crash or a hang takes every tab with it: the service must start a new browser and go on, and a
print that failed because the browser went away is tried once more. Debian's Chromium; under
CI these must run, not skip.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from nzc_review.runner.pdf import PdfError, PdfService
from tests.fixtures.pdf import pdf_text

pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]

REPORT = ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>报告</title>"
          "</head><body><h1>近零碳排放区试点申报评估报告</h1><p>{}</p></body></html>")


def _report(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.html"
    path.write_text(REPORT.format(text), encoding="utf-8")
    return path


def test_a_killed_browser_is_started_again_and_printing_goes_on(tmp_path):
    with PdfService(concurrency=2, timeout_ms=30_000) as service:
        first = service.submit(_report(tmp_path, "a", "第一份"), tmp_path / "a.pdf").result()
        assert "第一份" in pdf_text(first.path)
        os.killpg(service._browser.pid, signal.SIGKILL)  # a crash: the browser and its children
        done = [service.submit(_report(tmp_path, f"r{i}", f"第{i}份报告"), tmp_path / f"r{i}.pdf")
                for i in range(4)]
        for i, future in enumerate(done):
            assert f"第{i}份报告" in pdf_text(future.result(timeout=60).path)
        assert service.launched == 2
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_report_that_hangs_the_browser_fails_alone(tmp_path):
    hang = tmp_path / "hang.html"
    hang.write_text("<html><body><p>挂起</p><script>while (true) {}</script></body></html>",
                    encoding="utf-8")
    with PdfService(concurrency=1, timeout_ms=5_000) as service:
        with pytest.raises(PdfError, match="timed out"):
            service.submit(hang, tmp_path / "hang.pdf").result(timeout=60)
        after = service.submit(_report(tmp_path, "b", "之后的报告"), tmp_path / "b.pdf")
        assert "之后的报告" in pdf_text(after.result(timeout=60).path)
        assert service.launched == 2
    assert not (tmp_path / "hang.pdf").exists()
    assert not list(tmp_path.glob(".*.tmp"))
