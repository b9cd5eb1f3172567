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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
    note: str | None = None


@dataclass
class CostResult:
    discount_rate: float
    projects: list[ProjectCost]
    total_investment_10k_cny: float
    total_reduction_tco2_per_year: float
    average_cost_cny_per_tco2: float | None

    def to_dict(self) -> dict:
        return asdict(self)

    def curve(self) -> list[ProjectCost]:
        """Projects with a cost, cheapest first: the order of the MACC."""
        return sorted(
            (p for p in self.projects if p.cost_cny_per_tco2 is not None),
            key=lambda p: p.cost_cny_per_tco2,
        )


def project_costs(app: Application, model: CostModel | None = None) -> CostResult:
    """Cost per tCO2 abated of every key project."""
    model = model or CostModel()
    rows = []
    for p in app.key_projects:
        life = p.lifetime_years or model.lifetime_years
        annual = cost = note = None
        if p.investment_10k_cny is None:
            note = "未填写投资规模"
        elif not p.expected_reduction_tco2_per_year:
            note = "未填写预期碳减排量"
        else:
            annual = p.investment_10k_cny * 1e4 * capital_recovery_factor(model.discount_rate, life)
            cost = annual / p.expected_reduction_tco2_per_year
        rows.append(
            ProjectCost(p.name, p.investment_10k_cny, p.expected_reduction_tco2_per_year, life,
                        annual, cost, note)
        )
    costed = [r for r in rows if r.cost_cny_per_tco2 is not None]
    reduction = sum(r.reduction_tco2_per_year for r in costed)
    annual_total = sum(r.annualised_cost_cny for r in costed)
    return CostResult(
        discount_rate=model.discount_rate,
        projects=rows,
        total_investment_10k_cny=sum(p.investment_10k_cny or 0.0 for p in app.key_projects),
        total_reduction_tco2_per_year=sum(
            p.expected_reduction_tco2_per_year or 0.0 for p in app.key_projects
        ),
        average_cost_cny_per_tco2=annual_total / reduction if reduction else None,
    )
