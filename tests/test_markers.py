"""The markers ``requires_chromium`` and ``requires_libreoffice`` (tests/conftest.py): a test
that needs the program is skipped where it is missing, except under CI, where it fails — the
browser, PDF and LibreOffice tests must run there."""

from __future__ import annotations

import pytest

from tests import conftest


class Item:
    """What the hook reads of a collected test: its markers."""

    def __init__(self, *markers: str) -> None:
        self.markers = {name: getattr(pytest.mark, name).mark for name in markers}

    def get_closest_marker(self, name: str):
        return self.markers.get(name)


@pytest.fixture
def nothing_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(conftest, "libreoffice", lambda: None)


@pytest.mark.parametrize("ci", [None, "", "0", "false", "no"])
@pytest.mark.parametrize("marker, what", [("requires_chromium", "chromium"),
                                          ("requires_libreoffice", "LibreOffice")])
def test_missing_program_skips_outside_ci(nothing_installed, monkeypatch, ci, marker, what):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match=f"needs .*{what}"):
        conftest.pytest_runtest_setup(Item("slow", marker))


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
@pytest.mark.parametrize("marker, what", [("requires_chromium", "chromium"),
                                          ("requires_libreoffice", "LibreOffice")])
def test_missing_program_fails_under_ci(nothing_installed, monkeypatch, ci, marker, what):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=f"CI is set but .*{what}.* is missing"):
        conftest.pytest_runtest_setup(Item(marker))


def test_present_program_or_no_marker_runs(nothing_installed, monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    conftest.pytest_runtest_setup(Item("slow"))  # nothing needed: runs
    (tmp_path / "chromium").write_bytes(b"")
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.setattr(conftest, "libreoffice", lambda: "/usr/bin/soffice")
    conftest.pytest_runtest_setup(Item("requires_chromium", "requires_libreoffice"))


def test_the_markers_are_registered(pytestconfig):
    names = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert {"slow", "requires_chromium", "requires_libreoffice"} <= names
