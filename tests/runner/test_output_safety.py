"""Output-folder safety of every command that writes a folder of results: ``batch``,
``report``, ``accept``/``disclose``/``monitor`` with ``--out`` (:mod:`nzc_review.files.safe_paths`).

Nothing outside the output folder is ever written or removed, nothing inside it the tool did not
write is removed or overwritten, and one bad application never stops the others. Only one test
runs notebooks (one batch, without PDFs); the others are refused before any kernel starts.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import nbformat
import openpyxl
import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.files.safe_paths import (
    MARKER,
    OutputPathError,
    check_out_not_in_inputs,
    child_path,
    publish_dir,
    write_output_file,
)
from nzc_review.intake import load_application
from nzc_review.meeting.opinion.data import OpinionError
from nzc_review.meeting.opinion.reports import check_out_dir
from nzc_review.runner import batch as batch_module
from nzc_review.runner.batch import AppResult, _load, resolve_duplicates
from nzc_review.runner.jobs import NotebookJob, run_notebook_jobs
from tests.conftest import EXAMPLES, ROOT

LIFECYCLE = ROOT / "examples" / "lifecycle"


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative path → content)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _tiny_notebook(folder: Path) -> Path:
    """A one-cell parameterised notebook (runs in a second if a kernel were started)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(x)")]
    path = folder / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


# --- the path rules ------------------------------------------------------------------------------


def test_child_path_is_a_plain_child_of_the_output_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert child_path(out, "DEMO-2024-YQ-001") == out.resolve() / "DEMO-2024-YQ-001"
    for name in (".", "..", "", "a/b", "../x", "/etc", "a\\b", "x\0y"):
        with pytest.raises(OutputPathError, match="不能用作输出文件夹中的文件或文件夹名"):
            child_path(out, name)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "link").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputPathError, match="'link'"):
        child_path(out, "link")


def test_out_may_not_be_or_lie_in_an_input_folder(tmp_path):
    received = tmp_path / "received"
    (received / "A-1").mkdir(parents=True)
    app = received / "A-1" / "application.yaml"
    app.write_text("x", encoding="utf-8")
    for out in (received, received / "sub", received / "A-1"):
        with pytest.raises(OutputPathError) as caught:
            check_out_not_in_inputs(out, [received])
        assert str(out.resolve()) in str(caught.value) and str(received) in str(caught.value)
    with pytest.raises(OutputPathError, match="重叠"):
        check_out_not_in_inputs(received / "A-1", [app])  # the folder of an input file
    check_out_not_in_inputs(tmp_path / "out", [received, app])  # beside the inputs: fine
    check_out_not_in_inputs(tmp_path, [received])  # a parent: its children are guarded
    check_out_not_in_inputs(received / "reports", [received], allowed=[received / "reports"])


