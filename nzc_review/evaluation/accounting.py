"""Carbon accounting (碳排放核算) of an application's yearly energy data.

Per year, with the factors of ``catalog/emission_factors.csv`` (or a user's override):

* direct emissions (直接排放, fuel combustion) = Σ_fuel amount × EF_fuel, where
  EF_fuel = NCV × CC × OR × 44/12 (GB/T 32150-2015, 燃料燃烧排放);
* indirect emissions (间接排放) = purchased electricity × grid factor + purchased heat ×
  heat factor (GB/T 32150-2015 购入电力、热力产生的排放);
* ``total_tco2`` is location-based (all purchased electricity at the grid factor of the data
  year); ``total_green_deducted_tco2`` counts green electricity (绿电) bought at zero and the
  rest at the residual-mix factor where one is published for the grid factor's scope, else at
  the grid factor (:mod:`nzc_review.evaluation.basis`, which says so);
* ``total_held_tco2`` and ``total_green_deducted_held_tco2`` are the same at the base year's
  grid factor (同口径, what reductions compare by default); ``basis_tco2`` is the total on the
  run's accounting basis and grid-factor choice, ``other_basis_tco2`` the other basis beside it;
* intensities divide ``total_tco2`` by the denominators of the same year (``profile``).

The grid factor follows the data year, preferring Guangxi's provincial factor, then the
southern grid, then the national one (configurable); when a year has no published factor the
nearest one is used and the output says so. Fuel and heat factors are default values that do
not change by year.

Declared ``emissions_tco2`` are cross-checked against the computed totals; a difference over
5 % is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from nzc_review.evaluation.basis import (
    HELD,
    RESIDUAL_KEY,
    AccountingOptions,
    EmissionSeries,
    electricity_account,
    emission_series,
    residual_fallback_note,
)
from nzc_review.evaluation.energy import energy_balance
from nzc_review.evaluation.factors import (
    ENERGY_FIELD_KEYS,
    EmissionFactor,
    select_factor,
)
from nzc_review.policy.application import Application

DISAGREEMENT_TOLERANCE = 0.05
FUEL_FIELDS = ("raw_coal_t", "natural_gas_10k_m3", "gasoline_t", "diesel_t", "lpg_t")
FIELD_ZH = {
    "electricity_mwh": "外购电力",
    "raw_coal_t": "原煤",
    "natural_gas_10k_m3": "天然气",
    "gasoline_t": "汽油",
    "diesel_t": "柴油",
    "lpg_t": "液化石油气",
    "purchased_heat_gj": "外购热力",
    "residual_electricity": "外购电力（扣除绿电后）",
}


@dataclass
class FactorUse:
    field: str
    key: str
    scope: str
    year: int
    value: float
    unit: str
    source: str
    note: str
    verified: bool


@dataclass
class YearAccount:
    year: int
    direct_tco2: float
    indirect_tco2: float
    total_tco2: float
    total_green_deducted_tco2: float
    total_held_tco2: float
    total_green_deducted_held_tco2: float
    basis_tco2: float
    other_basis_tco2: float
    by_source_tco2: dict[str, float]
    energy_tce: float
    renewable_share_pct: float | None
    clean_energy_rate_pct: float | None
    per_capita: float | None
    per_floor_area: float | None
    per_output_value: float | None
    per_industrial_value_added: float | None
    declared_tco2: float | None
    difference_pct: float | None
    factors: list[FactorUse] = field(default_factory=list)


@dataclass
class Accounting:
    years: dict[int, YearAccount]
    warnings: list[str]
    definitions: list[str]
    #: The run's accounting basis (``location`` / ``green_deducted``) and grid-factor choice.
    basis: str = "location"
    grid_factor: str = HELD
    basis_zh: str = ""
    other_basis: str = "green_deducted"
    #: The emissions every comparison uses (declared figures re-expressed on the basis).
    emissions: EmissionSeries | None = None
    #: What the basis needed to assume (fallbacks), in Chinese.
    basis_notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


DEFINITIONS = [
    "直接排放 = Σ 化石燃料消耗量 × 排放因子（低位发热量 × 单位热值含碳量 × 碳氧化率 × 44/12，GB/T 32150-2015）",
    "间接排放 = 外购电力 × 电网排放因子 + 外购热力 × 热力排放因子",
    "碳排放总量（基于位置）按全部外购电力 × 电网平均排放因子计；扣除绿电口径将绿电交易/绿证电量按零排放计，"
    "其余外购电力按剩余电力排放因子（不包括市场化交易的非化石能源电量，未发布时按电网平均因子）计",
    "同口径：各年外购电力按基准年电网排放因子计，使降幅反映试点自身的努力而非电网因子的变化（本工具默认规则）",
    "能源消费量按 GB/T 2589-2020 附录A 折标准煤（电力、热力取当量值）",
    "可再生能源消费比重 = （自发自用可再生能源电力 + 绿电）/ 能源消费总量",
    "清洁能源使用率 = （电力 + 天然气 + 液化石油气）/ 能源消费总量（参照 GB/T 36132-2018）",
]


def _factor(
    factors: Sequence[EmissionFactor], field_name: str, year: int, scope: Sequence[str] | None
) -> FactorUse:
    key = ENERGY_FIELD_KEYS[field_name]
    electricity = key == "grid_electricity"
    chosen, used_year, note = select_factor(factors, key, year, scope if electricity else None)
    if not electricity:
        note = "缺省值，不随年份变化"
    return FactorUse(
        field=field_name,
        key=key,
        scope=chosen.scope,
        year=used_year,
        value=chosen.value,
        unit=chosen.unit,
        source=chosen.source,
        note=note,
        verified=chosen.verified,
    )


def account_carbon(
    app: Application,
    factors: Sequence[EmissionFactor] | None = None,
    electricity_scope: Sequence[str] | None = None,
    *,
    options: AccountingOptions | None = None,
) -> Accounting:
    """Account every year of ``app.energy`` (pure apart from loading the default factors).

    ``options`` carries the accounting basis, the grid-factor choice, the factors and the
    scope; without it, the default basis with ``factors`` and ``electricity_scope``.
    """
    if options is None:
        options = AccountingOptions(factors=factors, electricity_scope=electricity_scope)
    factors, electricity_scope = options.table, options.electricity_scope
    other = options.other()
    years: dict[int, YearAccount] = {}
    warnings: list[str] = []
    basis_notes: list[str] = []
    for year in sorted(app.energy):
        energy = app.energy[year]
        uses: list[FactorUse] = []
        by_source: dict[str, float] = {}
        for name in (*FUEL_FIELDS, "electricity_mwh", "purchased_heat_gj"):
            amount = getattr(energy, name)
            if not amount:
                continue
            use = _factor(factors, name, year, electricity_scope)
            uses.append(use)
            by_source[name] = amount * use.value
        direct = sum(by_source.get(n, 0.0) for n in FUEL_FIELDS)
        electricity = by_source.get("electricity_mwh", 0.0)
        heat = by_source.get("purchased_heat_gj", 0.0)
        total = direct + electricity + heat
        green_deducted = held_location = held_green = total  # nothing bought: all agree
        if energy.electricity_mwh:
            own = electricity_account(energy, year, year, factors, electricity_scope)
            held = electricity_account(energy, year, app.base_year, factors, electricity_scope)
            rest = total - electricity
            green_deducted = rest + own.green_deducted_tco2
            held_location = rest + held.location_tco2
            held_green = rest + held.green_deducted_tco2
            if own.residual_published:
                uses.append(_residual_use(own))
            elif not basis_notes:
                basis_notes.append(residual_fallback_note(own))
        totals = {("location", "data_year"): total, ("green_deducted", "data_year"): green_deducted,
                  ("location", HELD): held_location, ("green_deducted", HELD): held_green}
        balance = energy_balance(energy)
        declared = app.emissions_tco2.get(year)
        difference = (declared - total) / total * 100 if declared is not None and total else None
        profile = app.profile.get(year)

        def per(attr: str, total: float = total, profile=profile) -> float | None:
            value = getattr(profile, attr) if profile else None
            return total / value if value else None

        account = YearAccount(
            year=year,
            direct_tco2=direct,
            indirect_tco2=electricity + heat,
            total_tco2=total,
            total_green_deducted_tco2=green_deducted,
            total_held_tco2=totals[("location", HELD)],
            total_green_deducted_held_tco2=totals[("green_deducted", HELD)],
            basis_tco2=totals[(options.basis, options.grid_factor)],
            other_basis_tco2=totals[(other.basis, other.grid_factor)],
            by_source_tco2=by_source,
            energy_tce=balance.total_tce,
            renewable_share_pct=balance.renewable_share_pct,
            clean_energy_rate_pct=balance.clean_energy_rate_pct,
            per_capita=per("population"),
            per_floor_area=per("floor_area_m2"),
            per_output_value=per("output_value_10k_cny"),
            per_industrial_value_added=per("industrial_value_added_10k_cny"),
            declared_tco2=declared,
            difference_pct=difference,
            factors=uses,
        )
        years[year] = account
        if difference is not None and abs(difference) > DISAGREEMENT_TOLERANCE * 100:
            warnings.append(
                f"{year}年申报碳排放总量 {declared:,.0f} tCO2 与按能源数据核算的 {total:,.0f} tCO2 "
                f"相差 {difference:+.1f}%（超过5%），请核实核算边界与排放因子"
            )
        for use in uses:
            if use.note and use.field == "electricity_mwh":
                warnings.append(f"{year}年{FIELD_ZH[use.field]}：{use.note.split(' / ')[0]}")
            if not use.verified:
                warnings.append(
                    f"{year}年{FIELD_ZH[use.field]}排放因子 {use.value} {use.unit}"
                    f"（{use.scope} {use.year}）尚未与原文核对，正式使用前请核实"
                )
    missing_years = [y for y in app.emissions_tco2 if y not in app.energy]
    if missing_years:
        warnings.append(
            "以下年份只有申报排放总量、没有能源活动数据，无法复核："
            + "、".join(str(y) for y in sorted(missing_years))
        )
    series = emission_series(app, options)
    return Accounting(
        years=years, warnings=warnings, definitions=list(DEFINITIONS), basis=options.basis,
        grid_factor=options.grid_factor,
        basis_zh=series.basis_zh,
        other_basis=other.basis, emissions=series,
        basis_notes=list(dict.fromkeys(basis_notes + series.notes)))


def _residual_use(account) -> FactorUse:
    residual = account.residual
    return FactorUse(
        field="residual_electricity", key=RESIDUAL_KEY, scope=residual.scope,
        year=account.residual_year, value=residual.value, unit=residual.unit,
        source=residual.source, note="扣除绿电口径：其余外购电力的剩余电力排放因子",
        verified=residual.verified)
