"""Energy consumption in standard coal, the renewable share and the clean-energy use rate.

Conversion coefficients: GB/T 2589-2020《综合能耗计算通则》附录A (当量值 for electricity and
heat), kept in ``catalog/energy_conversion.yaml``. Field meanings (contract 2 ``energy``):
``electricity_mwh`` is electricity bought from the grid, ``green_electricity_mwh`` the part of
it bought as green electricity (绿电交易/绿证), ``onsite_renewable_mwh`` renewable electricity
generated and used on site (not bought, so not in ``electricity_mwh``), ``biomass_tce`` biomass
already converted to tce at its measured calorific value, ``other_fuels`` fuels with the
standard-coal factor the applicant declares.

Definitions used (stated in every report):

* total energy consumption (综合能源消费量, tce) = Σ field × coefficient + Σ other fuel × its
  declared factor, on-site renewable electricity and biomass included, electricity and heat at
  当量值 whatever the renewable-share method;
* renewable energy consumption share (可再生能源消费比重, 表1/表2) = (on-site renewable +
  green electricity + biomass) / total × 100; biomass is renewable energy (《中华人民共和国可再生
  能源法》第二条). Electricity is taken, in numerator and denominator alike, at
  ``equivalent_calorific`` (当量值, default: 0.1229 kgce/kWh) or at ``coal_equivalent`` (等价值,
  发电煤耗法: the data year's thermal-power standard-coal consumption, per year in the catalog with
  its source; the nearest published year when the data year has none, and the output says so);
* clean energy use rate (清洁能源使用率, 表1/表2/表4/表5) = (grid and on-site electricity +
  natural gas + LPG) / total × 100: the share of clean energy in total energy use, as the
  indicator of the same name in GB/T 36132-2018《绿色园区评价要求》; coal, coke, oil products,
  biomass, other fuels and purchased heat count as not clean (the tool's list, unchanged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Final

from nzc_review.errors import CatalogError
from nzc_review.files import yaml_text
from nzc_review.policy.application import Energy

CLEAN_FIELDS = ("electricity_mwh", "onsite_renewable_mwh", "natural_gas_10k_m3", "lpg_t")
#: Fields taken at the electricity factor of the renewable-share method.
ELECTRICITY_FIELDS = ("electricity_mwh", "onsite_renewable_mwh")
#: Fields of ``Energy`` that are not amounts of energy converted by a coefficient.
NOT_CONVERTED: Final[frozenset[str]] = frozenset({
    "green_electricity_mwh", "other_fuels", "process_emissions_tco2", "process_method",
    "carbon_sink_tco2", "carbon_sink_method",
})

EQUIVALENT_CALORIFIC, COAL_EQUIVALENT = "equivalent_calorific", "coal_equivalent"
#: The renewable-share methods, the default first.
RENEWABLE_SHARE_METHODS: Final[tuple[str, ...]] = (EQUIVALENT_CALORIFIC, COAL_EQUIVALENT)
METHOD_ZH: Final[dict[str, str]] = {
    EQUIVALENT_CALORIFIC: "当量值（电热当量法）",
    COAL_EQUIVALENT: "等价值（发电煤耗法）",
}

_FILE = "energy_conversion.yaml"


@dataclass(frozen=True)
class Conversion:
    field: str
    tce: float
    unit: str
    name_zh: str
    source: str
    note: str = ""

    @property
    def verified(self) -> bool:
        """``False`` when the note flags the coefficient as ``unverified``."""
        return "unverified" not in self.note.lower()


@dataclass(frozen=True)
class CoalRate:
    """The standard-coal consumption of thermal power of one year (gce/kWh), for 等价值."""

    year: int
    gce_per_kwh: float
    kind: str
    source: str
    note: str = ""

    @property
    def tce_per_mwh(self) -> float:
        return self.gce_per_kwh / 1000.0

    @property
    def verified(self) -> bool:
        return "unverified" not in self.note.lower()


@cache
def _catalog() -> dict:
    text = resources.files("nzc_review.policy.catalog").joinpath(_FILE).read_text(
        encoding="utf-8")
    data = yaml_text.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        raise CatalogError(f"catalog file {_FILE}: expected a mapping with `fields`")
    return data


@cache
def conversions() -> dict[str, Conversion]:
    """The tce coefficient of every converted ``energy`` field."""
    try:
        out = {k: Conversion(field=k, **v) for k, v in _catalog()["fields"].items()}
    except TypeError as exc:
        raise CatalogError(f"catalog file {_FILE}: {exc}") from None
    missing = set(Energy.model_fields) - set(out) - NOT_CONVERTED
    if missing:
        raise CatalogError(f"catalog file {_FILE}: no entry for {sorted(missing)}")
    return out


@cache
def coal_rates() -> tuple[CoalRate, ...]:
    """The thermal-power standard-coal consumption by year (等价值 of electricity), by year."""
    try:
        rates = tuple(CoalRate(**row) for row in _catalog().get("electricity_coal_equivalent") or [])
    except TypeError as exc:
        raise CatalogError(f"catalog file {_FILE}: electricity_coal_equivalent: {exc}") from None
    if not rates:
        raise CatalogError(f"catalog file {_FILE}: no electricity_coal_equivalent rows")
    return tuple(sorted(rates, key=lambda r: r.year))


def coal_rate(year: int, rates: Sequence[CoalRate] | None = None) -> tuple[CoalRate, str]:
    """The coal rate of ``year``; else the nearest earlier year, else the nearest later one,
    with a note in Chinese saying so (``""`` when the year itself is published)."""
    rates = coal_rates() if rates is None else rates
    by_year = {r.year: r for r in rates}
    if year in by_year:
        return by_year[year], ""
    earlier = [y for y in by_year if y < year]
    used = max(earlier) if earlier else min(by_year)
    return by_year[used], f"{year}年无发布值，采用{used}年火电标准煤耗"


@dataclass(frozen=True)
class ElectricityFactor:
    """How electricity entered the renewable share: tce/MWh, the method and, for 等价值, the
    coal rate used."""

    method: str
    tce_per_mwh: float
    rate: CoalRate | None = None
    note: str = ""

    def describe_zh(self) -> str:
        if self.rate is None:
            return f"电力按当量值 {self.tce_per_mwh * 1000:g} kgce/MWh（GB/T 2589-2020 附录A）"
        r = self.rate
        text = (f"电力按等价值（发电煤耗法）：{r.year}年{r.kind} {r.gce_per_kwh:g} gce/kWh"
                f"（{r.source}{'' if r.verified else '；未与原文核对'}）")
        return text + (f"；{self.note}" if self.note else "")


def electricity_factor(method: str = EQUIVALENT_CALORIFIC, year: int | None = None
                       ) -> ElectricityFactor:
    """The electricity factor of ``method`` for data year ``year`` (needed for 等价值)."""
    if method == EQUIVALENT_CALORIFIC:
        return ElectricityFactor(method, conversions()["electricity_mwh"].tce)
    if method == COAL_EQUIVALENT:
        if year is None:
            raise ValueError("the coal-equivalent (等价值) renewable share needs the data year")
        rate, note = coal_rate(year)
        return ElectricityFactor(method, rate.tce_per_mwh, rate, note)
    raise ValueError(f"unknown renewable-share method {method!r}; expected one of "
                     f"{', '.join(RENEWABLE_SHARE_METHODS)}")


@dataclass(frozen=True)
class EnergyBalance:
    """Energy use of one year. ``total_tce`` and ``by_field_tce`` are at 当量值 (other fuels by
    name); the renewable share follows ``electricity``'s method, the clean rate is at 当量值."""

    total_tce: float
    by_field_tce: dict[str, float]
    renewable_share_pct: float | None
    clean_energy_rate_pct: float | None
    electricity: ElectricityFactor | None = None
    unverified: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.electricity.method if self.electricity else EQUIVALENT_CALORIFIC


