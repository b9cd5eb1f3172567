"""The programme overview for the bureau (试点项目总览（主管部门）): ``nzc-review programme-export``
and ``nzc-review serve --programme``.

* ``programme-export DIR --out FILE.xlsx`` — every view of
  :mod:`nzc_review.present.programme_overview` (counts by pilot type, county, department, status
  and step; every application with its step and days in its status; the stalled ones; the
  latest linked disclosure of each pilot under construction or later, judged by the disclosure
  and monitor rules) in one workbook, a sheet per view. The file is written whole or not at
  all, inside its folder, never over a file the tool did not write
  (:func:`nzc_review.files.safe_paths.write_output_file`), and never into the programme folder.
* ``serve --programme DIR`` — the dashboard ``panels/programme_dashboard.ipynb`` served by
  Voila with the guards of :mod:`nzc_review.server.app`; a new bureau token is made at every
  start and its link printed once (:mod:`nzc_review.ui.programme_access`).

Exit status: 0 when written, 2 when an input or the output path is refused (one sentence
naming the file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nzc_review.cli.args import iso_date, positive_int
from nzc_review.cli.commands.evaluate import add_basis_options, basis_options
from nzc_review.cli.output import EXIT_OK
from nzc_review.errors import InputError, NzcError

if TYPE_CHECKING:
    from nzc_review.evaluation.basis import AccountingOptions
    from nzc_review.lifecycle.monitor import MonitorRules
    from nzc_review.present.programme_overview import ProgrammeOverview

#: Pre-heated kernels of the dashboard by default (one visitor and a spare; 本工具默认规则).
DEFAULT_POOL = 2


def build_overview(folder: str | Path, today: dt.date, *, stall_days: int | None = None,
                   as_of: int | None = None, rules: MonitorRules | None = None,
                   options: AccountingOptions | None = None) -> ProgrammeOverview:
    """The overview of the programme in ``folder`` on ``today``: the register's rows and the
    latest linked disclosures (:func:`nzc_review.ui.programme_access.load_programme`) judged
    by the monitor's ``rules``, stalled after ``stall_days``."""
    from nzc_review.present.programme_overview import OverviewRules, programme_overview
    from nzc_review.ui.programme_access import load_programme

    programme = load_programme(folder, as_of=as_of, rules=rules, options=options)
    for note in programme.notes:
        print(f"注意 note: {note}", file=sys.stderr)
    rules = OverviewRules() if stall_days is None else OverviewRules(stall_days=stall_days)
    return programme_overview(programme.rows, today, rules=rules,
                              disclosures=programme.checks)


def cmd_programme_export(args: argparse.Namespace) -> int:
    from nzc_review.files.safe_paths import (
        check_out_not_in_inputs,
        prepare_out_dir,
        write_output_file,
    )
    from nzc_review.lifecycle.config import load_rules
    from nzc_review.present.programme_overview import overview_workbook
    from nzc_review.programme.register import open_register
    from nzc_review.ui.programme_access import china_today

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise InputError(str(out), "the overview is an Excel workbook; name it *.xlsx")
    if not Path(args.programme_dir).is_dir():
        raise InputError(str(args.programme_dir), "no such folder")
    monitor_rules = load_rules(args.rules)[1]
    open_register(args.programme_dir, sync=False).close()  # a programme folder, or its error
    check_out_not_in_inputs(out.parent, [args.programme_dir])
    today = dt.date.fromisoformat(args.today) if args.today else china_today()
    overview = build_overview(args.programme_dir, today, stall_days=args.stall_days,
                              as_of=args.as_of, rules=monitor_rules,
                              options=basis_options(args))
    folder = prepare_out_dir(out.parent)
    path = write_output_file(folder, out.name, overview_workbook(overview))
    print(f"试点项目总览已导出 exported: {path}（申报项目 {overview.total} 个，停滞 "
          f"{len(overview.stalled)} 个，统计日期 {today.isoformat()}）")
    return EXIT_OK


# --- serve --programme -----------------------------------------------------------------------