def test_publish_replaces_only_a_marked_report_of_the_same_kind(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "APP-1"

    def work(text: str) -> Path:
        folder = out / f".work-{text}"
        folder.mkdir()
        (folder / "evaluation.html").write_text(text, encoding="utf-8")
        return folder

    publish_dir(work("first"), target, "evaluation")
    assert (target / MARKER).is_file() and "evaluation.html" in (target / MARKER).read_text(
        encoding="utf-8")
    publish_dir(work("second"), target, "evaluation")  # an earlier report of the tool: replaced
    assert (target / "evaluation.html").read_text(encoding="utf-8") == "second"
    assert sorted(p.name for p in out.iterdir()) == ["APP-1"], "no work or old folders left"
    # another kind of report of the same id is not deleted to make room
    with pytest.raises(OutputPathError, match="另一种报告"):
        publish_dir(work("opinion"), target, "opinion")
    assert (target / "evaluation.html").read_text(encoding="utf-8") == "second"
    # a file someone added to the report folder is never deleted
    (target / "批注.docx").write_bytes(b"notes")
    with pytest.raises(OutputPathError, match="批注.docx"):
        publish_dir(work("third"), target, "evaluation")
    assert (target / "批注.docx").read_bytes() == b"notes"
    assert (target / "evaluation.html").read_text(encoding="utf-8") == "second"


def test_summary_files_the_tool_did_not_write_are_never_overwritten(tmp_path):
    (tmp_path / "summary.html").write_text("my own summary", encoding="utf-8")
    with pytest.raises(OutputPathError, match="summary.html"):
        write_output_file(tmp_path, "summary.html", "new")
    assert (tmp_path / "summary.html").read_text(encoding="utf-8") == "my own summary"
    write_output_file(tmp_path, "summary.xlsx", b"v1")
    write_output_file(tmp_path, "summary.xlsx", b"v2")  # its own earlier file: replaced
    assert (tmp_path / "summary.xlsx").read_bytes() == b"v2"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- the notebook runner (every command's writer) ------------------------------------------------


def test_unsafe_job_keys_fail_alone_and_touch_nothing(tmp_path):
    parent = tmp_path / "parent"
    out = parent / "out"
    (out / "DONE-1").mkdir(parents=True)
    (parent / "keep.txt").write_text("unrelated", encoding="utf-8")
    (out / "DONE-1" / "notes.txt").write_text("someone's notes", encoding="utf-8")
    before = _tree(parent)
    notebook = _tiny_notebook(tmp_path)
    keys = ["..", ".", "../escape-acceptance", "DONE-1"]
    results = run_notebook_jobs([NotebookJob(key=k, notebook=notebook, parameters={})
                                 for k in keys], out, workers=1, pdf=False, progress=False)
    assert [r.key for r in results] == keys
    assert [r.status for r in results] == ["failed"] * 4
    for r in results[:3]:
        assert f"名称 {r.key!r} 不能用作输出文件夹中的文件或文件夹名" in r.reason
    assert "notes.txt" in results[3].reason and "不会删除" in results[3].reason
    assert _tree(parent) == before
    assert sorted(p.name for p in parent.iterdir()) == ["keep.txt", "out"]


def test_an_output_location_that_is_a_file_is_refused(tmp_path):
    taken = tmp_path / "out"
    taken.write_text("a file", encoding="utf-8")
    with pytest.raises(OutputPathError, match="不是文件夹"):
        run_notebook_jobs([NotebookJob(key="A", notebook=tmp_path / "n.ipynb", parameters={})],
                          taken, pdf=False, progress=False)
    assert taken.read_text(encoding="utf-8") == "a file"


# --- batch -------------------------------------------------------------------------------------


def test_any_error_reading_one_file_is_that_files_failure(tmp_path, monkeypatch):
    """Whatever the reader raises (here: too deep to parse, or a reader bug) becomes the
    file's failure with its name, never the batch's."""
    path = tmp_path / "deep.yaml"
    path.write_text("id: X\n", encoding="utf-8")
    for error, reason in (
        (RecursionError("maximum recursion depth exceeded"), "deep.yaml: 文件嵌套层级过深，无法读取"),
        (KeyError("sheet"), "deep.yaml: 读取或校验时出错（KeyError: 'sheet'）"),
    ):
        def broken(_path, error=error):
            raise error

        monkeypatch.setattr(batch_module, "load_application", broken)
        result = AppResult(source=str(path))
        assert _load(path, result) is None
        assert (result.status, result.reason) == ("failed", reason)


def test_conflicting_ids_fail_both_identical_twins_are_skipped(tmp_path):
    park = load_application(EXAMPLES / "park-pass.yaml")
    other = park.model_copy(update={"name": "另一份申报，编号却相同"})
    loaded = [(Path(name), AppResult(source=name), app) for name, app in
              (("a.yaml", park), ("b.json", other), ("c.xlsx", park))]
    assert resolve_duplicates(loaded) == []
    for _, result, _ in loaded:
        assert result.status == "failed"
        assert "a.yaml" in result.reason and "b.json" in result.reason and "c.xlsx" in result.reason
    twins = [(Path(name), AppResult(source=name), park) for name in ("a.yaml", "a.xlsx")]
    assert resolve_duplicates(twins) == [(Path("a.yaml"), twins[0][1])]
    assert twins[1][1].status == "skipped" and "a.yaml" in twins[1][1].reason


def test_batch_out_inside_the_input_folder_is_refused(tmp_path, capsys):
    received = tmp_path / "received"
    (received / "DEMO-2024-YQ-001").mkdir(parents=True)
    shutil.copy(EXAMPLES / "park-pass.yaml", received / "DEMO-2024-YQ-001" / "application.yaml")
    (received / "DEMO-2024-YQ-001" / "可研报告.pdf").write_bytes(b"%PDF-1.4 report")
    before = _tree(received)
    for out in (received, received / "sub"):
        assert main(["batch", str(received), "--out", str(out), "--no-pdf", "--quiet"]) == 2
        err = capsys.readouterr().err
        assert str(out) in err and str(received) in err and "Traceback" not in err
        assert _tree(received) == before
    assert not (received / "sub").exists()


def test_batch_never_replaces_a_folder_it_did_not_write(tmp_path, capsys):
    """``received/<id>/`` is the application's own folder: ``--out received`` with the file
    named directly must not replace it (refused before any kernel starts)."""
    received = tmp_path / "received"
    (received / "DEMO-2024-YQ-001").mkdir(parents=True)
    app = received / "DEMO-2024-YQ-001" / "application.yaml"
    shutil.copy(EXAMPLES / "park-pass.yaml", app)
    (received / "DEMO-2024-YQ-001" / "可研报告.pdf").write_bytes(b"%PDF-1.4 report")
    before = _tree(received)
    assert main(["batch", str(app), "--out", str(received), "--no-pdf", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "application.yaml" in err and "可研报告.pdf" in err and MARKER in err
    after = _tree(received)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {"summary.html", "summary.xlsx", MARKER}


def test_batch_refuses_a_summary_it_did_not_write_before_any_notebook(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.xlsx").write_bytes(b"the secretary's own workbook")
    code = main(["batch", str(EXAMPLES / "park-pass.yaml"), "--out", str(out), "--no-pdf",
                 "--quiet"])
    assert code == 2
    assert "summary.xlsx" in capsys.readouterr().err
    assert (out / "summary.xlsx").read_bytes() == b"the secretary's own workbook"
    assert sorted(p.name for p in out.iterdir()) == ["summary.xlsx"]


@pytest.mark.slow
@pytest.mark.requires_chromium
def test_batch_bad_ids_duplicates_and_broken_files_never_stop_or_destroy(tmp_path, monkeypatch,
                                                                          capsys):
    """One batch: ids ``.`` and ``..`` (forced past the model, to test the writer alone), a
    1,000-deep YAML, a file whose reader fails unexpectedly, two different files with one id,
    an identical twin, and an id whose folder holds someone's notes; two good applications get
    their reports and the summary lists every file."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    parent = tmp_path / "parent"
    out = parent / "out"
    (out / "DEMO-2024-SQ-001").mkdir(parents=True)
    (out / "DEMO-2024-SQ-001" / "notes.txt").write_text("专家笔记", encoding="utf-8")
    (parent / "keep.txt").write_text("unrelated", encoding="utf-8")
    for name in ("park-pass.yaml", "campus-incomplete.yaml", "region-pass.yaml"):
        shutil.copy(EXAMPLES / name, inputs / name)
    region = yaml.safe_load((EXAMPLES / "region-pass.yaml").read_text(encoding="utf-8"))
    (inputs / "zz-region.json").write_text(
        json.dumps({**region, "name": "冒用编号的申报"}, ensure_ascii=False), encoding="utf-8")
    shutil.copy(EXAMPLES / "community-fail.yaml", inputs / "sq-a.yaml")
    community = yaml.safe_load((EXAMPLES / "community-fail.yaml").read_text(encoding="utf-8"))
    (inputs / "sq-b.json").write_text(json.dumps(community, ensure_ascii=False), encoding="utf-8")
    for name, app_id in (("dot.yaml", "T-DOT"), ("dotdot.yaml", "T-DOTDOT"),
                         ("crash.yaml", "T-CRASH")):
        (inputs / name).write_text(yaml.safe_dump({**region, "id": app_id}, allow_unicode=True),
                                   encoding="utf-8")
    (inputs / "deep.yaml").write_text(
        "format: nzc-application/1\nid: X\nextra: " + "[" * 1000 + "]" * 1000 + "\n",
        encoding="utf-8")
    forced = {"dot.yaml": ".", "dotdot.yaml": ".."}

    def load(path):
        name = Path(path).name
        if name == "crash.yaml":
            raise RuntimeError("reader bug")
        app = load_application(path)
        return app.model_copy(update={"id": forced[name]}) if name in forced else app

    monkeypatch.setattr(batch_module, "load_application", load)
    code = main(["batch", str(inputs), "--out", str(out), "--no-pdf", "--draws", "300",
                 "--workers", "2", "--quiet"])
    captured = capsys.readouterr()
    assert code == 1 and "Traceback" not in captured.err
    assert (parent / "keep.txt").read_text(encoding="utf-8") == "unrelated"
    assert (out / "DEMO-2024-SQ-001" / "notes.txt").read_text(encoding="utf-8") == "专家笔记"
    assert sorted(p.name for p in (out / "DEMO-2024-SQ-001").iterdir()) == ["notes.txt"]
    for app_id in ("DEMO-2024-YQ-001", "DEMO-2024-XY-001"):
        assert (out / app_id / "evaluation.html").stat().st_size > 1000
        assert (out / app_id / MARKER).is_file()
    assert not (out / "DEMO-2024-QY-001").exists(), "a conflicting id is not published"
    assert not list(out.glob(".work-*")) and not list(out.glob(".old-*"))
    ws = openpyxl.load_workbook(out / "summary.xlsx").active
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    status = {name: row[4] for name, row in rows.items()}
    assert status == {
        "campus-incomplete.yaml": "成功", "park-pass.yaml": "成功",
        "deep.yaml": "失败", "crash.yaml": "失败", "dot.yaml": "失败", "dotdot.yaml": "失败",
        "region-pass.yaml": "失败", "zz-region.json": "失败",
        "sq-a.yaml": "失败", "sq-b.json": "跳过",
    }
    reason = {name: row[-1] for name, row in rows.items()}
    assert reason["deep.yaml"].startswith("deep.yaml: ")
    assert re.search("嵌套|nest", reason["deep.yaml"])  # the reader's own words, or ours
    assert reason["crash.yaml"] == "crash.yaml: 读取或校验时出错（RuntimeError: reader bug）"
    assert "'.'" in reason["dot.yaml"] and "'..'" in reason["dotdot.yaml"]
    for name in ("region-pass.yaml", "zz-region.json"):
        assert "重复" in reason[name]
        assert "region-pass.yaml" in reason[name] and "zz-region.json" in reason[name]
    assert "notes.txt" in reason["sq-a.yaml"] and "sq-a.yaml" in reason["sq-b.json"]
    assert "deep.yaml" in (out / "summary.html").read_text(encoding="utf-8")
    last = captured.err.strip().splitlines()[-1]
    for name in ("deep.yaml", "crash.yaml", "dot.yaml", "dotdot.yaml", "region-pass.yaml",
                 "zz-region.json", "sq-a.yaml"):
        assert name in last
    assert "2/10 份成功" in captured.out


# --- report ------------------------------------------------------------------------------------


@pytest.fixture
def fake_session(monkeypatch):
    """``report`` on a stand-in session whose finalized applications are ``ids`` (forced past
    the store, to test the writer alone)."""
    ids: list[str] = []
    monkeypatch.setattr("nzc_review.meeting.opinion.reports.open_session",
                        lambda path: SimpleNamespace(
                            close=lambda: None,
                            session=lambda actor: SimpleNamespace(
                                session_rules=SimpleNamespace(is_acceptance=False))))
    monkeypatch.setattr("nzc_review.meeting.opinion.reports.finalized_applications",
                        lambda store, actor, app_ids: [SimpleNamespace(id=i) for i in ids])
    return ids


def test_report_refuses_an_application_id_that_is_not_a_folder_name(tmp_path, fake_session,
                                                                    capsys):
    """An id ``.`` is refused with a clear message before any notebook runs; nothing around
    the output folder changes."""
    session = tmp_path / "session"
    session.mkdir()
    parent = tmp_path / "parent"
    parent.mkdir()
    (parent / "keep.txt").write_text("unrelated", encoding="utf-8")
    fake_session.append(".")
    code = main(["report", str(session), "--out", str(parent / "out"), "--no-pdf", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "名称 '.' 不能用作输出文件夹中的文件或文件夹名" in err
    assert _tree(parent) == {"keep.txt": b"unrelated"}
    with pytest.raises(OpinionError, match="'..'"):
        check_out_dir(parent / "out", [SimpleNamespace(id="..")])


def test_report_out_inside_the_session_folder_is_refused(tmp_path, fake_session, capsys,
                                                         monkeypatch):
    session = tmp_path / "session"
    session.mkdir()
    (session / "review.sqlite").write_bytes(b"not touched")
    fake_session.append("DEMO-2024-YQ-001")
    for out in (session / "x", session):
        assert main(["report", str(session), "--out", str(out), "--no-pdf"]) == 2
        err = capsys.readouterr().err
        assert "重叠" in err and str(session) in err
    # the session's own reports/ folder (the chair's dashboard writes there) is allowed
    ran = []
    monkeypatch.setattr("nzc_review.meeting.opinion.reports.run_notebook_jobs",
                        lambda jobs, out, **kw: ran.append(out) or [])
    monkeypatch.setattr("nzc_review.meeting.opinion.session.write_session_summary",
                        lambda *args, **kw: {})
    assert main(["report", str(session), "--out", str(session / "reports"), "--no-pdf"]) == 0
    assert ran == [(session / "reports").resolve()]
    assert (session / "review.sqlite").read_bytes() == b"not touched"


# --- accept / disclose / monitor ---------------------------------------------------------------


def test_lifecycle_reports_refuse_an_input_folder_as_out(tmp_path, capsys):
    accepted = tmp_path / "lifecycle" / "acceptance"
    accepted.mkdir(parents=True)
    shutil.copy(LIFECYCLE / "acceptance" / "park-accepted.yaml", accepted / "park.yaml")
    shutil.copytree(EXAMPLES, tmp_path / "applications")  # the file it refers to
    monitoring = tmp_path / "monitoring"
    shutil.copytree(LIFECYCLE / "monitoring", monitoring)
    assert main(["accept", str(accepted / "park.yaml")]) == 0  # valid inputs: only --out is bad
    capsys.readouterr()
    before = {**_tree(accepted), **_tree(monitoring)}
    runs = [
        ["accept", str(accepted / "park.yaml"), "--out", str(accepted)],
        ["disclose", str(monitoring), "--year", "2027", "--out", str(monitoring / "out")],
        ["monitor", str(monitoring), "--report", "--out", str(monitoring)],
    ]
    for argv in runs:
        assert main([*argv, "--no-pdf", "--quiet"]) == 2, argv
        err = capsys.readouterr().err
        assert "重叠" in err and argv[-1] in err
    assert {**_tree(accepted), **_tree(monitoring)} == before
