"""Shared fixtures: paths, applications, review sessions, the browser and its pages; the
markers ``requires_chromium`` and ``requires_libreoffice``. The builders themselves are plain
modules in ``tests/fixtures/`` (``bench/`` uses them too)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import CHROMIUM, EXAMPLES, ROOT, chromium_expected, in_ci
from tests.fixtures.applications import minimal_app, write_data
from tests.fixtures.office import libreoffice
from tests.fixtures.pages import Pages
from tests.fixtures.sessions import build_meeting, build_panel

__all__ = ["CHROMIUM", "EXAMPLES", "ROOT", "SEED", "chromium_expected", "in_ci", "minimal_app"]

SEED = ROOT / "docs" / "policy" / "hechi-2023-23.txt"

#: What a test marked ``requires_<name>`` needs, and how to install it (Debian).
REQUIREMENTS = {
    "requires_chromium": (lambda: Path(CHROMIUM).exists(),
                          f"Debian's chromium ({CHROMIUM}; make sysdeps installs it)"),
    "requires_libreoffice": (lambda: bool(libreoffice()),
                             "LibreOffice (apt-get install libreoffice-calc-nogui)"),
}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test marked ``requires_chromium`` or ``requires_libreoffice`` is skipped when that
    program is missing, except under CI (:func:`in_ci`), where it fails: there the browser,
    PDF and LibreOffice tests must run."""
    for marker, (present, what) in REQUIREMENTS.items():
        if item.get_closest_marker(marker) and not present():
            if in_ci():
                pytest.fail(f"CI is set but {what} is missing: this test must run under CI",
                            pytrace=False)
            pytest.skip(f"needs {what}")


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium per test module, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    from nzc_review.runner.pdf import CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def pages(browser):
    """Pages of the panels, a browser context per person (:class:`tests.fixtures.pages.Pages`);
    closed after the test."""
    opened = Pages(browser)
    yield opened
    opened.close()


@pytest.fixture
def meeting_session(tmp_path):
    """The store tests' review session (:func:`tests.fixtures.sessions.build_meeting`),
    closed after the test."""
    session = build_meeting(tmp_path / "session")
    yield session
    session.store.close()


@pytest.fixture
def panel_session(tmp_path):
    """The meeting tests' review session of the park example
    (:func:`tests.fixtures.sessions.build_panel`), closed after the test."""
    session = build_panel(tmp_path / "meeting")
    yield session
    session.store.close()


#: Inputs the fuzz suite (test_fuzz_inputs.py) tried, and those that ended in another exception
#: than the tool's own InputError; reported at the end of the run.
FUZZ = {"tried": 0, "tracebacks": 0}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FUZZ["tried"]:
        terminalreporter.write_line(
            f"fuzz: {FUZZ['tried']:,} inputs tried, {FUZZ['tracebacks']:,} tracebacks"
        )


@pytest.fixture
def write_app(tmp_path):
    """Write an application dict as YAML (or JSON with suffix='.json'); returns the path."""

    def write(data: dict, name: str = "app.yaml") -> Path:
        return write_data(tmp_path / name, data)

    return write
