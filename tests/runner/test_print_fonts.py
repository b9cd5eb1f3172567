"""Printing with a subset of the report font: the same pages, read from a smaller file.

The subset (:mod:`nzc_review.runner.print_fonts`) holds every character of the plan and of the
reports; a report printed with it has the same text and the same pixels as one printed with
the installed Noto Sans CJK SC, and a smaller PDF (the sign it was used). Debian's Chromium and
fonts-noto-cjk; under CI these must run, not skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nzc_review.runner import print_fonts
from nzc_review.runner.pdf import PdfService
from tests.conftest import EXAMPLES, SEED
from tests.fixtures.pdf import page_images, pdf_text, same_pixels


def test_the_subset_holds_every_character_of_the_plan_and_of_the_catalog():
    held = set(print_fonts.characters())
    texts = [SEED.read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in
              Path(print_fonts.__file__).parents[1].joinpath("policy", "catalog").glob("*.yaml")]
    missing = {c for text in texts for c in text if ord(c) > 0x7F and ord(c) not in held
               and not c.isspace()}
    assert missing == set()


def test_only_the_style_elements_name_the_subset_first():
    html = ("<html><head><style>body { font-family: \"Noto Sans CJK SC\", sans-serif; }\n"
            ".t { font-family: 'Noto Sans CJK SC'; }</style></head>"
            "<body><p>字体：\"Noto Sans CJK SC\"</p></body></html>")
    out = print_fonts.prefer_subset(html)
    assert "font-family: \"NZC Print Sans SC\", \"Noto Sans CJK SC\", sans-serif;" in out
    assert "font-family: 'NZC Print Sans SC', 'Noto Sans CJK SC';" in out
    assert out.endswith("<body><p>字体：\"Noto Sans CJK SC\"</p></body></html>")
    assert print_fonts.prefer_subset(out.replace("NZC Print Sans SC", "X")).count("NZC") == 2


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_a_printer_without_the_subset_starts_building_it_and_prints_meanwhile(tmp_path,
                                                                              monkeypatch):
    started = []
    monkeypatch.setattr(print_fonts, "ready", lambda: None)
    monkeypatch.setattr(print_fonts, "build_in_background", lambda: started.append(True))
    html = tmp_path / "r.html"
    html.write_text("<html><head><meta charset='utf-8'><style>body { font-family: "
                    "'Noto Sans CJK SC'; }</style></head><body>报告</body></html>",
                    encoding="utf-8")
    with PdfService(concurrency=1) as service:
        service.submit(html, tmp_path / "r.pdf").result(timeout=120)
        assert service._subset is False
    assert started == [True] and (tmp_path / "r.pdf").stat().st_size > 1000




@pytest.fixture(scope="module")
def subset_fonts():
    folder = print_fonts.build()  # cached on the machine: built once
    if folder is None:
        pytest.skip("fonts-noto-cjk is not installed")
    return folder


def _print(sources: list[Path], out: Path, *, subset: bool, monkeypatch) -> list[Path]:
    if not subset:
        monkeypatch.setattr(print_fonts, "ready", lambda: None)
        monkeypatch.setattr(print_fonts, "build_in_background", lambda: None)
    out.mkdir()
    with PdfService(concurrency=2) as service:
        assert service._subset is subset
        done = [service.submit(s, out / f"{i}.pdf") for i, s in enumerate(sources)]
        paths = [f.result(timeout=120).path for f in done]
    monkeypatch.undo()
    return paths


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_reports_print_the_same_with_the_subset(subset_fonts, tmp_path, monkeypatch):
    from nzc_review.runner.batch import BatchOptions, run_batch

    report = run_batch([EXAMPLES / "park-pass.yaml", EXAMPLES / "region-pass.yaml"],
                       BatchOptions(out_dir=tmp_path / "html", workers=2, pdf=False,
                                    progress=False))
    sources = [tmp_path / "html" / r.outputs["html"] for r in report.results]
    plain = _print(sources, tmp_path / "plain", subset=False, monkeypatch=monkeypatch)
    small = _print(sources, tmp_path / "subset", subset=True, monkeypatch=monkeypatch)
    for i, (a, b) in enumerate(zip(plain, small, strict=True)):
        text = [pdf_text(p) for p in (a, b)]
        assert text[0] == text[1] and "近零碳排放" in text[0]
        pages_a = page_images(a, tmp_path / f"a{i}", dpi=100)
        pages_b = page_images(b, tmp_path / f"b{i}", dpi=100)
        assert len(pages_a) == len(pages_b) > 3
        for pa, pb in zip(pages_a, pages_b, strict=True):
            assert same_pixels(pa, pb), pa.name
        assert b.stat().st_size < a.stat().st_size  # the subset, not the collection, embedded
