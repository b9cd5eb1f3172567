"""The policy as data: indicator tables, selection conditions and the application outline.

Source: 《河池市近零碳排放区试点建设工作方案（试行）》 (河环发〔2023〕23号), 附件1 表1–表5 (the
indicator tables), 二、遴选条件 (selection conditions) and 附件2 (the application outline). A copy
of the document is kept in ``docs/policy/hechi-2023-23.txt``.

The YAML files next to this module are the single source of truth; this module only loads and
validates them (:class:`~nzc_review.errors.CatalogError` on any malformed entry).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nzc_review.errors import CatalogError
from nzc_review.files import yaml_text

PILOT_TYPES: tuple[str, ...] = ("region", "park", "community", "campus", "commercial")
PREFIXES: dict[str, str] = {
    "region": "QY",
    "park": "YQ",
    "community": "SQ",
    "campus": "XY",
    "commercial": "SY",
}
PILOT_TYPE_ZH: dict[str, str] = {
    "region": "近零碳排放区域",
    "park": "近零碳排放园区",
    "community": "近零碳排放社区",
    "campus": "近零碳排放校园",
    "commercial": "近零碳排放商业场所",
}
INDICATOR_TYPE_ZH: dict[str, str] = {
    "core": "核心指标",
    "general": "一般指标",
    "guidance": "引导指标",
    "unspecified": "未标注",
}
PilotType = Literal["region", "park", "community", "campus", "commercial"]
IndicatorType = Literal["core", "general", "guidance", "unspecified"]
ReductionBasis = Literal[
    "total", "per_capita", "per_floor_area", "per_output_value", "per_industrial_value_added"
]

BASIS_ZH: dict[str, str] = {
    "total": "碳排放总量",
    "per_capita": "人均碳排放量",
    "per_floor_area": "单位建筑面积碳排放量",
    "per_output_value": "单位产值碳排放量",
    "per_industrial_value_added": "单位工业增加值碳排放量",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AtLeast(_Strict):
    """``≥ min`` (以上 includes the bound); ``derive`` names a value the tool can compute."""

    kind: Literal["at_least"]
    min: float
    derive: Literal["renewable_share", "clean_energy_rate"] | None = None


class AtMost(_Strict):
    """``≤ max`` (以下 includes the bound); ``derive`` names a value the tool can compute."""

    kind: Literal["at_most"]
    max: float
    derive: Literal["per_capita"] | None = None


class Range(_Strict):
    """``min ≤ x ≤ max``, both bounds included."""

    kind: Literal["range"]
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError("range min is greater than max")
        return self


class Full(_Strict):
    """The full 100 %."""

    kind: Literal["full"]


class Reduction(_Strict):
    """Reduction versus the base year of at least ``min`` percent, on any of ``basis``."""

    kind: Literal["reduction"]
    min: float
    basis: list[ReductionBasis] = Field(min_length=1)


class Count(_Strict):
    """A whole number of at least ``min``."""

    kind: Literal["count"]
    min: int


class Ratio(_Strict):
    """``numerator / denominator × 100 ≥ min`` (value given in percent, may exceed 100)."""

    kind: Literal["ratio"]
    min: float
    numerator: str
    denominator: str


class Qualitative(_Strict):
    """A requirement as worded in the reference column; ``true`` when satisfied."""

    kind: Literal["qualitative"]


class Benchmark(_Strict):
    """Strictly better than a benchmark value the applicant states (优于…基准值)."""

    kind: Literal["benchmark"]
    better: Literal["lower", "higher"] = "lower"


class Prohibited(_Strict):
    """不得使用: ``true`` when none is used."""

    kind: Literal["prohibited"]


Rule = Annotated[
    AtLeast | AtMost | Range | Full | Reduction | Count | Ratio | Qualitative | Benchmark | Prohibited,
    Field(discriminator="kind"),
]
RULE_ZH: dict[str, str] = {
    "at_least": "不低于参考值",
    "at_most": "不高于参考值",
    "range": "在区间内（含端点）",
    "full": "达到100%",
    "reduction": "较基准年降幅不低于",
    "count": "数量不少于",
    "ratio": "比值不低于",
    "qualitative": "定性要求",
    "benchmark": "优于基准值（严格）",
    "prohibited": "不得使用",
}
BOOLEAN_RULES = frozenset({"qualitative", "prohibited"})
RULE_KINDS: tuple[str, ...] = (
    "at_least",
    "at_most",
    "range",
    "full",
    "reduction",
    "count",
    "ratio",
    "qualitative",
    "benchmark",
    "prohibited",
)


class Indicator(_Strict):
    """One row of an indicator table (表1–表5)."""

    code: str = Field(pattern=r"^(QY|YQ|SQ|XY|SY)-\d{2}$")
    pilot_type: PilotType
    category: str = Field(min_length=1)
    category_en: str
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    unit: str
    reference: str = Field(min_length=1)
    type: IndicatorType
    rule: Rule
    note: str | None = None

    @property
    def expects_boolean(self) -> bool:
        return self.rule.kind in BOOLEAN_RULES

    @property
    def is_percent(self) -> bool:
        """Whether the value is a percentage (the unit is %, or the reference is one)."""
        return self.rule.kind in {"full", "reduction", "ratio"} or (
            self.rule.kind in {"at_least", "at_most"} and ("%" in self.unit or "%" in self.reference)
        )


class IndicatorTable(_Strict):
    pilot_type: PilotType
    prefix: str
    name_zh: str
    name_en: str
    source: str
    indicators: list[Indicator]

    @model_validator(mode="before")
    @classmethod
    def _stamp_type(cls, data: dict) -> dict:
        if isinstance(data, dict) and isinstance(data.get("indicators"), list):
            for row in data["indicators"]:
                if isinstance(row, dict):
                    row.setdefault("pilot_type", data.get("pilot_type"))
        return data

    @model_validator(mode="after")
    def _codes_in_order(self) -> IndicatorTable:
        if self.prefix != PREFIXES[self.pilot_type]:
            raise ValueError(f"prefix {self.prefix} does not match pilot type {self.pilot_type}")
        for position, row in enumerate(self.indicators, start=1):
            expected = f"{self.prefix}-{position:02d}"
            if row.code != expected:
                raise ValueError(f"row {position} has code {row.code}, expected {expected}")
        return self


class Condition(_Strict):
    """One selection condition (遴选条件)."""

    id: str
    kind: Literal["hard", "preference"]
    text_zh: str
    text_en: str
    source: str
    check: str | None = None


class OutlineSection(_Strict):
    id: str
    number: str
    title_zh: str
    title_en: str
    requires_zh: str
    fields: list[str]


class ProofKind(_Strict):
    id: str
    number: str
    label_zh: str
    label_en: str


class LabelledField(_Strict):
    field: str
    label_zh: str


class LabelledId(_Strict):
    id: str
    label_zh: str


class OutlineItem(_Strict):
    """A part of an outline section the application states as text (附件2 二（一）…（三））."""

    id: str
    number: str
    label_zh: str
    requires_zh: str


class Outline(_Strict):
    sections: list[OutlineSection]
    basis_texts: list[OutlineItem]
    task_categories: list[LabelledId]
    key_project_fields: list[LabelledField]
    safeguards: list[LabelledId]
    proofs: list[ProofKind]


def _read_yaml(name: str) -> object:
    try:
        text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
        return yaml_text.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"catalog file {name}: {exc}") from exc


def _validation_message(name: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        lines.append(f"catalog file {name}: {where}: {err['msg']}")
    return "\n".join(lines)


@cache
def indicator_table(pilot_type: str) -> IndicatorTable:
    """The validated indicator table of one pilot type."""
    if pilot_type not in PREFIXES:
        raise CatalogError(
            f"unknown pilot type {pilot_type!r}; expected one of {', '.join(PILOT_TYPES)}"
        )
    name = f"indicators_{pilot_type}.yaml"
    try:
        table = IndicatorTable.model_validate(_read_yaml(name))
    except ValidationError as exc:
        raise CatalogError(_validation_message(name, exc)) from None
    if table.pilot_type != pilot_type:
        raise CatalogError(f"catalog file {name}: pilot_type is {table.pilot_type}")
    return table


def indicators(pilot_type: str | None = None) -> list[Indicator]:
    """All indicators, or those of one pilot type, in table order."""
    types = PILOT_TYPES if pilot_type is None else (pilot_type,)
    return [row for t in types for row in indicator_table(t).indicators]


@cache
def indicator_index() -> dict[str, Indicator]:
    """Every indicator by code."""
    return {row.code: row for row in indicators()}


#: An innovative indicator's code (创新指标, 附件2 三 “鼓励根据自身情况提出创新指标”): the pilot
#: type's prefix, ``-C`` and a two-digit number from 01 (DESIGN.md contract 4), e.g. ``YQ-C01``.
INNOVATIVE_CODE = re.compile(r"^(QY|YQ|SQ|XY|SY)-C(\d{2})$")


def is_innovative_code(code: str) -> bool:
    """Whether ``code`` has the form of an innovative indicator's code (any prefix, C01–C99)."""
    m = INNOVATIVE_CODE.match(code)
    return m is not None and int(m.group(2)) >= 1


def innovative_code(pilot_type: str, number: int) -> str:
    """The code of a pilot type's ``number``-th innovative indicator (``park``, 1 → ``YQ-C01``)."""
    return f"{PREFIXES[pilot_type]}-C{number:02d}"


def pilot_type_of_code(code: str) -> str | None:
    """The pilot type a code's prefix belongs to, or ``None``."""
    prefix = code.split("-", 1)[0]
    return next((t for t, p in PREFIXES.items() if p == prefix), None)


@cache
def selection_conditions(pilot_type: str) -> list[Condition]:
    """The common and type-specific selection conditions (遴选条件) of a pilot type."""
    data = _read_yaml("selection_conditions.yaml")
    if not isinstance(data, dict) or pilot_type not in data:
        raise CatalogError(f"catalog file selection_conditions.yaml: no entry for {pilot_type!r}")
    try:
        return [Condition.model_validate(c) for c in data["common"] + data[pilot_type]]
    except ValidationError as exc:
        raise CatalogError(_validation_message("selection_conditions.yaml", exc)) from None


@cache
def outline() -> Outline:
    """The application outline (附件2) and its supporting-material kinds."""
    try:
        return Outline.model_validate(_read_yaml("outline.yaml"))
    except ValidationError as exc:
        raise CatalogError(_validation_message("outline.yaml", exc)) from None


def display_reference(text: str) -> str:
    """The reference value for display: the seed's ``\\geq``/``\\leq`` as ≥/≤, spaces tidied."""
    return " ".join(text.replace("\\geq", "≥").replace("\\leq", "≤").split())
