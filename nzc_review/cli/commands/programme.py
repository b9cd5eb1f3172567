"""``nzc-review programme``: the programme register (试点名录), from 组织申报 to 动态退出.

::

    nzc-review programme init DIR [--routing FILE]
    nzc-review programme register DIR FILE... --batch LABEL [--county C]
    nzc-review programme advance DIR APP_ID --to STATUS [--doc 文号] [--reason R] [--date D]
                                 [--title T]
    nzc-review programme status DIR [--format table|json] [--app ID]
    nzc-review programme link DIR SESSION_DIR
    nzc-review programme disclose DIR APP_ID FILE
    nzc-review programme notice DIR --start D --end D --contact TEXT [--batch B] [--doc 文号]
                                --out OUTDIR [--no-pdf]
    nzc-review programme objection add DIR APP_ID --received D --content TEXT [--from WHO]
    nzc-review programme objection decide DIR OBJ_ID (--upheld | --rejected) --reason R
    nzc-review programme confirm DIR [--batch B] [--on D] [--doc 文号] --out OUTDIR [--no-pdf]
    nzc-review programme verify DIR [--format text|json]

Every command that changes the register takes ``--by`` (who; default the user name). Every
command first records what the linked sessions finalized (:func:`nzc_review.programme.sessions.pull`)
and prints on stderr what it could not. Exit status 0 on success, 2 for bad input, a refused
transition or an audit trail that fails the check (one Chinese sentence, never a traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path
from typing import Any

from nzc_review.cli.output import EXIT_INVALID, EXIT_OK, console, print_json
from nzc_review.errors import NzcError


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user name in the environment
        return "unknown"


def _open(args: argparse.Namespace):
    """The register of ``args.dir``, its pull's notes printed on stderr."""
    from nzc_review.programme import open_register

    reg = open_register(args.dir)
    for note in reg.notes:
        print(f"注意：{note}", file=sys.stderr)
    return reg


def _moved(reg, moved: dict[str, str]) -> None:
    for app_id, status in moved.items():
        print(f"  {app_id} → {reg.rules.label(status)}")


# --- init, register, advance -----------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from nzc_review.programme import create_register
    from nzc_review.programme.catalog import load_routing

    routing = load_routing(args.routing) if args.routing else None
    source = Path(args.routing).name if args.routing else None
    with create_register(args.dir, routing=routing, routing_source=source, by=args.by) as reg:
        print(f"已建立试点名录 {Path(args.dir).resolve()}")
        for pilot_type, department in reg.routing.items():
            print(f"  {pilot_type}: {department}")
        print(f"  （主管部门对应关系：{reg.routing_source}）")
    return EXIT_OK


def cmd_register(args: argparse.Namespace) -> int:
    from nzc_review.programme import read_submission

    submissions, failed = [], []
    for path in args.files:
        try:
            submissions.append(read_submission(path))
        except NzcError as exc:
            failed.append(str(exc))
    if failed:
        for message in failed:
            print(message, file=sys.stderr)
        print(f"{len(failed)} 个文件有误，未登记任何申报", file=sys.stderr)
        return EXIT_INVALID
    with _open(args) as reg:
        rows = reg.register(submissions, batch=args.batch, county=args.county, by=args.by)
        print(f"已登记 {len(rows)} 项申报（批次 {args.batch}）：")
        for r in rows:
            print(f"  {r['id']} {r['name']} — {r['county']}，{r['department']}，"
                  f"{r['status_label']}（第 {r['version']} 版）")
    return EXIT_OK


def cmd_advance(args: argparse.Namespace) -> int:
    with _open(args) as reg:
        row = reg.advance(args.app_id, args.to, by=args.by, doc=args.doc, reason=args.reason,
                          date=args.date, title=args.title)
        print(f"{row['id']} {row['name']}：{row['history'][-2]['status_label']} → "
              f"{row['status_label']}")
    return EXIT_OK


# --- reading ---------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    from nzc_review.programme.notice import objections
    from nzc_review.programme.terminal import detail_view, status_table

    with _open(args) as reg:
        rows = [reg.row(args.app)] if args.app else reg.status_rows()
        if args.format == "json":
            print_json(rows)
        elif args.app:
            console().print(detail_view(rows[0], versions=reg.versions(args.app),
                                        objections=objections(reg, args.app),
                                        results=reg.session_results(args.app)))
        else:
            console().print(status_table(rows, f"试点名录 {reg.folder}（{len(rows)} 项）"))
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    with _open(args) as reg:
        check = reg.verify()
    if args.format == "json":
        print_json({"ok": check.ok, "events": check.events, "head": check.head,
                    "first_broken": check.first_broken,
                    "problems": [{"seq": s, "message": m} for s, m in check.problems]})
    elif check.ok:
        print(f"试点名录审计记录完整：共 {check.events} 条事件，链头 {check.head}")
    else:
        for _, message in check.problems:
            print(message, file=sys.stderr)
    return EXIT_OK if check.ok else EXIT_INVALID


