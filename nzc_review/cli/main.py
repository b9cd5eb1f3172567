"""The ``nzc-review`` command line.

Exit status: 0 when every input was processed (whatever the verdicts), 2 when any input is
invalid. Errors go to stderr as ``file: field: message`` lines (and as ``{"error": …}`` on
stdout in JSON mode); never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sqlite3
import sys
from collections.abc import Callable, Sequence

from nzc_review import __version__
from nzc_review.cli.args import positive_int
from nzc_review.errors import InputError, NzcError
from nzc_review.files.excel_safety import csv_row
from nzc_review.policy import catalog

EXIT_OK, EXIT_INVALID = 0, 2


def _console(stream=None):
    from rich.console import Console

    stream = stream or sys.stdout
    width = None if stream.isatty() else 160
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def _print_json(data: object) -> None:
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
    return _plain(_json_default(value), path, replaced)


def _json_default(value: object) -> object:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def draws_count(text: str) -> int:
    """``--draws``: a whole number from 1 to the ``draws`` input limit (memory grows with it)."""
    from nzc_review.limits import active

    value = positive_int(text)
    if value > active().draws:
        raise argparse.ArgumentTypeError(f"at most {active().draws:,} draws (input limit), "
                                         f"got {value:,}")
    return value


# --- catalog ---------------------------------------------------------------------------------


def catalog_rows(pilot_type: str | None) -> list[dict]:
    """The indicator catalog as plain rows (the ``catalog --format json`` contract)."""
    rows = []
    for row in catalog.indicators(pilot_type):
        data = row.model_dump()
        data["rule"] = row.rule.model_dump()
        data["type_zh"] = catalog.INDICATOR_TYPE_ZH[row.type]
        rows.append(data)
    return rows


def cmd_catalog(args: argparse.Namespace) -> int:
    rows = catalog_rows(args.type)
    if args.format == "json":
        _print_json(rows)
        return EXIT_OK
    if args.format == "csv":
        fields = ["code", "pilot_type", "category", "name_zh", "name_en", "unit", "reference",
                  "type", "rule", "note"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                csv_row({**row, "rule": json.dumps(row["rule"], ensure_ascii=False, allow_nan=False)})
            )
        return EXIT_OK
    from nzc_review.present.terminal import catalog_table

    console = _console()
    for pilot_type in [args.type] if args.type else catalog.PILOT_TYPES:
        console.print(catalog_table(pilot_type))
    return EXIT_OK


# --- check -----------------------------------------------------------------------------------


def _load_each(paths: Sequence[str]) -> list[tuple[str, object]]:
    """(path, Application or InputError) for every path, in order."""
    from nzc_review.intake import load_application

    out: list[tuple[str, object]] = []
    for path in paths:
        try:
            out.append((path, load_application(path)))
        except InputError as exc:
            out.append((path, exc))
    return out


def _run_per_file(
    args: argparse.Namespace,
    evaluate: Callable[[object], object],
    show_table: Callable[[object, object], None],
    show_summary: Callable[[list, object], None] | None = None,
) -> int:
    loaded = _load_each(args.files)
    results: list[object] = []
    failed = False
    for path, item in loaded:
        if isinstance(item, InputError):
            failed = True
            print(item.message, file=sys.stderr)
            results.append({"file": path, "error": item.message})
        else:
            results.append(evaluate(item))
    if args.format == "json":
        _print_json(results[0] if len(results) == 1 else results)
    else:
        console = _console()
        for item in results:
            if not isinstance(item, dict):
                show_table(console, item)
        if show_summary and len(results) > 1:
            show_summary(results, console)
    return EXIT_INVALID if failed else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from nzc_review.evaluation.compliance import evaluate_compliance
    from nzc_review.present.terminal import compliance_summary, compliance_view

    return _run_per_file(args, evaluate_compliance, compliance_view, compliance_summary)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from nzc_review.evaluation.pipeline import evaluate_application, evaluation_options
    from nzc_review.present.terminal import evaluation_summary, evaluation_view

    options = evaluation_options(draws=args.draws, seed=args.seed, factors=args.factors,
                                 electricity_scope=args.electricity_scope)
    return _run_per_file(
        args, lambda app: evaluate_application(app, options), evaluation_view, evaluation_summary
    )


def cmd_factors(args: argparse.Namespace) -> int:
    from nzc_review.evaluation.factors import factors_table, load_factors

    rows = factors_table(load_factors(override=args.factors))
    if args.format == "json":
        _print_json(rows)
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(csv_row(row) for row in rows)
    else:
        from nzc_review.present.terminal import factors_table_view

        _console().print(factors_table_view(rows))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from nzc_review.policy.application import json_schema

    _print_json(json_schema())
    return EXIT_OK


# --- entry point ---------------------------------------------------------------------------




CSV_HELP = (
    "output format; in csv a text beginning with = + - @, a tab or a carriage return gets a "
    "leading ' so that spreadsheets show it as text, never as a formula (OWASP CSV Injection)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nzc-review",
        description="近零碳排放区试点评审工具 — review toolkit for near-zero carbon pilots "
        "(河环发〔2023〕23号).",
    )
    parser.add_argument("--version", action="version", version=f"nzc-review {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("catalog", help="list the indicator tables 表1–表5 (指标体系)")
    p.add_argument("--type", choices=catalog.PILOT_TYPES, help="one pilot type only")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help=CSV_HELP)
    p.set_defaults(func=cmd_catalog)

    p = sub.add_parser("check", help="indicator compliance of application files (指标达标核查)")
    p.add_argument("files", nargs="+", metavar="FILE", help="application files (YAML/JSON/Excel .xlsx)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "evaluate",
        help="full automatic evaluation: compliance, eligibility, completeness, accounting, "
        "forecast, risk, cost and the feasibility verdict (可行性评估)",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="application files")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--factors", metavar="CSV", help="your own emission factors (override rows)")
    p.add_argument(
        "--electricity-scope",
        metavar="SCOPES",
        help="grid factor preference, comma-separated (default guangxi,southern_grid,national)",
    )
    p.add_argument("--draws", type=draws_count, default=10_000,
                   help="Monte Carlo draws (at most 100,000, an input limit)")
    p.add_argument("--seed", type=int, default=20231228, help="Monte Carlo seed")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("factors", help="list the emission factors with their sources (排放因子)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help=CSV_HELP)
    p.add_argument("--factors", metavar="CSV", help="your own factor file merged over the defaults")
    p.set_defaults(func=cmd_factors)

    p = sub.add_parser("schema", help="print the JSON Schema of nzc-application/1")
    p.set_defaults(func=cmd_schema)

    from nzc_review.cli.commands import register_all

    register_all(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    json_mode = getattr(args, "format", None) == "json"
    try:
        return args.func(args)
    except NzcError as exc:
        print(str(exc), file=sys.stderr)
        if json_mode:
            _print_json({"error": str(exc)})
        return EXIT_INVALID
    except sqlite3.DatabaseError as exc:
        # the review store turns these into one sentence naming the file; this is the net
        # for any database read outside it (never a traceback)
        message = f"读取评审数据库出错（{type(exc).__name__}），文件可能已损坏，请用备份替换后再试"
        print(message, file=sys.stderr)
        if json_mode:
            _print_json({"error": message})
        return EXIT_INVALID
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
