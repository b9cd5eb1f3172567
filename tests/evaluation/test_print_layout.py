"""Printed documents read as documents to be signed: sections flow (no page per section), no
word is broken inside a narrow cell, dates are Chinese days. Rendered with Debian's Chromium
(installed by ``make test``); under CI these run, not skip."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from nzc_review.runner.batch import BatchOptions, run_batch
from tests.conftest import EXAMPLES, ROOT

pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]

#: Pages of the park example's evaluation report when every section started a new page.
PAGES_WITH_A_PAGE_PER_SECTION = 9


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))


def _page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    out = tmp_path_factory.mktemp("print")
    report = run_batch([EXAMPLES / "park-pass.yaml"],
                       BatchOptions(out_dir=out, workers=1, draws=1000, progress=False,
                                    evaluated_on="2026-12-02"))
    assert not report.failed, [r.reason for r in report.failed]
    pdf = next(out.glob("*/evaluation.pdf"))
    return pdf, pdf.with_suffix(".html")


def test_sections_flow_and_the_report_is_shorter(park):
    pdf, _ = park
    pages = _pages(pdf)
    assert pages < PAGES_WITH_A_PAGE_PER_SECTION
    first = _page_text(pdf, 1)
    assert "一、评估结论" in first and "二、指标达标情况" in first  # no page per section
    for heading in ("三、遴选条件与申报材料完整性", "七、自动评审意见（草稿）"):
        assert any(heading in _page_text(pdf, p) for p in range(1, pages + 1))


def test_dates_and_narrow_cells(park):
    pdf, html_path = park
    first = _page_text(pdf, 1)
    assert "评估日期2026年12月2日" in first and "2026-12-02" not in first
    html = html_path.read_text(encoding="utf-8")
    # statuses, indicator types and categories stay whole: 达标 is never split as 达/标
    assert re.search(r"<td class=[\"']nowrap[\"']>核心指标</td>", html)
    css = (ROOT / "reports" / "nzc_report" / "report.css").read_text(encoding="utf-8")
    assert "span.not_met" in css and "break-before: page" not in css
    # a cell may wrap between words, never shrink to one character per line
    assert not re.search(r"(?:td|th)[^{}]*\{[^}]*overflow-wrap: anywhere", html)


def test_cost_curve_labels_are_a_legend():
    import matplotlib

    matplotlib.use("Agg")
    from nzc_review.evaluation.pipeline import evaluate_application
    from nzc_review.intake import load_application
    from nzc_review.present.charts import macc_figure

    ev = evaluate_application(load_application(EXAMPLES / "park-pass.yaml"))
    fig = macc_figure(ev.costs)
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    curve = ev.costs.curve()
    assert len(names) == len(curve) and all(p.name in n for p, n in zip(curve, names, strict=True))
    labels = [t for t in ax.texts]
    assert [t.get_text() for t in labels] == [str(i) for i in range(1, len(curve) + 1)]
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in labels]
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                if boxes[i].overlaps(boxes[j])]
    assert overlaps == []
