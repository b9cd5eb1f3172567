"""The register's rules as data: ``nzc_review/policy/catalog/programme.yaml``, read and checked.

The statuses (code and Chinese label, what entering each requires), the allowed transitions
(each citing its clause of 河环发〔2023〕23号 三、实施步骤, or labelled 本工具默认规则), the routing of
each pilot type to its city department (三、(一)1 组织申报), what a finalized review or
acceptance session moves an application to, and the rules of the public notice (三、(一)3 项目
确定). This module only loads and checks; :mod:`nzc_review.programme.transitions` applies them.

A routing file (``programme init --routing FILE``) replaces the departments: a YAML or JSON
mapping of every pilot type to a department's name (:func:`load_routing`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nzc_review.errors import CatalogError, InputError
from nzc_review.files import yaml_text
from nzc_review.policy.catalog import PILOT_TYPE_ZH, PILOT_TYPES

__all__ = [
    "FORMAT",
    "RULES_FILE",
    "STATUS_CODES",
    "ProgrammeRules",
    "Status",
    "Transition",
    "load_routing",
    "programme_rules",
    "check_routing",
]

FORMAT = "nzc-programme-rules/1"
#: The rules file, in :mod:`nzc_review.policy.catalog`.
RULES_FILE = "programme.yaml"
#: The status codes of the shared contract, in the order of the pilot's life.
STATUS_CODES: tuple[str, ...] = (
    "submitted", "county_returned", "county_approved", "received", "under_review",
    "recommended", "to_revise", "not_recommended", "in_notice", "objection_upheld",
    "confirmed", "under_construction", "acceptance_applied", "accepted", "titled",
    "not_accepted", "re_review", "revoked",
)
#: Session kinds (``SessionRules.kind``; a session without one is a review session).
SESSION_KINDS: tuple[str, ...] = ("review", "acceptance")
#: The origin label of a rule of the tool's own (工作方案未作规定).
TOOL_RULE = "本工具默认规则"
#: A department's name: at most this many characters (本工具默认规则).
DEPARTMENT_CHARS = 60


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Status(_Strict):
    """A status: its code (data, JSON), its Chinese label, and what entering it requires
    (``reason``: a reason; ``doc``: a document number, 文号)."""

    code: str
    label: str = Field(min_length=1)
    requires: tuple[Literal["reason", "doc"], ...] = ()


class Transition(_Strict):
    """An allowed status change, with its clause (``basis``) and origin (``plan``: the work
    plan; ``tool``: 本工具默认规则). ``via`` names the only command that makes it
    (``register`` a re-submission, ``notice`` the public notice, ``confirm`` the confirmation);
    ``None``: ``programme advance`` or a finalized session."""

    source: str = Field(alias="from")
    to: str
    basis: str = Field(min_length=1)
    origin: Literal["plan", "tool"] = "plan"
    via: Literal["register", "notice", "confirm"] | None = None

    @property
    def cite(self) -> str:
        """The clause as printed: ``河环发〔2023〕23号 三、(一)3 …`` or ``本工具默认规则：…``."""
        if self.origin == "tool":
            return f"{TOOL_RULE}：{self.basis}"
        return f"河环发〔2023〕23号 {self.basis}"


class Routing(_Strict):
    basis: str
    departments: dict[str, str]


class SessionStart(_Strict):
    source: tuple[str, ...] = Field(alias="from")
    to: str


class Notice(_Strict):
    statuses: tuple[str, ...] = Field(min_length=1)
    basis: str
    rules: str


class Disclosure(_Strict):
    statuses: tuple[str, ...] = Field(min_length=1)
    basis: str


class Title(_Strict):
    name: str = Field(min_length=1)


class ProgrammeRules(_Strict):
    """The rules of the register (the file ``programme.yaml``, checked)."""

    format: Literal["nzc-programme-rules/1"]
    statuses: tuple[Status, ...]
    initial: str
    transitions: tuple[Transition, ...]
    routing: Routing
    session_outcomes: dict[Literal["review", "acceptance"], dict[str, str]]
    session_start: dict[Literal["review", "acceptance"], SessionStart]
    notice: Notice
    disclosure: Disclosure
    title: Title

    @model_validator(mode="after")
    def _consistent(self) -> ProgrammeRules:
        codes = [s.code for s in self.statuses]
        if tuple(codes) != STATUS_CODES:
            raise ValueError(f"statuses must be, in order, {', '.join(STATUS_CODES)}")
        known = set(codes)
        used = [self.initial, *self.notice.statuses, *self.disclosure.statuses]
        for t in self.transitions:
            used += [t.source, t.to]
        for outcomes in self.session_outcomes.values():
            used += outcomes.values()
        for start in self.session_start.values():
            used += [*start.source, start.to]
        unknown = sorted(set(used) - known)
        if unknown:
            raise ValueError(f"unknown status code(s): {', '.join(unknown)}")
        pairs = [(t.source, t.to) for t in self.transitions]
        if len(pairs) != len(set(pairs)):
            raise ValueError("a transition is listed twice")
        check_routing(self.routing.departments, RULES_FILE)
        return self

    # --- reading the rules -------------------------------------------------------------------

    def status(self, code: str) -> Status:
        return next(s for s in self.statuses if s.code == code)

    def label(self, code: str) -> str:
        """The Chinese label of a status code (the code itself when unknown)."""
        return next((s.label for s in self.statuses if s.code == code), code)

    def named(self, code: str) -> str:
        """``label（code）``, as messages name a status."""
        return f"{self.label(code)}（{code}）"

    def next_statuses(self, code: str) -> tuple[Transition, ...]:
        """The transitions out of ``code``, in file order."""
        return tuple(t for t in self.transitions if t.source == code)

    def transition(self, source: str, to: str) -> Transition | None:
        return next((t for t in self.transitions if (t.source, t.to) == (source, to)), None)

    def title_name(self, pilot_type: str) -> str:
        """The title awarded to a pilot of this type (本工具默认规则 wording)."""
        return self.title.name.replace("{type}", PILOT_TYPE_ZH.get(pilot_type, pilot_type))


def _read_rules_file() -> object:
    try:
        text = resources.files("nzc_review.policy.catalog").joinpath(RULES_FILE).read_text(
            encoding="utf-8")
        return yaml_text.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"catalog file {RULES_FILE}: {exc}") from None


@cache
def programme_rules() -> ProgrammeRules:
    """The register's rules (``programme.yaml``), checked once.

    Raises
    ------
    CatalogError
        The file is malformed (every problem named).
    """
    try:
        return ProgrammeRules.model_validate(_read_rules_file())
    except (ValidationError, InputError) as exc:
        if isinstance(exc, InputError):
            raise CatalogError(str(exc)) from None
        lines = [f"catalog file {RULES_FILE}: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                 for e in exc.errors()]
        raise CatalogError("\n".join(lines)) from None


def check_routing(data: object, source: str) -> dict[str, str]:
    """A routing mapping checked: every pilot type (``region`` … ``commercial``) to a
    department's name, nothing else.

    Raises
    ------
    InputError
        Naming ``source`` and each bad field, in Chinese.
    """
    if not isinstance(data, dict):
        raise InputError(source, "应为“试点类型: 市级主管部门”的对应表（region、park、community、"
                                 "campus、commercial 各一项）")
    problems: list[tuple[str, str]] = []
    for key in data:
        if key not in PILOT_TYPES:
            problems.append((str(key), f"不是试点类型；可用：{'、'.join(PILOT_TYPES)}"))
    out: dict[str, str] = {}
    for pilot_type in PILOT_TYPES:
        value = data.get(pilot_type)
        if value is None:
            problems.append((pilot_type, f"缺少{PILOT_TYPE_ZH[pilot_type]}的市级主管部门"))
        elif not isinstance(value, str) or not value.strip():
            problems.append((pilot_type, "应为部门名称（非空文字）"))
        elif len(value.strip()) > DEPARTMENT_CHARS or not value.strip().isprintable():
            problems.append((pilot_type, f"部门名称应为一行文字，不超过 {DEPARTMENT_CHARS} 个字符"))
        else:
            out[pilot_type] = value.strip()
    if problems:
        raise InputError(source, problems)
    return out


def load_routing(path: str | Path) -> dict[str, str]:
    """The routing in a YAML or JSON file (:func:`check_routing`); the file may hold the
    mapping itself or ``{departments: mapping}``.

    Raises
    ------
    InputError
        The file cannot be read, or a pilot type is missing, unknown or has no department.
    """
    from nzc_review.intake.text import read_json, read_yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(path.name, "文件不存在" if not path.exists() else "不是文件")
    data = read_json(path) if path.suffix.lower() == ".json" else read_yaml(path)
    if isinstance(data, dict) and set(data) <= {"departments", "basis"} and "departments" in data:
        data = data["departments"]
    return check_routing(data, path.name)
