"""The self-check page's logic without a browser (nzc_review.ui.self_check): where uploads go,
what is kept, what the page shows."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import openpyxl
import pytest

from nzc_review.intake.upload import UploadRules
from nzc_review.ui import self_check as sc
from nzc_review.ui.self_check import (
    INTERNAL_ERROR,
    MAX_PDF_LINK_BYTES,
    REPORT_FAILED,
    ReportFiles,
    SelfCheckPanel,
    SelfCheckSession,
    kept_name,
    visitor_folder,
)
from tests.conftest import EXAMPLES
from tests.fixtures.workbooks import edit

GOOD = EXAMPLES / "park-pass.xlsx"


def _damaged(folder: Path) -> bytes:
    """The park example workbook with a text in YQ-03's target (指标!H7)."""
    path = folder / "damaged.xlsx"
    path.write_bytes(GOOD.read_bytes())
    return edit(path, lambda wb: wb["指标"].__setitem__("H7", "十二")).read_bytes()


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A visitor's folder, a folder that must stay untouched, and the current folder (also
    untouched)."""
    work = tmp_path / "work"
    work.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return work, elsewhere, cwd


def test_without_keep_dir_nothing_is_written_outside_the_visitors_folder(places):
    work, elsewhere, cwd = places
    damaged = _damaged(elsewhere)
    before = _files(elsewhere.parent)
    session = SelfCheckSession(work)
    received = session.receive("../../申报.xlsx", GOOD.read_bytes())
    assert received.kept is None and received.result.readable
    assert received.path == work / "upload-1.xlsx"  # the visitor's name is never a path
    assert received.path.read_bytes() == GOOD.read_bytes()
    assert oct(received.path.stat().st_mode & 0o777) == "0o600"
    bad = session.receive("damaged.xlsx", damaged)
    assert not bad.result.readable and not bad.path.exists()  # no report will read it
    new = _files(elsewhere.parent) - before
    assert new == {received.path}
    assert not any(cwd.iterdir())
    session.close()
    assert not work.exists()


def test_a_visitors_folder_holds_only_the_latest_upload_and_its_report(places):
    work, _, _ = places
    session = SelfCheckSession(work)
    first = session.receive("a.xlsx", GOOD.read_bytes())
    second = session.receive("b.xlsx", GOOD.read_bytes())
    for number in (1, 2):
        (work / "reports" / f"upload-{number}").mkdir(parents=True)
        (work / "reports" / f"upload-{number}" / "evaluation.html").write_text("x")
    session.prune(second.number)
    assert not first.path.exists() and second.path.exists()
    assert [p.name for p in (work / "reports").iterdir()] == ["upload-2"]
    session.close()


def test_with_keep_dir_each_accepted_upload_is_kept_once_inside_it(places, tmp_path):
    work, elsewhere, _ = places
    keep = tmp_path / "kept"
    keep.mkdir()
    session = SelfCheckSession(work, keep)
    damaged = _damaged(elsewhere)
    received = session.receive("园区/../../申报 V2.xlsx", damaged)
    kept = list(keep.iterdir())
    assert kept == [received.kept] and kept[0].parent == keep
    assert kept[0].read_bytes() == damaged
    assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{6}-申报_V2\.xlsx", kept[0].name)
    # refused uploads are neither stored nor kept
    for name, data in (("a.pdf", b"%PDF"), ("a.xlsx", b"x" * 2000)):
        with pytest.raises(sc.UploadRefused):
            SelfCheckSession(work, keep, UploadRules(max_bytes=1000)).receive(name, data)
    assert len(list(keep.iterdir())) == 1
    assert list(work.iterdir()) == []  # the damaged upload went once checked
    session.close()
    assert len(list(keep.iterdir())) == 1  # what was kept stays when the page closes


def test_a_keep_dir_gone_does_not_stop_the_check(places, tmp_path):
    work, elsewhere, _ = places
    keep = tmp_path / "gone"
    keep.mkdir()
    session = SelfCheckSession(work, keep)
    keep.rmdir()
    received = session.receive("a.xlsx", _damaged(elsewhere))
    assert received.kept is None and received.result.items
    assert not keep.exists()


def test_kept_names_stay_inside_the_folder_whatever_the_visitors_name():
    when = dt.datetime(2024, 6, 30, 2, 3, 4, 5, tzinfo=dt.UTC)
    for name in ("../../etc/passwd", "..\\..\\win.ini", "/abs/路径/申报.xlsx", "....", "",
                 "a\x00b", "名" * 300):
        kept = kept_name(name, ".xlsx", when)
        assert "/" not in kept and "\\" not in kept and "\x00" not in kept and ".." not in kept
        assert kept.startswith("20240630T020304000005Z-") and kept.endswith(".xlsx")
        assert len(kept) < 80
    assert kept_name("....", ".yaml", when).endswith("-申报文件.yaml")


def test_a_visitors_folder_is_new_and_folders_of_dead_kernels_are_swept(tmp_path):
    dead = tmp_path / "visitor-999999999-abc"
    dead.mkdir()
    (dead / "upload-1.xlsx").write_bytes(b"x")
    alive = tmp_path / f"visitor-{os.getpid()}-other"
    alive.mkdir()
    other = tmp_path / "not-a-visitor"
    other.mkdir()
    folder = visitor_folder(tmp_path)
    assert folder.parent == tmp_path and folder.name.startswith(f"visitor-{os.getpid()}-")
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert not dead.exists() and alive.exists() and other.exists()


# --- the page's widgets ------------------------------------------------------------------------


@pytest.fixture
def panel(places):
    work, _, _ = places
    page = SelfCheckPanel(SelfCheckSession(work, rules=UploadRules(max_bytes=200_000)),
                          background=False)
    yield page
    page.close()


def test_a_damaged_workbook_shows_its_cells_and_starts_no_report(panel, places):
    _, elsewhere, _ = places
    received = panel.handle("damaged.xlsx", _damaged(elsewhere))
    assert "1 处填写错误" in panel.status.value
    assert "指标!H7（目标值，YQ-03）" in panel.checklist.value
    assert "应填写数字，实际为“十二”。" in panel.checklist.value
    assert panel.report.value == "" and panel.pdf.value == "" and received is not None


def test_refused_and_failed_uploads_are_said_in_chinese_never_as_a_traceback(panel, monkeypatch):
    panel.handle("big.xlsx", b"PK\x03\x04" + b"\0" * 300_000)
    assert "文件过大" in panel.status.value and panel.checklist.value == ""

    def broken(name, data):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(panel.session, "receive", broken)
    panel.handle("a.xlsx", b"x")
    assert INTERNAL_ERROR in panel.status.value
    assert "RuntimeError" not in panel.status.value and "Traceback" not in panel.status.value


def test_the_report_is_shown_framed_with_its_pdf_link(panel, places, monkeypatch, tmp_path):
    html = tmp_path / "evaluation.html"
    html.write_text("<html><body><h1>评估报告 <script>x</script></h1></body></html>",
                    encoding="utf-8")
    pdf = tmp_path / "evaluation.pdf"
    pdf.write_bytes(b"%PDF-1.7 test")
    seen = []

    def report(received, on_html=None):
        on_html(ReportFiles(html=html))
        seen.append(received.number)
        return ReportFiles(html=html, pdf=pdf)

    monkeypatch.setattr(panel.session, "report", report)
    panel.handle("园区.xlsx", GOOD.read_bytes())
    assert seen == [1] and "已读取“园区.xlsx”：DEMO-2024-YQ-001" in panel.status.value
    assert "<iframe class='nzc-report'" in panel.report.value and "sandbox=''" in panel.report.value
    assert "<script>" not in panel.report.value  # the report is inside srcdoc, escaped
    assert "download='DEMO-2024-YQ-001-申报评估报告.pdf'" in panel.pdf.value
    assert "data:application/pdf;base64," in panel.pdf.value

    pdf.write_bytes(b"0" * (MAX_PDF_LINK_BYTES + 1))
    panel.handle("园区.xlsx", GOOD.read_bytes())
    assert "无法在本页面直接下载" in panel.pdf.value and "data:" not in panel.pdf.value

    monkeypatch.setattr(panel.session, "report",
                        lambda received, on_html=None: ReportFiles(html=html, pdf_note="没有 PDF"))
    panel.handle("园区.xlsx", GOOD.read_bytes())
    assert "没有 PDF" in panel.pdf.value and "nzc-report" in panel.report.value

    def failing(received, on_html=None):
        raise RuntimeError("kernel died")

    monkeypatch.setattr(panel.session, "report", failing)
    panel.handle("园区.xlsx", GOOD.read_bytes())
    assert REPORT_FAILED in panel.report.value and "kernel died" not in panel.report.value


def test_a_later_upload_replaces_what_an_earlier_report_would_show(panel, places, tmp_path):
    html = tmp_path / "old.html"
    html.write_text("<p>旧报告</p>", encoding="utf-8")
    received = panel.handle("damaged.xlsx", _damaged(places[1]))
    stale = panel.generation
    panel.handle("again.xlsx", _damaged(places[1]))
    panel._show(stale, received, ReportFiles(html=html), None)
    assert "旧报告" not in panel.report.value


def test_the_empty_template_of_a_type_can_be_downloaded(panel, tmp_path):
    import base64
    import html

    panel.template_type.value = "campus"
    link = panel.template_link.value
    assert "download='近零碳排放校园申报模板.xlsx'" in link
    href = html.unescape(re.search(r"href='([^']*)'", link)[1])
    data = base64.b64decode(href.split("base64,", 1)[1])
    path = tmp_path / "模板.xlsx"
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    assert "指标" in wb.sheetnames and wb["指标"]["A5"].value == "XY-01"
    panel.template_type.value = ""
    assert panel.template_link.value == ""


def test_a_printer_that_fails_leaves_the_html_and_a_chinese_note(tmp_path):
    from nzc_review.runner.pdf import PdfError

    class Broken:
        def wait_ready(self):
            raise PdfError("cannot start Chromium")

    pdf, note = SelfCheckSession._print(Broken(), tmp_path / "evaluation.html")
    assert pdf is None and note.startswith("PDF 未能生成") and "Chromium" not in note


def test_the_page_takes_its_settings_from_serve_and_fails_in_chinese(monkeypatch, tmp_path):
    monkeypatch.setenv(sc.WORK_ENV, str(tmp_path))
    monkeypatch.setenv(sc.KEEP_ENV, str(tmp_path / "kept"))
    monkeypatch.setenv(sc.MAX_BYTES_ENV, "4096")
    work, keep, rules = sc._settings()
    assert (work, keep, rules.max_bytes) == (tmp_path, tmp_path / "kept", 4096)
    monkeypatch.setenv(sc.MAX_BYTES_ENV, "lots")
    assert sc._settings()[2] == UploadRules()

    def broken(root=None):
        raise OSError("no space left")

    monkeypatch.setattr(sc, "visitor_folder", broken)
    widget = sc.self_check_panel()
    assert "申报自查页面暂时无法打开" in widget.value and "OSError" not in widget.value


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_a_good_example_gets_the_batch_report_and_its_pdf(tmp_path, monkeypatch):
    from nzc_review.runner import pdf as pdf_module

    work = tmp_path / "work"
    work.mkdir()
    session = SelfCheckSession(work)
    try:
        session.start_kernel()
        received = session.receive("park.xlsx", GOOD.read_bytes())
        assert received.result.readable
        shown = []
        files = session.report(received, on_html=shown.append)
        html = files.html.read_text(encoding="utf-8")
        assert "近零碳排放区试点申报评估报告" in html and "DEMO-2024-YQ-001" in html
        assert shown and shown[0].html == files.html  # the HTML is handed over before the PDF
        assert files.pdf is not None and files.pdf.read_bytes().startswith(b"%PDF")
        assert work in files.html.parents and work in files.pdf.parents

        # without Chromium: the HTML, and a Chinese note instead of the PDF
        def missing(*args, **kwargs):
            raise pdf_module.PdfError("Chromium not found")

        monkeypatch.setattr(pdf_module, "PdfService", missing)
        again = session.report(session.receive("park.xlsx", GOOD.read_bytes()))
        assert again.pdf is None and "未安装 Chromium" in again.pdf_note
        assert "DEMO-2024-YQ-001" in again.html.read_text(encoding="utf-8")
    finally:
        session.close()
    assert not work.exists()
