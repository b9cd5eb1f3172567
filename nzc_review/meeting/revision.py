"""Revision round (修改完善): what changed between two versions of an application, and which
required revisions of the panel's consensus were addressed.

An applicant's revised application is imported into the session as a new version
(:func:`~nzc_review.meeting.documents.import_file`: same id, different content → version n+1; every version is kept). An
application the panel finalized with 修改完善后推荐 takes its revised file as the next review
round: the finalized round is kept whole (:meth:`nzc_review.store.SQLiteStore.rounds`) and the
application is open again at the new version. Then:

* :func:`diff_applications` (pure) compares two snapshots: indicator by indicator (added,
  removed, changed — which of current / target / benchmark / unit / evidence / basis / note),
  the key projects (matched by name: added, removed, changed fields) and every other
  top-level field, each mapped to the section of the application outline (附件2 一…八) that
  carries it (``nzc_review/policy/catalog/outline.yaml``, ``fields``).
* :func:`check_revisions` (pure) applies the heuristic below to the 修改意见 of the
  consensus (:mod:`nzc_review.meeting.opinion.consensus`: items tagged ``【五、重点项目】`` …).
* :func:`compare_versions` reads both versions and the consensus from the store.

The heuristic
-------------
A revision tagged with an outline section is **已修改** (addressed) when any field that
section carries changed between the two versions, and **未见修改** (not seen) otherwise:

====  ==================  ==========================================
一    申报主体概况          name, applicant, profile
二    建设基础及可行性      emissions_tco2, energy, bau_growth_rate, basis_and_feasibility
三    建设目标              base_year, period, indicators
四    主要任务              main_tasks, key_projects
五    重点项目              key_projects
六    进度安排              schedule
七    保障措施              safeguards
八    有关证明材料          proofs
====  ==================  ==========================================

A revision without a section tag cannot be judged by the heuristic: it is listed as
**需人工核对** (check by hand). 已修改 means only that the applicant changed that part of the
application, not that the change satisfies the panel: the panel still reads it.

Which consensus: the one that judged the earlier version — the consensus of the closed review
round on that version, when the revised file opened a new round; otherwise the last consensus
the chair set before the newer version was imported, read from the audit trail. When the chair
set none before the import, the current consensus is used, and
:attr:`RevisionReport.consensus_source` says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, Literal

from nzc_review.errors import NzcError
from nzc_review.meeting.opinion.consensus import Revision, parse_consensus, section_label
from nzc_review.policy import catalog
from nzc_review.present.dates import date_zh
from nzc_review.store import RECOMMENDATION_ZH, Actor, ReviewStore

__all__ = [
    "CHECK_STATUS_ZH",
    "ApplicationDiff",
    "FieldChange",
    "IndicatorChange",
    "ProjectChange",
    "RevisionCheck",
    "RevisionError",
    "RevisionReport",
    "check_revisions",
    "compare_versions",
    "diff_applications",
    "section_fields",
    "show_value",
]

Change = Literal["added", "removed", "changed"]
CHANGE_ZH = {"added": "新增", "removed": "删除", "changed": "修改"}
CheckStatus = Literal["addressed", "not_addressed", "untagged"]
CHECK_STATUS_ZH = {
    "addressed": "已修改",
    "not_addressed": "未见修改",
    "untagged": "需人工核对",
}

#: Labels of the fields of one indicator value.
INDICATOR_FIELDS_ZH = {
    "current": "现状值",
    "target": "目标值",
    "benchmark": "基准值",
    "unit": "单位",
    "evidence": "佐证材料",
    "basis": "口径",
    "note": "说明",
}
#: Labels of the top-level fields of an application (those not in a table of their own).
TOP_FIELDS_ZH = {
    "name": "申报名称",
    "applicant": "申报主体",
    "profile": "基本情况（人口、面积、产值）",
    "base_year": "基准年",
    "period": "建设期",
    "emissions_tco2": "碳排放总量",
    "energy": "能源活动数据",
    "bau_growth_rate": "基准情景排放增长率",
    "basis_and_feasibility": "有利条件和面临障碍、工作基础及特色亮点、可行性结论",
    "main_tasks": "主要任务",
    "schedule": "进度安排",
    "safeguards": "保障措施",
    "eligibility": "遴选条件作答",
    "proofs": "证明材料",
    "pilot_type": "试点类型",
    "format": "文件格式",
    "indicators": "指标",
    "key_projects": "重点项目",
}


class RevisionError(NzcError):
    """Versions that cannot be compared (unknown version, only one version, …)."""


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: its key, Chinese label and both values (``None``: absent)."""

    field: str
    label: str
    before: Any
    after: Any

    def describe(self) -> str:
        """``目标值 12 → 15``."""
        return f"{self.label} {show_value(self.before)} → {show_value(self.after)}"


