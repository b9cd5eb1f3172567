"""The notice and the confirmed list printed to PDF by Debian's Chromium, Chinese text intact."""

from __future__ import annotations

import subprocess

import pytest

from tests.programme.helpers import PARK
from tests.programme.test_cli import ok, refused, reg  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]


def _text(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def test_notice_and_list_are_printed(reg, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "out"
    for step in ("county_approved", "received", "under_review", "recommended"):
        ok(capsys, "advance", reg, PARK, "--to", step)
    ok(capsys, "notice", reg, "--start", "2024-07-01", "--end", "2024-07-10", "--contact",
       "市生态环境局 0778-1234567", "--out", out)
    text = _text(out / "programme_notice.pdf")
    assert "河池市近零碳排放区试点拟确定项目公示" in text and "0778-1234567" in text
    assert "2024年7月1日至2024年7月10日" in text
    ok(capsys, "confirm", reg, "--on", "2024-07-11", "--out", out)
    text = _text(out / "programme_confirmed.pdf")
    assert "正式确定名单" in text and PARK in text
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".pdf") == [
        "programme_confirmed.pdf", "programme_notice.pdf"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    _ = refused
