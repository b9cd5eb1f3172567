"""A subset of the report font for printing: the same glyphs, a fifth of the file.

Chromium copies the whole font file of every font a document uses each time it prints it
(the page's drawing is recorded with its fonts for the PDF): Noto Sans CJK SC, the report
font, lives in 19–20 MB collections (``fonts-noto-cjk``), and a one-line Chinese page costs
0.17 CPU-s and some 49,500 page faults to print against 0.04 s and 9,000 with a 3.5 MB subset
(measured with ``perf stat``; ``README.md``, Performance).

So the printing browser is given, once built and cached on the machine, a subset of Noto Sans
CJK SC Regular and Bold holding ASCII, Latin-1, general punctuation, letter-like, number and
maths forms, the CJK punctuation and full-width forms, and the 7,445 characters of GB 2312
(GB/T 2312-1980: every character of the plan and of the reports), under a family of its own
(:data:`FAMILY`, found through its own fontconfig file), and each report written into a tab
names it first (:func:`prefer_subset`): a character it holds is drawn from the subset, any
other from Noto Sans CJK SC as before — the same outlines, metrics and pixels, only read from
a smaller file (``tests/runner/test_print_fonts.py``). (An ``@font-face`` rule cannot do it:
Chromium keeps an installed family's own font whatever rule names it.)

The subset is built by fontTools (a matplotlib dependency) in about 25 CPU-seconds, once, in a
low-priority background process started by the first print that finds none (the prints go on
with the installed font meanwhile); it lives in the user's cache folder, keyed by the source
files. Nothing is built when the source fonts are missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The installed report font (Debian ``fonts-noto-cjk``): weight → (file, face in it).
SOURCES = {
    400: ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular"),
    700: ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold"),
}
#: The family the reports name (``reports/nzc_report/report.css``).
REPORT_FAMILY = "Noto Sans CJK SC"
#: The subset's family and PostScript names.
FAMILY = "NZC Print Sans SC"
POSTSCRIPT = {400: "NZCPrintSansSC-Regular", 700: "NZCPrintSansSC-Bold"}
#: Bump when the character set or the build changes.
BUILD_VERSION = "2"
#: A build older than this (seconds) holding the lock is taken to have died.
STALE_LOCK = 600


def characters() -> list[int]:
    """The subset's characters: ASCII, Latin-1, general punctuation, super- and subscripts
    (CO₂), letter-like and number forms, arrows and maths signs of the reports, CJK symbols and
    punctuation, full-width forms, and GB 2312."""
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x20A0))
    chars |= set(range(0x2100, 0x2200)) | set(range(0x2200, 0x2300)) | set(range(0x2460, 0x2500))
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(ord(bytes([first, second]).decode("gb2312")))
    return sorted(chars)


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/nzc-review/print-fonts`` (``~/.cache`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nzc-review" / "print-fonts"


def _key() -> str | None:
    """The build's folder name: the sources' paths, sizes and times, and :data:`BUILD_VERSION`;
    ``None`` when a source font is missing."""
    parts = [BUILD_VERSION]
    for path, face in SOURCES.values():
        try:
            stat = os.stat(path)
        except OSError:
            return None
        parts.append(f"{path}:{face}:{stat.st_size}:{int(stat.st_mtime)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def ready() -> Path | None:
    """The folder of a complete build for the installed fonts (the two subsets and their
    ``fonts.conf``), or ``None``."""
    key = _key()
    if key is None:
        return None
    folder = cache_root() / key
    return folder if (folder / "fonts.conf").is_file() else None


_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.IGNORECASE | re.DOTALL)
_REPORT_FAMILY = re.compile(r"""(["'])Noto Sans CJK SC\1""")


def prefer_subset(html: str) -> str:
    """``html`` with :data:`FAMILY` named before ``Noto Sans CJK SC`` wherever a style element
    names that family (the text of the report is left alone)."""
    def family(match: re.Match) -> str:
        quote = match.group(1)
        return f"{quote}{FAMILY}{quote}, {match.group(0)}"

    return _STYLE.sub(lambda m: m.group(1) + _REPORT_FAMILY.sub(family, m.group(2)) + m.group(3),
                      html)


def build(folder: Path | None = None) -> Path | None:
    """Build the subset into the cache (atomically: a complete folder or none); the folder,
    or ``None`` when a source font is missing."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    key = _key()
    if key is None:
        return None
    folder = folder or cache_root() / key
    if (folder / "fonts.conf").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=folder.parent))
    try:
        codes = characters()
        for weight, (path, face) in SOURCES.items():
            fonts = TTCollection(path).fonts
            font = next(f for f in fonts if f["name"].getDebugName(6) == face)
            options = subset.Options()
            options.notdef_outline = True
            options.hinting = True
            options.name_IDs = ["*"]
            options.name_languages = ["*"]
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=codes)
            subsetter.subset(font)
            for record in font["name"].names:
                if record.nameID in (1, 16):
                    record.string = FAMILY
                elif record.nameID == 4:
                    record.string = f"{FAMILY} {'Bold' if weight == 700 else 'Regular'}"
                elif record.nameID == 6:
                    record.string = POSTSCRIPT[weight]
            font.save(work / f"{POSTSCRIPT[weight]}.otf")
        (work / "fonts.conf").write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            "<fontconfig>\n  <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>\n"
            f"  <dir>{folder}</dir>\n</fontconfig>\n", encoding="utf-8")
        try:
            work.rename(folder)
        except OSError:  # built meanwhile by another process
            if not (folder / "fonts.conf").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def build_in_background() -> None:
    """Start :func:`build` in a detached, low-priority process, unless a build is under way
    (a lock file younger than :data:`STALE_LOCK`) or the source fonts are missing."""
    if _key() is None:
        return
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = root / ".building"
        with contextlib.suppress(FileNotFoundError):
            if time.time() - lock.stat().st_mtime > STALE_LOCK:
                lock.unlink()
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        os.close(fd)
    except OSError:
        return
    code = ("import os, sys\nos.nice(19)\nfrom pathlib import Path\n"
            "from nzc_review.runner import print_fonts\n"
            "try:\n    print_fonts.build()\nfinally:\n    Path(sys.argv[1]).unlink(missing_ok=True)\n")
    try:
        subprocess.Popen([sys.executable, "-c", code, str(lock)], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    except OSError:
        lock.unlink(missing_ok=True)


if __name__ == "__main__":  # pragma: no cover - `python -m nzc_review.runner.print_fonts`
    print(build() or "the report font (fonts-noto-cjk) is not installed")