class _Changed:
    """``change_zh`` of a change record (新增 / 删除 / 修改)."""

    change: Change

    @property
    def change_zh(self) -> str:
        return CHANGE_ZH[self.change]


@dataclass(frozen=True)
class IndicatorChange(_Changed):
    """An indicator added, removed or changed between the versions."""

    code: str
    name_zh: str
    change: Change
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class ProjectChange(_Changed):
    """A key project (重点项目) added, removed or changed (matched by name)."""

    name: str
    change: Change
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class ApplicationDiff:
    """What changed between two versions of one application.

    Attributes
    ----------
    indicators, projects:
        Changes of the indicators (catalog order) and key projects.
    fields:
        Every other top-level field that changed (``period``, ``schedule``, …), with both
        values.
    sections:
        The outline sections (一…八) with a changed field, in order.
    """

    app_id: str
    from_version: int | None
    to_version: int | None
    indicators: tuple[IndicatorChange, ...]
    projects: tuple[ProjectChange, ...]
    fields: tuple[FieldChange, ...]
    sections: tuple[str, ...]

    @property
    def changed_keys(self) -> frozenset[str]:
        """Top-level keys that changed (``indicators`` and ``key_projects`` included)."""
        keys = {f.field for f in self.fields}
        if self.indicators:
            keys.add("indicators")
        if self.projects:
            keys.add("key_projects")
        return frozenset(keys)

    @property
    def unchanged(self) -> bool:
        """The two versions carry the same content."""
        return not (self.indicators or self.projects or self.fields)


@dataclass(frozen=True)
class RevisionCheck:
    """One required revision and whether the revised version touched its section.

    Attributes
    ----------
    number:
        Its position in the consensus's 修改意见 (1-based).
    revision:
        The revision (text and outline section).
    status:
        ``addressed`` (已修改), ``not_addressed`` (未见修改) or ``untagged`` (需人工核对).
    evidence:
        What changed in that section (``指标 YQ-03 目标值 12 → 15``, ``重点项目“余热利用”新增``).
    """

    number: int
    revision: Revision
    status: CheckStatus
    evidence: tuple[str, ...] = ()

    @property
    def status_zh(self) -> str:
        """已修改 / 未见修改 / 需人工核对."""
        return CHECK_STATUS_ZH[self.status]


@cache
def section_fields() -> dict[str, tuple[str, ...]]:
    """Outline section number → the application fields it carries (``outline.yaml``)."""
    return {s.number: tuple(s.fields) for s in catalog.outline().sections}