# --- sessions and disclosures ----------------------------------------------------------------


def cmd_link(args: argparse.Namespace) -> int:
    from nzc_review.programme.sessions import link_session

    with _open(args) as reg:
        done = link_session(reg, args.session_dir, by=args.by)
        s = done["session"]
        kind = "验收会" if s["kind"] == "acceptance" else "评审会"
        print(f"已关联{kind}“{s['name']}”（{s['folder']}）")
        _moved(reg, done["moved"])
        if done["outside"]:
            print(f"  不在试点名录中、未关联的申报：{'、'.join(done['outside'])}")
        for note in done["notes"]:
            print(f"注意：{note}", file=sys.stderr)
    return EXIT_OK


def cmd_disclose(args: argparse.Namespace) -> int:
    with _open(args) as reg:
        row = reg.link_disclosure(args.app_id, args.file, by=args.by)
        print(f"已为 {row['id']} 关联年度碳排放信息披露：{row['disclosures'][-1]}")
    return EXIT_OK


# --- notice, objections, confirmation --------------------------------------------------------


def _write_documents(reg, out: str, stem: str, html: str, xlsx: bytes, pdf: bool
                     ) -> list[Path]:
    """Write ``OUT/<stem>.html``, ``.xlsx`` (and ``.pdf``), each atomically, each proven a
    direct child of ``OUT``; ``OUT`` is never the register folder or inside it, and a file the
    tool did not write is never replaced (:mod:`nzc_review.files.safe_paths`)."""
    from nzc_review.files.atomic import write_atomic
    from nzc_review.files.safe_paths import (
        check_out_not_in_inputs,
        check_output_files,
        child_path,
        prepare_out_dir,
        record_output_files,
    )

    check_out_not_in_inputs(out, [reg.folder])
    folder = prepare_out_dir(out)
    names = [f"{stem}.html", f"{stem}.xlsx"] + ([f"{stem}.pdf"] if pdf else [])
    check_output_files(folder, names)
    record_output_files(folder, names)
    written = [write_atomic(child_path(folder, names[0]), html),
               write_atomic(child_path(folder, names[1]), xlsx)]
    if pdf:
        from nzc_review.runner.pdf import PdfPrinter

        with PdfPrinter() as printer:
            written.append(printer.print(written[0], child_path(folder, names[2])))
    return written


def cmd_notice(args: argparse.Namespace) -> int:
    from nzc_review.programme.documents import notice_html, notice_xlsx
    from nzc_review.programme.notice import plan_notice, record_notice

    with _open(args) as reg:
        plan = plan_notice(reg, start=args.start, end=args.end, contact=args.contact,
                           batch=args.batch, doc=args.doc)
        files = _write_documents(reg, args.out, "programme_notice", notice_html(plan, reg.rules),
                                 notice_xlsx(plan), not args.no_pdf)
        record_notice(reg, plan, by=args.by)
        print(f"公示 {len(plan.rows)} 项申报（{plan.start} 至 {plan.end}）：")
        _moved(reg, {r["id"]: "in_notice" for r in plan.rows})
        for f in files:
            print(f"  ✔ {f}")
    return EXIT_OK


def cmd_objection_add(args: argparse.Namespace) -> int:
    from nzc_review.programme.notice import add_objection

    with _open(args) as reg:
        o = add_objection(reg, args.app_id, received=args.received, content=args.content,
                          sender=args.sender, by=args.by)
        print(f"已登记异议 {o['id']}（申报 {o['app_id']}，{o['received']} 收到）")
    return EXIT_OK


def cmd_objection_decide(args: argparse.Namespace) -> int:
    from nzc_review.programme.notice import decide_objection

    with _open(args) as reg:
        o = decide_objection(reg, args.objection_id, upheld=args.upheld, reason=args.reason,
                             by=args.by)
        print(f"异议 {o['id']}（申报 {o['app_id']}）认定为{'成立' if args.upheld else '不成立'}")
    return EXIT_OK


def cmd_confirm(args: argparse.Namespace) -> int:
    from nzc_review.present.dates import CHINA_TZ
    from nzc_review.programme.documents import confirmed_html, confirmed_xlsx
    from nzc_review.programme.notice import plan_confirm, record_confirm

    on = args.on or dt.datetime.now(CHINA_TZ).date().isoformat()
    with _open(args) as reg:
        plan = plan_confirm(reg, on=on, batch=args.batch, doc=args.doc)
        files = _write_documents(reg, args.out, "programme_confirmed", confirmed_html(plan),
                                 confirmed_xlsx(plan), not args.no_pdf)
        record_confirm(reg, plan, by=args.by)
        print(f"正式确定 {len(plan.confirmed)} 项，异议成立不予确定 {len(plan.upheld)} 项：")
        _moved(reg, {**{r["id"]: "confirmed" for r in plan.confirmed},
                     **{r["id"]: "objection_upheld" for r, _ in plan.upheld}})
        for f in files:
            print(f"  ✔ {f}")
    return EXIT_OK


