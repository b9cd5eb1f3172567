"""Cost-effectiveness of key projects and the marginal abatement cost curve (MACC).

The investment of each project is annualised with the capital recovery factor

    CRF(r, n) = r (1 + r)^n / ((1 + r)^n − 1)      (CRF = 1/n when r = 0)

(the standard annuity formula, e.g. IPCC AR5 WGIII Annex II, "Metrics & Methodology",
A.II.3.1 levelised cost), and divided by the expected yearly reduction:

    cost per tCO2 = investment × 10^4 CNY × CRF / expected reduction (CNY/tCO2).

Defaults: discount rate 8 %, the social discount rate of 国家发展改革委、建设部《建设项目经济评价
方法与参数》(第三版, 2006); lifetime 15 years unless the project states ``lifetime_years``.
Operating savings (energy bills avoided) are not in the application format, so the cost is
gross: an upper bound of the net abatement cost. A project without investment has cost 0
(e.g. green-electricity purchases whose premium is an operating cost).

The run's accounting basis decides which projects reduce anything (DESIGN.md contract 4,
:mod:`nzc_review.evaluation.basis`): under ``location`` a ``green_electricity`` project (绿电交易/
绿证, category stated or read from its name) reduces no accounted emissions, so it has no cost
per tonne (``None`` with the reason, never 0) and is left out of the curve, the totals and the
average; under ``green_deducted`` it counts like any other project.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from nzc_review.evaluation.basis import (
    BASIS_ZH,
    CATEGORY_ZH,
    LOCATION,
    project_category,
    reduces_under,
)
from nzc_review.policy.application import Application


@dataclass(frozen=True)
class CostModel:
    discount_rate: float = 0.08
    lifetime_years: int = 15

    def __post_init__(self) -> None:
        if not 0 <= self.discount_rate < 1:
            raise ValueError("discount_rate must be in [0, 1)")
        if self.lifetime_years < 1:
            raise ValueError("lifetime_years must be at least 1")


def capital_recovery_factor(rate: float, years: int) -> float:
    """CRF(r, n): the share of an investment repaid each year over ``years`` at ``rate``."""
    if years < 1:
        raise ValueError("years must be at least 1")
    if rate == 0:
        return 1.0 / years
    growth = (1.0 + rate) ** years
    return rate * growth / (growth - 1.0)


@dataclass
class ProjectCost:
    name: str
    investment_10k_cny: float | None
    reduction_tco2_per_year: float | None
    lifetime_years: int
    annualised_cost_cny: float | None
    cost_cny_per_tco2: float | None
    #: Why there is no cost per tonne (``None`` when there is one).
    note: str | None = None
    category: str = "other"
    #: Whether the project reduces accounted emissions on the run's basis.
    counted: bool = True


@dataclass
class CostResult:
    discount_rate: float
    projects: list[ProjectCost]
    total_investment_10k_cny: float
    #: Expected yearly reductions of the projects counted on ``basis``.
    total_reduction_tco2_per_year: float
    average_cost_cny_per_tco2: float | None
    #: The accounting basis the reductions are counted on (``location`` / ``green_deducted``).
    basis: str = LOCATION

    def to_dict(self) -> dict:
        return asdict(self)

    def curve(self) -> list[ProjectCost]:
        """Projects with a cost, cheapest first: the order of the MACC."""
        return sorted(
            (p for p in self.projects if p.cost_cny_per_tco2 is not None),
            key=lambda p: p.cost_cny_per_tco2,
        )


def not_counted_note(category: str, basis: str) -> str:
    """Why a project that reduces nothing on ``basis`` has no cost per tonne."""
    return (f"{BASIS_ZH[basis]}口径下{CATEGORY_ZH[category]}不减少核算排放（外购电力按电网平均"
            "排放因子计），无单位减排成本")


def project_costs(app: Application, model: CostModel | None = None,
                  basis: str = LOCATION) -> CostResult:
    """Cost per tCO2 abated of every key project, its reduction counted on the accounting
    ``basis`` (module docstring)."""
    model = model or CostModel()
    rows = []
    for p in app.key_projects:
        life = p.lifetime_years or model.lifetime_years
        annual = cost = note = None
        category, _ = project_category(p)
        counted = reduces_under(category, basis)
        if not counted:
            note = not_counted_note(category, basis)
        elif p.investment_10k_cny is None:
            note = "未填写投资规模"
        elif not p.expected_reduction_tco2_per_year:
            note = "未填写预期碳减排量"
        else:
            annual = p.investment_10k_cny * 1e4 * capital_recovery_factor(model.discount_rate, life)
            cost = annual / p.expected_reduction_tco2_per_year
        rows.append(
            ProjectCost(p.name, p.investment_10k_cny, p.expected_reduction_tco2_per_year, life,
                        annual, cost, note, category, counted)
        )
    costed = [r for r in rows if r.cost_cny_per_tco2 is not None]
    reduction = sum(r.reduction_tco2_per_year for r in costed)
    annual_total = sum(r.annualised_cost_cny for r in costed)
    return CostResult(
        discount_rate=model.discount_rate,
        projects=rows,
        total_investment_10k_cny=sum(p.investment_10k_cny or 0.0 for p in app.key_projects),
        total_reduction_tco2_per_year=sum(
            r.reduction_tco2_per_year or 0.0 for r in rows if r.counted
        ),
        average_cost_cny_per_tco2=annual_total / reduction if reduction else None,
        basis=basis,
    )
