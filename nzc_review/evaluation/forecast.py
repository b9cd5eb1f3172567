"""Scenario forecast (情景预测法, 河环发〔2023〕23号 附件2 二(一)): emissions to the target year.

* **Business as usual (BAU)** grows the latest accounted emissions ``E_L`` (year ``L``) with
  the application's ``bau_growth_rate`` g:  ``BAU(y) = E_L · (1 + g)^(y − L)``.
* **Plan**: each key project's expected yearly reduction ``R_p`` counts from the year after
  its ``end_year``:  ``Plan(y) = max(0, BAU(y) − Σ_p R_p · [end_p < y])``. Projects that
  ended by ``L`` are already in the accounted emissions and are not subtracted again.
* **Target line**: the base-year emissions less the required reduction of the pilot type's
  total-emission indicator (QY-01 30 %, YQ-01 40 %, SQ-01 30 %, XY-01 30 %), and the
  applicant's own committed reduction where declared.
* Intensity and per-capita values divide by the denominators of the same year from
  ``profile``; for a year without one, the latest earlier denominator is held constant (and
  said so in ``assumptions``).
* **Accounting basis** (DESIGN.md contract 4, :mod:`nzc_review.evaluation.basis`): ``E_L`` and the
  base-year emissions are those of the run's basis (by default location-based, every year's
  electricity at the 2022 grid factor); under the location basis a key project of category
  ``green_electricity`` (绿电交易/绿证) reduces nothing and is listed as not counted. A missing
  category is inferred from the name and said so (本工具默认规则).

Every function is pure: an :class:`~nzc_review.policy.application.Application` in, dataclasses out.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field

from nzc_review.evaluation.basis import (
    BASIS_ZH,
    CATEGORY_ZH,
    LOCATION,
    EmissionSeries,
    category_notes,
    emission_series,
    project_category,
    reduces_under,
)
from nzc_review.evaluation.derive import DENOMINATOR_FIELD, latest_accounted_year
from nzc_review.policy import catalog
from nzc_review.policy.application import Application, KeyProject


@dataclass(frozen=True)
class RequiredReduction:
    """A reduction the pilot type requires by the target year (from 表1–表5)."""

    code: str
    basis: tuple[str, ...]
    required_pct: float
    committed_pct: float | None


@dataclass
class ReductionCheck:
    code: str
    basis: str
    required_pct: float
    projected_pct: float | None
    met: bool | None
    gap_tco2: float | None


@dataclass
class YearRow:
    year: int
    bau_tco2: float
    plan_tco2: float
    required_tco2: float | None
    committed_tco2: float | None
    accounted_tco2: float | None
    per_capita: float | None
    per_floor_area: float | None
    per_output_value: float | None
    per_industrial_value_added: float | None


@dataclass
class Forecast:
    base_year: int
    latest_year: int | None
    target_year: int | None
    base_tco2: float | None
    years: list[YearRow] = field(default_factory=list)
    projected_tco2: float | None = None
    projected_reduction_pct: float | None = None
    required_reduction_pct: float | None = None
    committed_reduction_pct: float | None = None
    meets_target: bool | None = None
    probability_meets_target: float | None = None
    gap_tco2: float | None = None
    checks: list[ReductionCheck] = field(default_factory=list)
    steady_decline: bool | None = None
    projects_counted: list[str] = field(default_factory=list)
    projects_not_counted: list[dict] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: The accounting basis of the figures (``location`` / ``green_deducted``), the grid-factor
    #: choice and the basis in words.
    basis: str = LOCATION
    grid_factor: str = "held"
    basis_zh: str = ""
    #: The same forecast on the other basis, shown beside it: ``basis``, ``basis_zh``,
    #: ``base_tco2``, ``projected_tco2``, ``projected_reduction_pct``, ``meets_target``.
    other_basis: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> dict:
        """The key figures, for showing this forecast beside one on another basis."""
        return {"basis": self.basis, "basis_zh": self.basis_zh, "base_tco2": self.base_tco2,
                "projected_tco2": self.projected_tco2,
                "projected_reduction_pct": self.projected_reduction_pct,
                "meets_target": self.meets_target, "gap_tco2": self.gap_tco2}


def required_reductions(app: Application) -> list[RequiredReduction]:
    """The reduction indicators of the application's type, with the committed targets."""
    out = []
    for row in catalog.indicators(app.pilot_type):
        if row.rule.kind != "reduction":
            continue
        declared = app.indicators.get(row.code)
        committed = declared.target if declared else None
        if isinstance(committed, bool):
            committed = None
        out.append(
            RequiredReduction(
                code=row.code,
                basis=tuple(row.rule.basis),
                required_pct=float(row.rule.min),
                committed_pct=None if committed is None else float(committed),
            )
        )
    return out


