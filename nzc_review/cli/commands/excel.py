"""``nzc-review template`` and ``nzc-review convert``: Excel templates and format conversion.

``template --type T OUT.xlsx`` writes the empty application workbook of a pilot type (申报模板).
``convert IN OUT`` converts an application between YAML, JSON and Excel, by file suffix; the
input is read and validated like ``check`` reads it, so a bad input exits with status 2 and
writes nothing. Outputs are written to a temporary file in the same folder and renamed on
success: never a half-written file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from nzc_review.cli.output import EXIT_OK
from nzc_review.errors import InputError
from nzc_review.policy import catalog
from nzc_review.policy.application import Application

OUTPUT_SUFFIXES = (".json", ".xlsx", ".yaml", ".yml")


def application_data(app: Application) -> dict:
    """An application as plain data in its canonical form (no empty or unset entries).

    ``base_year`` and ``bau_growth_rate`` are always written, so that a converted file states
    them even where they were left at their defaults.
    """
    data = _tidy(app.model_dump(exclude_none=True))
    for key in list(data):
        if data[key] in ({}, []):
            del data[key]
    return data


def _tidy(value: object) -> object:
    """Whole floats as integers (``12000.0`` → ``12000``); the model reads both alike."""
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def yaml_text(app: Application, origin: str = "") -> str:
    """The application as a YAML document (leaf mappings and lists in flow style)."""
    head = f"# {app.format}" + (f", converted by nzc-review from {origin}" if origin else "")
    body = yaml.safe_dump(
        application_data(app),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None,
        width=100,
    )
    return f"{head}\n{body}"


def json_text(app: Application) -> str:
    """The application as a JSON document (years become string keys, as JSON requires)."""
    return json.dumps(application_data(app), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def convert(source: str | Path, target: str | Path) -> Application:
    """Convert an application file to another format, chosen by ``target``'s suffix.

    Returns the application. Raises :class:`~nzc_review.errors.InputError` on a bad input or an
    unsupported output type; ``target`` is then left as it was (absent or unchanged).
    """
    from nzc_review.files.atomic import write_atomic
    from nzc_review.intake import load_application
    from nzc_review.intake.excel import write_workbook

    source, target = Path(source), Path(target)
    suffix = target.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise InputError(
            target.name,
            f"unsupported output type {target.suffix or '(none)'}; expected one of "
            f"{', '.join(OUTPUT_SUFFIXES)}",
        )
    app = load_application(source)
    if suffix == ".xlsx":
        write_workbook(app, target, source=source.name)
    elif suffix == ".json":
        write_atomic(target, json_text(app), make_parents=False)
    else:
        write_atomic(target, yaml_text(app, source.name), make_parents=False)
    return app


def cmd_template(args: argparse.Namespace) -> int:
    from nzc_review.intake.excel import write_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise InputError(out.name, f"the template is an Excel workbook: name it *.xlsx, got {out}")
    write_template(args.type, out)
    print(f"wrote {out} ({catalog.PILOT_TYPE_ZH[args.type]}申报模板)")
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    app = convert(args.input, args.output)
    print(f"wrote {args.output} ({app.id}, {catalog.PILOT_TYPE_ZH[app.pilot_type]})")
    return EXIT_OK


def register(subparsers) -> None:
    """Add the ``template`` and ``convert`` subcommands."""
    p = subparsers.add_parser(
        "template",
        help="write the Excel application template of a pilot type (申报模板)",
        description="Write the empty Excel application workbook of one pilot type: instructions "
        "(填表说明), basic information, indicators, emissions, energy, key projects, schedule, "
        "safeguards, selection conditions and supporting materials.",
    )
    p.add_argument("--type", required=True, choices=catalog.PILOT_TYPES, help="the pilot type")
    p.add_argument("out", metavar="OUT.xlsx", help="the workbook to write")
    p.set_defaults(func=cmd_template)

    p = subparsers.add_parser(
        "convert",
        help="convert an application between YAML, JSON and Excel (格式转换)",
        description="Convert an application file; the formats are chosen by the suffixes "
        "(.yaml/.yml, .json, .xlsx). The input is validated first; on any error nothing is "
        "written and the exit status is 2.",
    )
    p.add_argument("input", metavar="IN", help="application file (.yaml, .yml, .json, .xlsx)")
    p.add_argument("output", metavar="OUT", help="file to write (.yaml, .yml, .json, .xlsx)")
    p.set_defaults(func=cmd_convert)
