"""Shared fixtures: paths, applications, review sessions, the browser and its pages; the
markers ``requires_chromium`` and ``requires_libreoffice``. The builders themselves are plain
modules in ``tests/fixtures/`` (``bench/`` uses them too)."""

from __future__ import annotations

import functools
import gc
from pathlib import Path

import pytest

from tests.fixtures import CHROMIUM, EXAMPLES, ROOT, chromium_expected, in_ci
from tests.fixtures.applications import minimal_app, write_data
from tests.fixtures.office import libreoffice
from tests.fixtures.pages import Pages
from tests.fixtures.sessions import build_meeting, build_panel, copy_session

__all__ = ["CHROMIUM", "EXAMPLES", "ROOT", "SEED", "chromium_expected", "in_ci", "minimal_app"]

SEED = ROOT / "docs" / "policy" / "hechi-2023-23.txt"

# The tests make millions of short-lived objects (openpyxl cells, widgets, pydantic models),
# so Python's cyclic garbage collector runs thousands of times a run, each full collection
# walking every object the imported modules hold: some 15 % of the run's CPU. Collected less
# often (every 10,000 new containers instead of 700), and with what collection imported frozen
# out of its walks (gc.freeze, https://docs.python.org/3/library/gc.html#gc.freeze), it costs
# a third of that; no test depends on when garbage is collected.
gc.set_threshold(10_000, 10, 10)


def pytest_collection_finish(session):
    gc.freeze()


def pytest_itemcollected(item):
    """Keep together, on one xdist worker and in file order, the tests of a module that share a
    module- or class-scoped fixture: they may build on what an earlier test of the module did
    (an expert submits, then the chair aggregates). Every other test is distributed on its own
    (``make test-fast`` runs ``--dist loadgroup``)."""
    defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    if any(fixture[-1].scope in ("module", "class") for fixture in defs.values()):
        item.add_marker(pytest.mark.xdist_group(item.module.__name__))


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


@pytest.fixture(autouse=True)
def _one_parser_a_test(monkeypatch):
    """``main([...])`` builds the whole ``nzc-review`` parser on every call (some 30 ms of
    argparse, which a command pays once a process); a test that runs several commands builds
    it once, at its first command: after the test's own monkeypatching, so the parser calls
    the command functions then in force. Building the parser is tested on its own
    (``tests/cli/test_cli_structure.py``)."""
    import nzc_review.cli.main as cli

    build, built = cli.build_parser, []

    @functools.wraps(build)
    def build_once():
        if not built:
            built.append(build())
        return built[0]

    monkeypatch.setattr(cli, "build_parser", build_once)


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


@pytest.fixture(scope="session")
def _session_templates(tmp_path_factory):
    """The sessions of :func:`meeting_session` and :func:`panel_session`, each built once a
    run (and closed), to be copied (:func:`tests.fixtures.sessions.copy_session`)."""
    folder = tmp_path_factory.mktemp("templates")
    built = {}

    def template(name, build):
        if name not in built:
            built[name] = build(folder / name)
            built[name].store.close()
        return built[name]

    return template


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo session of ``serve --demo``, made once a run and with its evaluation cache
    filled as ``serve`` fills it before it starts
    (:func:`nzc_review.evaluation.cache.warm_session_cache`): copy it
    (:func:`tests.fixtures.sessions.copy_demo`)."""
    from nzc_review.evaluation.cache import warm_session_cache
    from nzc_review.ui.demo import create_demo_session

    demo = create_demo_session(tmp_path_factory.mktemp("templates") / "demo")
    warm_session_cache(demo.dir)
    return demo


@pytest.fixture
def meeting_session(tmp_path, _session_templates):
    """The store tests' review session (:func:`tests.fixtures.sessions.build_meeting`),
    closed after the test."""
    session = copy_session(_session_templates("meeting", build_meeting), tmp_path / "session")
    yield session
    session.store.close()


@pytest.fixture
def panel_session(tmp_path, _session_templates):
    """The meeting tests' review session of the park example
    (:func:`tests.fixtures.sessions.build_panel`), closed after the test."""
    session = copy_session(_session_templates("panel", build_panel), tmp_path / "meeting")
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
