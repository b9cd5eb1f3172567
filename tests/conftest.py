"""Shared fixtures: paths and small application builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "applications"
SEED = ROOT / "docs" / "policy" / "hechi-2023-23.txt"

#: Debian's Chromium: browser tests and PDF printing. Under CI the browser tests always run
#: (a missing browser fails them); elsewhere they are skipped when it is not installed.
CHROMIUM = "/usr/bin/chromium"
requires_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="needs Debian's chromium (make sysdeps installs it)")


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium per test module, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    from nzc_review.runner.pdf import CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


#: Inputs the fuzz suite (test_fuzz_inputs.py) tried, and those that ended in another exception
#: than the tool's own InputError; reported at the end of the run.
FUZZ = {"tried": 0, "tracebacks": 0}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FUZZ["tried"]:
        terminalreporter.write_line(
            f"fuzz: {FUZZ['tried']:,} inputs tried, {FUZZ['tracebacks']:,} tracebacks"
        )


def minimal_app(pilot_type: str = "park", **fields) -> dict:
    """The smallest valid application of a pilot type, plus ``fields``."""
    prefix = {"region": "QY", "park": "YQ", "community": "SQ", "campus": "XY", "commercial": "SY"}
    data = {
        "format": "nzc-application/1",
        "id": f"T-{prefix[pilot_type]}-1",
        "pilot_type": pilot_type,
        "name": "测试申报",
    }
    data.update(fields)
    return data


@pytest.fixture
def write_app(tmp_path):
    """Write an application dict as YAML (or JSON with suffix='.json'); returns the path."""

    def write(data: dict, name: str = "app.yaml") -> Path:
        path = tmp_path / name
        if name.endswith(".json"):
            import json

            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return write
