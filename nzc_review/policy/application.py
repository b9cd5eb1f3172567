"""The application file ``nzc-application/1`` (DESIGN.md contract 2) as pydantic models.

Unknown keys are errors (``extra="forbid"``): a typo must not pass silently. Indicator values
are further checked against the catalog by :func:`check_against_catalog` (unknown codes, codes
of another pilot type, a number where a yes/no is expected and the reverse).

Extensions that keep every earlier file valid (all optional): innovative indicators
(创新指标, ``indicators.<PREFIX>-C01`` with ``name``, ``unit``, ``direction``, 附件2 三), the texts
of 附件2 二 (``basis_and_feasibility``) and the main tasks of 附件2 四 by its five areas
(``main_tasks``).

Ids become file and folder names (``out/<id>/``), so they are safe names (:data:`SAFE_ID`):
never ``.`` or ``..``, no path separator, no control character (OWASP Path Traversal, CWE-22).
Amounts are finite, non-negative and below plausible ceilings, and the numbers of key projects,
indicators and schedule items are bounded (:mod:`nzc_review.limits`, 本工具默认规则).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from nzc_review import limits
from nzc_review.policy import catalog

FORMAT = "nzc-application/1"

#: An id: starts with a letter or digit, then letters, digits, ``.``, ``_``, ``-``; at most 64.
#: So never ``.``, ``..``, a hidden name, an option-like ``-x``, a separator or a control
#: character: every id is a safe file and folder name.
SAFE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SafeId = Annotated[str, Field(pattern=SAFE_ID)]
ID_RULE = ("an id may contain only letters, digits, '.', '_' and '-', must start with a letter "
           "or digit and has at most 64 characters (it becomes a file and folder name)")

Year = Annotated[int, Field(ge=1990, le=2100)]

#: The year every reduction of the work plan is measured against: each reduction indicator of
#: 附件1 表1–表5 reads “较2022年下降…” (河环发〔2023〕23号).
PLAN_BASE_YEAR = 2022
#: Emissions and reductions in tCO2: finite, 0 or at least ``min_positive``, at most ``max_tco2``.
Tco2 = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(limits.check_tco2)]
#: Any other amount (energy, denominators, money): the same, at most ``max_quantity``.
Quantity = Annotated[
    float, Field(ge=0, allow_inf_nan=False), AfterValidator(limits.check_quantity)
]
Value = StrictBool | StrictInt | StrictFloat | None


def finite_number(value: object) -> object:
    """Reject NaN, infinities and numbers beyond ``indicator_value`` of :mod:`nzc_review.limits`
    (a pydantic field validator body, shared by the application and lifecycle models)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("expected a finite number")
    return limits.check_indicator_number(value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Applicant(_Model):
    """申报主体."""

    organization: str = Field(min_length=1)
    county: str | None = None
    contact: str | None = None
    phone: str | None = None


class Period(_Model):
    """建设期; ``end`` is the target year (目标年)."""

    start: Year
    end: Year

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        return self


class Profile(_Model):
    """Denominators of one year."""

    population: Quantity | None = None
    floor_area_m2: Quantity | None = None
    output_value_10k_cny: Quantity | None = None
    industrial_value_added_10k_cny: Quantity | None = None


#: The declared factors of an other fuel (其他燃料) and what each one is, for error messages.
OTHER_FUEL_FACTORS: dict[str, str] = {
    "tce_per_unit": "its standard-coal factor (折标准煤系数, tce per unit)",
    "tco2_per_unit": "its CO2 emission factor (排放因子, tCO2 per unit; 0 for a biogenic fuel)",
    "source": "the source of both factors (系数来源: a standard, a test report …)",
}


class OtherFuel(_Model):
    """An other fuel (其他燃料) the tool ships no factor for, with the factors the applicant
    declares: ``amount`` in ``unit`` (``t``, ``10^4 m3`` …), ``tce_per_unit`` (折标准煤系数) and
    ``tco2_per_unit`` (排放因子; GB/T 32150-2015: 燃料燃烧排放 = 活动数据 × 排放因子) and their
    ``source``. A missing factor or source is an error naming the field: a fuel is never counted
    at a guessed factor (本工具默认规则)."""

    name: str = Field(min_length=1)
    amount: Quantity
    unit: str = Field(min_length=1)
    tce_per_unit: Quantity | None = None
    tco2_per_unit: Quantity | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _declared(self) -> OtherFuel:
        missing = [f"{field} is missing: the other fuel {self.name!r} needs {what}"
                   for field, what in OTHER_FUEL_FACTORS.items()
                   if getattr(self, field) is None or str(getattr(self, field)).strip() == ""]
        if missing:
            raise ValueError("; ".join(missing))
        return self


class Energy(_Model):
    """Activity data of one year, for carbon accounting (DESIGN.md contract 2 ``energy``).

    Amounts per year: purchased electricity (``electricity_mwh``, green purchases
    ``green_electricity_mwh`` included), on-site renewable electricity, fuels in their usual
    units (coke 焦炭 and fuel oil 燃料油 in t), biomass (生物质) in tce at its measured calorific
    value, other fuels with declared factors (``other_fuels``), purchased heat. Besides energy:
    industrial process emissions (工业过程排放, the park condition “合理控制工业过程排放”, 二（二）)
    and carbon sinks (碳汇, the region condition's 碳汇工程, 二（一）), tCO2 per year, each with the
    method it was accounted by.
    """

    electricity_mwh: Quantity | None = None
    green_electricity_mwh: Quantity | None = None
    onsite_renewable_mwh: Quantity | None = None
    raw_coal_t: Quantity | None = None
    natural_gas_10k_m3: Quantity | None = None
    gasoline_t: Quantity | None = None
    diesel_t: Quantity | None = None
    lpg_t: Quantity | None = None
    purchased_heat_gj: Quantity | None = None
    coke_t: Quantity | None = None
    fuel_oil_t: Quantity | None = None
    biomass_tce: Quantity | None = None
    other_fuels: list[OtherFuel] = Field(default_factory=list)
    process_emissions_tco2: Tco2 | None = None
    process_method: str | None = None
    carbon_sink_tco2: Tco2 | None = None
    carbon_sink_method: str | None = None

    @model_validator(mode="after")
    def _methods_and_names(self) -> Energy:
        for amount, method, what in (
            ("process_emissions_tco2", "process_method", "process emissions (工业过程排放)"),
            ("carbon_sink_tco2", "carbon_sink_method", "carbon sinks (碳汇)"),
        ):
            if getattr(self, amount) and not (getattr(self, method) or "").strip():
                raise ValueError(
                    f"{method} is missing: {amount} needs the method the {what} were accounted "
                    "by (核算方法, e.g. a standard or guideline and its clause)")
        seen: set[str] = set()
        for i, fuel in enumerate(self.other_fuels):
            name = fuel.name.strip()
            if name in seen:
                raise ValueError(f"other_fuels[{i}].name: the other fuel {name!r} is listed twice "
                                 "in one year; give each fuel once")
            seen.add(name)
        return self


#: The direction of an innovative indicator (创新指标): ``at_least`` (不低于现状, higher is
#: better), ``at_most`` (不高于现状, lower is better) or ``yes`` (是否达成, a yes/no requirement).
Direction = Literal["at_least", "at_most", "yes"]
DIRECTIONS: tuple[str, ...] = ("at_least", "at_most", "yes")
DIRECTION_ZH: dict[str, str] = {
    "at_least": "不低于现状（越高越好）",
    "at_most": "不高于现状（越低越好）",
    "yes": "是否达成（是/否）",
}


class IndicatorValue(_Model):
    """The declared state of one indicator: latest accounted (``current``) and committed
    (``target``). ``basis`` says which denominator a reduction with alternatives uses.

    An innovative indicator (创新指标, code ``<PREFIX>-C01``…, 附件2 三 “鼓励根据自身情况提出创新
    指标及更高目标”) is the applicant's own: it states its ``name``, ``unit`` and ``direction``,
    which an indicator of 表1–表5 takes from the catalog and never states."""

    current: Value = None
    target: Value = None
    benchmark: StrictInt | StrictFloat | None = None
    unit: str | None = None
    evidence: str | None = None
    basis: catalog.ReductionBasis | None = None
    note: str | None = None
    name: str | None = None
    direction: Direction | None = None

    _finite = field_validator("current", "target", "benchmark")(
        classmethod(lambda cls, v: finite_number(v))
    )

    @field_validator("direction", mode="before")
    @classmethod
    def _yaml_yes(cls, v: object) -> object:
        # YAML 1.1 (PyYAML) reads an unquoted ``direction: yes`` as the boolean true
        return "yes" if v is True else v


#: What a key project does, for the accounting basis (DESIGN.md contract 4):
#: ``green_electricity`` 绿电交易/绿证 purchases, ``renewable_onsite`` 自建可再生能源,
#: ``efficiency`` 节能提效, ``fuel_switch`` 燃料替代/电能替代, ``process`` 工业过程, ``sink`` 碳汇,
#: ``other`` 其他. Under the location basis a ``green_electricity`` project reduces nothing.
ProjectCategory = Literal[
    "green_electricity", "renewable_onsite", "efficiency", "fuel_switch", "process", "sink",
    "other",
]
#: The categories in Chinese (the Excel template's 项目类别 list and the reports).
PROJECT_CATEGORY_ZH: dict[str, str] = {
    "green_electricity": "绿电交易/绿证",
    "renewable_onsite": "自建可再生能源",
    "efficiency": "节能提效",
    "fuel_switch": "燃料替代",
    "process": "工业过程",
    "sink": "碳汇",
    "other": "其他",
}


class KeyProject(_Model):
    """重点项目 (附件2 五): 名称、建设内容、实施计划、建设主体、建设周期、预期碳减排量、投资规模;
    ``category`` (项目类别) is optional."""

    name: str = Field(min_length=1)
    content: str | None = None
    plan: str | None = None
    owner: str | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    investment_10k_cny: Quantity | None = None
    expected_reduction_tco2_per_year: Tco2 | None = None
    lifetime_years: Annotated[int, Field(ge=1, le=100)] | None = None
    category: ProjectCategory | None = None

    @model_validator(mode="after")
    def _ordered(self) -> KeyProject:
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValueError(
                f"project {self.name!r} ends ({self.end_year}) before it starts ({self.start_year})"
            )
        return self


class BasisAndFeasibility(_Model):
    """建设基础及可行性 (附件2 二): the texts of its three parts (all optional; completeness lists
    each one missing). The accounting data of 二（一） are ``emissions_tco2`` and ``energy``."""

    conditions: str | None = None  # 二（一）有利条件和面临障碍
    work_basis: str | None = None  # 二（二）工作基础及特色亮点
    feasibility_conclusion: str | None = None  # 二（三）建设可行性分析的结论


def _as_list(value: object) -> object:
    """A single text where a list of texts is expected becomes a one-item list."""
    return [value] if isinstance(value, str) else value


class MainTasks(_Model):
    """主要任务 (附件2 四) by the five areas the outline names: “规划建设、能源利用、资源环境、技术
    工艺、运营管理等方面的主要任务”; a list of tasks each (a single text is read as one task)."""

    planning_construction: list[str] | None = None  # 规划建设
    energy_use: list[str] | None = None  # 能源利用
    resources_environment: list[str] | None = None  # 资源环境
    technology_process: list[str] | None = None  # 技术工艺
    operation_management: list[str] | None = None  # 运营管理

    _lists = field_validator(
        "planning_construction",
        "energy_use",
        "resources_environment",
        "technology_process",
        "operation_management",
        mode="before",
    )(classmethod(lambda cls, v: _as_list(v)))


class Safeguards(_Model):
    """保障措施 (附件2 七)."""

    leading_body: StrictBool | None = None
    responsibility_system: StrictBool | None = None
    funding: StrictBool | None = None
    in_annual_plan: StrictBool | None = None


class Answer(_Model):
    """An answer to a selection condition, with its evidence."""

    value: StrictBool
    evidence: str | None = None


class Application(_Model):
    """An application for a near-zero carbon pilot (近零碳排放区试点申报), format nzc-application/1."""

    format: Literal["nzc-application/1"]
    id: SafeId
    pilot_type: catalog.PilotType
    name: str = Field(min_length=1)
    applicant: Applicant | None = None
    base_year: Year = 2022
    period: Period | None = None
    profile: dict[Year, Profile] = Field(default_factory=dict)
    emissions_tco2: dict[Year, Tco2] = Field(default_factory=dict)
    energy: dict[Year, Energy] = Field(default_factory=dict)
    bau_growth_rate: Annotated[float, Field(gt=-1, lt=1, allow_inf_nan=False)] = 0.0
    basis_and_feasibility: BasisAndFeasibility = Field(default_factory=BasisAndFeasibility)
    indicators: dict[str, IndicatorValue] = Field(default_factory=dict)
    main_tasks: MainTasks = Field(default_factory=MainTasks)
    key_projects: list[KeyProject] = Field(default_factory=list)
    schedule: dict[Year, list[str]] = Field(default_factory=dict)
    safeguards: Safeguards = Field(default_factory=Safeguards)
    eligibility: dict[str, StrictBool | Answer] = Field(default_factory=dict)
    proofs: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("base_year")
    @classmethod
    def _plan_base_year(cls, v: int) -> int:
        if v != PLAN_BASE_YEAR:
            raise ValueError(
                f"base year {v} is not {PLAN_BASE_YEAR}: the work plan measures every reduction "
                f"against {PLAN_BASE_YEAR} (附件1 表1–表5 “较{PLAN_BASE_YEAR}年下降”); give the "
                f"{PLAN_BASE_YEAR} figures and set base_year: {PLAN_BASE_YEAR}"
            )
        return v

    @field_validator("key_projects", mode="before")
    @classmethod
    def _few_projects(cls, v: object) -> object:
        return limits.check_count(v, limits.active().key_projects, "key projects")

    @field_validator("indicators", mode="before")
    @classmethod
    def _few_indicators(cls, v: object) -> object:
        return limits.check_count(v, limits.active().indicators, "indicators")

    @field_validator("schedule", mode="before")
    @classmethod
    def _few_schedule_items(cls, v: object) -> object:
        if isinstance(v, dict):
            items = [x for entries in v.values() if isinstance(entries, list) for x in entries]
            limits.check_count(items, limits.active().schedule_entries, "schedule items")
        return v

    @field_validator("proofs", mode="before")
    @classmethod
    def _single_file(cls, v: object) -> object:
        if isinstance(v, dict):
            return {k: [f] if isinstance(f, str) else f for k, f in v.items()}
        return v

    @property
    def target_year(self) -> int | None:
        return self.period.end if self.period else None

    def answer(self, condition_id: str) -> bool | None:
        """The applicant's answer to a selection condition, ``None`` when unanswered."""
        given = self.eligibility.get(condition_id)
        if isinstance(given, Answer):
            return given.value
        return given


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def check_against_catalog(app: Application) -> list[tuple[str, str]]:
    """Problems of an application that only the catalog can see, as ``(field, message)``.

    Unknown indicator codes, codes of another pilot type, value types against the rule (yes/no
    versus number), percentages outside 0–100, counts that are not whole numbers, innovative
    indicators (:func:`check_innovative`), unknown selection conditions and supporting-material
    kinds.
    """
    problems: list[tuple[str, str]] = []
    index = catalog.indicator_index()
    for code, value in app.indicators.items():
        where = f"indicators.{code}"
        if catalog.is_innovative_code(code):
            problems.extend(check_innovative(app.pilot_type, code, value))
            continue
        row = index.get(code)
        if row is None:
            problems.append((where, _unknown_code(app.pilot_type, code)))
            continue
        if row.pilot_type != app.pilot_type:
            problems.append(
                (
                    where,
                    f"{code} is an indicator of pilot type {row.pilot_type}, "
                    f"not of {app.pilot_type}",
                )
            )
            continue
        for part in ("name", "direction"):
            if getattr(value, part) is not None:
                problems.append((
                    f"{where}.{part}",
                    f"{code} is an indicator of the work plan, whose {part} is fixed; only "
                    f"innovative indicators ({_innovative_codes(app.pilot_type)}) state a {part}",
                ))
        for part in ("current", "target"):
            problems.extend(_check_value(row, f"{where}.{part}", getattr(value, part)))
        if value.benchmark is not None and row.rule.kind != "benchmark":
            problems.append((f"{where}.benchmark", f"{code} has no benchmark value"))
        if value.basis is not None and (
            row.rule.kind != "reduction" or value.basis not in row.rule.basis
        ):
            allowed = ", ".join(row.rule.basis) if row.rule.kind == "reduction" else "none"
            problems.append(
                (f"{where}.basis", f"basis {value.basis!r} does not apply to {code} ({allowed})")
            )
    known = {c.id for c in catalog.selection_conditions(app.pilot_type)}
    for key in app.eligibility:
        if key not in known:
            problems.append(
                (
                    f"eligibility.{key}",
                    f"unknown selection condition for {app.pilot_type}; "
                    f"expected one of {', '.join(sorted(known))}",
                )
            )
    kinds = {p.id for p in catalog.outline().proofs}
    for key in app.proofs:
        if key not in kinds:
            problems.append(
                (
                    f"proofs.{key}",
                    f"unknown kind of supporting material; expected one of {', '.join(sorted(kinds))}",
                )
            )
    for year in app.energy:
        energy = app.energy[year]
        if (
            energy.green_electricity_mwh is not None
            and energy.electricity_mwh is not None
            and energy.green_electricity_mwh > energy.electricity_mwh
        ):
            problems.append(
                (
                    f"energy.{year}.green_electricity_mwh",
                    f"green electricity ({energy.green_electricity_mwh:g} MWh) exceeds the "
                    f"electricity consumed ({energy.electricity_mwh:g} MWh)",
                )
            )
    return problems


def _innovative_codes(pilot_type: str) -> str:
    first, second = (catalog.innovative_code(pilot_type, n) for n in (1, 2))
    return f"{first}, {second}, …"


def _unknown_code(pilot_type: str, code: str) -> str:
    rows = catalog.indicators(pilot_type)
    return (
        f"unknown indicator code {code!r}; the indicators of {pilot_type} are "
        f"{rows[0].code}…{rows[-1].code} and its innovative indicators are numbered "
        f"{_innovative_codes(pilot_type)}"
    )


def check_innovative(pilot_type: str, code: str, value: IndicatorValue) -> list[tuple[str, str]]:
    """Problems of an innovative indicator (创新指标, DESIGN.md contract 4), as ``(field, message)``.

    Its code carries the pilot type's prefix; it states a name and a direction; its values
    follow the direction (yes/no for ``yes``, numbers otherwise); it has no benchmark and no
    reduction basis (its target is judged against its own current value).
    """
    where = f"indicators.{code}"
    own = catalog.pilot_type_of_code(code)
    if own != pilot_type:
        return [(
            where,
            f"{code} is an innovative indicator code of pilot type {own}, not of {pilot_type}; "
            f"number the innovative indicators {_innovative_codes(pilot_type)}",
        )]
    problems: list[tuple[str, str]] = []
    if value.name is None or not value.name.strip():
        problems.append((f"{where}.name", "an innovative indicator needs a name (指标名称)"))
    if value.direction is None:
        wanted = ", ".join(f"{d} ({DIRECTION_ZH[d].split('（')[0]})" for d in DIRECTIONS)
        problems.append(
            (f"{where}.direction", f"an innovative indicator needs a direction: {wanted}")
        )
    if value.benchmark is not None:
        problems.append((
            f"{where}.benchmark",
            "an innovative indicator has no benchmark value: its target is judged against its "
            "current value",
        ))
    if value.basis is not None:
        problems.append(
            (f"{where}.basis", "an innovative indicator has no reduction basis (计算口径)")
        )
    for part in ("current", "target"):
        v = getattr(value, part)
        if v is None or value.direction is None:
            continue
        if value.direction == "yes" and not isinstance(v, bool):
            problems.append((f"{where}.{part}", f"expected true or false, got {_describe(v)}"))
        elif value.direction != "yes" and isinstance(v, bool):
            problems.append((f"{where}.{part}", f"expected a number, got {_describe(v)}"))
    return problems


def _check_value(row: catalog.Indicator, where: str, value: object) -> list[tuple[str, str]]:
    if value is None:
        return []
    if row.expects_boolean:
        if not isinstance(value, bool):
            return [(where, f"expected true or false, got {_describe(value)}")]
        return []
    if isinstance(value, bool):
        return [(where, f"expected a number, got {_describe(value)}")]
    kind = row.rule.kind
    if kind == "count":
        if value < 0 or float(value) != int(value):
            return [(where, f"expected a whole number of at least 0, got {_describe(value)}")]
        return []
    if kind == "reduction":
        if value > 100:
            return [(where, f"a reduction cannot exceed 100 %, got {_describe(value)}")]
        return []
    if kind == "ratio" or kind == "benchmark" or kind == "range":
        if value < 0:
            return [(where, f"expected a number of at least 0, got {_describe(value)}")]
        return []
    if row.is_percent and not 0 <= value <= 100:
        return [(where, f"expected a percentage between 0 and 100, got {_describe(value)}")]
    if value < 0:
        return [(where, f"expected a number of at least 0, got {_describe(value)}")]
    return []


def json_schema() -> dict:
    """The JSON Schema of ``nzc-application/1``."""
    schema = Application.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "nzc-application/1"
    return schema
