"""The programme register (试点名录): every application of every batch, its status and its
whole history, in one folder.

Typical use::

    from nzc_review.programme import open_register

    with open_register(folder) as reg:        # also records what linked sessions finalized
        for row in reg.status_rows(): ...
        reg.advance("HC-2024-YQ-001", "titled", by="市生态环境局", doc="河环函〔2026〕8号")

The folder holds ``programme.sqlite`` (:mod:`nzc_review.programme.database`, with the audit
chain), ``audit.key``, ``files/<id>/`` (each registered version of each application file, a
copy: the original is never moved) and ``disclosures/<id>/`` (the linked yearly disclosures).
The transitions allowed, the routing of pilot types to departments and the other rules are data
(``programme.yaml``, :mod:`nzc_review.programme.catalog`); the status of an application is the
last of its transitions, never stored apart (nothing derived can go stale).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from nzc_review.errors import InputError
from nzc_review.files.atomic import write_atomic
from nzc_review.files.safe_paths import OutputPathError, child_path
from nzc_review.policy.catalog import PILOT_TYPE_ZH
from nzc_review.programme.catalog import ProgrammeRules, programme_rules
from nzc_review.programme.checks import check_date, check_text
from nzc_review.programme.database import Database, Tx
from nzc_review.programme.errors import ProgrammeError
from nzc_review.programme.transitions import check_transition, resolve_status
from nzc_review.store.audit import utc_now

__all__ = ["Register", "Submission", "create_register", "open_register", "read_submission"]

#: The folder of the registered application files, and of the linked disclosures.
FILES_DIR, DISCLOSURES_DIR = "files", "disclosures"


@dataclass(frozen=True)
class Submission:
    """An application file as read for registering: the validated application
    (:class:`~nzc_review.policy.application.Application`), the file's bytes and name."""

    application: Any
    content: bytes
    source_name: str


