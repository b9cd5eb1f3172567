"""The per-file loop of the commands that take several input files (``check``, ``evaluate``,
``accept``, ``session import``).

Contract: every file is read in turn; a file that cannot be read is reported on stderr (one
message naming the file and the field) and recorded as ``{"file": path, "error": message}``,
and the other files go on. The exit status is 2 when any file failed, else 0 (README, "Exit
status").
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nzc_review.cli.output import EXIT_INVALID, EXIT_OK, console, print_json
from nzc_review.errors import InputError, NzcError


@dataclass(frozen=True)
class FileOutcome:
    """One input file: what was read from it and the result, or the error message."""

    path: str
    loaded: object = None
    result: object = None
    error: str | None = None

    def shown(self) -> object:
        """The result, or ``{"file": path, "error": message}`` for a file that failed."""
        return self.result if self.error is None else {"file": self.path, "error": self.error}


@dataclass(frozen=True)
class PerFileRun:
    """The outcomes of a per-file loop, in the order of the files."""

    outcomes: list[FileOutcome]

    @property
    def ok(self) -> list[FileOutcome]:
        """The files read and processed."""
        return [o for o in self.outcomes if o.error is None]

    @property
    def status(self) -> int:
        """2 when any file failed, else 0."""
        return EXIT_INVALID if len(self.ok) < len(self.outcomes) else EXIT_OK


def error_message(path: str, exc: NzcError) -> str:
    """The message of a file's error: an :class:`InputError` names its file (and field)
    already; any other error is prefixed with the path."""
    return exc.message if isinstance(exc, InputError) else f"{path}: {exc}"


def run_per_file(
    paths: Sequence[str],
    load: Callable[[str], object],
    process: Callable[[object], object] | None = None,
) -> PerFileRun:
    """``load`` each path, then ``process`` what it read (default: keep it as the result).

    An :class:`~nzc_review.errors.NzcError` raised by ``load`` fails that file only: its
    message is printed on stderr at once and the loop goes on. Errors of ``process`` are not
    about one file (e.g. a bad ``--factors`` table) and end the command as usual.
    """
    outcomes = []
    for path in paths:
        try:
            loaded = load(path)
        except NzcError as exc:
            message = error_message(path, exc)
            print(message, file=sys.stderr)
            outcomes.append(FileOutcome(path, error=message))
            continue
        result = process(loaded) if process else loaded
        outcomes.append(FileOutcome(path, loaded, result))
    return PerFileRun(outcomes)


def show_per_file(
    run: PerFileRun,
    fmt: str,
    show_table: Callable[[object, object], None],
    show_summary: Callable[[list, object], None] | None = None,
) -> int:
    """Print a run and return its exit status.

    ``json``: the one file's result (or error), or the list of them. ``table``: ``show_table``
    for every result, then ``show_summary`` of all the files when there are several.
    """
    shown = [o.shown() for o in run.outcomes]
    if fmt == "json":
        print_json(shown[0] if len(shown) == 1 else shown)
        return run.status
    out = console()
    for outcome in run.ok:
        show_table(out, outcome.result)
    if show_summary and len(shown) > 1:
        show_summary(shown, out)
    return run.status
