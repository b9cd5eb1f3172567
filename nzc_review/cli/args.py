"""Argument types and option groups shared by the ``nzc-review`` subcommands.

A type (``type=`` callable of argparse) raises :class:`argparse.ArgumentTypeError` with one
sentence; argparse prints it after the option's name and exits with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable

CSV_HELP = (
    "output format; in csv a text beginning with = + - @, a tab or a carriage return gets a "
    "leading ' so that spreadsheets show it as text, never as a formula (OWASP CSV Injection)"
)


def whole_number(minimum: int) -> Callable[[str], int]:
    """The argument type of a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, got {value}")
        return value

    parse.__name__ = f"whole_number_from_{minimum}"
    return parse


#: A whole number of at least 1 (counts, versions, limits).
positive_int = whole_number(1)
#: A whole number of at least 0 (a pool that may be empty).
non_negative_int = whole_number(0)


def positive_seconds(text: str) -> float:
    """A number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected more than 0 seconds, got {value:g}")
    return value


def draws_count(text: str) -> int:
    """``--draws``: a whole number from 1 to the ``draws`` input limit (memory grows with it,
    :mod:`nzc_review.limits`)."""
    from nzc_review.limits import active

    value = positive_int(text)
    if value > active().draws:
        raise argparse.ArgumentTypeError(f"at most {active().draws:,} draws (input limit), "
                                         f"got {value:,}")
    return value


def iso_date(text: str) -> str:
    """A calendar date written ``YYYY-MM-DD`` (ISO 8601), returned in that form."""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def add_run_options(p: argparse.ArgumentParser, *, per: str = "report",
                    max_workers: int | None = None) -> None:
    """``--workers``, ``--no-pdf``, ``--timeout`` and ``--quiet`` of a command that renders
    notebooks (:func:`nzc_review.runner.jobs.run_notebook_jobs`); ``per`` names what one
    notebook makes, ``max_workers`` caps the default number of notebooks run at once."""
    cores = os.cpu_count() or 1
    cap = f", at most {max_workers}" if max_workers else ""
    p.add_argument("--workers", type=positive_int,
                   default=min(cores, max_workers) if max_workers else cores,
                   help=f"notebooks run at once (default: the number of cores{cap})")
    p.add_argument("--no-pdf", action="store_true", help="skip PDF printing")
    p.add_argument("--timeout", type=positive_seconds, default=300.0,
                   help=f"seconds allowed per {per} (default 300)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
