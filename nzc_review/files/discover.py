"""The input files of a command: files named directly and the files found in folders.

One rule for every command that reads folders (``batch``, ``disclose``, ``monitor``, the
explorer over a folder): a folder is searched recursively, in name order, for files with the
suffixes the command reads; hidden files and Office lock files (``.*``, ``~$*``) are skipped,
and so is every folder written by nzc-review (one holding :data:`~nzc_review.files.safe_paths.MARKER`),
so that outputs are never read back as inputs (:mod:`nzc_review.files.safe_paths`). Each file
is listed once.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from nzc_review.files.safe_paths import MARKER


def in_output_folder(path: Path, root: Path) -> bool:
    """Whether ``path`` lies in a folder written by nzc-review (one holding its marker) below
    ``root`` (``root`` included)."""
    return any((folder / MARKER).is_file() for folder in path.parents
               if folder == root or root in folder.parents)


def discover(inputs: Iterable[str | Path], suffixes: Iterable[str]) -> list[Path]:
    """Files named directly (whatever their suffix) and the files with ``suffixes`` (lower
    case, with the dot) found in folders, in order, once each (by resolved path)."""
    wanted = {s.lower() for s in suffixes}
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in wanted
                and not p.name.startswith((".", "~$")) and not in_output_folder(p, path)
            ))
        else:
            found.append(path)
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p.resolve() if p.exists() else p, None)
    return list(unique)
