"""Indicator values the tool can compute from the application's own figures.

Reduction indicators (较2022年下降X%以上) compare the latest accounted year with the base year:

    reduction % = (I_base − I_latest) / I_base × 100

where I is total emissions (``total``) or emissions divided by a denominator of the same
year (population, floor area, output value, industrial value added), as the indicator's
reference names it (附件1 表1–表5). Per-capita emissions (表1 区域人均碳排放量, t CO2 per person
per year) are emissions of the latest accounted year divided by its population.

Emissions are those of the run's accounting basis (:mod:`nzc_review.evaluation.basis`):
reductions compare :attr:`~nzc_review.evaluation.basis.EmissionSeries.values` (by default the
location basis at the 2022 grid factor, 同口径), per-capita emissions use the year's own level
(:attr:`~nzc_review.evaluation.basis.EmissionSeries.levels`). :func:`derived_alongside` gives
the same reductions at the data year's grid factor and from the declared figures as given, so
that a declared value computed either way is not called a disagreement.

The renewable energy consumption share and the clean-energy use rate of the latest year with
energy data come from :func:`nzc_review.evaluation.energy.energy_balance` (definitions there); the
renewable share by the run's method (当量值 by default, or 等价值 / 发电煤耗法), which the emission
series carries (:attr:`~nzc_review.evaluation.basis.EmissionSeries.renewable_share_method`).

All functions are pure: an :class:`~nzc_review.policy.application.Application` in, numbers out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nzc_review.evaluation.basis import EmissionSeries, emission_series
from nzc_review.policy import catalog
from nzc_review.policy.application import Application

DENOMINATOR_FIELD: dict[str, str] = {
    "per_capita": "population",
    "per_floor_area": "floor_area_m2",
    "per_output_value": "output_value_10k_cny",
    "per_industrial_value_added": "industrial_value_added_10k_cny",
}


@dataclass(frozen=True)
class Derived:
    """A value computed from the application's figures, and how."""

    value: float
    basis: str
    year: int
    how: str


def latest_accounted_year(app: Application) -> int | None:
    """The latest year with accounted emissions, not before the base year."""
    years = [y for y in app.emissions_tco2 if y >= app.base_year]
    return max(years) if years else None


def intensity(app: Application, basis: str, year: int,
              emissions_by_year: Mapping[int, float] | None = None) -> float | None:
    """Emissions of ``year`` on ``basis`` (total, or per unit of a denominator); emissions from
    ``emissions_by_year`` (default the declared ``emissions_tco2``)."""
    by_year = app.emissions_tco2 if emissions_by_year is None else emissions_by_year
    emissions = by_year.get(year)
    if emissions is None:
        return None
    if basis == "total":
        return emissions
    profile = app.profile.get(year)
    denominator = getattr(profile, DENOMINATOR_FIELD[basis]) if profile else None
    if not denominator:
        return None
    return emissions / denominator


def reduction_pct(app: Application, basis: str, year: int | None = None,
                  emissions_by_year: Mapping[int, float] | None = None,
                  view: str | None = None) -> Derived | None:
    """Reduction in percent of ``basis`` from the base year to ``year`` (default: latest), of
    ``emissions_by_year`` (default the declared figures); ``view`` names them in the text."""
    year = latest_accounted_year(app) if year is None else year
    if year is None:
        return None
    base = intensity(app, basis, app.base_year, emissions_by_year)
    now = intensity(app, basis, year, emissions_by_year)
    if base is None or now is None or base <= 0:
        return None
    value = (base - now) / base * 100.0
    label = catalog.BASIS_ZH[basis] + (f"（{view}）" if view else "")
    return Derived(
        value=value,
        basis=basis,
        year=year,
        how=f"{label}：{app.base_year}年 {base:.6g} → {year}年 {now:.6g}，下降 {value:.2f}%",
    )


def per_capita(app: Application, year: int | None = None,
               emissions_by_year: Mapping[int, float] | None = None,
               view: str | None = None) -> Derived | None:
    """Emissions per person (t CO2 per person per year) of ``year`` (default: latest)."""
    year = latest_accounted_year(app) if year is None else year
    if year is None:
        return None
    value = intensity(app, "per_capita", year, emissions_by_year)
    if value is None:
        return None
    label = f"碳排放总量（{view}）" if view else "碳排放总量"
    return Derived(
        value=value,
        basis="per_capita",
        year=year,
        how=f"{year}年 {label} / 人口 = {value:.4g} 吨CO2/人",
    )


def energy_share(app: Application, which: str, method: str | None = None) -> Derived | None:
    """``renewable_share`` or ``clean_energy_rate`` (%) of the latest year with energy data;
    the renewable share by ``method`` (default 当量值, :mod:`nzc_review.evaluation.energy`)."""
    from nzc_review.evaluation.energy import EQUIVALENT_CALORIFIC, METHOD_ZH, energy_balance

    years = [y for y in app.energy if y >= app.base_year]
    if not years:
        return None
    year = max(years)
    method = method or EQUIVALENT_CALORIFIC
    balance = energy_balance(app.energy[year], method, year)
    value = getattr(balance, f"{which}_pct")
    if value is None:
        return None
    label = (f"可再生能源消费比重（{METHOD_ZH[method]}）" if which == "renewable_share"
             else "清洁能源使用率")
    return Derived(
        value=value,
        basis=which,
        year=year,
        how=f"{year}年能源数据折标计算{label} {value:.2f}%（总能耗 {balance.total_tce:,.0f} tce）",
    )


def derived_current(app: Application, row: catalog.Indicator,
                    series: EmissionSeries | None = None) -> list[Derived]:
    """Every value of ``row`` the application's figures allow computing, per basis, on the
    accounting basis of ``series`` (default :func:`~nzc_review.evaluation.basis.emission_series`
    with the default options)."""
    rule = row.rule
    if rule.kind == "reduction":
        series = emission_series(app) if series is None else series
        found = [reduction_pct(app, basis, emissions_by_year=series.values, view=series.label_zh)
                 for basis in rule.basis]
        return [d for d in found if d is not None]
    if rule.kind == "at_most" and rule.derive == "per_capita":
        series = emission_series(app) if series is None else series
        label = series.label_zh.split("，")[0]
        found = per_capita(app, emissions_by_year=series.levels, view=label)
        return [found] if found is not None else []
    if rule.kind == "at_least" and rule.derive is not None:
        found = energy_share(app, rule.derive,
                             series.renewable_share_method if series is not None else None)
        return [found] if found is not None else []
    return []


def derived_alongside(app: Application, row: catalog.Indicator,
                      series: EmissionSeries | None = None) -> list[Derived]:
    """The reductions of ``row`` seen the other usual ways: at the data year's grid factor on
    the same basis, and from the declared figures as given (location basis, data-year factor);
    only those that differ from the run's own figures. A declared value agreeing with one of
    them is not a disagreement: the applicant computed it by another convention."""
    if row.rule.kind != "reduction":
        return []
    series = emission_series(app) if series is None else series
    views = [(series.levels, f"{series.label_zh.split('，')[0]}，按数据年电网因子"),
             (series.declared, "按申报值")]
    own = [series.values]
    out = []
    for by_year, view in views:
        if any(by_year == seen for seen in own):
            continue
        own.append(by_year)
        for basis in row.rule.basis:
            found = reduction_pct(app, basis, emissions_by_year=by_year, view=view)
            if found is not None:
                out.append(found)
    return out
