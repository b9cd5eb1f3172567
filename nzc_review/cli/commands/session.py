"""Review-meeting commands: ``session``, ``expert``, ``coi`` and ``audit``.

::

    nzc-review session create DIR --name NAME [--kind review|acceptance] [--date D]
                                  [--batch B] [--criteria FILE] [--rules FILE]
                                  [--audit-key KEYFILE]
    nzc-review session import DIR FILES...
    nzc-review session assign DIR (--all | --expert ID... | --app ID...)
    nzc-review session status DIR
    nzc-review session export DIR OUT.xlsx
    nzc-review expert add DIR --name N --org O --role expert|chair|secretary|analyst
                          [--base-url URL]
    nzc-review expert list DIR
    nzc-review expert token DIR ID
    nzc-review coi DIR list | confirm ID --reason R | waive ID --reason R
    nzc-review coi DIR declare --expert ID --app ID --reason R
    nzc-review audit verify DIR [--head COUNT:HASH] [--audit-key KEYFILE]
    nzc-review audit head DIR
    nzc-review audit log DIR [--limit N]

A session of ``--kind acceptance`` is an expert acceptance meeting (验收, 河环发〔2023〕23号
三、(二)2): ``session import`` takes self-evaluation reports (``nzc-acceptance/1``, the files
``nzc-review accept`` reads) and refuses applications (and a review session the reverse); its
criteria are the acceptance criteria (``policy/catalog/acceptance_criteria.yaml``), its
``--rules FILE`` the acceptance rules file of ``nzc-review accept --rules`` (section
``acceptance``), and its conclusions 通过验收 / 不通过验收.

The command line acts as the operator (:meth:`nzc_review.store.Actor.operator`): it manages
the session but never scores. Exit status 0 on success, 2 on invalid input, a damaged
database or an audit trail that fails the check (one clear Chinese sentence per finding,
never a traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nzc_review.cli.args import positive_int
from nzc_review.cli.output import EXIT_INVALID, EXIT_OK, console, print_json
from nzc_review.cli.per_file import run_per_file
from nzc_review.errors import InputError


def _store(directory: str, audit_key: str | None = None):
    from nzc_review.store import open_store

    return open_store(directory, audit_key=audit_key)


def _op():
    from nzc_review.store import Actor

    return Actor.operator()


def _out(args: argparse.Namespace, data: object, text: str) -> None:
    if getattr(args, "format", None) == "json":
        print_json(data)
    else:
        print(text)


def _asdict(obj: object) -> object:
    from dataclasses import asdict, is_dataclass

    return asdict(obj) if is_dataclass(obj) else obj


# --- session ---------------------------------------------------------------------------------


def cmd_session_create(args: argparse.Namespace) -> int:
    from nzc_review.store import create_session

    criteria = None
    if args.criteria:
        criteria = _read_criteria(args.criteria)
    rules = {"expert_display": args.display} if args.display else {}
    if args.chair_scores:
        rules["chair_scores"] = True
    acceptance = args.kind == "acceptance"
    if acceptance:
        rules["kind"] = "acceptance"
    if args.rules and acceptance:  # the acceptance rules (SessionRules.acceptance)
        from nzc_review.lifecycle.config import load_rules
        from nzc_review.mcda.acceptance_rules import acceptance_rules_to_dict

        rules["acceptance"] = acceptance_rules_to_dict(load_rules(args.rules)[0])
    elif args.rules:  # the review rules, kept with the session (SessionRules.review)
        from nzc_review.evaluation.review_rules import load_review_rules

        rules["review"] = load_review_rules(args.rules).to_dict()
    try:
        store = create_session(
            args.dir,
            name=args.name,
            date=args.date,
            batch=args.batch,
            criteria=criteria,
            rules=rules or None,
            audit_key=args.audit_key,
        )
    except OSError as exc:
        raise InputError(args.dir, f"cannot create the session folder ({exc.strerror})") from None
    from nzc_review.store.kinds import wording

    with store:
        info = store.session(_op())
        words = wording(info)
        what = "acceptance meeting" if acceptance else "review session"
        rule_words = "验收规则 acceptance rules" if acceptance else "评审规则 review rules"
        _out(
            args,
            {"dir": str(store.location), "database": str(store.path), "session": _asdict(info)},
            f"{words.meeting}已创建 {what} created: {info.name}\n"
            f"  database: {store.path}\n"
            f"  审计密钥 audit key: {store.key_path}（仅所有者可读写；请另行备份）\n"
            f"  {words.criteria} criteria: {'、'.join(c.name for c in info.criteria)}\n"
            f"  {rule_words}: {args.rules or '本工具默认规则'}",
        )
    return EXIT_OK


def _read_criteria(path: str) -> list:
    from nzc_review.intake.text import read_json, read_yaml  # with the input limits

    p = Path(path)
    data = read_json(p) if p.suffix.lower() == ".json" else read_yaml(p)
    if isinstance(data, dict) and "criteria" in data:
        data = data["criteria"]
    if not isinstance(data, list):
        raise InputError(p.name, "expected a list of criteria (names or {id, name, weight})")
    return data


def cmd_session_import(args: argparse.Namespace) -> int:
    from nzc_review.meeting.documents import import_file

    text = getattr(args, "format", None) != "json"
    with _store(args.dir) as store:
        op = _op()

        def load(path: str):
            """Import one file (a finalized application refuses it: that file fails)."""
            r = import_file(store, op, path)
            if text:
                _show_import(args, r, path)
            return r

        run = run_per_file(args.files, load)
    if not text:
        _out(args, [o.shown() if o.error is not None else {"file": o.path, **_asdict(o.result)}
                    for o in run.outcomes], "")
    return run.status


def _show_import(args: argparse.Namespace, r, path: str) -> None:
    what = {
        "new": "新导入 imported",
        "revised": "新版本 new version",
        "unchanged": "未变化 unchanged",
    }[r.action]
    print(f"{r.app_id}: {what} (version {r.version}, sha256 {r.content_sha256[:12]}…)  ← {path}")
    if r.new_round:
        print(
            f"  第 {r.round} 轮评审 review round {r.round}: 上一轮定稿为修改完善后推荐，"
            f"修改稿（第 {r.version} 版）重新进入评审；比较修改内容：nzc-review "
            f"revision {args.dir} {r.app_id}"
        )
    for c in r.new_conflicts:
        print(f"  ! 利益冲突待确认 conflict #{c.id}: expert #{c.expert_id} — {c.detail}")


def cmd_session_assign(args: argparse.Namespace) -> int:
    if not (args.all or args.expert or args.app):
        raise InputError("assign", "say what to assign: --all, or --expert ID and/or --app ID")
    if args.all and (args.expert or args.app):
        raise InputError(
            "assign", "--all assigns everything; do not combine it with --expert/--app"
        )
    with _store(args.dir) as store:
        added = store.assign(_op(), expert_ids=args.expert or None, app_ids=args.app or None)
        total = len(store.assignments(_op()))
    _out(
        args,
        {"added": added, "assignments": total},
        f"已分配 assigned: {added} new, {total} in total",
    )
    return EXIT_OK


def cmd_session_status(args: argparse.Namespace) -> int:
    from nzc_review.store import REVIEW_STATUS_ZH

    with _store(args.dir) as store:
        op = _op()
        info = store.session(op)
        grid = store.progress(op)
        pending = store.conflicts(op, status="pending")
    if getattr(args, "format", None) == "json":
        _out(
            args,
            {
                "session": info.name,
                "experts": [
                    {"id": e.id, "code": e.code, "name": e.name, "role": e.role}
                    for e in grid.experts
                ],
                "applications": [
                    {"id": a.id, "name": a.name, "status": a.status, "version": a.version}
                    for a in grid.applications
                ],
                "cells": [_asdict(c) for c in grid.cells.values()],
                "counts": grid.counts(),
                "pending_conflicts": len(pending),
            },
            "",
        )
        return EXIT_OK

    from rich.table import Table

    styles = {
        "submitted": "green",
        "draft": "yellow",
        "not_started": "red",
        "recused": "dim",
        "not_assigned": "dim",
    }
    from nzc_review.store.kinds import wording

    table = Table(title=f"{wording(info).progress} — {info.name}", show_lines=False)
    table.add_column("专家", no_wrap=True)
    for a in grid.applications:
        head = f"{a.id}\n{a.name}" + ("\n[已定稿]" if a.finalized else "")
        table.add_column(head, justify="center")
    for e in grid.experts:
        row = [f"{e.code} {e.name}" + ("（组长）" if e.role == "chair" else "")]
        for a in grid.applications:
            cell = grid.cell(e.id, a.id)
            text = REVIEW_STATUS_ZH[cell.status] + ("*" if cell.conflict_pending else "")
            row.append(f"[{styles[cell.status]}]{text}[/]")
        table.add_row(*row)
    out = console()
    out.print(table)
    counts = grid.counts()
    out.print("合计：" + "，".join(f"{REVIEW_STATUS_ZH[k]} {v}" for k, v in counts.items()))
    if pending:
        out.print(f"* 有 {len(pending)} 项利益冲突待秘书确认或豁免（nzc-review coi DIR list）")
    if not grid.experts or not grid.applications:
        out.print("（尚无专家或申报：nzc-review expert add / session import）")
    return EXIT_OK


def cmd_session_export(args: argparse.Namespace) -> int:
    from nzc_review.store import StoreError
    from nzc_review.store.export import export_workbook

    with _store(args.dir) as store:
        try:
            path = export_workbook(store, _op(), args.out)
        except OSError as exc:
            raise StoreError(f"{args.out}: cannot write ({exc.strerror})") from None
    _out(args, {"out": str(path)}, f"已导出 exported: {path}")
    return EXIT_OK


# --- expert ----------------------------------------------------------------------------------


def _base_url(args: argparse.Namespace) -> str:
    from nzc_review.store.tokens import DEFAULT_BASE_URL

    return args.base_url or os.environ.get("NZC_REVIEW_BASE_URL") or DEFAULT_BASE_URL


def _show_new(args: argparse.Namespace, new, verb: str) -> None:
    """The person's links — the page of their role first (the chair: the dashboard and the
    explorer; the secretary: the dashboard; an analyst: the explorer) — and the token."""
    from nzc_review.store.tokens import role_links

    e = new.expert
    links = role_links(new.token, e.role, _base_url(args))
    shown = "\n".join(f"  {label}: {url}" for label, url in links)
    plural = "links" if len(links) > 1 else "link"
    _out(
        args,
        {
            "expert": _asdict(e),
            "token": new.token,
            "link": links[0][1],
            "links": [{"page": label, "link": url} for label, url in links],
        },
        f"{verb}: #{e.id} {e.code} {e.name}（{e.role_zh}，{e.organisation}）\n"
        f"personal {plural} 个人链接 (shown once — send to this person only):\n{shown}\n"
        f"token: {new.token}",
    )


def cmd_expert_add(args: argparse.Namespace) -> int:
    with _store(args.dir) as store:
        new = store.add_expert(
            _op(),
            name=args.name,
            organisation=args.org,
            role=args.role,
            title=args.title,
            field=args.field,
            county=args.county,
        )
        found = [
            c for c in store.conflicts(_op(), status="pending") if c.expert_id == new.expert.id
        ]
    _show_new(args, new, "已添加 added")
    if found and getattr(args, "format", None) != "json":
        for c in found:
            print(f"  ! 利益冲突待确认 conflict #{c.id} with {c.app_id}: {c.detail}")
    return EXIT_OK


def cmd_expert_list(args: argparse.Namespace) -> int:
    with _store(args.dir) as store:
        experts = store.experts(_op())
    if getattr(args, "format", None) == "json":
        _out(args, [_asdict(e) for e in experts], "")
        return EXIT_OK
    from rich.table import Table

    from nzc_review.store.export import expert_row

    table = Table(title="专家组 expert panel")
    for col in ("ID", "代号", "姓名", "单位", "职称", "专业领域", "县（市、区）", "角色", "有效"):
        table.add_column(col)
    for e in experts:
        table.add_row(str(e.id), *expert_row(e))
    console().print(table)
    return EXIT_OK


def cmd_expert_token(args: argparse.Namespace) -> int:
    with _store(args.dir) as store:
        new = store.reset_token(_op(), args.id)
    _show_new(args, new, "新令牌 new token (the old link no longer works)")
    return EXIT_OK


# --- conflicts of interest -----------------------------------------------------------------


def cmd_coi_list(args: argparse.Namespace) -> int:
    with _store(args.dir) as store:
        op = _op()
        items = store.conflicts(op, status=args.status)
        experts = {e.id: e for e in store.experts(op)}
    if getattr(args, "format", None) == "json":
        _out(args, [_asdict(c) for c in items], "")
        return EXIT_OK
    from rich.table import Table

    table = Table(title="利益冲突 conflicts of interest")
    for col in ("ID", "专家", "申报", "依据", "说明", "状态", "理由"):
        table.add_column(col)
    for c in items:
        e = experts.get(c.expert_id)
        table.add_row(
            str(c.id),
            f"#{c.expert_id} {e.name if e else ''}",
            c.app_id,
            c.basis_zh,
            c.detail,
            c.status_zh,
            c.reason or "",
        )
    out = console()
    out.print(table)
    if not items:
        out.print("（无 none）")
    return EXIT_OK


def cmd_coi_decide(args: argparse.Namespace) -> int:
    with _store(args.dir) as store:
        c = store.decide_conflict(_op(), args.id, args.coi_action, args.reason)
    _out(args, _asdict(c), f"conflict #{c.id}: {c.status_zh} ({c.status}) — {c.reason}")
    return EXIT_OK


def cmd_coi_declare(args: argparse.Namespace) -> int:
    with _store(args.dir) as store:
        c = store.declare_conflict(_op(), args.app, args.reason, expert_id=args.expert)
    _out(args, _asdict(c), f"conflict #{c.id}: expert #{c.expert_id} × {c.app_id} — {c.status_zh}")
    return EXIT_OK


# --- audit -----------------------------------------------------------------------------------


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with _store(args.dir, args.audit_key) as store:
        result = store.verify(_op(), head=args.head)
    if getattr(args, "format", None) == "json":
        _out(args, {**_asdict(result), "anchor": result.anchor}, "")
    elif result.ok:
        print(f"审计记录完整：共 {result.events} 条事件，链头 {result.anchor}")
        if args.head:
            print(f"记录的链头 {args.head.strip()} 之前的事件均未被删除或改写")
    else:
        for _, message in result.problems:
            print(message, file=sys.stderr)
    if getattr(args, "format", None) != "json":
        for warning in result.warnings:
            print(f"注意：{warning}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_INVALID


def cmd_audit_head(args: argparse.Namespace) -> int:
    from nzc_review.store import audit_head

    with _store(args.dir) as store:
        head = audit_head(store, _op())
    _out(args, {"head": head}, head)
    return EXIT_OK


def cmd_audit_log(args: argparse.Namespace) -> int:
    with _store(args.dir) as store:
        events = store.events(_op(), limit=args.limit)
    if getattr(args, "format", None) == "json":
        _out(args, [_asdict(e) for e in events], "")
        return EXIT_OK
    for e in events:
        print(
            f"#{e.seq} {e.at} {e.actor} ({e.actor_role} {e.actor_name}) "
            f"{e.action} {e.entity} {e.entity_id} {str(e.hash)[:12]}"
        )
    return EXIT_OK


# --- registration ----------------------------------------------------------------------------


def _fmt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text")


def _audit_key(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--audit-key",
        metavar="KEYFILE",
        help=f"{what} (default $NZC_REVIEW_AUDIT_KEY, else DIR/audit.key)",
    )


def _group(subparsers, name: str, help_text: str, *, directory: bool = False):
    """Add the command ``name`` and return its subparsers, one per ACTION (``args.<name>_action``);
    with ``directory``, the session folder ``DIR`` comes before the ACTION."""
    p = subparsers.add_parser(name, help=help_text)
    if directory:
        p.add_argument("dir", metavar="DIR")
    return p.add_subparsers(dest=f"{name}_action", required=True, metavar="ACTION")


def _command(
    sub, name: str, help_text: str, func, *, directory: bool = True
) -> argparse.ArgumentParser:
    """Add the subcommand ``name``, run by ``func``, with the session folder ``DIR`` as its
    first argument (unless ``directory`` is false); the caller adds the others, then
    :func:`_fmt` last."""
    q = sub.add_parser(name, help=help_text)
    if directory:
        q.add_argument("dir", metavar="DIR")
    q.set_defaults(func=func)
    return q


def register(subparsers) -> None:
    """Add ``session``, ``expert``, ``coi`` and ``audit``."""
    from nzc_review.store import ROLES

    # session
    sub = _group(
        subparsers, "session", "review sessions (评审会): create, import, assign, status, export"
    )

    q = _command(sub, "create", "create a review session in a folder", cmd_session_create)
    q.add_argument("--name", required=True, help="session name, e.g. 第一批试点评审会")
    q.add_argument(
        "--kind",
        choices=("review", "acceptance"),
        default="review",
        help="review (专家评审 of applications, default) or acceptance (专家验收 of "
        "self-evaluation reports, nzc-acceptance/1; --rules is then the acceptance rules file "
        "of `nzc-review accept --rules`)",
    )
    q.add_argument("--date", help="session date, e.g. 2024-05-20")
    q.add_argument("--batch", help="pilot batch, e.g. 2024年第一批")
    q.add_argument(
        "--criteria",
        metavar="FILE",
        help="review criteria (YAML/JSON list of names or {id, name, weight}); "
        "default: the six of DESIGN.md, equal weights",
    )
    q.add_argument(
        "--display",
        choices=("letters", "names"),
        help="how experts are shown: 专家A/B/C (default) or names",
    )
    q.add_argument(
        "--chair-scores",
        action="store_true",
        help="the chair also scores as a member of the panel (default: the chair presides, "
        "writes the consensus and finalizes, but does not score)",
    )
    from nzc_review.cli.commands.evaluate import add_rules_option

    add_rules_option(q)
    _audit_key(q, "where to create the audit key file (mode 0600)")
    _fmt(q)

    q = _command(
        sub,
        "import",
        "import application files (YAML/JSON/Excel), or self-evaluation reports "
        "(nzc-acceptance/1) into an acceptance session; a changed file becomes a new version",
        cmd_session_import,
    )
    q.add_argument("files", nargs="+", metavar="FILE")
    _fmt(q)

    q = _command(sub, "assign", "assign applications to experts", cmd_session_assign)
    q.add_argument(
        "--all",
        action="store_true",
        help="every expert (and the chair, if the chair scores) × every open application",
    )
    q.add_argument(
        "--expert",
        type=int,
        action="append",
        metavar="ID",
        help="expert id (repeatable); alone: all applications for this expert",
    )
    q.add_argument(
        "--app",
        action="append",
        metavar="ID",
        help="application id (repeatable); alone: all experts for this application",
    )
    _fmt(q)

    _fmt(_command(
        sub, "status", "progress grid experts × applications (评审进度)", cmd_session_status
    ))
    q = _command(sub, "export", "Excel workbook with every score and opinion", cmd_session_export)
    q.add_argument("out", metavar="OUT.xlsx")

    # expert
    sub = _group(
        subparsers, "expert", "people of the session (专家组、秘书、分析人员): add, list, new token"
    )
    q = _command(
        sub,
        "add",
        "add an expert, the chair, the secretary or an analyst; prints their personal link(s) "
        "once",
        cmd_expert_add,
    )
    q.add_argument("--name", required=True)
    q.add_argument("--org", required=True, help="organisation (单位)")
    q.add_argument("--title", help="title (职称)")
    q.add_argument("--field", help="field (专业领域)")
    q.add_argument("--county", help="county (县/市/区), for conflict-of-interest detection")
    q.add_argument(
        "--role",
        choices=ROLES,
        required=True,
        help="expert (scores), chair (dashboard and explorer), secretary (progress, results "
        "once finalized), analyst (explorer)",
    )
    q.add_argument(
        "--base-url",
        metavar="URL",
        help="Voila server base URL (default $NZC_REVIEW_BASE_URL or "
        "http://127.0.0.1:8866), or the full page URL",
    )
    _fmt(q)
    _fmt(_command(sub, "list", "list the panel", cmd_expert_list))
    q = _command(
        sub, "token", "issue a new personal link (the old one stops working)", cmd_expert_token
    )
    q.add_argument("id", type=int, metavar="ID")
    q.add_argument("--base-url", metavar="URL")
    _fmt(q)

    # coi
    sub = _group(
        subparsers,
        "coi",
        "conflicts of interest (利益冲突/回避): list, confirm, waive, declare",
        directory=True,
    )
    q = _command(
        sub,
        "list",
        "list conflicts (detected ones await a decision)",
        cmd_coi_list,
        directory=False,
    )
    q.add_argument("--status", choices=("declared", "pending", "confirmed", "waived"))
    _fmt(q)
    for action, text in (
        ("confirm", "confirm a detected conflict: the expert is recused"),
        ("waive", "waive a detected conflict: the expert may score"),
    ):
        q = _command(sub, action, text, cmd_coi_decide, directory=False)
        q.add_argument("id", type=int, metavar="ID", help="conflict id (see list)")
        q.add_argument("--reason", required=True)
        _fmt(q)
    q = _command(
        sub,
        "declare",
        "record a conflict an expert declared (recuses at once)",
        cmd_coi_declare,
        directory=False,
    )
    q.add_argument("--expert", type=int, required=True, metavar="ID")
    q.add_argument("--app", required=True, metavar="ID")
    q.add_argument("--reason", required=True)
    _fmt(q)

    # audit
    sub = _group(
        subparsers, "audit", "audit trail: verify the keyed hash chain, print its head, show events"
    )
    q = _command(
        sub,
        "verify",
        "check the keyed hash chain and the records (exit 2 if anything fails)",
        cmd_audit_verify,
    )
    q.add_argument(
        "--head",
        metavar="COUNT:HASH",
        help="a head written down earlier (audit head, printed on every opinion report and "
        "summary): prove that no event up to it was removed or rewritten",
    )
    _audit_key(q, "the audit key file")
    _fmt(q)
    _fmt(_command(
        sub,
        "head",
        "print the head of the audit trail (COUNT:HASH) to write in the minutes",
        cmd_audit_head,
    ))
    q = _command(sub, "log", "print audit events, oldest first", cmd_audit_log)
    q.add_argument("--limit", type=positive_int, metavar="N", help="only the last N events")
    _fmt(q)
