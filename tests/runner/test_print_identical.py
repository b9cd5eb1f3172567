"""The faster printing path prints the same reports.

A batch writes a self-contained report into a reused tab's document (no navigation), draws the
page numbers as CSS page-margin boxes, renders the HTML without nbconvert's BeautifulSoup pass
and runs the report notebook in three cells. For the five example applications the PDFs are
the same as the ones printed the way every report was printed before — a fresh page navigated
to the HTML file, Chromium's footer template — page for page: the page count, the text of every
page and every pixel at 60 dpi.

These run real kernels and Debian's Chromium; under CI they must run, not skip.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from PIL import Image

from nzc_review.runner.batch import BatchOptions, run_batch
from nzc_review.runner.pdf import (
    FOOTER,
    MARGIN,
    PdfService,
    draws_margin_boxes,
    print_params,
    self_contained,
)
from nzc_review.runner.render import render_html
from tests.conftest import EXAMPLES
from tests.fixtures.pdf import page_images, pdf_text, same_pixels

EXAMPLE_IDS = ("DEMO-2024-QY-001", "DEMO-2024-YQ-001", "DEMO-2024-SQ-001", "DEMO-2024-XY-001",
               "DEMO-2024-SY-001")


# --- pure parts -------------------------------------------------------------------------------


def test_a_report_is_self_contained_when_it_references_only_data_urls_and_fragments():
    assert self_contained("<html><head><style>td { color: #666 }</style></head><body>"
                          "<img alt='图表' src='data:image/png;base64,iVBORw0K'>"
                          "<a href='#s2'>二、指标达标情况</a><p>单位：元/吨</p></body></html>")
    for reference in ("<img src='chart.png'>", '<img alt="x" src="../out/chart.png">',
                      "<link rel=stylesheet href=report.css>", "<img srcset='a.png 2x'>",
                      "<div style=\"background: url('bg.png')\">", "<style>@import 'x.css';</style>",
                      "<a href='DEMO-2024-YQ-001/opinion.pdf'>PDF</a>", "<object data=plot.svg>",
                      "<iframe src = https://example.org/>"):
        assert not self_contained(f"<html><body>{reference}</body></html>"), reference


def test_page_numbers_are_margin_boxes_from_chromium_131_on():
    assert draws_margin_boxes("HeadlessChrome/156.0.8078.114")
    assert draws_margin_boxes("131.0.6778.85")
    assert not draws_margin_boxes("HeadlessChrome/130.0.6723.116")
    assert not draws_margin_boxes("headless")
    css, template = print_params(css_footer=True), print_params(css_footer=False)
    assert not css["displayHeaderFooter"] and css["footerTemplate"] == ""
    assert template["displayHeaderFooter"] and template["footerTemplate"] == FOOTER
    # the numbers Playwright sent for format="A4" and MARGIN (crPdf.ts): the same pages
    assert (css["paperWidth"], css["paperHeight"]) == (8.27, 11.7)
    assert css["marginTop"] == template["marginTop"] == 16 * 3.78 / 96
    assert css["marginBottom"] == 18 * 3.78 / 96 and css["marginLeft"] == 14 * 3.78 / 96


# --- the five examples, printed both ways ----------------------------------------------------


@pytest.fixture(scope="module")
def examples_batch(tmp_path_factory):
    inputs = tmp_path_factory.mktemp("inputs")
    for path in EXAMPLES.glob("*.yaml"):
        shutil.copy(path, inputs / path.name)
    out = tmp_path_factory.mktemp("out")
    report = run_batch([inputs], BatchOptions(out_dir=out, workers=2, draws=1000, progress=False,
                                              evaluated_on="2024-06-30"))
    assert {r.id for r in report.results if r.status == "ok"} == set(EXAMPLE_IDS)
    return Path(report.out_dir)


def _reference_pdf(browser, html: Path, pdf: Path) -> Path:
    """``html`` printed as every report was before: a fresh page navigated to the file,
    Chromium's footer template."""
    page = browser.new_page()
    try:
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.emulate_media(media="print")
        page.pdf(path=str(pdf), format="A4", print_background=True, display_header_footer=True,
                 header_template="<span></span>", footer_template=FOOTER, margin=MARGIN)
    finally:
        page.close()
    return pdf