def energy_balance(energy: Energy, method: str = EQUIVALENT_CALORIFIC,
                   year: int | None = None) -> EnergyBalance:
    """Total consumption in tce, per field, and the two shares (``None`` when total is 0).

    ``method`` is the renewable-share method (:data:`RENEWABLE_SHARE_METHODS`); ``year`` the data
    year, which ``coal_equivalent`` needs for its coal rate. ``unverified`` names the fields
    converted at a coefficient not checked against the printed table.
    """
    table = conversions()
    factor = electricity_factor(method, year)
    by_field = {
        name: amount * table[name].tce
        for name in table
        if (amount := getattr(energy, name)) is not None
    }
    unverified = [name for name in by_field if not table[name].verified and by_field[name]]
    for fuel in energy.other_fuels:
        by_field[fuel.name] = by_field.get(fuel.name, 0.0) + fuel.amount * (fuel.tce_per_unit or 0)
    total = sum(by_field.values())
    if total <= 0:
        return EnergyBalance(total, by_field, None, None, factor, unverified)
    scale = factor.tce_per_mwh / table["electricity_mwh"].tce
    electricity = sum(by_field.get(name, 0.0) for name in ELECTRICITY_FIELDS)
    total_by_method = total + electricity * (scale - 1.0)
    green = (energy.green_electricity_mwh or 0.0) * factor.tce_per_mwh
    renewable = (by_field.get("onsite_renewable_mwh", 0.0) * scale + green
                 + by_field.get("biomass_tce", 0.0))
    clean = sum(by_field.get(name, 0.0) for name in CLEAN_FIELDS)
    return EnergyBalance(total, by_field, renewable / total_by_method * 100,
                         clean / total * 100, factor, unverified)


def renewable_share_definition(method: str = EQUIVALENT_CALORIFIC) -> str:
    """The renewable-share definition of ``method`` in Chinese, for reports."""
    how = ("电力取当量值 0.1229 kgce/kWh（GB/T 2589-2020 附录A）" if method == EQUIVALENT_CALORIFIC
           else "电力（分子分母同）取等价值，即数据年火电标准煤耗（发电煤耗法，逐年取值与来源见核算说明）")
    return (f"可再生能源消费比重（{METHOD_ZH[method]}）= （自发自用可再生能源电力 + 绿电 + 生物质）"
            f"/ 能源消费总量，{how}；生物质能属可再生能源（《可再生能源法》第二条）")
