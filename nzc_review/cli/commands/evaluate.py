"""``nzc-review check`` and ``nzc-review evaluate``: the automatic evaluation of application
files, one after the other (:mod:`nzc_review.cli.per_file`: a bad file is reported and the
others go on; exit status 2 when any file is invalid).

* ``check`` — indicator compliance (指标达标核查, 河环发〔2023〕23号 表1–表5);
* ``evaluate`` — compliance, eligibility, completeness, accounting, forecast, risk, cost and the
  feasibility verdict (可行性评估).

``--accounting-basis`` and ``--grid-factor`` (:func:`add_basis_options`, also on ``batch``,
``accept`` and ``monitor``) choose the run's accounting basis (DESIGN.md contract 4,
:mod:`nzc_review.evaluation.basis`).
"""

from __future__ import annotations

import argparse

from nzc_review.cli.args import draws_count
from nzc_review.cli.per_file import run_per_file, show_per_file


def add_basis_options(p: argparse.ArgumentParser) -> None:
    """``--accounting-basis location|green_deducted`` and ``--grid-factor held|data_year``."""
    from nzc_review.evaluation.basis import BASES, GRID_FACTORS

    p.add_argument("--accounting-basis", choices=BASES, default=BASES[0],
                   help="accounting basis (核算口径): location (default; purchased electricity "
                   "at the grid factor, green-power purchases reduce nothing) or green_deducted "
                   "(green electricity at zero, the rest at the residual-mix factor)")
    p.add_argument("--grid-factor", choices=GRID_FACTORS, default=GRID_FACTORS[0],
                   help="grid factor of year-on-year comparisons: held (default; every year at "
                   "the base year's factor, 同口径) or data_year (each year's own factor)")


def basis_options(args: argparse.Namespace, factors=None, electricity_scope=None):
    """The :class:`~nzc_review.evaluation.basis.AccountingOptions` of the flags."""
    from nzc_review.evaluation.basis import AccountingOptions

    return AccountingOptions(basis=args.accounting_basis, grid_factor=args.grid_factor,
                             factors=factors, electricity_scope=electricity_scope)


def cmd_check(args: argparse.Namespace) -> int:
    from nzc_review.evaluation.compliance import evaluate_compliance
    from nzc_review.intake import load_application
    from nzc_review.present.terminal import compliance_summary, compliance_view

    run = run_per_file(args.files, load_application, evaluate_compliance)
    return show_per_file(run, args.format, compliance_view, compliance_summary)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from nzc_review.evaluation.pipeline import evaluate_application, evaluation_options
    from nzc_review.intake import load_application
    from nzc_review.present.terminal import evaluation_summary, evaluation_view

    options = evaluation_options(draws=args.draws, seed=args.seed, factors=args.factors,
                                 electricity_scope=args.electricity_scope,
                                 accounting_basis=args.accounting_basis,
                                 grid_factor=args.grid_factor)
    run = run_per_file(args.files, load_application,
                       lambda app: evaluate_application(app, options))
    return show_per_file(run, args.format, evaluation_view, evaluation_summary)


def register(subparsers) -> None:
    """Add the ``check`` and ``evaluate`` subcommands."""
    p = subparsers.add_parser("check",
                              help="indicator compliance of application files (指标达标核查)")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="application files (YAML/JSON/Excel .xlsx)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_check)

    p = subparsers.add_parser(
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
    add_basis_options(p)
    p.set_defaults(func=cmd_evaluate)