def _pages_text(pdf: Path) -> list[str]:
    return pdf_text(pdf, "-layout").split("\f")


@pytest.mark.slow
@pytest.mark.requires_chromium
@pytest.mark.parametrize("app_id", EXAMPLE_IDS)
def test_batch_pdf_is_the_reference_print_page_for_page(examples_batch, browser, tmp_path,
                                                        app_id):
    folder = examples_batch / app_id
    html = (folder / "evaluation.html").read_text(encoding="utf-8")
    assert self_contained(html) and html.count("<img") == 3
    reference = _reference_pdf(browser, folder / "evaluation.html", tmp_path / "reference.pdf")
    ours = folder / "evaluation.pdf"
    assert _pages_text(ours) == _pages_text(reference)
    assert "第1页/共" in "".join(_pages_text(ours)[0].split())
    mine, theirs = page_images(ours, tmp_path / "ours"), page_images(reference, tmp_path / "ref")
    assert len(mine) == len(theirs) >= 5
    for a, b in zip(mine, theirs, strict=True):
        assert same_pixels(a, b), a.name


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_report_html_is_the_accessibility_pass_output_without_running_it(examples_batch,
                                                                         monkeypatch):
    """The template's output is the document nbconvert's BeautifulSoup pass would write out, and
    the pass is skipped (it would change nothing); an image without ``alt`` text still gets it."""
    from bs4 import BeautifulSoup
    from nbconvert.exporters import html as nbconvert_html

    from nzc_review.runner.render import _exporter

    nb = nbformat.read(examples_batch / "DEMO-2024-YQ-001" / "evaluation.ipynb", as_version=4)
    expected, _ = _exporter().from_notebook_node(nb)
    parsed = []
    monkeypatch.setattr(nbconvert_html, "BeautifulSoup",
                        lambda *a, **k: parsed.append(a) or BeautifulSoup(*a, **k))
    ours = render_html(nb)
    assert parsed == []
    assert str(BeautifulSoup(ours, features="html.parser")) == expected
    nb.cells[-1].outputs.append(nbformat.v4.new_output(
        "display_data", data={"text/html": "<img src='data:image/png;base64,AAAA'>"}))
    assert "No description has been provided for this image" in render_html(nb)
    assert len(parsed) == 1


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_a_report_that_references_a_file_is_navigated_to(tmp_path, monkeypatch):
    """A report with a relative image is opened from its own file URL, so the image prints;
    a self-contained one is written into the tab without a navigation."""
    from nzc_review.runner.cdp import Browser

    png = tmp_path / "chart.png"
    Image.new("RGB", (120, 60), (46, 125, 50)).save(png)
    linked = tmp_path / "linked.html"
    linked.write_text("<!DOCTYPE html><html lang='zh-CN'><meta charset='utf-8'><body>"
                      "<h1>近零碳排放区试点申报评估报告</h1><img alt='图表' src='chart.png'>"
                      "</body></html>", encoding="utf-8")
    inline = tmp_path / "inline.html"
    inline.write_text("<!DOCTYPE html><html lang='zh-CN'><meta charset='utf-8'><body>"
                      "<h1>近零碳排放区试点申报评估报告</h1></body></html>", encoding="utf-8")
    visited, written = [], []
    original = Browser.send

    async def send(self, method, params=None, session=None):
        if method == "Page.navigate":
            visited.append(params["url"])
        if method == "Page.setDocumentContent":
            written.append(params["html"])
        return await original(self, method, params, session)

    monkeypatch.setattr(Browser, "send", send)
    with PdfService(concurrency=1) as printer:
        printer.submit(inline, tmp_path / "inline.pdf").result(120)
        printer.submit(linked, tmp_path / "linked.pdf").result(120)
    assert visited == [linked.resolve().as_uri()]
    assert written == [inline.read_text(encoding="utf-8")]
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "linked.pdf")],
                            capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) == 3  # two header lines and the chart
    for pdf in ("inline.pdf", "linked.pdf"):
        text = pdf_text(tmp_path / pdf)
        assert "近零碳排放区试点申报评估报告" in text and "第1页/共1页" in "".join(text.split())
