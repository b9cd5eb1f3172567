"""``nzc-review check`` and ``nzc-review evaluate``: the automatic evaluation of application
files, one after the other (:mod:`nzc_review.cli.per_file`: a bad file is reported and the
others go on; exit status 2 when any file is invalid).

* ``check`` — indicator compliance (指标达标核查, 河环发〔2023〕23号 表1–表5);
* ``evaluate`` — compliance, eligibility, completeness, accounting, forecast, risk, cost and the
  feasibility verdict (可行性评估).

``--accounting-basis`` and ``--grid-factor`` (:func:`add_basis_options`, also on ``batch``,
``accept`` and ``monitor``) choose the run's accounting basis (DESIGN.md contract 4,
:mod:`nzc_review.evaluation.basis`). ``--rules FILE`` (:func:`add_rules_option`, also on
``batch`` and ``session create``) is a review-rules file: the core-indicator veto, the verdict
thresholds, the plausibility rules, the 公示名单 rule and the default accounting basis
(:mod:`nzc_review.evaluation.review_rules`); a basis flag given explicitly wins over it.
"""

from __future__ import annotations

import argparse

from nzc_review.cli.args import draws_count
from nzc_review.cli.per_file import run_per_file, show_per_file


def add_rules_option(p: argparse.ArgumentParser) -> None:
    """``--rules FILE``: a review-rules file (YAML/JSON)."""
    p.add_argument("--rules", metavar="FILE",
                   help="review rules (评审规则, YAML/JSON): core-indicator veto, verdict "
                   "thresholds, plausibility rules, public-notice rule, accounting basis; "
                   "default: the shipped 本工具默认规则 (policy/catalog/review_rules.yaml)")


def add_basis_options(p: argparse.ArgumentParser, *, from_rules: bool = False) -> None:
    """``--accounting-basis location|green_deducted`` and ``--grid-factor held|data_year``;
    with ``from_rules`` their default is ``None``: the review rules' choice."""
    from nzc_review.evaluation.basis import BASES, GRID_FACTORS

    p.add_argument("--accounting-basis", choices=BASES,
                   default=None if from_rules else BASES[0],
                   help="accounting basis (核算口径): location (default; purchased electricity "
                   "at the grid factor, green-power purchases reduce nothing) or green_deducted "
                   "(green electricity at zero, the rest at the residual-mix factor)")
    p.add_argument("--grid-factor", choices=GRID_FACTORS,
                   default=None if from_rules else GRID_FACTORS[0],
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
                                 grid_factor=args.grid_factor, rules=args.rules,
                                 renewable_share_method=args.renewable_share_method)
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
    add_basis_options(p, from_rules=True)
    add_rules_option(p)
    add_renewable_share_option(p)
    p.set_defaults(func=cmd_evaluate)


def add_renewable_share_option(p: argparse.ArgumentParser) -> None:
    """``--renewable-share-method equivalent_calorific|coal_equivalent``
    (:mod:`nzc_review.evaluation.energy`)."""
    from nzc_review.evaluation.energy import RENEWABLE_SHARE_METHODS

    p.add_argument("--renewable-share-method", choices=RENEWABLE_SHARE_METHODS,
                   default=RENEWABLE_SHARE_METHODS[0],
                   help="renewable energy share (可再生能源消费比重): equivalent_calorific "
                   "(default; 当量值, electricity at 0.1229 kgce/kWh, GB/T 2589-2020) or "
                   "coal_equivalent (等价值, 发电煤耗法: electricity at the data year's "
                   "thermal-power standard-coal consumption)")