def _same(a: Any, b: Any) -> bool:
    """Equal plain data where ``6 == 6.0`` but ``True != 1``; ``None`` equals an absent or
    empty value."""
    if _empty(a) and _empty(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys = set(a) | set(b)
        return all(_same(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _empty(value: Any) -> bool:
    """``None``, an empty text or list, or a mapping whose values are all empty."""
    if isinstance(value, Mapping):
        return all(_empty(v) for v in value.values())
    return value is None or (isinstance(value, list | tuple | str) and not value)


def show_value(value: Any) -> str:
    """A value for display: ``—`` for none, 是/否, whole floats without ``.0``, short JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping | list):
        import json

        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return text if len(text) <= 80 else text[:77] + "…"
    return str(value)


def _indicator_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[IndicatorChange]:
    index = catalog.indicator_index()
    out = []
    for code in sorted(set(old) | set(new)):
        a, b = old.get(code), new.get(code)
        # an innovative indicator (创新指标) names itself
        name = index[code].name_zh if code in index else str((b or a or {}).get("name") or "")
        if _empty(a) and not _empty(b):
            out.append(IndicatorChange(code, name, "added", _value_fields({}, b)))
        elif _empty(b) and not _empty(a):
            out.append(IndicatorChange(code, name, "removed", _value_fields(a, {})))
        elif not _same(a, b):
            out.append(IndicatorChange(code, name, "changed", _value_fields(a, b)))
    return out


def _value_fields(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    keys = [k for k in INDICATOR_FIELDS_ZH if k in a or k in b]
    keys += sorted(k for k in set(a) | set(b) if k not in INDICATOR_FIELDS_ZH)
    return tuple(
        FieldChange(k, INDICATOR_FIELDS_ZH.get(k, k), a.get(k), b.get(k))
        for k in keys
        if not _same(a.get(k), b.get(k))
    )


def _project_labels() -> dict[str, str]:
    labels = {f.field: f.label_zh for f in catalog.outline().key_project_fields}
    labels.setdefault("lifetime_years", "使用年限")
    return labels


def _keyed_projects(projects: Sequence[Mapping[str, Any]]) -> dict[tuple[str, int], Mapping]:
    """Projects keyed by (name, occurrence): two projects of the same name stay apart."""
    seen: dict[str, int] = {}
    out = {}
    for p in projects:
        name = str(p.get("name") or "").strip()
        n = seen.get(name, 0)
        seen[name] = n + 1
        out[(name, n)] = p
    return out


def _project_changes(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> list[ProjectChange]:
    labels = _project_labels()
    a, b = _keyed_projects(old), _keyed_projects(new)

    def fields(x: Mapping[str, Any], y: Mapping[str, Any]) -> tuple[FieldChange, ...]:
        keys = [k for k in labels if k in x or k in y]
        keys += sorted(k for k in set(x) | set(y) if k not in labels)
        return tuple(
            FieldChange(k, labels.get(k, k), x.get(k), y.get(k))
            for k in keys
            if k != "name" and not _same(x.get(k), y.get(k))
        )

    out = []
    for key in list(a) + [k for k in b if k not in a]:
        name = key[0]
        if key not in b:
            out.append(ProjectChange(name, "removed"))
        elif key not in a:
            out.append(ProjectChange(name, "added", fields({}, b[key])))
        else:
            changed = fields(a[key], b[key])
            if changed:
                out.append(ProjectChange(name, "changed", changed))
    return out


def diff_applications(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    from_version: int | None = None,
    to_version: int | None = None,
) -> ApplicationDiff:
    """Compare two application snapshots (``nzc-application/1`` plain data).

    Parameters
    ----------
    old, new:
        The earlier and the later version (e.g. ``store.application_snapshot(...)``).
    from_version, to_version:
        Their version numbers, for the record.

    Returns
    -------
    ApplicationDiff
        Indicators and key projects in detail, other top-level fields as wholes, and the
        outline sections touched.
    """
    indicators = _indicator_changes(old.get("indicators") or {}, new.get("indicators") or {})
    projects = _project_changes(old.get("key_projects") or [], new.get("key_projects") or [])
    others = []
    for key in [k for k in TOP_FIELDS_ZH if k not in ("indicators", "key_projects")] + sorted(
        k for k in set(old) | set(new) if k not in TOP_FIELDS_ZH and k != "id"
    ):
        if not _same(old.get(key), new.get(key)):
            others.append(FieldChange(key, TOP_FIELDS_ZH.get(key, key), old.get(key), new.get(key)))
    changed = {f.field for f in others}
    if indicators:
        changed.add("indicators")
    if projects:
        changed.add("key_projects")
    sections = tuple(n for n, keys in section_fields().items() if changed & set(keys))
    return ApplicationDiff(
        app_id=str(new.get("id") or old.get("id") or ""),
        from_version=from_version,
        to_version=to_version,
        indicators=tuple(indicators),
        projects=tuple(projects),
        fields=tuple(others),
        sections=sections,
    )


def _evidence(diff: ApplicationDiff, section: str) -> tuple[str, ...]:
    keys = section_fields()[section]
    out: list[str] = []
    for f in diff.fields:
        if f.field in keys:
            out.append(f"{f.label}已修改")
    if "indicators" in keys:
        for c in diff.indicators:
            detail = "，".join(f.describe() for f in c.fields) if c.change == "changed" else ""
            out.append(f"指标 {c.code}{c.change_zh}" + (f"：{detail}" if detail else ""))
    if "key_projects" in keys:
        for p in diff.projects:
            detail = "、".join(f.label for f in p.fields) if p.change == "changed" else ""
            out.append(f"重点项目“{p.name}”{p.change_zh}" + (f"（{detail}）" if detail else ""))
    return tuple(out)


def check_revisions(revisions: Sequence[Revision], diff: ApplicationDiff) -> list[RevisionCheck]:
    """Which required revisions the revised version addressed (the heuristic of the module
    docstring).

    Parameters
    ----------
    revisions:
        The 修改意见 of the consensus (``parse_consensus(text).revisions``).
    diff:
        The changes from the version the consensus was written on to the revised one.

    Returns
    -------
    list of RevisionCheck
        In the order of ``revisions``.
    """
    out = []
    for i, r in enumerate(revisions, 1):
        if r.section is None:
            out.append(RevisionCheck(i, r, "untagged"))
            continue
        evidence = _evidence(diff, r.section)
        out.append(RevisionCheck(i, r, "addressed" if evidence else "not_addressed", evidence))
    return out


@dataclass(frozen=True)
class RevisionReport:
    """Two versions of an application compared, and the consensus's revisions checked.

    Attributes
    ----------
    consensus_text:
        The consensus opinion the revisions come from (``None``: no consensus).
    consensus_source:
        Where it came from, in words (audit event, current consensus, none).
    """

    app_id: str
    name: str
    from_version: int
    to_version: int
    diff: ApplicationDiff
    checks: tuple[RevisionCheck, ...]
    consensus_text: str | None
    consensus_source: str
    versions: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain data (``revision --format json``), with the Chinese status and section."""
        data = asdict(self)
        for c, check in zip(data["checks"], self.checks, strict=True):
            c["status_zh"] = check.status_zh
            c["section_label"] = section_label(check.revision.section)
        return data


def _consensus_of_round(
    store: ReviewStore, actor: Actor, app_id: str, version: int
) -> tuple[str | None, str] | None:
    """The consensus of the last closed review round that judged ``version`` (``None``
    when no closed round did)."""
    rounds = getattr(store, "rounds", None)
    if not callable(rounds):
        return None
    for r in reversed(rounds(actor, app_id)):
        if r.app_version == version and r.consensus is not None:
            said = RECOMMENDATION_ZH.get(r.recommendation or "", "未定")
            when = f"，定稿于 {date_zh(r.finalized_at)}" if r.finalized_at else ""
            return (
                r.consensus.opinion,
                f"第 {r.round} 轮评审对第 {version} 版的专家组意见（结论：{said}{when}）",
            )
    return None


def _consensus_before(
    store: ReviewStore, actor: Actor, app_id: str, to_version: int, from_version: int
) -> tuple[str | None, str]:
    """The consensus that judged ``from_version``: its closed round's, else the one last set
    before version ``to_version`` was imported."""
    closed = _consensus_of_round(store, actor, app_id, from_version)
    if closed is not None:
        return closed
    events = store.events(actor)
    marker = next(
        (
            e.seq
            for e in events
            if e.entity == "application_version" and e.entity_id == f"{app_id}@v{to_version}"
        ),
        None,
    )
    before = [
        e
        for e in events
        if e.entity == "consensus"
        and e.entity_id == app_id
        and e.after is not None
        and (marker is None or e.seq < marker)
    ]
    if before:
        ev = before[-1]
        return ev.after.get("opinion"), f"组长于 {ev.at} 填写的专家组意见（审计事件 #{ev.seq}）"
    current = store.consensus(actor, app_id)
    if current is not None:
        return current.opinion, "当前专家组意见（导入修改稿前组长未填写专家组意见）"
    return None, "尚无专家组意见"


def compare_versions(
    store: ReviewStore,
    actor: Actor,
    app_id: str,
    from_version: int | None = None,
    to_version: int | None = None,
) -> RevisionReport:
    """Compare two imported versions of an application and check the consensus's revisions.

    Parameters
    ----------
    store, actor:
        The review store and a reader of every record (chair, secretary or the operator).
    from_version, to_version:
        Default: the current version and the one before it.

    Raises
    ------
    RevisionError
        Only one version, an unknown version, or ``from_version >= to_version``.
    NotFound
        No such application.
    """
    versions = store.versions(actor, app_id)
    numbers = [v.version for v in versions]
    if to_version is None:
        to_version = max(numbers)
    if from_version is None:
        if to_version <= 1:
            raise RevisionError(
                f"application {app_id} has only version 1; import the revised application "
                "(`nzc-review session import`) to compare"
            )
        from_version = to_version - 1
    for v in (from_version, to_version):
        if v not in numbers:
            raise RevisionError(
                f"application {app_id} has no version {v} (versions: "
                f"{', '.join(str(n) for n in numbers)})"
            )
    if from_version >= to_version:
        raise RevisionError(
            f"--from ({from_version}) must be an earlier version than --to ({to_version})"
        )
    old = store.application_snapshot(actor, app_id, from_version)
    new = store.application_snapshot(actor, app_id, to_version)
    diff = diff_applications(old, new, from_version=from_version, to_version=to_version)
    text, source = _consensus_before(store, actor, app_id, to_version, from_version)
    checks = check_revisions(parse_consensus(text).revisions, diff)
    return RevisionReport(
        app_id=app_id,
        name=str(new.get("name") or ""),
        from_version=from_version,
        to_version=to_version,
        diff=diff,
        checks=tuple(checks),
        consensus_text=text,
        consensus_source=source,
        versions=tuple(
            {
                "version": v.version,
                "source_name": v.source_name,
                "imported_at": v.imported_at,
                "content_sha256": v.content_sha256,
            }
            for v in versions
        ),
    )
