"""Carbon accounting (碳排放核算) of an application's yearly energy data.

Per year, with the factors of ``catalog/emission_factors.csv`` (or a user's override):

* direct emissions (直接排放, fuel combustion) = Σ_fuel amount × EF_fuel, where
  EF_fuel = NCV × CC × OR × 44/12 (GB/T 32150-2015, 燃料燃烧排放), for the fuels with shipped
  factors (raw coal, natural gas, gasoline, diesel, LPG, coke, fuel oil), plus every other fuel
  at the factor the applicant declares with its source (``other_fuels``); biomass adds none
  (biogenic CO2, 2006 IPCC Guidelines Vol. 2: an information item outside the total);
* indirect emissions (间接排放) = purchased electricity × grid factor + purchased heat ×
  heat factor (GB/T 32150-2015 购入电力、热力产生的排放);
* process emissions (工业过程排放, GB/T 32150-2015 过程排放; the park condition “合理控制工业过程
  排放”) as declared, with their method: a line of their own (``by_source_tco2["process"]``),
  added to the total;
* carbon sinks (碳汇, tCO2 removed, with their method) on a line of their own (``sink_tco2``),
  not netted from the totals unless the run's options say so (``net_sinks``, 本工具默认规则:
  reported separately);
* ``gross_tco2`` is the location-based total before any netting (all purchased electricity at
  the grid factor of the data year); ``total_tco2`` the same after netting sinks when the rule
  says so; ``total_green_deducted_tco2`` counts green electricity (绿电) bought at zero and the
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

Declared ``emissions_tco2`` (emissions before sinks) are cross-checked against ``gross_tco2``;
a difference over 5 % is reported.
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
from nzc_review.evaluation.energy import (
    METHOD_ZH,
    conversions,
    energy_balance,
    renewable_share_definition,
)
from nzc_review.evaluation.factors import (
    ENERGY_FIELD_KEYS,
    EmissionFactor,
    select_factor,
)
from nzc_review.policy.application import Application, Energy

DISAGREEMENT_TOLERANCE = 0.05
FUEL_FIELDS = ("raw_coal_t", "natural_gas_10k_m3", "gasoline_t", "diesel_t", "lpg_t", "coke_t",
               "fuel_oil_t")
#: The key of process emissions in ``by_source_tco2`` (other fuels are keyed by their name).
PROCESS = "process"
FIELD_ZH = {
    "electricity_mwh": "外购电力",
    "raw_coal_t": "原煤",
    "natural_gas_10k_m3": "天然气",
    "gasoline_t": "汽油",
    "diesel_t": "柴油",
    "lpg_t": "液化石油气",
    "coke_t": "焦炭",
    "fuel_oil_t": "燃料油",
    "purchased_heat_gj": "外购热力",
    PROCESS: "工业过程排放",
    "residual_electricity": "外购电力（扣除绿电后）",
}


def source_zh(key: str) -> str:
    """The Chinese name of a source of ``by_source_tco2``: a field's name, or an other fuel's
    own name (其他燃料)."""
    return FIELD_ZH.get(key, key)


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
    #: Location-based total of the data year before netting sinks (what declared totals match).
    gross_tco2: float = 0.0
    #: Industrial process emissions (工业过程排放) and their method, as declared.
    process_tco2: float = 0.0
    process_method: str | None = None
    #: Carbon sinks (碳汇, tCO2 removed) and their method; netted from the totals only when
    #: ``sinks_netted``.
    sink_tco2: float = 0.0
    sink_method: str | None = None
    sinks_netted: bool = False
    #: Biomass used (tce); its CO2 is biogenic and not counted.
    biomass_tce: float = 0.0


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
    #: The renewable-share method (``equivalent_calorific`` / ``coal_equivalent``) and whether
    #: carbon sinks were netted (a review rule; default not).
    renewable_share_method: str = "equivalent_calorific"
    net_sinks: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


DEFINITIONS = [
    "直接排放 = Σ 化石燃料消耗量 × 排放因子（低位发热量 × 单位热值含碳量 × 碳氧化率 × 44/12，GB/T 32150-2015）；"
    "其他燃料按申报单位提供的排放因子及其来源计",
    "生物质燃烧产生的CO2属生物质碳，按《2006年IPCC国家温室气体清单指南》第2卷惯例不计入碳排放总量，"
    "其能源计入能源消费量和可再生能源",
    "间接排放 = 外购电力 × 电网排放因子 + 外购热力 × 热力排放因子",
    "工业过程排放按申报值（注明核算方法，GB/T 32150-2015 过程排放）单列一行，计入碳排放总量",
    "碳排放总量（基于位置）按全部外购电力 × 电网平均排放因子计；扣除绿电口径将绿电交易/绿证电量按零排放计，"
    "其余外购电力按剩余电力排放因子（不包括市场化交易的非化石能源电量，未发布时按电网平均因子）计",
    "同口径：各年外购电力按基准年电网排放因子计，使降幅反映试点自身的努力而非电网因子的变化（本工具默认规则）",
    "能源消费量按 GB/T 2589-2020 附录A 折标准煤（电力、热力取当量值）",
    "清洁能源使用率 = （电力 + 天然气 + 液化石油气）/ 能源消费总量（参照 GB/T 36132-2018）",
]


def definitions(options: AccountingOptions) -> list[str]:
    """The definitions a report states for the run's options: :data:`DEFINITIONS`, the carbon
    sink rule and the renewable-share method."""
    sinks = ("碳汇（清除量，注明核算方法）按评审规则从碳排放总量中扣除" if options.net_sinks else
             "碳汇（清除量，注明核算方法）单列，不从碳排放总量中扣除（本工具默认规则，评审规则可改为扣除）")
    return [*DEFINITIONS, sinks, renewable_share_definition(options.renewable_share_method)]


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


def _other_fuels(energy: Energy, year: int) -> tuple[dict[str, float], list[FactorUse]]:
    """Emissions of the other fuels at their declared factors, keyed by fuel name."""
    by_source: dict[str, float] = {}
    uses = []
    for fuel in energy.other_fuels:
        factor = fuel.tco2_per_unit or 0.0
        by_source[fuel.name] = fuel.amount * factor
        uses.append(FactorUse(
            field=fuel.name, key="other_fuel", scope="declared", year=year, value=factor,
            unit=f"tCO2/{fuel.unit}", source=fuel.source or "", note="申报单位提供的排放因子",
            verified=True))
    return by_source, uses


def account_carbon(
    app: Application,
    factors: Sequence[EmissionFactor] | None = None,
    electricity_scope: Sequence[str] | None = None,
    *,
    options: AccountingOptions | None = None,
    tolerance: float = DISAGREEMENT_TOLERANCE,
) -> Accounting:
    """Account every year of ``app.energy`` (pure apart from loading the default factors).

    ``options`` carries the accounting basis, the grid-factor choice, the factors and the
    scope, the renewable-share method and the carbon-sink rule (``net_sinks``); without it, the
    default basis with ``factors`` and ``electricity_scope``. A declared total differing from
    the accounted one by more than ``tolerance`` (a fraction, default 5 %) is a warning.
    """
    if options is None:
        options = AccountingOptions(factors=factors, electricity_scope=electricity_scope)
    factors, electricity_scope = options.table, options.electricity_scope
    other = options.other()
    years: dict[int, YearAccount] = {}
    warnings: list[str] = []
    basis_notes: list[str] = []
    declared_factors: dict[tuple, str] = {}
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
        own_fuels, own_uses = _other_fuels(energy, year)
        for name, value in own_fuels.items():
            by_source[name] = by_source.get(name, 0.0) + value
        uses.extend(own_uses)
        process = energy.process_emissions_tco2 or 0.0
        if process:
            by_source[PROCESS] = process
        direct = sum(by_source.get(n, 0.0) for n in FUEL_FIELDS) + sum(own_fuels.values())
        electricity = by_source.get("electricity_mwh", 0.0)
        heat = by_source.get("purchased_heat_gj", 0.0)
        gross = direct + electricity + heat + process
        green_deducted = held_location = held_green = gross  # nothing bought: all agree
        if energy.electricity_mwh:
            own = electricity_account(energy, year, year, factors, electricity_scope)
            held = electricity_account(energy, year, app.base_year, factors, electricity_scope)
            rest = gross - electricity
            green_deducted = rest + own.green_deducted_tco2
            held_location = rest + held.location_tco2
            held_green = rest + held.green_deducted_tco2
            if own.residual_published:
                uses.append(_residual_use(own))
            elif not basis_notes:
                basis_notes.append(residual_fallback_note(own))
        sink = energy.carbon_sink_tco2 or 0.0
        netted = sink if options.net_sinks else 0.0
        totals = {("location", "data_year"): gross - netted,
                  ("green_deducted", "data_year"): green_deducted - netted,
                  ("location", HELD): held_location - netted,
                  ("green_deducted", HELD): held_green - netted}
        total = totals[("location", "data_year")]
        balance = energy_balance(energy, options.renewable_share_method, year)
        declared = app.emissions_tco2.get(year)
        difference = (declared - gross) / gross * 100 if declared is not None and gross else None
        profile = app.profile.get(year)

        def per(attr: str, total: float = total, profile=profile) -> float | None:
            value = getattr(profile, attr) if profile else None
            return total / value if value else None

        account = YearAccount(
            year=year,
            direct_tco2=direct,
            indirect_tco2=electricity + heat,
            total_tco2=total,
            total_green_deducted_tco2=totals[("green_deducted", "data_year")],
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
            gross_tco2=gross,
            process_tco2=process,
            process_method=energy.process_method,
            sink_tco2=sink,
            sink_method=energy.carbon_sink_method,
            sinks_netted=options.net_sinks and bool(sink),
            biomass_tce=energy.biomass_tce or 0.0,
        )
        years[year] = account
        if difference is not None and abs(difference) > tolerance * 100:
            warnings.append(
                f"{year}年申报碳排放总量 {declared:,.0f} tCO2 与按能源数据核算的 {gross:,.0f} tCO2 "
                f"相差 {difference:+.1f}%（超过{tolerance * 100:g}%），请核实核算边界与排放因子"
            )
        for use in uses:
            if use.note and use.field == "electricity_mwh":
                warnings.append(f"{year}年{FIELD_ZH[use.field]}：{use.note.split(' / ')[0]}")
            if not use.verified:
                warnings.append(
                    f"{year}年{source_zh(use.field)}排放因子 {use.value} {use.unit}"
                    f"（{use.scope} {use.year}）尚未与原文核对，正式使用前请核实"
                )
            if use.key == "other_fuel":
                declared_factors.setdefault(
                    (use.field, use.value, use.unit, use.source),
                    f"其他燃料“{use.field}”按申报的排放因子 {use.value:g} {use.unit}（来源：{use.source}）"
                    "计，请核实因子及来源")
        warnings.extend(_energy_notes(balance, year))
    warnings.extend(declared_factors.values())
    missing_years = [y for y in app.emissions_tco2 if y not in app.energy]
    if missing_years:
        warnings.append(
            "以下年份只有申报排放总量、没有能源活动数据，无法复核："
            + "、".join(str(y) for y in sorted(missing_years))
        )
    series = emission_series(app, options)
    return Accounting(
        years=years, warnings=warnings, definitions=definitions(options), basis=options.basis,
        grid_factor=options.grid_factor,
        basis_zh=series.basis_zh,
        other_basis=other.basis, emissions=series,
        basis_notes=list(dict.fromkeys(basis_notes + series.notes)),
        renewable_share_method=options.renewable_share_method, net_sinks=options.net_sinks)


def _energy_notes(balance, year: int) -> list[str]:
    """Warnings of a year's energy balance: coefficients not checked against the printed
    table, and the coal rate used for 等价值 when it is unverified or of another year."""
    table = conversions()
    out = [f"{year}年{table[name].name_zh}折标准煤系数 {table[name].tce:g} {table[name].unit}"
           "尚未与原文核对，正式使用前请核实" for name in balance.unverified]
    factor = balance.electricity
    if factor is not None and factor.rate is not None and (
            factor.note or not factor.rate.verified):
        out.append(f"{year}年可再生能源消费比重（{METHOD_ZH[factor.method]}）：{factor.describe_zh()}")
    return out


def _residual_use(account) -> FactorUse:
    residual = account.residual
    return FactorUse(
        field="residual_electricity", key=RESIDUAL_KEY, scope=residual.scope,
        year=account.residual_year, value=residual.value, unit=residual.unit,
        source=residual.source, note="扣除绿电口径：其余外购电力的剩余电力排放因子",
        verified=residual.verified)