def serve_programme(args: argparse.Namespace) -> int:
    """``nzc-review serve --programme DIR``: the dashboard for the bureau, with a new token."""
    from nzc_review.cli.commands.serve import (
        PANELS_DIR,
        check_port_free,
        panel_url,
        run_server,
        voila_command,
    )
    from nzc_review.store.tokens import hash_token, new_token
    from nzc_review.ui.programme_access import (
        BUREAU_TOKEN_ENV,
        PROGRAMME_DIR_ENV,
        PROGRAMME_PAGE,
    )

    if args.session_dir or args.demo or args.replace_demo:
        raise NzcError("--programme serves a programme folder alone: leave out SESSION_DIR, "
                       "--demo and --replace-demo")
    folder = Path(args.programme).resolve()
    if not folder.is_dir():
        raise InputError(args.programme, "no such folder")
    from nzc_review.programme.register import open_register

    open_register(folder, sync=False).close()  # a clear error now if it is not one
    check_port_free(args.ip, args.port)
    token = new_token()
    extra = {"NZC_SESSION_DIR": "", PROGRAMME_DIR_ENV: str(folder),
             BUREAU_TOKEN_ENV: hash_token(token)}
    print(f"试点名录 programme: {folder}")
    print("试点项目总览（主管部门）的链接（本次启动有效，请勿外传）:")
    print(f"  市生态环境局 {panel_url(args.ip, args.port, PROGRAMME_PAGE, token)}")
    if args.no_preheat:
        pools: dict[str, int] = {}
        print("预热内核 pre-heated kernels: 无（页面打开时启动内核）", flush=True)
    else:
        size = args.pool_size if args.pool_size is not None else DEFAULT_POOL
        pools = {PROGRAMME_PAGE: size}
        print(f"预热内核 pre-heated kernels: 试点项目总览 {size}", flush=True)
    command = voila_command(folder, ip=args.ip, port=args.port, pools=pools,
                            kernel_memory_mb=args.kernel_memory_mb, extra_env=extra)
    jupyter_path = os.pathsep.join(filter(None, [str(PANELS_DIR / "jupyter"),
                                                 os.environ.get("JUPYTER_PATH")]))
    env = {**os.environ, **extra, "MPLBACKEND": "Agg", "JUPYTER_PATH": jupyter_path}
    host = "127.0.0.1" if args.ip in {"0.0.0.0", ""} else args.ip
    sys.stdout.flush()

    def ready() -> None:
        print(f"Voila: http://{args.ip}:{args.port}/  (Ctrl+C to stop)", flush=True)

    return run_server(command, env, host, args.port, ready)


def _year(text: str) -> int:
    value = positive_int(text)
    if not 1990 <= value <= 2100:
        raise argparse.ArgumentTypeError(f"expected a year from 1990 to 2100, got {value}")
    return value


def register(sub) -> None:
    """Add the ``programme-export`` subcommand."""
    p = sub.add_parser(
        "programme-export",
        help="the programme overview for the bureau as an Excel workbook (试点项目总览)",
        description="Counts by pilot type, county, department, status and step of the work "
        "plan (河环发〔2023〕23号 三、实施步骤), every application with the days in its status, "
        "the stalled ones, and the latest disclosure of every pilot under construction or "
        "later with the re-review warnings: one sheet per view.")
    p.add_argument("programme_dir", metavar="DIR", help="the programme folder (试点名录)")
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="the workbook to write")
    p.add_argument("--today", type=iso_date, metavar="DATE",
                   help="the day of the overview (YYYY-MM-DD; default today, China time)")
    p.add_argument("--stall-days", type=positive_int, metavar="N", default=None,
                   help="days in one status before confirmation after which an application "
                        "is stalled (default 60, a rule of this tool)")
    p.add_argument("--as-of", type=_year, metavar="YEAR",
                   help="review year of the disclosures (default: the latest year disclosed)")
    p.add_argument("--rules", metavar="FILE",
                   help="rules YAML/JSON, section monitor (see docs/lifecycle.md)")
    add_basis_options(p)
    p.set_defaults(func=cmd_programme_export)