# --- registration ----------------------------------------------------------------------------


def _sub(sub, name: str, help_text: str, func, *, by: bool = True) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text, description=help_text)
    p.add_argument("dir", metavar="DIR", help="the register folder (试点名录)")
    if by:
        p.add_argument("--by", default=_user(), help="who acts (default: the user name)")
    p.set_defaults(func=func)
    return p


def _out_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="OUTDIR", required=True,
                   help="folder of the HTML, xlsx and PDF (not the register folder)")
    p.add_argument("--no-pdf", action="store_true", help="skip PDF printing")
    p.add_argument("--doc", help="the document number (文号)")


def register(subparsers: Any) -> None:
    """Add ``programme`` and its actions."""
    top = subparsers.add_parser(
        "programme", help="the programme register (试点名录): status of every application",
        description="The programme register (试点名录): every application of every batch, its "
        "status and history, from 组织申报 to 动态退出 (河环发〔2023〕23号 三、实施步骤).")
    sub = top.add_subparsers(dest="programme_action", required=True, metavar="ACTION")

    p = _sub(sub, "init", "create a register folder", cmd_init)
    p.add_argument("--routing", metavar="FILE",
                   help="YAML/JSON: pilot type -> city department (default: the plan's, 三、(一)1)")

    p = _sub(sub, "register", "register application files (已报送); re-submit a returned one",
             cmd_register)
    p.add_argument("files", nargs="+", metavar="FILE", help="application files (YAML/JSON/xlsx)")
    p.add_argument("--batch", required=True, help="the batch, e.g. 2024年第一批")
    p.add_argument("--county", help="the county (县（区）) for files that name none")

    p = _sub(sub, "advance", "move one application to another status", cmd_advance)
    p.add_argument("app_id", metavar="APP_ID")
    p.add_argument("--to", required=True, metavar="STATUS", help="status code or Chinese label")
    p.add_argument("--doc", help="the document deciding it (文号); required for titled")
    p.add_argument("--reason", help="required for county_returned, not_accepted, revoked")
    p.add_argument("--date", help="the document's date, YYYY-MM-DD")
    p.add_argument("--title", help="the title awarded (titled only; default from programme.yaml)")

    p = _sub(sub, "status", "list the applications and their status", cmd_status, by=False)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--app", metavar="ID", help="one application with its whole history")

    p = _sub(sub, "link", "link a review or acceptance session", cmd_link)
    p.add_argument("session_dir", metavar="SESSION_DIR")

    p = _sub(sub, "disclose", "link a yearly carbon disclosure file (nzc-disclosure/1)",
             cmd_disclose)
    p.add_argument("app_id", metavar="APP_ID")
    p.add_argument("file", metavar="FILE")

    p = _sub(sub, "notice", "publish the public notice (公示) of the recommended applications",
             cmd_notice)
    p.add_argument("--start", required=True, help="first day of the notice period, YYYY-MM-DD")
    p.add_argument("--end", required=True, help="last day of the notice period, YYYY-MM-DD")
    p.add_argument("--contact", required=True, help="where objections go (异议受理联系方式)")
    p.add_argument("--batch", help="only this batch")
    _out_options(p)

    q = sub.add_parser("objection", help="objections during the notice (异议)")
    osub = q.add_subparsers(dest="objection_action", required=True, metavar="ACTION")
    p = _sub(osub, "add", "record an objection", cmd_objection_add)
    p.add_argument("app_id", metavar="APP_ID")
    p.add_argument("--received", required=True, help="date received, YYYY-MM-DD")
    p.add_argument("--content", required=True, help="what the objection says")
    p.add_argument("--from", dest="sender", help="who objects")
    p = _sub(osub, "decide", "decide an objection: upheld or rejected", cmd_objection_decide)
    p.add_argument("objection_id", metavar="OBJ_ID", type=int)
    choice = p.add_mutually_exclusive_group(required=True)
    choice.add_argument("--upheld", action="store_true", help="异议成立")
    choice.add_argument("--rejected", action="store_true", help="异议不成立")
    p.add_argument("--reason", required=True)

    p = _sub(sub, "confirm", "confirm the pilots after the notice (正式确定)", cmd_confirm)
    p.add_argument("--batch", help="only this batch")
    p.add_argument("--on", help="the date of the confirmation, YYYY-MM-DD (default today)")
    _out_options(p)

    p = _sub(sub, "verify", "check the register's audit trail", cmd_verify, by=False)
    p.add_argument("--format", choices=("text", "json"), default="text")