def denominator(app: Application, basis: str, year: int) -> tuple[float | None, int | None]:
    """The denominator of ``basis`` for ``year``, else the latest earlier one; and its year."""
    name = DENOMINATOR_FIELD[basis]
    for y in sorted((y for y in app.profile if y <= year), reverse=True):
        value = getattr(app.profile[y], name)
        if value:
            return value, y
    return None, None


def project_effects(app: Application, latest_year: int, basis: str = LOCATION
                    ) -> tuple[list[tuple[KeyProject, int]], list[dict]]:
    """Projects that change emissions on ``basis`` after ``latest_year``: (project, first
    effective year), and the projects left out with the reason."""
    counted, left_out = [], []
    for p in app.key_projects:
        category, _ = project_category(p)
        if not reduces_under(category, basis):
            left_out.append({"name": p.name, "reason": (
                f"{CATEGORY_ZH[category]}：{BASIS_ZH[basis]}口径下外购电力按电网平均排放因子计，"
                "购买绿电不减少核算排放")})
        elif p.expected_reduction_tco2_per_year is None:
            left_out.append({"name": p.name, "reason": "未填写预期碳减排量"})
        elif p.end_year is None:
            left_out.append({"name": p.name, "reason": "未填写建设周期（结束年）"})
        elif p.end_year < latest_year:
            left_out.append(
                {"name": p.name, "reason": f"{p.end_year}年已建成，减排已计入{latest_year}年核算排放"}
            )
        else:
            counted.append((p, p.end_year + 1))
    return counted, left_out


def plan_emissions(bau: float, effects: list[tuple[float, int]], year: int) -> float:
    """``max(0, BAU − Σ R · [first_effective_year ≤ year])``."""
    reduced = sum(r for r, first in effects if first <= year)
    return max(0.0, bau - reduced)


