"""The lifecycle file formats: ``nzc-acceptance/1`` and ``nzc-disclosure/1`` (pydantic models).

Both extend the application format (DESIGN.md contract 2) and follow its rules: UTF-8 YAML or
JSON (or the simple workbook of :mod:`nzc_review.lifecycle.excel`), unknown keys are errors
(``extra="forbid"``), years are whole numbers, percentages are numbers in percent, yes/no
indicators take ``true``/``false``. Yearly ``profile``, ``energy`` and ``emissions_tco2`` reuse
the application's models (:class:`nzc_review.policy.application.Profile`, :class:`nzc_review.policy.application.Energy`).

``nzc-acceptance/1`` — the self-evaluation report (自我评价报告) a construction entity hands in
with its application for acceptance (河环发〔2023〕23号 三、(二)2 验收评价)::

    format: nzc-acceptance/1
    application:                       # the accepted application: its id and committed targets
      id: DEMO-2024-YQ-001
      file: ../applications/park-pass.yaml   # relative to this file; or `content: {…}` embedded
    submitted_on: "2027-03-31"
    achieved_year: 2026                # the operation year the achieved values describe
    achieved:                          # per indicator code: the value reached, with evidence
      YQ-01: {value: 43.6, evidence: 2026年碳排放核算报告}
      YQ-13: {value: true, evidence: 领导小组文件}
    key_projects:                      # by the application's project names
      - {name: 屋顶分布式光伏, completed_year: 2024, actual_reduction_tco2_per_year: 47000,
         actual_investment_10k_cny: 31500, evidence: 并网验收意见}
    emissions_tco2: {2024: 610000, 2025: 520000, 2026: 430000}
    energy: {2026: {electricity_mwh: …}}
    profile: {2026: {population: …}}
    disclosures: {2024: 园区门户网站 2025-03-28, 2025: …, 2026: …}   # 每年对外披露

``nzc-disclosure/1`` — the yearly carbon disclosure (碳排放信息披露, 四、(四)) of one pilot; one
file may hold one year or several (``years`` is a mapping), and a pilot's years may be spread
over several files whose ``pilot`` blocks agree::

    format: nzc-disclosure/1
    pilot: {id: DEMO-2024-YQ-101, name: …, pilot_type: park, base_year: 2022,
            base_emissions_tco2: 500000, accepted_year: 2024, target_emissions_tco2: 300000}
    years:
      2025:
        published_on: "2026-03-30"
        emissions_tco2: 280000
        energy: {electricity_mwh: …}
        profile: {population: …}
        indicators: {YQ-03: {value: 14.2}, YQ-18: {value: true}}
        enterprises:                     # parks: 园区企业碳排放情况 (YQ-18), optional
          - {name: 示例铝业有限公司, emissions_tco2: 96000, energy_tce: 41000}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
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
from nzc_review.policy.application import (
    Energy,
    OtherFuel,
    Profile,
    Quantity,
    SafeId,
    Tco2,
    finite_number,
)

ACCEPTANCE_FORMAT = "nzc-acceptance/1"
DISCLOSURE_FORMAT = "nzc-disclosure/1"

Year = Annotated[int, Field(ge=1990, le=2100)]
Value = StrictBool | StrictInt | StrictFloat | None
#: Pilot and application ids become file and folder names: the application's safe-id rule.
PilotId = SafeId


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _at_most(limit: str, what: str) -> BeforeValidator:
    """A list or mapping of at most the active input limit ``limit`` entries
    (:mod:`nzc_review.limits`, checked before its entries are validated)."""
    return BeforeValidator(lambda v: limits.check_count(v, getattr(limits.active(), limit), what))


class ReportedValue(_Model):
    """A value reached (验收实际值) or disclosed (披露值) for one indicator, with its evidence.

    ``benchmark`` is needed for 优于…基准值 indicators (else the committed application's is used);
    ``basis`` says which denominator a reduction with alternatives uses.
    """

    value: Value = None
    evidence: str | None = None
    benchmark: StrictInt | StrictFloat | None = None
    basis: catalog.ReductionBasis | None = None
    unit: str | None = None
    note: str | None = None

    _finite = field_validator("value", "benchmark")(classmethod(lambda cls, v: finite_number(v)))


#: Values per indicator code, at most ``limits.indicators`` of them.
IndicatorValues = Annotated[dict[str, ReportedValue], _at_most("indicators", "indicators")]


# --- nzc-acceptance/1 ------------------------------------------------------------------------


class ApplicationRef(_Model):
    """The accepted application: its ``id`` and either a ``file`` (relative to the acceptance
    file) or the application embedded as ``content``."""

    id: PilotId
    file: str | None = Field(default=None, min_length=1)
    content: dict | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ApplicationRef:
        if (self.file is None) == (self.content is None):
            raise ValueError(
                "give the application either as `file` (a path relative to this file) or as "
                "`content` (the application embedded), exactly one of them"
            )
        return self


class ProjectOutcome(_Model):
    """What became of one key project (重点项目) of the application, matched by ``name``.

    ``completed_year`` empty means not completed.
    """

    name: str = Field(min_length=1)
    completed_year: Year | None = None
    actual_reduction_tco2_per_year: Tco2 | None = None
    actual_investment_10k_cny: Quantity | None = None
    evidence: str | None = None
    note: str | None = None


class Acceptance(_Model):
    """A self-evaluation report (自我评价报告) for acceptance (验收), format nzc-acceptance/1."""

    format: Literal["nzc-acceptance/1"]
    application: ApplicationRef
    submitted_on: str | None = None
    achieved_year: Year
    summary: str | None = None
    achieved: IndicatorValues = Field(default_factory=dict)
    key_projects: Annotated[
        list[ProjectOutcome], _at_most("key_projects", "key projects")
    ] = Field(default_factory=list)
    profile: dict[Year, Profile] = Field(default_factory=dict)
    emissions_tco2: dict[Year, Tco2] = Field(default_factory=dict)
    energy: dict[Year, Energy] = Field(default_factory=dict)
    disclosures: dict[Year, str] = Field(default_factory=dict)


# --- nzc-disclosure/1 ------------------------------------------------------------------------


class PilotInfo(_Model):
    """Who discloses, and the reference levels re-review (复核) compares with.

    ``accepted_year`` is the data year the pilot was accepted on (its acceptance's
    ``achieved_year``); re-review covers the years after it. ``target_emissions_tco2`` is the
    accepted target level of total emissions (e.g. base × (1 − committed reduction %)).
    ``first_year`` is the first data year that must be disclosed (default: the year after
    ``accepted_year``, else the earliest disclosed year).
    """

    id: PilotId
    name: str = Field(min_length=1)
    pilot_type: catalog.PilotType
    organization: str | None = None
    base_year: Year = 2022
    base_emissions_tco2: Tco2 | None = None
    base_profile: Profile | None = None
    accepted_year: Year | None = None
    target_emissions_tco2: Tco2 | None = None
    first_year: Year | None = None


class Enterprise(_Model):
    """One enterprise of a park and its emissions of the year: the park table's core indicator
    YQ-18 碳披露 asks the park to publish 园区企业碳排放情况 every year (附件1 表2)."""

    name: str = Field(min_length=1)
    emissions_tco2: Tco2
    energy_tce: Quantity | None = None
    note: str | None = None


class DisclosureYear(_Model):
    """One year's disclosure: the accounted total, optional activity data and denominators,
    indicator values, a park's enterprises (``enterprises``), and when and where it was
    published."""

    emissions_tco2: Tco2
    energy: Energy | None = None
    profile: Profile | None = None
    indicators: IndicatorValues = Field(default_factory=dict)
    enterprises: list[Enterprise] = Field(default_factory=list)
    published_on: str | None = None
    published_at: str | None = None
    note: str | None = None


class Disclosure(_Model):
    """Carbon disclosure (碳排放信息披露) of one pilot, format nzc-disclosure/1."""

    format: Literal["nzc-disclosure/1"]
    pilot: PilotInfo
    years: dict[Year, DisclosureYear] = Field(min_length=1)


MODELS = (Acceptance, ApplicationRef, ProjectOutcome, ReportedValue, PilotInfo, DisclosureYear,
          Disclosure, Enterprise, Energy, OtherFuel, Profile)
