"""One rule for the input files of every command that reads folders
(:mod:`nzc_review.files.discover`)."""

from __future__ import annotations

import shutil

from nzc_review.cli.main import main
from nzc_review.files.discover import discover
from nzc_review.files.safe_paths import MARKER
from tests.conftest import ROOT


def test_folders_are_searched_once_in_order_without_hidden_lock_or_output_files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "out" / "P-1").mkdir(parents=True)
    for name in ("b.yaml", "a.JSON", "sub/c.xlsx", ".hidden.yaml", "~$lock.xlsx", "notes.txt",
                 "out/summary.xlsx", "out/P-1/app.yaml"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "out" / MARKER).write_text("P-1\nsummary.xlsx\n", encoding="utf-8")
    named = tmp_path / "notes.txt"
    found = discover([tmp_path, named, tmp_path / "b.yaml"], (".yaml", ".json", ".xlsx"))
    assert found == [tmp_path / "a.JSON", tmp_path / "b.yaml", tmp_path / "sub" / "c.xlsx",
                     named]
    # an output folder named directly is still one written by nzc-review (its marker)
    assert discover([tmp_path / "out"], (".yaml", ".xlsx")) == []
    missing = tmp_path / "missing.yaml"
    assert discover([missing], (".yaml",)) == [missing]


def test_monitor_does_not_read_back_an_output_folder(tmp_path, capsys):
    folder = tmp_path / "monitoring"
    shutil.copytree(ROOT / "examples" / "lifecycle" / "monitoring", folder)
    old = folder / "out" / "P-1"
    old.mkdir(parents=True)
    (old / "broken.yaml").write_text("format: nzc-disclosure/1\npilot: [\n", encoding="utf-8")
    (folder / "out" / MARKER).write_text("P-1\n", encoding="utf-8")
    assert main(["monitor", str(folder), "--format", "json"]) == 0
    assert "broken.yaml" not in capsys.readouterr().err
    (folder / "out" / MARKER).unlink()  # no marker: an input folder like any other
    assert main(["monitor", str(folder), "--format", "json"]) == 2
    assert "broken.yaml" in capsys.readouterr().err
