"""The ``nzc-review`` command line: the parser, the error handling and :func:`main`.

Every subcommand lives in :mod:`nzc_review.cli.commands`. Exit status: 0 when every input was
processed (whatever the verdicts), 2 when any input is invalid. Errors go to stderr as
``file: field: message`` lines (and as ``{"error": …}`` on stdout in JSON mode); never a
traceback.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence

from nzc_review import __version__
from nzc_review.cli.commands import register_all
from nzc_review.cli.output import EXIT_INVALID, EXIT_OK, print_json
from nzc_review.errors import NzcError


def build_parser() -> argparse.ArgumentParser:
    """The ``nzc-review`` parser with every subcommand of :mod:`nzc_review.cli.commands`."""
    parser = argparse.ArgumentParser(
        prog="nzc-review",
        description="近零碳排放区试点评审工具 — review toolkit for near-zero carbon pilots "
        "(河环发〔2023〕23号).",
    )
    parser.add_argument("--version", action="version", version=f"nzc-review {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register_all(sub)
    return parser


def _fail(message: str, json_mode: bool) -> int:
    print(message, file=sys.stderr)
    if json_mode:
        print_json({"error": message})
    return EXIT_INVALID


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nzc-review`` with ``argv`` (default: the process's arguments); the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    json_mode = getattr(args, "format", None) == "json"
    try:
        return args.func(args)
    except NzcError as exc:
        return _fail(str(exc), json_mode)
    except sqlite3.DatabaseError as exc:
        # the review store turns these into one sentence naming the file; this is the net
        # for any database read outside it (never a traceback)
        return _fail(f"读取评审数据库出错（{type(exc).__name__}），文件可能已损坏，请用备份替换后再试",
                     json_mode)
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
