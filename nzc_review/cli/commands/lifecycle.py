"""``nzc-review accept`` / ``disclose`` / ``monitor``: the pilot lifecycle after selection.

* ``accept FILE...`` — acceptance evaluation (验收评价, 河环发〔2023〕23号 三、(二)2) of
  self-evaluation reports (``nzc-acceptance/1``); ``--report`` writes one report per file;
* ``disclose FILE_OR_DIR...`` — public carbon disclosure reports (碳排放信息披露, 四、(四)), one per
  pilot and disclosed year;
* ``monitor DIR_OR_FILES...`` — re-review and dynamic exit (复核、动态退出, 三、(三)2) over every
  pilot's disclosures; ``--report`` writes the dashboard.

``accept``, ``disclose`` and ``monitor`` take ``--accounting-basis`` and ``--grid-factor`` (DESIGN.md
contract 4, :mod:`nzc_review.evaluation.basis`): the basis of every emission figure, reductions
included (a disclosure's own totals are shown as disclosed, with their basis named, and the
change on the run's basis beside them).

Exit status: 0 when every input was processed (whatever the verdicts), 2 when an input is
invalid (the message names the file and the field) or the report folder is unusable (an input
folder or inside one, see :mod:`nzc_review.files.safe_paths`), 1 when a report could not be produced.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nzc_review.cli.args import add_run_options, iso_date
from nzc_review.cli.commands.evaluate import add_basis_options, basis_options
from nzc_review.cli.output import EXIT_FAILED, EXIT_OK, console, print_json
from nzc_review.cli.per_file import run_per_file, show_per_file
from nzc_review.errors import InputError, NzcError


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a year, got {text!r}") from None
    if not 1990 <= value <= 2100:
        raise argparse.ArgumentTypeError(f"expected a year between 1990 and 2100, got {value}")
    return value


def _wants_report(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "report", False) or getattr(args, "out", None))


def _check_out(args: argparse.Namespace, inputs: list[str]) -> None:
    """Refuse a report folder that is an input folder (or inside one) before any work."""
    from nzc_review.files.safe_paths import check_out_not_in_inputs

    if _wants_report(args):
        check_out_not_in_inputs(args.out or "out", inputs)


def _run_reports(jobs: list, args: argparse.Namespace, desc: str) -> int:
    """Run report jobs; print where each went (stderr in JSON mode); 1 if any failed."""
    from nzc_review.runner.jobs import run_notebook_jobs

    if not jobs:
        return EXIT_OK
    out = Path(args.out or "out")
    stream = sys.stderr if getattr(args, "format", "table") == "json" else sys.stdout
    try:
        results = run_notebook_jobs(jobs, out, workers=args.workers, pdf=not args.no_pdf,
                                    timeout=args.timeout,
                                    progress=sys.stderr.isatty() and not args.quiet, desc=desc)
    except OSError as exc:
        raise NzcError(f"{out}: cannot write the reports: {exc.strerror or exc}") from None
    failed = [r for r in results if r.status != "ok"]
    print(f"报告：{len(results) - len(failed)}/{len(results)} 份完成，输出目录 {out.resolve()}",
          file=stream)
    for r in results:
        if r.status == "ok":
            shown = r.outputs.get("pdf") or r.outputs.get("html")
            print(f"  ✔ {out / shown}", file=stream)
        else:
            print(f"  ✘ {r.key}: {r.reason}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _add_report_options(p: argparse.ArgumentParser, *, always: bool = False) -> None:
    if not always:
        p.add_argument("--report", action="store_true",
                       help="also write printable reports (executed notebook, HTML, PDF)")
    p.add_argument("--out", metavar="DIR", default=None if not always else "out",
                   help="report folder (default out/; implies --report)")
    add_run_options(p)


# --- accept ----------------------------------------------------------------------------------


def cmd_accept(args: argparse.Namespace) -> int:
    from nzc_review.lifecycle.acceptance import evaluate_acceptance
    from nzc_review.lifecycle.config import load_rules
    from nzc_review.lifecycle.intake import load_acceptance
    from nzc_review.lifecycle.terminal import acceptance_summary, acceptance_view

    _check_out(args, args.files)
    rules = load_rules(args.rules)[0]
    seen: dict[str, str] = {}

    def load(path: str):
        """An acceptance file; the same pilot twice in one run is refused."""
        case = load_acceptance(path)
        pilot = case.application.id
        if pilot in seen:
            raise InputError(Path(path).name, [
                ("application.id", f"{pilot} is accepted also in {seen[pilot]}")])
        seen[pilot] = Path(path).name
        return case

    basis = basis_options(args)
    run = run_per_file(args.files, load,
                       lambda case: evaluate_acceptance(case, rules, options=basis))
    status = show_per_file(run, args.format, acceptance_view, acceptance_summary)
    valid = [(o.path, o.loaded) for o in run.ok]
    if _wants_report(args) and valid:
        from nzc_review.lifecycle.jobs import acceptance_jobs

        jobs = acceptance_jobs(valid, rules=args.rules, evaluated_on=args.evaluated_on,
                               accounting_basis=args.accounting_basis,
                               grid_factor=args.grid_factor)
        reported = _run_reports(jobs, args, "验收报告")
        status = status or reported
    return status


# --- disclose --------------------------------------------------------------------------------


def cmd_disclose(args: argparse.Namespace) -> int:
    from nzc_review.lifecycle.disclosure import disclosure_view
    from nzc_review.lifecycle.intake import load_histories
    from nzc_review.lifecycle.jobs import disclosure_jobs
    from nzc_review.lifecycle.terminal import disclosure_table

    _check_out(args, args.inputs)
    histories = load_histories(args.inputs)
    years = args.year or None
    basis = basis_options(args)
    views = [disclosure_view(h, y, options=basis) for h in histories for y in h.years
             if not years or y in years]
    if not views:
        raise InputError("input", "no disclosure for the year(s) asked: "
                                  + ", ".join(map(str, years or [])))
    if args.format == "json":
        print_json([{k: v for k, v in view.to_dict().items() if k != "accounting"}
                     for view in views])
    else:
        from nzc_review.evaluation.basis import DATA_YEAR, LOCATION, basis_zh

        console().print(disclosure_table(views))
        console().print(f"较基准年、较上年按披露的碳排放总量计（{basis_zh(LOCATION, DATA_YEAR)}）；"
                        f"由披露数据计算的指标按{views[0].basis_zh}口径")
        for note in dict.fromkeys(f"{v.id} {n}" for v in views for n in v.basis_notes):
            console().print(f"注意：{note}", style="yellow", markup=False)
    return _run_reports(disclosure_jobs(histories, years,
                                        accounting_basis=args.accounting_basis,
                                        grid_factor=args.grid_factor), args, "披露报告")


# --- monitor ---------------------------------------------------------------------------------


def cmd_monitor(args: argparse.Namespace) -> int:
    from nzc_review.lifecycle.config import load_rules
    from nzc_review.lifecycle.intake import load_histories
    from nzc_review.lifecycle.monitor import monitor
    from nzc_review.lifecycle.terminal import monitor_view

    _check_out(args, args.inputs)
    rules = load_rules(args.rules)[1]
    histories = load_histories(args.inputs)
    rep = monitor(histories, args.as_of, rules, basis_options(args))
    if args.format == "json":
        print_json(rep.to_dict())
    else:
        monitor_view(console(), rep)
    if _wants_report(args):
        from nzc_review.lifecycle.jobs import monitor_job

        return _run_reports([monitor_job(args.inputs, as_of=rep.as_of, rules=args.rules,
                                         evaluated_on=args.evaluated_on,
                                         accounting_basis=args.accounting_basis,
                                         grid_factor=args.grid_factor)], args, "复核看板")
    return EXIT_OK


def register(sub) -> None:
    """Add the ``accept``, ``disclose`` and ``monitor`` subcommands."""
    p = sub.add_parser(
        "accept",
        help="acceptance evaluation of self-evaluation reports, nzc-acceptance/1 (验收评价)",
        description="Compare achieved values with the committed targets and reference values, "
        "check key projects, accounting and disclosure, score and give the verdict "
        "通过验收 / 不通过 (河环发〔2023〕23号 三、(二)2).")
    p.add_argument("files", nargs="+", metavar="FILE", help="acceptance files (YAML/JSON/xlsx)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--rules", metavar="FILE", help="rules YAML/JSON (see docs/lifecycle.md)")
    p.add_argument("--evaluated-on", type=iso_date, metavar="DATE",
                   help="date printed on reports (YYYY-MM-DD; default today)")
    add_basis_options(p)
    _add_report_options(p)
    p.set_defaults(func=cmd_accept)

    p = sub.add_parser(
        "disclose",
        help="public carbon disclosure reports per pilot and year, nzc-disclosure/1 (碳排放信息披露)",
        description="One plain-language disclosure report per pilot and disclosed year "
        "(河环发〔2023〕23号 四、(四)).")
    p.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR",
                   help="disclosure files or folders (searched recursively)")
    p.add_argument("--year", type=_year, action="append",
                   help="only this year (repeatable; default every disclosed year)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    add_basis_options(p)
    _add_report_options(p, always=True)
    p.set_defaults(func=cmd_disclose)

    p = sub.add_parser(
        "monitor",
        help="re-review and dynamic exit over years of disclosures (复核、动态退出)",
        description="Trends of emissions and core indicators per pilot; warning (预警) and exit "
        "(建议取消称号) rules (河环发〔2023〕23号 三、(三)2).")
    p.add_argument("inputs", nargs="+", metavar="DIR_OR_FILE",
                   help="disclosure files or folders (searched recursively)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--as-of", type=_year, metavar="YEAR",
                   help="review year (default: the latest disclosed year)")
    p.add_argument("--rules", metavar="FILE", help="rules YAML/JSON (see docs/lifecycle.md)")
    p.add_argument("--evaluated-on", type=iso_date, metavar="DATE",
                   help="date printed on the dashboard (YYYY-MM-DD; default today)")
    add_basis_options(p)
    _add_report_options(p)
    p.set_defaults(func=cmd_monitor)