def read_submission(path: str | os.PathLike[str]) -> Submission:
    """Read and validate one application file (YAML, JSON or Excel, :mod:`nzc_review.intake`).

    Raises
    ------
    InputError
        Naming the file and every bad field.
    """
    from nzc_review.intake import load_application

    path = Path(path)
    application = load_application(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InputError(path.name, f"无法读取（{exc.strerror or exc}）") from None
    return Submission(application, content, path.name)


def _check_at(at: str | None) -> str | None:
    """An instant given by a caller: ISO 8601 with a time zone, returned in UTC with ``Z``."""
    if at is None:
        return None
    try:
        when = dt.datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    except ValueError:
        raise ProgrammeError(f"时间 {at!r} 不是 ISO 8601 时间") from None
    if when.tzinfo is None:
        raise ProgrammeError(f"时间 {at!r} 须带时区（UTC 写作 …Z）")
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Register:
    """An open register. Obtain it with :func:`open_register` or :func:`create_register`.

    Attributes
    ----------
    folder:
        The register folder.
    rules:
        The rules (:class:`~nzc_review.programme.catalog.ProgrammeRules`).
    notes:
        What the last pull from the linked sessions could not record (Chinese sentences),
        for the command line and the panels to show.
    """

    def __init__(self, db: Database, rules: ProgrammeRules | None = None):
        self.db = db
        self.folder = db.folder
        self.rules = rules or programme_rules()
        self.notes: list[str] = []
        settings = db.read(lambda tx: {r["name"]: r["value"]
                                       for r in tx.all("SELECT name, value FROM settings")})
        self.routing: dict[str, str] = json.loads(settings["routing"])
        self.routing_source: str = settings.get("routing_source", "")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Register({str(self.folder)!r})"

    # --- reading -----------------------------------------------------------------------------

    def department(self, pilot_type: str) -> str:
        """The city department an application of this type is routed to."""
        return self.routing.get(pilot_type, "")

    def status_rows(self) -> list[dict[str, Any]]:
        """One dict per application (the shared contract): ``id``, ``name``, ``pilot_type``,
        ``county``, ``department``, ``status``, ``status_label``, ``since``, ``history``,
        ``disclosures``, ``sessions``, ``title``; and ``batch``, ``applicant`` (建设主体) and
        ``version`` (the registered file's version)."""
        return self.db.read(lambda tx: self._rows(tx))

    def row(self, app_id: str) -> dict[str, Any]:
        """The row of one application (:meth:`status_rows`).

        Raises
        ------
        ProgrammeError
            No such application in the register.
        """
        rows = self.db.read(lambda tx: self._rows(tx, app_id))
        if not rows:
            raise ProgrammeError(self._unknown(app_id))
        return rows[0]

    def status_of(self, app_id: str) -> str:
        """The current status code of an application."""
        return self.db.read(lambda tx: self.current_status(tx, app_id))

    def versions(self, app_id: str) -> list[dict[str, Any]]:
        """The registered versions of an application's file, oldest first."""
        return self.db.read(lambda tx: [dict(r) for r in tx.all(
            "SELECT * FROM versions WHERE app_id = ? ORDER BY version", (app_id,))])

    def session_results(self, app_id: str | None = None) -> list[dict[str, Any]]:
        """What linked sessions concluded, application by application, and whether it was
        recorded (``applied``) or why not (``note``)."""
        sql = ("SELECT r.*, s.folder, s.name AS session_name, s.kind FROM session_results r"
               " JOIN sessions s ON s.id = r.session_id")
        args: tuple = ()
        if app_id is not None:
            sql += " WHERE r.app_id = ?"
            args = (app_id,)
        return self.db.read(lambda tx: [dict(r) for r in tx.all(sql + " ORDER BY r.recorded_at",
                                                                 args)])

    def linked_sessions(self) -> list[dict[str, Any]]:
        """The linked sessions (id, folder, kind, name, linked_at, linked_by)."""
        return self.db.read(lambda tx: [dict(r) for r in tx.all(
            "SELECT * FROM sessions ORDER BY id")])

    def verify(self) -> Any:
        """Check the audit trail (:func:`nzc_review.programme.trail.verify_register`)."""
        from nzc_review.programme.trail import verify_register

        return verify_register(self.db)

    def _unknown(self, app_id: str) -> str:
        return f"试点名录 {self.folder} 中没有申报 {app_id}"

    def current_status(self, tx: Tx, app_id: str) -> str:
        """The status of an application inside an open transaction: its last transition's.

        Raises
        ------
        ProgrammeError
            No such application.
        """
        row = tx.one("SELECT status FROM transitions WHERE app_id = ? ORDER BY id DESC LIMIT 1",
                     (app_id,))
        if row is None:
            raise ProgrammeError(self._unknown(app_id))
        return str(row["status"])

    def _rows(self, tx: Tx, app_id: str | None = None) -> list[dict[str, Any]]:
        where, args = ("WHERE id = ?", (app_id,)) if app_id is not None else ("", ())
        apps = tx.all(f"SELECT * FROM applications {where} ORDER BY registered_at, rowid", args)
        history: dict[str, list[dict[str, Any]]] = {a["id"]: [] for a in apps}
        titles: dict[str, dict[str, Any] | None] = {}
        for t in tx.all("SELECT * FROM transitions ORDER BY id"):
            if t["app_id"] not in history:
                continue
            history[t["app_id"]].append({
                "status": t["status"], "status_label": self.rules.label(t["status"]),
                "at": t["at"], "by": t["by"], "doc": t["doc"], "reason": t["reason"],
                "date": t["date"]})
            if t["status"] == "titled":
                titles[t["app_id"]] = {"name": t["title"], "date": t["date"] or t["at"][:10],
                                       "doc": t["doc"]}
        disclosures = self._by_app(tx, "SELECT app_id, file FROM disclosures ORDER BY id")
        sessions = self._by_app(tx, "SELECT a.app_id, s.folder FROM session_apps a JOIN sessions s"
                                    " ON s.id = a.session_id ORDER BY s.id")
        versions = {r[0]: r[1] for r in tx.all(
            "SELECT app_id, max(version) FROM versions GROUP BY app_id")}
        rows = []
        for a in apps:
            steps = history[a["id"]]
            status = steps[-1]["status"]
            rows.append({
                "id": a["id"], "name": a["name"], "pilot_type": a["pilot_type"],
                "county": a["county"], "department": self.department(a["pilot_type"]),
                "status": status, "status_label": self.rules.label(status),
                "since": steps[-1]["at"], "history": steps,
                "disclosures": [str(self.folder / f) for f in disclosures.get(a["id"], [])],
                "sessions": sessions.get(a["id"], []),
                "title": titles.get(a["id"]) if status in ("titled", "re_review") else None,
                "batch": a["batch"], "applicant": a["applicant"],
                "version": versions.get(a["id"], 1),
            })
        return rows

    @staticmethod
    def _by_app(tx: Tx, sql: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for app_id, value in tx.all(sql):
            out.setdefault(app_id, []).append(value)
        return out

    # --- changing ----------------------------------------------------------------------------

    def advance(
        self,
        app_id: str,
        to: str,
        *,
        by: str,
        doc: str | None = None,
        reason: str | None = None,
        at: str | None = None,
        date: str | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        """Move one application to ``to`` (a status code or its Chinese label).

        Parameters
        ----------
        by:
            Who decides (a person or a department).
        doc:
            The document (文号) deciding it; required for ``titled``.
        reason:
            Required for ``county_returned``, ``objection_upheld``, ``not_accepted``,
            ``revoked`` (the rules' ``requires``).
        at:
            When it is recorded (ISO 8601 with a time zone; default now, UTC).
        date:
            The date of the document (``YYYY-MM-DD``).
        title:
            The title awarded (``titled`` only; default the rules' wording).

        Returns
        -------
        dict
            The application's row after the change (:meth:`status_rows`).

        Raises
        ------
        TransitionRefused
            A change the rules do not allow (naming the application, its status and the
            statuses allowed next), or a required reason or document number missing.
        ProgrammeError
            No such application, or a bad text or date.
        """
        code = resolve_status(self.rules, to)
        fields = self._fields(by=by, doc=doc, reason=reason, date=date, at=at)
        title = check_text(title, "称号（--title）", required=False)
        if title and code != "titled":
            raise ProgrammeError("称号（--title）只在变更为已授予称号（titled）时给出")

        def work(tx: Tx) -> None:
            self.transition(tx, app_id, code, title=title, **fields)

        self.db.write(work, by=fields["by"])
        return self.row(app_id)

    @staticmethod
    def _fields(*, by: str, doc: str | None, reason: str | None, date: str | None,
                at: str | None) -> dict[str, Any]:
        return {
            "by": check_text(by, "经办（--by）"),
            "doc": check_text(doc, "文号（--doc）", required=False),
            "reason": check_text(reason, "理由（--reason）", required=False, long=True),
            "date": check_date(date, "文件日期（--date）", required=False),
            "at": _check_at(at),
        }

    def transition(self, tx: Tx, app_id: str, to: str, *, by: str, doc: str | None = None,
                   reason: str | None = None, date: str | None = None, at: str | None = None,
                   title: str | None = None, via: str | None = None,
                   source: str | None = None) -> None:
        """Record one checked transition inside an open write transaction (the commands that
        move several applications at once call it for each)."""
        current = self.current_status(tx, app_id)
        check_transition(self.rules, app_id, current, to, via=via, doc=doc, reason=reason)
        if to == "titled" and not title:
            pilot_type = tx.one("SELECT pilot_type FROM applications WHERE id = ?",
                                (app_id,))["pilot_type"]
            title = self.rules.title_name(pilot_type)
        tx.insert("transitions", {
            "app_id": app_id, "status": to, "at": at or tx.now, "by": by, "doc": doc,
            "reason": reason, "date": date, "title": title if to == "titled" else None,
            "source": source}, self.rules.label(to))

    def register(
        self,
        submissions: Sequence[Submission],
        *,
        batch: str,
        by: str,
        county: str | None = None,
    ) -> list[dict[str, Any]]:
        """Register application files (all or none): each new application enters the
        register as 已报送（待县级审核）; an application returned by its county
        (``county_returned``) is re-submitted with the new file as its next version.

        The county is the file's (``applicant.county``); ``county`` is taken for a file without
        one and must agree with a file that has one. The file is copied into
        ``DIR/files/<id>/`` (the original stays where it is).

        Raises
        ------
        InputError
            Naming the file and the field: no county, another county, an id twice, an id
            already registered and not returned, another pilot type or batch for a
            re-submission.
        """
        batch_text = check_text(batch, "批次（--batch）")
        by_text = check_text(by, "经办（--by）")
        county_text = check_text(county, "县（区）（--county）", required=False)
        seen: dict[str, str] = {}
        for s in submissions:
            app = s.application
            if app.id in seen:
                raise InputError(s.source_name, [("id", f"申报 {app.id} 已在 {seen[app.id]} 中，"
                                                        "同一次登记不能重复")])
            seen[app.id] = s.source_name
            self._county(s, county_text)

        def work(tx: Tx) -> list[str]:
            for s in submissions:
                self._check_one(tx, s, batch_text)
            return [self._register_one(tx, s, batch_text, self._county(s, county_text), by_text)
                    for s in submissions]

        ids = self.db.write(work, by=by_text)
        return [self.row(i) for i in ids]

    @staticmethod
    def _county(s: Submission, given: str | None) -> str:
        applicant = s.application.applicant
        in_file = (applicant.county or "").strip() if applicant is not None else ""
        if in_file and given and in_file != given:
            raise InputError(s.source_name, [("applicant.county",
                                              f"申报文件写的是 {in_file}，与 --county {given} 不符")])
        if not in_file and not given:
            raise InputError(s.source_name, [("applicant.county",
                                              "申报文件没有写县（区），请用 --county 给出")])
        return in_file or str(given)

    def _check_one(self, tx: Tx, s: Submission, batch: str) -> None:
        """Refuse a file whose id is registered and not returned by its county, or whose
        re-submission changes its pilot type or batch (before anything is written)."""
        app = s.application
        existing = tx.one("SELECT * FROM applications WHERE id = ?", (app.id,))
        if existing is None:
            return
        current = self.current_status(tx, app.id)
        if current != "county_returned":
            raise InputError(s.source_name, [("id", f"申报 {app.id} 已在试点名录中（状态："
                                                    f"{self.rules.label(current)}），只有县级审核"
                                                    "退回的申报可以重新报送")])
        if existing["pilot_type"] != app.pilot_type:
            raise InputError(s.source_name, [("pilot_type", (
                f"重新报送的申报 {app.id} 原为{PILOT_TYPE_ZH[existing['pilot_type']]}，"
                f"不能改为{PILOT_TYPE_ZH[app.pilot_type]}"))])
        if existing["batch"] != batch:
            raise InputError(s.source_name, [("id", f"申报 {app.id} 属于批次 "
                                                    f"{existing['batch']}，不能以批次 {batch} 重新报送")])

    def _register_one(self, tx: Tx, s: Submission, batch: str, county: str, by: str) -> str:
        app = s.application
        existing = tx.one("SELECT * FROM applications WHERE id = ?", (app.id,))
        applicant = app.applicant.organization if app.applicant is not None else None
        if existing is not None:
            tx.update("applications", app.id, {"name": app.name, "county": county,
                                               "applicant": applicant}, "重新报送")
        else:
            tx.insert("applications", {
                "id": app.id, "name": app.name, "pilot_type": app.pilot_type, "county": county,
                "applicant": applicant, "batch": batch, "registered_at": tx.now}, "登记")
        version = tx.one("SELECT coalesce(max(version), 0) + 1 FROM versions WHERE app_id = ?",
                         (app.id,))[0]
        stored = self._store_copy(FILES_DIR, app.id, f"v{version}{Path(s.source_name).suffix.lower()}",
                                  s.content)
        tx.insert("versions", {
            "app_id": app.id, "version": version, "file": stored, "source_name": s.source_name,
            "sha256": hashlib.sha256(s.content).hexdigest(), "registered_at": tx.now,
            "registered_by": by}, "报送")
        if existing is not None:
            self.transition(tx, app.id, "submitted", by=by, via="register",
                            reason=f"重新报送（第 {version} 版申报文件 {s.source_name}）")
        else:
            tx.insert("transitions", {
                "app_id": app.id, "status": self.rules.initial, "at": tx.now, "by": by,
                "doc": None, "reason": None, "date": None, "title": None, "source": None},
                self.rules.label(self.rules.initial))
        return str(app.id)

    def _store_copy(self, kind: str, app_id: str, name: str, content: bytes) -> str:
        """Write a copy inside ``DIR/<kind>/<app_id>/<name>`` (each part proven a direct child,
        OWASP Path Traversal); returns its path relative to the folder."""
        try:
            base = child_path(self.folder, kind)
            base.mkdir(exist_ok=True)
            folder = child_path(base, app_id)
            folder.mkdir(exist_ok=True)
            target = child_path(folder, name)
        except (OutputPathError, OSError) as exc:
            raise ProgrammeError(f"{self.folder}: 无法在名录文件夹中保存文件副本（{exc}）") from None
        write_atomic(target, content, make_parents=False)
        return f"{kind}/{app_id}/{name}"

    def link_disclosure(self, app_id: str, path: str | os.PathLike[str], *, by: str
                        ) -> dict[str, Any]:
        """Link a yearly carbon disclosure file (``nzc-disclosure/1``, 四、(四)) to an
        application confirmed as a pilot (or later): the file is checked
        (:func:`nzc_review.lifecycle.intake.load_disclosure`), must be the application's, and
        is copied into ``DIR/disclosures/<id>/``.

        Raises
        ------
        InputError
            The file is not a valid disclosure, or of another pilot (``pilot.id``).
        ProgrammeError
            No such application, or not yet confirmed.
        """
        from nzc_review.lifecycle.intake import load_disclosure

        by_text = check_text(by, "经办（--by）")
        path = Path(path)
        loaded = load_disclosure(path)
        pilot = loaded.disclosure.pilot.id
        if pilot != app_id:
            raise InputError(path.name, [("pilot.id", f"披露文件属于试点 {pilot}，不是申报 {app_id}")])
        content = path.read_bytes()
        years = sorted(loaded.disclosure.years)

        def work(tx: Tx) -> None:
            status = self.current_status(tx, app_id)
            if status not in self.rules.disclosure.statuses:
                allowed = "、".join(self.rules.label(s) for s in self.rules.disclosure.statuses)
                raise ProgrammeError(f"申报 {app_id} 当前状态为{self.rules.named(status)}，"
                                     f"尚不能关联年度碳排放信息披露（须为{allowed}）")
            n = tx.one("SELECT count(*) FROM disclosures WHERE app_id = ?", (app_id,))[0] + 1
            stored = self._store_copy(DISCLOSURES_DIR, app_id,
                                      f"{n}-{'-'.join(map(str, years))}{path.suffix.lower()}",
                                      content)
            tx.insert("disclosures", {
                "app_id": app_id, "file": stored, "source_name": path.name,
                "sha256": hashlib.sha256(content).hexdigest(), "years": json.dumps(years),
                "linked_at": tx.now, "linked_by": by_text}, "关联")

        self.db.write(work, by=by_text)
        return self.row(app_id)


def create_register(
    folder: str | os.PathLike[str],
    *,
    routing: dict[str, str] | None = None,
    routing_source: str | None = None,
    by: str,
    clock: Callable[[], str] = utc_now,
) -> Register:
    """Make a register in ``folder`` and open it.

    Parameters
    ----------
    routing:
        Pilot type → city department (checked, :func:`~nzc_review.programme.catalog.check_routing`);
        default the plan's (三、(一)1 组织申报, ``programme.yaml``). Kept in the register.
    routing_source:
        Where the routing came from (a file name), recorded with it.

    Raises
    ------
    ProgrammeError
        The folder already holds a register or cannot be written.
    """
    from nzc_review.programme.catalog import check_routing

    rules = programme_rules()
    chosen = check_routing(routing, routing_source or "routing") if routing is not None \
        else dict(rules.routing.departments)
    source = routing_source or f"默认（河环发〔2023〕23号 {rules.routing.basis}）"
    db = Database.create(folder, {"routing": json.dumps(chosen, ensure_ascii=False),
                                  "routing_source": source},
                         by=check_text(by, "经办（--by）"), clock=clock)
    return Register(db, rules)


def open_register(
    folder: str | os.PathLike[str],
    *,
    sync: bool = True,
    clock: Callable[[], str] = utc_now,
) -> Register:
    """Open the register in ``folder``.

    With ``sync`` (the default) the linked review and acceptance sessions are read first and
    what they finalized since is recorded (:func:`nzc_review.programme.sessions.pull`,
    idempotent); what could not be recorded is in :attr:`Register.notes`. A session that
    cannot be read never stops the register from opening.

    Raises
    ------
    NotAProgramme
        The folder holds no register (naming it).
    ProgrammeError
        The register's database is damaged.
    """
    reg = Register(Database(folder, clock=clock))
    if sync:
        from nzc_review.programme.sessions import pull

        reg.notes = pull(reg)
    return reg
