"""The one atomic writer: whole file or nothing, usual permissions, errors that name the file."""

from __future__ import annotations

import os
import stat

import pytest

from nzc_review.errors import InputError
from nzc_review.files import atomic
from nzc_review.files.atomic import write_atomic


def test_new_file_gets_the_usual_permissions_not_a_temporary_files(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "summary.html", "<p>汇总</p>")
    finally:
        os.umask(old)
    assert path.read_text(encoding="utf-8") == "<p>汇总</p>"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("旧版本", encoding="utf-8")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(InputError, match="report.html: cannot write: No space left on device"):
        write_atomic(target, "新版本")
    assert target.read_text(encoding="utf-8") == "旧版本"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_missing_folder_is_the_users_error_unless_the_tool_makes_it(tmp_path):
    with pytest.raises(InputError, match=r"x.xlsx: the folder .*nope does not exist"):
        write_atomic(tmp_path / "nope" / "x.xlsx", b"data", make_parents=False)
    made = write_atomic(tmp_path / "made" / "deep" / "x.txt", "ok")
    assert made.read_text() == "ok"


def test_a_folder_is_not_overwritten(tmp_path):
    (tmp_path / "out.xlsx").mkdir()
    with pytest.raises(InputError, match="out.xlsx: is a folder"):
        write_atomic(tmp_path / "out.xlsx", b"data")
    assert (tmp_path / "out.xlsx").is_dir()


def test_a_private_file_keeps_owner_only_permissions(tmp_path):
    path = write_atomic(tmp_path / "cache.json", "{}", mode=0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
