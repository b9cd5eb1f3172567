"""What the ``nzc-review`` commands print, and their exit statuses.

* :func:`console` — a Rich console for tables (160 columns when not a terminal, so that piped
  output does not wrap at 80);
* :func:`print_json` / :func:`strict_json` — strict JSON (RFC 8259): never ``NaN`` or
  ``Infinity``;
* :data:`EXIT_OK`, :data:`EXIT_FAILED`, :data:`EXIT_INVALID` — 0 when every input was processed
  (whatever the verdicts), 1 when an output (a report) could not be produced, 2 for invalid
  input, named in one sentence and never a traceback (README, "Exit status").
"""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def console(stream: TextIO | None = None) -> Console:
    """A Rich console writing to ``stream`` (default stdout), 160 columns when not a terminal."""
    from rich.console import Console

    stream = stream or sys.stdout
    width = None if stream.isatty() else 160
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def print_json(data: object) -> None:
    """Print ``data`` as strict JSON (RFC 8259): never ``NaN`` or ``Infinity``.

    Validation keeps every input finite and within plausible ranges
    (:mod:`nzc_review.limits`), so a non-finite result is a defect; should one appear anyway it
    is written as ``null`` and named in a note on stderr, and the JSON stays valid.
    """
    text, replaced = strict_json(data)
    sys.stdout.write(text + "\n")
    if replaced:
        shown = ", ".join(replaced[:10]) + (f" and {len(replaced) - 10} more"
                                            if len(replaced) > 10 else "")
        print(f"note: {len(replaced)} value(s) were not finite numbers and are written as null: "
              f"{shown}", file=sys.stderr)


def strict_json(data: object, indent: int | None = 2) -> tuple[str, list[str]]:
    """``data`` as strict JSON text and the paths of non-finite numbers written as ``null``.

    Objects with ``to_dict`` and numpy scalars and arrays become plain data first.
    """
    replaced: list[str] = []
    plain = _plain(data, "", replaced)
    text = json.dumps(plain, ensure_ascii=False, indent=indent, allow_nan=False)
    return text, replaced


def _plain(value: object, path: str, replaced: list[str]) -> object:
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        replaced.append(path or "(top)")
        return None
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str | int | float | bool) and k is not None else k:
                _plain(v, f"{path}.{k}" if path else str(k), replaced)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, f"{path}[{i}]", replaced) for i, v in enumerate(value)]
    return _plain(json_default(value), path, replaced)


def json_default(value: object) -> object:
    """Plain data for an object ``json`` cannot write (``json.dumps(default=...)``): its
    ``to_dict()``, or a numpy array's or scalar's value; :class:`TypeError` otherwise."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
