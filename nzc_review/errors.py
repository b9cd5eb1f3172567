"""The exception hierarchy of nzc-review: one base class, errors that carry where and what.

Every error a user can cause (a bad file, a bad value, a bad factor table) is an
:class:`NzcError`; the command line prints its message and exits with status 2, never a
traceback.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: object) -> str:
    """``text`` with control characters (line breaks, tabs, escape sequences) written as
    escapes (``\\n``, ``\\x1b``), so that a message stays on one line and cannot drive the
    terminal (OWASP Logging Cheat Sheet: neutralise CR/LF in logged input)."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], str(text))


class NzcError(Exception):
    """Base class of every error nzc-review raises on purpose."""


_VALUE_CHARS = 80


def show_value(value: object) -> str:
    """``value`` as it reads in a message: NumPy scalars and arrays as plain Python numbers and
    lists, on one line (:func:`one_line`), cut to 80 characters."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()  # np.float64(1.5) reads 1.5
    elif hasattr(value, "tolist"):
        value = value.tolist()
    text = one_line(repr(value))
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "…"


class FieldError(NzcError):
    """An error located at one field or argument: ``name``, ``value`` and ``reason``.

    The message is built from the three (``weights[1]: must not be negative, got -0.2``), so
    that whoever reports it (a command line naming the file, a panel naming the criterion)
    reads the field from :attr:`name` and the words from :attr:`detail` instead of taking the
    message apart.

    Parameters
    ----------
    reason:
        What is wrong, one sentence without the field's name.
    name:
        The field or argument, e.g. ``bands[pass].lower`` or ``matrix[2, 0]``; ``None`` when
        the error concerns the input as a whole.
    value:
        The offending value; ``None`` when there is none to show.
    """

    def __init__(self, reason: str, *, name: str | None = None, value: object = None):
        self.reason = reason
        self.name = name
        self.value = value
        super().__init__(self.message)

    @property
    def detail(self) -> str:
        """The reason with the offending value, without the field's name."""
        if self.value is None:
            return one_line(self.reason)
        return f"{one_line(self.reason)}, got {show_value(self.value)}"

    @property
    def message(self) -> str:
        """``name: detail`` (the detail alone when there is no name)."""
        return f"{one_line(self.name)}: {self.detail}" if self.name else self.detail

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[object, ...]:
        return _rebuild_field_error, (type(self), self.reason, self.name, self.value)


def _rebuild_field_error(cls: type[FieldError], reason: str, name: str | None,
                         value: object) -> FieldError:
    return cls(reason, name=name, value=value)


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
        """One line per problem, each starting with the file name; control characters (line
        breaks included) shown escaped, so that no line lacks its file; after
        ``reported_problems`` lines (:mod:`nzc_review.limits`) the rest are counted."""
        from nzc_review.limits import active

        cap = active().reported_problems
        source = one_line(self.source)
        lines = []
        for location, text in self.problems[:cap]:
            where = f"{source}: {one_line(location)}: " if location else f"{source}: "
            lines.append(where + one_line(text))
        if len(self.problems) > cap:
            rest = len(self.problems) - cap
            lines.append(f"{source}: … and {rest:,} more problem{'s' if rest > 1 else ''}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message


class CatalogError(NzcError):
    """The policy catalog (or a user's override of it) is malformed."""
