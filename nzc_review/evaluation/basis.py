"""The accounting basis (核算口径) of a run: which electricity emissions count, at which factor.

DESIGN.md contract 4: one basis per run, applied alike to the accounting totals, the computed
reductions, the scenario forecast, the risk simulation, acceptance and monitoring.

Accounting bases (``basis``)
----------------------------
``location`` (基于位置, default)
    All purchased electricity at the grid average factor (电力平均二氧化碳排放因子, 生态环境部、
    国家统计局 公告2024年第33号 / 2025年第47号; GB/T 32150-2015: 购入电力排放 = 电量 × 排放因子).
    Green electricity bought (绿电交易/绿证) changes nothing, so a key project of category
    ``green_electricity`` reduces nothing.
``green_deducted`` (扣除绿电)
    Green electricity bought counts at zero; the rest of purchased electricity counts at the
    residual-mix factor, the 全国电力平均二氧化碳排放因子（不包括市场化交易的非化石能源电量） of the
    same announcements (表4, national only). It is taken where the factor table publishes it for
    the scope of the grid factor in use (``--electricity-scope national``); otherwise the rest
    counts at the grid factor and the output says so (本工具默认规则: a national residual factor
    is not mixed with a provincial average).

Grid factor of comparisons (``grid_factor``)
--------------------------------------------
``held`` (同口径, default, 本工具默认规则)
    Every year's electricity at the base year's grid factor, so that a reduction against 2022
    (附件1 表1–表5 “较2022年下降”) measures the pilot's effort and not the grid's: Guangxi's factor
    went from 0.4044 (2022) to 0.4476 (2023), +10.7 % on electricity emissions with no change
    in use.
``data_year``
    Every year's electricity at its own year's factor (each year's accounting as published).

Emissions on the basis
----------------------
Declared totals (``emissions_tco2``) are accounted on the location basis at the grid factor of
their own year (the cross-check of :mod:`nzc_review.evaluation.accounting` compares them with
exactly that figure). A year with energy data is re-expressed by the change of its electricity
emissions alone (fuel and heat factors do not change by year)::

    E(y) = declared(y) + Elec_basis(y, f) − Elec_location(y, y)
    Elec_location(y, f)       = electricity(y) × grid(f)
    Elec_green_deducted(y, f) = max(0, electricity(y) − green(y)) × residual(f)

with ``f`` the base year when the grid factor is held, else ``y``. A year without energy data
keeps its declared figure and a note says so. Under ``green_deducted`` a base year without
energy data leaves every year as declared (本工具默认规则): a base on one basis and later years
on the other would overstate the reduction.

Carbon sinks (``net_sinks``)
----------------------------
Carbon sinks (碳汇, ``energy.<year>.carbon_sink_tco2``) are reported beside the emissions and not
netted from them (本工具默认规则: the work plan counts 碳汇 among a region's projects, 二（一）, but
says nothing of netting them). With ``net_sinks`` (a review rule) every total and every year of
the emission series with energy data is reduced by that year's sinks; declared totals are taken
as emissions before sinks (the cross-check compares them with the accounted total before sinks).

Renewable share (``renewable_share_method``)
--------------------------------------------
``equivalent_calorific`` (当量值, default) or ``coal_equivalent`` (等价值, 发电煤耗法)
(:mod:`nzc_review.evaluation.energy`); carried by :class:`EmissionSeries` to the computed
indicator values.

Everything here is pure apart from reading the shipped factor table once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Final

from nzc_review.errors import FieldError
from nzc_review.evaluation.energy import EQUIVALENT_CALORIFIC, METHOD_ZH, RENEWABLE_SHARE_METHODS
from nzc_review.evaluation.factors import EmissionFactor, load_factors, select_factor
from nzc_review.policy.application import (
    PROJECT_CATEGORY_ZH,
    Application,
    Energy,
    KeyProject,
)

LOCATION, GREEN_DEDUCTED = "location", "green_deducted"
#: The accounting bases, the default first.
BASES: Final[tuple[str, ...]] = (LOCATION, GREEN_DEDUCTED)
HELD, DATA_YEAR = "held", "data_year"
#: How comparisons take the grid factor, the default first.
GRID_FACTORS: Final[tuple[str, ...]] = (HELD, DATA_YEAR)

BASIS_ZH: Final[dict[str, str]] = {LOCATION: "基于位置", GREEN_DEDUCTED: "扣除绿电"}
BASIS_DETAIL_ZH: Final[dict[str, str]] = {
    LOCATION: "外购电力全部按电网平均排放因子计，绿电交易/绿证不计减排",
    GREEN_DEDUCTED: "绿电交易/绿证电量按零排放计，其余外购电力按剩余电力排放因子（未发布时按电网平均因子）计",
}
GRID_FACTOR_ZH: Final[dict[str, str]] = {
    HELD: "按基准年电网因子（同口径）",
    DATA_YEAR: "按数据年电网因子",
}

GRID_KEY: Final[str] = "grid_electricity"
#: The MEE/NBS residual-mix factor (不包括市场化交易的非化石能源电量).
RESIDUAL_KEY: Final[str] = "grid_electricity_excl_market_nonfossil"

#: Key-project categories (DESIGN.md contract 4) in Chinese.
CATEGORY_ZH: Final[dict[str, str]] = PROJECT_CATEGORY_ZH
#: Words in a project's name that mark a green-power purchase when ``category`` is missing
#: (本工具默认规则).
GREEN_ELECTRICITY_WORDS: Final[tuple[str, ...]] = ("绿电", "绿证", "绿色电力")


class AccountingOptionsError(FieldError, ValueError):
    """An accounting basis, grid-factor choice or renewable-share method the tool does not know;
    ``name`` is the option (``accounting_basis``, ``grid_factor``, ``renewable_share_method``)."""


@cache
def shipped_factors() -> tuple[EmissionFactor, ...]:
    """The shipped factor table, read once."""
    return tuple(load_factors())


@dataclass(frozen=True)
class AccountingOptions:
    """The accounting basis of a run and what it needs.

    Attributes
    ----------
    basis:
        ``location`` (default) or ``green_deducted``.
    grid_factor:
        ``held`` (default, base-year grid factor for comparisons) or ``data_year``.
    factors:
        A factor table (:func:`nzc_review.evaluation.factors.load_factors`); the shipped one
        when ``None``.
    electricity_scope:
        Grid-factor scope preference; default Guangxi, southern grid, national.
    renewable_share_method:
        ``equivalent_calorific`` (当量值, default) or ``coal_equivalent`` (等价值, 发电煤耗法).
    net_sinks:
        Net carbon sinks from the totals (default ``False``: sinks are reported separately,
        本工具默认规则; a review rule may turn it on).

    Raises
    ------
    AccountingOptionsError
        ``basis`` or ``grid_factor`` is not one of the known values.
    """

    basis: str = LOCATION
    grid_factor: str = HELD
    factors: tuple[EmissionFactor, ...] | None = None
    electricity_scope: tuple[str, ...] | None = None
    renewable_share_method: str = EQUIVALENT_CALORIFIC
    net_sinks: bool = False

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise AccountingOptionsError(f"expected one of {', '.join(BASES)}",
                                         name="accounting_basis", value=self.basis)
        if self.grid_factor not in GRID_FACTORS:
            raise AccountingOptionsError(f"expected one of {', '.join(GRID_FACTORS)}",
                                         name="grid_factor", value=self.grid_factor)
        if self.renewable_share_method not in RENEWABLE_SHARE_METHODS:
            raise AccountingOptionsError(f"expected one of {', '.join(RENEWABLE_SHARE_METHODS)}",
                                         name="renewable_share_method",
                                         value=self.renewable_share_method)
        if not isinstance(self.net_sinks, bool):
            raise AccountingOptionsError("expected true or false", name="net_sinks",
                                         value=self.net_sinks)
        if self.factors is not None and not isinstance(self.factors, tuple):
            object.__setattr__(self, "factors", tuple(self.factors))
        if isinstance(self.electricity_scope, str):
            object.__setattr__(self, "electricity_scope", (self.electricity_scope,))
        elif self.electricity_scope is not None:
            object.__setattr__(self, "electricity_scope", tuple(self.electricity_scope))

    @property
    def table(self) -> Sequence[EmissionFactor]:
        return self.factors if self.factors is not None else shipped_factors()

    def other(self) -> AccountingOptions:
        """The same options on the other basis (shown beside the run's)."""
        return replace(self, basis=GREEN_DEDUCTED if self.basis == LOCATION else LOCATION)

    def describe_zh(self, base_year: int = 2022) -> str:
        """One sentence for reports: the basis, what it means, and the grid factor."""
        factor = (f"各年外购电力按{base_year}年电网因子比较（同口径）" if self.grid_factor == HELD
                  else "各年外购电力按数据年电网因子比较")
        sinks = ("碳汇按评审规则从碳排放总量中扣除" if self.net_sinks
                 else "碳汇单列、不从碳排放总量中扣除（本工具默认规则）")
        return (f"核算口径：{BASIS_ZH[self.basis]}（{BASIS_DETAIL_ZH[self.basis]}）；{factor}；"
                f"{sinks}；可再生能源消费比重按{METHOD_ZH[self.renewable_share_method]}")


def basis_zh(basis: str, grid_factor: str, base_year: int = 2022) -> str:
    """The basis as reports state it: ``基于位置（同口径：按2022年电网因子）``."""
    factor = f"同口径：按{base_year}年电网因子" if grid_factor == HELD else "按数据年电网因子"
    return f"{BASIS_ZH[basis]}（{factor}）"


# --- key-project categories ------------------------------------------------------------------


def project_category(project: KeyProject) -> tuple[str, bool]:
    """The category of ``project`` and whether it was inferred from the name.

    A missing category is read from the name (本工具默认规则): 绿电, 绿证 or 绿色电力 make it
    ``green_electricity``; any other name is ``other``, which every basis counts.
    """
    if project.category is not None:
        return project.category, False
    if any(word in project.name for word in GREEN_ELECTRICITY_WORDS):
        return "green_electricity", True
    return "other", False


def reduces_under(category: str, basis: str) -> bool:
    """Whether a project of ``category`` reduces accounted emissions on ``basis``: under the
    location basis a green-power purchase changes no grid-factor emissions."""
    return not (basis == LOCATION and category == "green_electricity")


def category_notes(projects: Sequence[KeyProject]) -> list[str]:
    """A note for every project whose category was inferred from its name."""
    notes = []
    for p in projects:
        category, inferred = project_category(p)
        if inferred:
            notes.append(f"重点项目“{p.name}”未填写类别，按名称推断为{CATEGORY_ZH[category]}"
                         "（本工具默认规则，可在 category 中写明）")
    return notes


# --- electricity at a factor year ------------------------------------------------------------


def _zh(note: str) -> str:
    return note.split(" / ")[0]


@dataclass(frozen=True)
class ElectricityAccount:
    """Purchased electricity of one data year, accounted at the factors of ``factor_year``.

    ``grid`` is the grid average factor (location basis); ``residual`` the factor of the
    non-green rest on the green-deducted basis: the residual-mix factor when published for the
    grid factor's scope (``residual_published``), else the grid factor itself.
    """

    year: int
    factor_year: int
    electricity_mwh: float
    green_mwh: float
    grid: EmissionFactor
    grid_year: int
    residual: EmissionFactor
    residual_year: int
    residual_published: bool
    location_tco2: float
    green_deducted_tco2: float
    notes: tuple[str, ...] = ()

    def on(self, basis: str) -> float:
        return self.location_tco2 if basis == LOCATION else self.green_deducted_tco2


def electricity_account(energy: Energy, year: int, factor_year: int,
                        factors: Sequence[EmissionFactor],
                        scope: Sequence[str] | None = None) -> ElectricityAccount:
    """Purchased electricity of ``year`` at the grid and residual factors of ``factor_year``."""
    grid, grid_year, grid_note = select_factor(factors, GRID_KEY, factor_year, scope)
    notes = [f"{year}年外购电力（按{factor_year}年因子）：{_zh(grid_note)}"] if grid_note else []
    published = any(f.key == RESIDUAL_KEY and f.scope == grid.scope for f in factors)
    if published:
        residual, residual_year, residual_note = select_factor(
            factors, RESIDUAL_KEY, factor_year, grid.scope)
        if residual_note:
            notes.append(f"{year}年剩余电力排放因子：{_zh(residual_note)}")
    else:
        residual, residual_year = grid, grid_year
    electricity = energy.electricity_mwh or 0.0
    green = min(energy.green_electricity_mwh or 0.0, electricity)
    return ElectricityAccount(
        year=year, factor_year=factor_year, electricity_mwh=electricity, green_mwh=green,
        grid=grid, grid_year=grid_year, residual=residual, residual_year=residual_year,
        residual_published=published, location_tco2=electricity * grid.value,
        green_deducted_tco2=(electricity - green) * residual.value, notes=tuple(notes))


def residual_fallback_note(account: ElectricityAccount) -> str:
    """The sentence saying the green-deducted total fell back to the grid factor."""
    return (f"{account.grid.region}（{account.grid.scope}）未发布剩余电力排放因子（不包括市场化交易的"
            "非化石能源电量，生态环境部、国家统计局仅发布全国值），扣除绿电口径下其余外购电力按电网"
            "平均排放因子计（本工具默认规则）")


# --- the emissions a run compares ------------------------------------------------------------


@dataclass
class EmissionSeries:
    """Emissions per year on one accounting basis (tCO2).

    ``values`` are what reductions compare (grid factor per ``grid_factor``); ``levels`` are each
    year's own emissions on the basis (grid factor of the data year); ``declared`` the
    application's figures as given; ``adjusted`` the years re-expressed from energy data.
    """

    basis: str
    grid_factor: str
    base_year: int
    values: dict[int, float] = field(default_factory=dict)
    levels: dict[int, float] = field(default_factory=dict)
    declared: dict[int, float] = field(default_factory=dict)
    adjusted: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The renewable-share method of the run (computed renewable shares follow it).
    renewable_share_method: str = EQUIVALENT_CALORIFIC
    #: Whether carbon sinks were netted from ``values`` and ``levels``, and by how much a year.
    net_sinks: bool = False
    sinks_netted: dict[int, float] = field(default_factory=dict)

    @property
    def basis_zh(self) -> str:
        """``基于位置（同口径：按2022年电网因子）`` — the basis as reports state it."""
        return basis_zh(self.basis, self.grid_factor, self.base_year)

    @property
    def label_zh(self) -> str:
        """``基于位置，按2022年电网因子`` — for the texts of computed values."""
        factor = (f"按{self.base_year}年电网因子" if self.grid_factor == HELD
                  else "按数据年电网因子")
        return f"{BASIS_ZH[self.basis]}，{factor}"


def emission_series(app: Application, options: AccountingOptions | None = None
                    ) -> EmissionSeries:
    """The application's emissions re-expressed on ``options`` (module docstring formula)."""
    options = options or AccountingOptions()
    factors, scope = options.table, options.electricity_scope
    base_year = app.base_year
    series = EmissionSeries(basis=options.basis, grid_factor=options.grid_factor,
                            base_year=base_year, declared=dict(sorted(app.emissions_tco2.items())),
                            renewable_share_method=options.renewable_share_method,
                            net_sinks=options.net_sinks)
    base_energy = app.energy.get(base_year)
    green_unusable = options.basis == GREEN_DEDUCTED and base_energy is None
    if green_unusable:
        series.notes.append(f"基准年（{base_year}年）无能源活动数据，无法按扣除绿电口径换算，"
                            "各年碳排放按申报值（基于位置）计")
    residual_noted = False
    for year, declared in series.declared.items():
        energy = app.energy.get(year)
        if energy is None or green_unusable:
            series.values[year] = series.levels[year] = declared
            needs_held = options.grid_factor == HELD and year != base_year
            if energy is None and not green_unusable and (
                    needs_held or options.basis == GREEN_DEDUCTED):
                series.notes.append(f"{year}年无能源活动数据，无法按{series.label_zh}换算，"
                                    "按申报值计")
            continue
        series.adjusted.append(year)
        if not energy.electricity_mwh:  # no electricity bought: every basis and factor agree
            series.values[year] = series.levels[year] = declared
            continue
        own = electricity_account(energy, year, year, factors, scope)
        held = electricity_account(energy, year, base_year, factors, scope)
        chosen = held if options.grid_factor == HELD else own
        series.values[year] = max(0.0, declared + (chosen.on(options.basis) - own.location_tco2))
        series.levels[year] = max(0.0, declared + (own.on(options.basis) - own.location_tco2))
        if (options.basis == GREEN_DEDUCTED and not own.residual_published
                and not residual_noted and own.electricity_mwh):
            series.notes.append(residual_fallback_note(own))
            residual_noted = True
    if options.net_sinks:
        _net_sinks(app, series)
    return series


def _net_sinks(app: Application, series: EmissionSeries) -> None:
    """Subtract each adjusted year's carbon sinks from ``values`` and ``levels`` (a review rule;
    declared totals are emissions before sinks). Without base-year energy data nothing is
    netted (本工具默认规则: netting later years only would overstate the reduction)."""
    if series.base_year not in app.energy:
        if any(app.energy[y].carbon_sink_tco2 for y in series.adjusted):
            series.notes.append(f"基准年（{series.base_year}年）无能源活动数据（含碳汇），"
                                "各年碳汇均不扣除")
        return
    for year in series.adjusted:
        sink = app.energy[year].carbon_sink_tco2 or 0.0
        if not sink:
            continue
        series.values[year] = max(0.0, series.values[year] - sink)
        series.levels[year] = max(0.0, series.levels[year] - sink)
        series.sinks_netted[year] = sink
    if series.sinks_netted:
        netted = "、".join(f"{y}年 {v:,.0f} tCO2" for y, v in series.sinks_netted.items())
        series.notes.append(f"按评审规则从碳排放总量中扣除碳汇：{netted}")
