"""The exception hierarchy of nzc-review: one base class, errors that carry where and what.

Every error a user can cause (a bad file, a bad value, a bad factor table) is an
:class:`NzcError`; the command line prints its message and exits with status 2, never a
traceback.
"""

from __future__ import annotations


class NzcError(Exception):
    """Base class of every error nzc-review raises on purpose."""


class InputError(NzcError):
    """Bad user input, located precisely.

    Parameters
    ----------
    source:
        The file (or other source) the input came from, e.g. ``app.yaml``.
    problems:
        One or more ``(location, message)`` pairs; ``location`` is a dotted field path
        (``indicators.YQ-03.target``), a sheet reference (``指标!F7``) or empty.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]] | str):
        if isinstance(problems, str):
            problems = [("", problems)]
        self.source = source
        self.problems = list(problems)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        lines = []
        for location, text in self.problems:
            where = f"{self.source}: {location}: " if location else f"{self.source}: "
            lines.append(where + text)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message


class CatalogError(NzcError):
    """The policy catalog (or a user's override of it) is malformed."""
