"""``nzc-review catalog``, ``factors`` and ``schema``: the reference data the evaluation uses.

* ``catalog`` — the indicator tables 表1–表5 of 河环发〔2023〕23号 (指标体系);
* ``factors`` — the emission factors with their sources (排放因子), with a user's overrides;
* ``schema`` — the JSON Schema of an application file (``nzc-application/1``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

from nzc_review.cli.args import CSV_HELP
from nzc_review.cli.output import EXIT_OK, console, print_json
from nzc_review.files.excel_safety import csv_row
from nzc_review.policy import catalog


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
        print_json(rows)
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

    out = console()
    for pilot_type in [args.type] if args.type else catalog.PILOT_TYPES:
        out.print(catalog_table(pilot_type))
    return EXIT_OK


def cmd_factors(args: argparse.Namespace) -> int:
    from nzc_review.evaluation.factors import factors_table, load_factors

    rows = factors_table(load_factors(override=args.factors))
    if args.format == "json":
        print_json(rows)
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(csv_row(row) for row in rows)
    else:
        from nzc_review.present.terminal import factors_table_view

        console().print(factors_table_view(rows))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from nzc_review.policy.application import json_schema

    print_json(json_schema())
    return EXIT_OK


def register(subparsers) -> None:
    """Add the ``catalog``, ``factors`` and ``schema`` subcommands."""
    p = subparsers.add_parser("catalog", help="list the indicator tables 表1–表5 (指标体系)")
    p.add_argument("--type", choices=catalog.PILOT_TYPES, help="one pilot type only")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help=CSV_HELP)
    p.set_defaults(func=cmd_catalog)

    p = subparsers.add_parser("factors",
                              help="list the emission factors with their sources (排放因子)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help=CSV_HELP)
    p.add_argument("--factors", metavar="CSV", help="your own factor file merged over the defaults")
    p.set_defaults(func=cmd_factors)

    p = subparsers.add_parser("schema", help="print the JSON Schema of nzc-application/1")
    p.set_defaults(func=cmd_schema)