def scenario_forecast(app: Application, series: EmissionSeries | None = None) -> Forecast:
    """BAU and plan emissions per year from the latest accounted year to the target year, on
    the accounting basis of ``series`` (default :func:`~nzc_review.evaluation.basis.emission_series`
    with the default options)."""
    series = emission_series(app) if series is None else series
    emissions = series.values
    latest = latest_accounted_year(app)
    target = app.target_year
    base = emissions.get(app.base_year)
    fc = Forecast(base_year=app.base_year, latest_year=latest, target_year=target, base_tco2=base,
                  basis=series.basis, grid_factor=series.grid_factor, basis_zh=series.basis_zh)
    fc.assumptions.extend(category_notes(app.key_projects))
    fc.assumptions.extend(series.notes)
    if base is None:
        fc.problems.append(f"缺少基准年（{app.base_year}年）碳排放核算数据，无法预测")
        return fc
    if target is None:
        fc.problems.append("未填写建设期（period），无法确定目标年")
        return fc
    if latest is None:  # pragma: no cover - base present implies latest
        return fc
    if target < latest:
        fc.problems.append(f"目标年 {target} 早于最近核算年 {latest}")
        return fc
    growth = app.bau_growth_rate
    if "bau_growth_rate" not in app.model_fields_set:
        fc.assumptions.append("未填写 bau_growth_rate，基准情景按零增长预测")
    counted, left_out = project_effects(app, latest, series.basis)
    fc.projects_counted = [p.name for p, _ in counted]
    fc.projects_not_counted = left_out
    for p, first in counted:
        if first > target:
            fc.assumptions.append(f"项目“{p.name}”{p.end_year}年建成，目标年{target}年前不产生减排")
    effects = [(p.expected_reduction_tco2_per_year or 0.0, first) for p, first in counted]
    requirements = required_reductions(app)
    total_req = next((r for r in requirements if "total" in r.basis), None)
    e_latest = emissions[latest]
    held: set[str] = set()
    for year in range(latest, target + 1):
        bau = e_latest * (1 + growth) ** (year - latest)
        plan = plan_emissions(bau, effects, year)
        row = YearRow(
            year=year,
            bau_tco2=bau,
            plan_tco2=plan,
            required_tco2=base * (1 - total_req.required_pct / 100) if total_req else None,
            committed_tco2=(
                base * (1 - total_req.committed_pct / 100)
                if total_req and total_req.committed_pct is not None
                else None
            ),
            accounted_tco2=emissions.get(year),
            per_capita=None,
            per_floor_area=None,
            per_output_value=None,
            per_industrial_value_added=None,
        )
        for basis in DENOMINATOR_FIELD:
            value, from_year = denominator(app, basis, year)
            if value:
                setattr(row, basis, plan / value)
                if from_year != year:
                    held.add(basis)
        fc.years.append(row)
    for basis in sorted(held):
        fc.assumptions.append(
            f"{catalog.BASIS_ZH[basis]}：缺少预测年份的{_DENOM_ZH[basis]}，按最近已知值保持不变"
        )
    if any(row.plan_tco2 == 0.0 and row.bau_tco2 > 0 for row in fc.years):
        fc.problems.append("重点项目预期减排量之和超过基准情景排放量，规划情景按零计")
    final = fc.years[-1]
    fc.projected_tco2 = final.plan_tco2
    fc.projected_reduction_pct = (base - final.plan_tco2) / base * 100 if base > 0 else None
    fc.checks = [_check(app, base, req, basis, final)
                 for req in requirements for basis in req.basis]
    if total_req:
        fc.required_reduction_pct = total_req.required_pct
        fc.committed_reduction_pct = total_req.committed_pct
    elif requirements:
        fc.required_reduction_pct = requirements[0].required_pct
    verdicts = []
    for req in requirements:  # alternatives (或) of one indicator: any basis suffices
        mine = [c for c in fc.checks if c.code == req.code and c.met is not None]
        if mine:
            verdicts.append(any(c.met for c in mine))
    fc.meets_target = all(verdicts) if verdicts else None
    gaps = [c.gap_tco2 for c in fc.checks if c.gap_tco2 is not None and c.met is False]
    fc.gap_tco2 = max(gaps) if gaps and fc.meets_target is False else (0.0 if verdicts else None)
    period_rows = [r for r in fc.years if app.period and r.year >= app.period.start]
    series = [base] + [r.plan_tco2 for r in period_rows]
    fc.steady_decline = all(b <= a + 1e-9 for a, b in itertools.pairwise(series)) and series[-1] < base
    return fc


_DENOM_ZH = {
    "per_capita": "人口",
    "per_floor_area": "建筑面积",
    "per_output_value": "产值",
    "per_industrial_value_added": "工业增加值",
}


def _check(app: Application, base_total: float, req: RequiredReduction, basis: str,
           final: YearRow) -> ReductionCheck:
    if basis == "total":
        base_value, final_value, denom = base_total, final.plan_tco2, 1.0
    else:
        base_denom, _ = denominator(app, basis, app.base_year)
        denom, _ = denominator(app, basis, final.year)
        if not base_denom or not denom or app.base_year not in app.profile:
            return ReductionCheck(req.code, basis, req.required_pct, None, None, None)
        base_value, final_value = base_total / base_denom, getattr(final, basis)
    if not base_value:
        return ReductionCheck(req.code, basis, req.required_pct, None, None, None)
    projected = (base_value - final_value) / base_value * 100
    met = projected >= req.required_pct - 1e-9
    allowed = base_value * (1 - req.required_pct / 100)
    gap = max(0.0, (final_value - allowed) * denom)
    return ReductionCheck(req.code, basis, req.required_pct, projected, met, gap)
