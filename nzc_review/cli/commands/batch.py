"""``nzc-review batch``: evaluate many applications into reports and a summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nzc_review.cli.args import add_run_options, draws_count
from nzc_review.cli.commands.evaluate import add_basis_options, add_rules_option
from nzc_review.cli.output import EXIT_FAILED, EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    from nzc_review.runner.batch import BatchOptions, run_batch

    options = BatchOptions(
        out_dir=Path(args.out),
        workers=args.workers,
        pdf=not args.no_pdf,
        timeout=args.timeout,
        draws=args.draws,
        seed=args.seed,
        factors=str(Path(args.factors).resolve()) if args.factors else None,
        electricity_scope=args.electricity_scope,
        accounting_basis=args.accounting_basis,
        grid_factor=args.grid_factor,
        rules=str(Path(args.rules).resolve()) if args.rules else None,
        progress=sys.stderr.isatty() and not args.quiet,
    )
    if args.rules:  # fail fast on a bad rules file, before any kernel starts
        from nzc_review.evaluation.review_rules import load_review_rules

        load_review_rules(args.rules)
    if args.factors:  # fail fast on a bad factor file, before any kernel starts
        from nzc_review.evaluation.factors import load_factors

        load_factors(override=args.factors)
    report = run_batch(args.inputs, options)
    ok = sum(r.status == "ok" for r in report.results)
    out = Path(report.out_dir)
    print(f"评估完成：{ok}/{len(report.results)} 份成功，用时 {report.seconds:.1f} 秒")
    print(f"汇总：{out / 'summary.html'}  {out / 'summary.xlsx'}")
    for r in report.results:
        if r.status == "ok":
            print(f"  ✔ {r.id}  {r.verdict or ''}  {out / r.outputs.get('pdf', r.outputs['html'])}")
        elif r.status == "skipped":
            print(f"  – {r.source}: {r.reason}")
    if report.failed:
        for r in report.failed:
            print(f"  ✘ {r.source}: {r.reason}", file=sys.stderr)
        print(f"{len(report.failed)} 份申报评估失败：" + "、".join(
            Path(r.source).name for r in report.failed), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def register(sub) -> None:
    """Add the ``batch`` subcommand."""
    p = sub.add_parser(
        "batch",
        help="evaluate applications (files or folders) into reports: executed notebook, "
        "HTML and PDF per application, summary.xlsx and summary.html (批量评估)",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="application files or folders")
    p.add_argument("--out", default="out", metavar="DIR", help="output folder (default out/)")
    add_run_options(p, per="application")
    p.add_argument("--draws", type=draws_count, default=10_000,
                   help="Monte Carlo draws (at most 100,000, an input limit)")
    p.add_argument("--seed", type=int, default=20231228, help="Monte Carlo seed")
    p.add_argument("--factors", metavar="CSV", help="your own emission factors")
    p.add_argument("--electricity-scope", metavar="SCOPES",
                   help="grid factor preference, comma-separated")
    add_basis_options(p, from_rules=True)
    add_rules_option(p)
    p.set_defaults(func=cmd_batch)
