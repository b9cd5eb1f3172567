"""What makes a batch fast, and must not make it wrong: PDFs printed in reused tabs of one
browser (each PDF with its own report, a failed or hung print replacing its tab), the stage
profile of every job, the progress line's estimate of the time left, kernels warmed once and
retired when their memory grows, the engine's quick connection.

The printing and kernel tests run Debian's Chromium and real kernels; under CI they must run,
not skip.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nzc_review.runner.jobs import (
    STAGES,
    NotebookJob,
    cell_seconds,
    notebook_stages,
    progress_bar,
    run_notebook_jobs,
)
from nzc_review.runner.kernels import KernelPool
from nzc_review.runner.pdf import PdfError, PdfService
from tests.conftest import ROOT
from tests.fixtures.pdf import pdf_text

# --- PDF printing in reused tabs ------------------------------------------------------------------


def _report(folder: Path, marker: str, pages: int) -> Path:
    """A report of ``pages`` pages whose every paragraph names ``marker``."""
    body = "".join(f"<p>{marker} 第{i}段 近零碳排放区试点申报评估报告</p>" for i in range(pages * 40))
    path = folder / f"{marker}.html"
    path.write_text(f"<!DOCTYPE html><html lang='zh-CN'><meta charset='utf-8'><body>"
                    f"<h1>{marker}</h1>{body}</body></html>", encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_parallel_printing_keeps_each_pdf_with_its_own_report(tmp_path):
    """Six reports of different lengths printed at once in three tabs: every PDF holds its own
    report and no other, and the tabs are reused rather than opened per report."""
    markers = [f"REPORT-{i}" for i in range(6)]
    htmls = [_report(tmp_path, m, pages=1 + (i * 2) % 5) for i, m in enumerate(markers)]
    with PdfService(concurrency=3, tab_uses=2) as printer:
        futures = [printer.submit(h, h.with_suffix(".pdf")) for h in htmls]
        printed = [f.result(timeout=180) for f in futures]
        opened = printer.opened
    for marker, html, result in zip(markers, htmls, printed, strict=True):
        assert result.path == html.with_suffix(".pdf") and result.seconds > 0
        text = pdf_text(result.path)
        assert marker in text
        assert not [other for other in markers if other != marker and other in text]
    assert 3 <= opened < len(markers)  # reused; each tab replaced after its second report
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_a_failed_or_hung_print_leaves_no_pdf_and_its_tab_is_replaced(tmp_path):
    """A missing report and one whose page never finishes loading fail alone, leave no file,
    and the next report, printed in the one slot, is its own."""
    hung = tmp_path / "hung.html"
    hung.write_text("<html><body>HUNG<script>for(;;){}</script></body></html>",
                    encoding="utf-8")
    good = _report(tmp_path, "AFTER-FAILURES", pages=1)
    with PdfService(concurrency=1, timeout_ms=3000) as printer:
        with pytest.raises(PdfError, match="printing to PDF"):
            printer.submit(tmp_path / "missing.html", tmp_path / "missing.pdf").result(60)
        with pytest.raises(PdfError, match="hung.html"):
            printer.submit(hung, tmp_path / "hung.pdf").result(60)
        printed = printer.submit(good, tmp_path / "good.pdf").result(60)
        opened = printer.opened
    assert not (tmp_path / "missing.pdf").exists() and not (tmp_path / "hung.pdf").exists()
    assert not list(tmp_path.glob(".*.tmp"))
    text = pdf_text(printed.path)
    assert "AFTER-FAILURES" in text and "HUNG" not in text
    assert opened == 3  # the first tab failed, its replacement hung, the third printed


def _rich_report(folder: Path, name: str) -> Path:
    """A report like the real ones: the report style sheet, headings, a table and a chart."""
    import base64

    import matplotlib.pyplot as plt

    from nzc_review.present import charts

    charts.cjk_font()
    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.bar(["2022", "2023", "2024"], [85, 82, 80], label="核算排放")
    ax.legend()
    png = base64.b64encode(charts.png_bytes(fig)).decode()
    css = (ROOT / "reports" / "nzc_report" / "report.css").read_text(encoding="utf-8")
    rows = "".join(f"<tr><td class='code'>YQ-{i:02d}</td><td>指标{i} 单位能耗下降</td>"
                   f"<td class='num'>{i * 1.5:.1f}</td></tr>" for i in range(1, 40))
    path = folder / f"{name}.html"
    path.write_text(f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
                    f"<style>{css}</style></head><body><main class='report'>"
                    f"<h1>{name} 近零碳排放区试点申报评估报告</h1><h2>一、评估结论</h2>"
                    f"<p>建设可行性：基本可行</p><h2>二、指标达标情况</h2><table>{rows}</table>"
                    f"<figure><img alt='图表' src='data:image/png;base64,{png}'></figure>"
                    f"</main></body></html>", encoding="utf-8")
    return path


def _pages(pdf: Path, prefix: Path) -> list[bytes]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(prefix)], check=True)
    return [p.read_bytes() for p in sorted(prefix.parent.glob(prefix.name + "-*.png"))]


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_a_reused_tab_prints_the_same_pages_as_a_fresh_full_size_one(tmp_path, browser):
    """The service's tabs (small window, media set once, used before by another report)
    print exactly the pages a fresh page of the default size prints."""
    from nzc_review.runner.pdf import FOOTER

    first, report = _rich_report(tmp_path, "FIRST-1"), _rich_report(tmp_path, "SECOND-2")
    with PdfService(concurrency=1) as printer:
        printer.submit(first, tmp_path / "first.pdf").result(120)
        printer.submit(report, tmp_path / "reused.pdf").result(120)
        assert printer.opened == 1
    page = browser.new_page()
    page.goto(report.as_uri(), wait_until="load")
    page.emulate_media(media="print")
    page.pdf(path=str(tmp_path / "fresh.pdf"), format="A4", print_background=True,
             display_header_footer=True, header_template="<span></span>",
             footer_template=FOOTER,
             margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
    page.close()
    reused = _pages(tmp_path / "reused.pdf", tmp_path / "r")
    assert len(reused) >= 2
    assert reused == _pages(tmp_path / "fresh.pdf", tmp_path / "f")


@pytest.mark.slow
def test_a_browser_that_cannot_start_is_reported_when_waited_for(tmp_path):
    """Chromium starts while the batch does other work; a start that failed is a clear
    error when the batch waits for it, and nothing is left running."""
    printer = PdfService(executable=str(tmp_path / "no-chromium"), wait=False)
    with pytest.raises(PdfError, match="cannot start Chromium"):
        printer.wait_ready()
    assert not printer._thread.is_alive()


# --- the stage profile and the progress line -------------------------------------------------------


def _cell(tags: list[str], start: str | None, end: str | None, duration: float | None = None):
    metadata: dict = {"tags": tags}
    if start and end:
        metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
    if duration is not None:
        metadata["papermill"] = {"duration": duration}
    return {"cell_type": "code", "metadata": metadata}


def test_notebook_stages_count_tagged_cells_and_leave_the_rest_to_the_notebook():
    nb = {"cells": [
        _cell(["parameters"], "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.010Z"),
        _cell(["stage:evaluate"], "2024-01-01T00:00:01.000Z", "2024-01-01T00:00:01.250Z"),
        _cell(["stage:charts"], "2024-01-01T00:00:02.000Z", "2024-01-01T00:00:02.400Z"),
        _cell(["stage:charts"], None, None, duration=0.3),  # no kernel timing: papermill's
        _cell([], "2024-01-01T00:00:03.000Z", "2024-01-01T00:00:03.050Z"),
    ]}
    stages = notebook_stages(nb, run_seconds=2.0)
    assert stages["evaluate"] == pytest.approx(0.25)
    assert stages["charts"] == pytest.approx(0.7)
    assert stages["notebook"] == pytest.approx(2.0 - 0.25 - 0.7)
    assert cell_seconds(_cell([], "2024-01-01T00:00:05Z", "2024-01-01T00:00:04Z")) == 0.0
    assert notebook_stages({"cells": []}, 0.5) == {"notebook": 0.5}


def test_progress_line_shows_done_total_and_time_left():
    stream = io.StringIO()
    bar = progress_bar(10, "评估", stream)
    for key in ("A-1", "A-2", "A-3"):
        bar.set_postfix_str(f"{key} ✔", refresh=False)
        bar.update()
    bar.refresh()
    bar.close()
    last = stream.getvalue().strip().split("\r")[-1]
    assert re.search(r"评估 3/10 份 .*已用 \d\d:\d\d，预计剩余 \d\d:\d\d.*A-3 ✔", last), last
    assert progress_bar(10, "评估", False).disable


def _timed_notebook(folder: Path) -> Path:
    """A notebook whose tagged cells take a known time."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    evaluate = nbformat.v4.new_code_cell("import time\ntime.sleep(0.3)")
    evaluate.metadata["tags"] = ["stage:evaluate"]
    charts = nbformat.v4.new_code_cell("time.sleep(0.2)\nprint(x)")
    charts.metadata["tags"] = ["stage:charts"]
    nb.cells = [params, evaluate, charts]
    path = folder / "timed.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_jobs_report_their_stages_kernel_memory_and_progress(tmp_path, monkeypatch):
    """Three jobs on two pooled kernels, connected by the engine's quick handshake."""
    from nzc_review.runner import engine

    handshakes = []
    original = engine.wait_connected

    async def counted(kc, timeout):
        handshakes.append(kc)
        await original(kc, timeout)

    monkeypatch.setattr(engine, "wait_connected", counted)
    notebook = _timed_notebook(tmp_path)
    stream = io.StringIO()
    results = run_notebook_jobs([NotebookJob(key=f"J-{i}", notebook=notebook,
                                             parameters={"x": i}) for i in range(3)],
                                tmp_path / "out", workers=2, pdf=False, progress=stream)
    assert [r.status for r in results] == ["ok"] * 3, [r.reason for r in results]
    for r in results:
        assert set(r.stages) == set(STAGES)
        assert 0.3 <= r.stages["evaluate"] < 3 and 0.2 <= r.stages["charts"] < 3
        assert r.stages["notebook"] >= 0 and r.stages["html"] > 0 and r.stages["pdf"] == 0
        assert sum(r.stages.values()) <= r.seconds + 0.01
        assert r.kernel_mb is not None and r.kernel_mb > 20
    executed = nbformat.read(tmp_path / "out" / "J-2" / "report.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "2\n"  # the job's own parameter
    assert "3/3 份" in stream.getvalue() and "预计剩余" in stream.getvalue()
    assert len(handshakes) == 3  # papermill's client connected through the engine
    assert all(not kc.channels_running for kc in handshakes)  # and closed after its notebook


# --- kernels: warmed once, retired when they grow --------------------------------------------------


@pytest.mark.slow
def test_a_kernel_that_grew_is_replaced_and_one_that_did_not_is_reused(tmp_path):
    with KernelPool(size=1, warm_code="", cwd=tmp_path, max_growth_mb=60) as pool:
        first = pool.acquire(timeout=120)
        pool.release(first)  # unchanged: reset and handed out again
        again = pool.acquire(timeout=120)
        assert again is first
        pool._run(again, "kept = b'x' * (150 << 20)")  # 150 MB the notebook left behind
        grown = pool.memory_mb(again)
        pool.release(again)
        fresh = pool.acquire(timeout=120)
        assert fresh is not first
        assert pool.retired_for_memory == 1 and pool.started == 2
        assert pool.memory_mb(fresh) < grown - 100
        pool.release(fresh)


@pytest.mark.slow
def test_kernel_warm_up_loads_tables_and_font_but_no_notebook_machinery():
    code = (
        "import json, sys\n"
        "from nzc_review.runner.warmup import warm_kernel\n"
        "warm_kernel()\n"
        "from nzc_review.policy import catalog\n"
        "from matplotlib import font_manager\n"
        "print(json.dumps([catalog.indicator_table.cache_info().currsize,\n"
        "                  catalog.indicator_index.cache_info().currsize,\n"
        "                  font_manager._get_font.cache_info().currsize,\n"
        "                  [m for m in ('papermill', 'nbformat', 'nbclient', 'playwright')\n"
        "                   if m in sys.modules]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True).stdout
    tables, index, fonts, stack = json.loads(out)
    assert tables == 5 and index == 1  # every pilot type's indicator table, and the index
    assert fonts >= 1  # a font file loaded by drawing text
    assert stack == []


def test_notebooks_validate_without_the_iri_grammar():
    code = (
        "import sys\n"
        "from nzc_review.runner.render import skip_iri_grammar\n"
        "skip_iri_grammar()\n"
        "import nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1')])\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['execution_count'] = 'one'\n"
        "try:\n"
        "    nbformat.validate(nb)\n"
        "except nbformat.ValidationError:\n"
        "    print('invalid refused')\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True).stdout.split("\n")
    assert out[:2] == ["invalid refused", "None"]


@pytest.mark.slow
def test_a_kernel_that_cannot_start_fails_its_jobs_alone(tmp_path):
    """Kernels whose warm-up fails: every job fails with the reason in Chinese, nothing is
    left running, and the run ends."""
    notebook = _timed_notebook(tmp_path)
    pool = KernelPool(size=1, warm_code="raise RuntimeError('broken start-up')", cwd=tmp_path)
    try:
        results = run_notebook_jobs([NotebookJob(key=f"K-{i}", notebook=notebook,
                                                 parameters={}) for i in range(2)],
                                    tmp_path / "out", workers=1, pdf=False, progress=False,
                                    pool=pool)
        assert [r.status for r in results] == ["failed", "failed"]
        assert all("Python 内核无法启动" in r.reason and "broken start-up" in r.reason
                   for r in results)
        # each kernel that failed was shut down at once (one more may be starting now)
        assert pool.started >= 2 and len(pool._live) <= 1
    finally:
        pool.close()
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.slow
def test_a_pool_closed_from_two_threads_shuts_every_kernel_once(tmp_path):
    """The batch shuts its kernels down once the last notebook has run, in the background,
    and closes the pool again when the last PDF is printed: the second close waits for the
    first, and every kernel process ends."""
    import threading

    import psutil

    pool = KernelPool(size=2, warm_code="", cwd=tmp_path, starters=2)
    kms = [pool.acquire(timeout=120), pool.acquire(timeout=120)]
    pids = [km.provisioner.process.pid for km in kms]
    for km in kms:
        pool.release(km)
    closer = threading.Thread(target=pool.close)
    closer.start()
    pool.close()
    closer.join(timeout=60)
    assert not closer.is_alive()
    assert not pool._live
    assert not [pid for pid in pids if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
