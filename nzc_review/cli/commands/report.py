"""``nzc-review report`` and ``nzc-review revision``: the meeting's output.

::

    nzc-review report SESSION_DIR [--app ID ...] --out DIR [--workers N] [--no-pdf]
                      [--timeout S] [--date YYYY-MM-DD] [--quiet]
    nzc-review revision SESSION_DIR APP_ID [--from V --to V] [--format table|json]

``report`` renders the panel review opinion (专家组评审意见) of one, several or every
finalized application (``OUT/<id>/opinion.{html,pdf,ipynb}``) and the session summary
(``summary.html``/``.xlsx``: ranking; ``public_notice.html``/``.xlsx``: 公示名单;
``scores.xlsx``: every score). Exit 0 when every report was made, 1 when any failed (named),
2 on invalid input (no such session, an application unknown or not finalized).

``revision`` compares two versions of an application (default: the current one and the one
before) and lists which required revisions (修改意见) of the consensus were addressed
(:mod:`nzc_review.meeting.revision`). Exit 0, or 2 on invalid input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from nzc_review.cli.args import add_run_options, iso_date, positive_int
from nzc_review.cli.output import EXIT_FAILED, EXIT_OK, console, print_json

if TYPE_CHECKING:
    from rich.table import Table

    from nzc_review.meeting.revision import RevisionReport


# --- report ------------------------------------------------------------------------------------


def cmd_report(args: argparse.Namespace) -> int:
    """Render the reports and the session summary; see the module docstring."""
    from nzc_review.meeting.opinion.reports import run_reports

    run = run_reports(
        args.session_dir,
        args.out,
        app_ids=args.app,
        workers=args.workers,
        pdf=not args.no_pdf,
        timeout=args.timeout,
        evaluated_on=args.date,
        progress=sys.stderr.isatty() and not args.quiet,
    )
    out = run.out_dir
    ok = len(run.results) - len(run.failed)
    what = "验收意见" if run.kind == "acceptance" else "评审意见"
    print(f"{what}：{ok}/{len(run.results)} 份成功，用时 {run.seconds:.1f} 秒")
    for r in run.results:
        if r.status == "ok":
            rec = r.summary.get("recommendation_zh") or ""
            total = r.summary.get("total")
            score = "" if total is None else f"{total:.2f} 分"
            path = r.outputs.get("pdf") or r.outputs.get("html", "")
            print(f"  ✔ {r.key}  {score}  {rec}  {out / path}")
    if run.files:
        print("汇总：" + "  ".join(str(p) for p in run.files.values()))
    if run.failed:
        for r in run.failed:
            print(f"  ✘ {r.key}: {r.reason}", file=sys.stderr)
        print(
            f"{len(run.failed)} 份{what}生成失败：" + "、".join(r.key for r in run.failed),
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


# --- revision ----------------------------------------------------------------------------------


def _table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    """A Rich table titled ``title`` with ``columns`` and ``rows``."""
    from rich.table import Table

    t = Table(title=title)
    for col in columns:
        t.add_column(col)
    for row in rows:
        t.add_row(*row)
    return t


def _revision_text(report: RevisionReport) -> None:
    """Print a revision report as tables."""
    from nzc_review.meeting.opinion.consensus import section_label
    from nzc_review.meeting.revision import show_value

    def described(fields) -> str:
        return "；".join(f.describe() for f in fields)

    out = console()
    d = report.diff
    out.print(
        f"[bold]{report.app_id}[/bold] {report.name}：第 {report.from_version} 版 → "
        f"第 {report.to_version} 版"
    )
    if d.unchanged:
        out.print("两个版本内容相同。")
    if d.indicators:
        rows = [(c.code, c.name_zh, c.change_zh, described(c.fields)) for c in d.indicators]
        out.print(_table("指标变化", ("代码", "指标", "变化", "内容"), rows))
    if d.projects:
        rows = [(p.name, p.change_zh, described(p.fields)) for p in d.projects]
        out.print(_table("重点项目变化", ("项目", "变化", "内容"), rows))
    if d.fields:
        rows = [(f.label, show_value(f.before), show_value(f.after)) for f in d.fields]
        out.print(_table("其他变化", ("内容", "修改前", "修改后"), rows))
    if d.sections:
        out.print("涉及创建方案章节：" + "、".join(section_label(n) for n in d.sections))
    out.print(f"修改意见来源：{report.consensus_source}")
    if not report.checks:
        out.print("专家组意见中没有修改意见。")
        return
    styles = {"addressed": "green", "not_addressed": "red", "untagged": "yellow"}
    rows = [
        (
            str(c.number),
            section_label(c.revision.section),
            c.revision.text,
            f"[{styles[c.status]}]{c.status_zh}[/{styles[c.status]}]",
            "；".join(c.evidence),
        )
        for c in report.checks
    ]
    title = "修改意见落实情况（按章节判断，供专家复核）"
    out.print(_table(title, ("序号", "章节", "修改意见", "判定", "依据"), rows))


def cmd_revision(args: argparse.Namespace) -> int:
    """Compare two versions and check the consensus's revisions; see the module docstring."""
    from nzc_review.meeting.opinion.reports import open_session
    from nzc_review.meeting.revision import compare_versions
    from nzc_review.store import Actor

    store = open_session(args.session_dir)
    try:
        report = compare_versions(
            store, Actor.operator(), args.app_id, args.from_version, args.to_version
        )
    finally:
        store.close()
    if args.format == "json":
        print_json(report.to_dict())
    else:
        _revision_text(report)
    return EXIT_OK


def register(subparsers) -> None:
    """Add the ``report`` and ``revision`` subcommands."""
    p = subparsers.add_parser(
        "report",
        help="panel review opinion (专家组评审意见) per finalized application, HTML and PDF, "
        "plus ranking, public-notice list (公示名单) and score export",
    )
    p.add_argument("session_dir", metavar="SESSION_DIR", help="the review session folder")
    p.add_argument(
        "--app",
        action="append",
        metavar="ID",
        help="only this application (repeatable; default: every finalized one)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_run_options(p, max_workers=4)
    p.add_argument(
        "--date",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="date printed in the reports (default: the session's date)",
    )
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser(
        "revision",
        help="revision round: what changed between two versions of an application and which "
        "required revisions (修改意见) were addressed",
    )
    p.add_argument("session_dir", metavar="SESSION_DIR", help="the review session folder")
    p.add_argument("app_id", metavar="APP_ID", help="the application")
    p.add_argument(
        "--from",
        dest="from_version",
        type=positive_int,
        metavar="V",
        help="earlier version (default: the one before --to)",
    )
    p.add_argument(
        "--to",
        dest="to_version",
        type=positive_int,
        metavar="V",
        help="later version (default: the current one)",
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_revision)


__all__ = ["cmd_report", "cmd_revision", "register"]
