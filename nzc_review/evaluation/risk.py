"""Delivery risk: a seeded Monte Carlo over key-project delays and under-delivery.

For draw d and key project p with expected yearly reduction R_p and end year e_p:

* delay D_dp ~ a discrete distribution over whole years (default P(0)=0.75, P(1)=0.2,
  P(2)=0.05);
* delivered fraction F_dp ~ triangular(low, mode, high) (default 0.75, 1.0, 1.05) of R_p,
  mean 0.93;
* optional uncertainty of the business-as-usual growth rate, g_d ~ Normal(g, growth_sd);

and the emissions of year y are ``max(0, E_L (1+g_d)^(y−L) − Σ_p F_dp R_p [e_p + D_dp < y])``,
the scenario forecast of :mod:`nzc_review.evaluation.forecast` with uncertain inputs, on the same
accounting basis (the same emissions and the same projects counted). The defaults are
assumptions of this tool, stated in every report and configurable (:class:`RiskModel`); they
follow the common finding that infrastructure projects run late and deliver less than
planned (Flyvbjerg, "From Nobel Prize to project management: getting risks right", Project
Management Journal 37(3), 2006). The probability of meeting the target is the share of draws
in which every required reduction of the pilot type (any basis of an indicator with
alternatives) is reached by the target year.

Vectorised over draws, projects and years with NumPy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from nzc_review.errors import FieldError
from nzc_review.evaluation.basis import EmissionSeries, emission_series
from nzc_review.evaluation.derive import latest_accounted_year
from nzc_review.evaluation.forecast import denominator, project_effects, required_reductions
from nzc_review.policy.application import Application


class RiskModelError(FieldError, ValueError):
    """A :class:`RiskModel` that cannot be simulated; ``name`` is the field."""


def _whole(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _finite(value: object) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool | np.bool_)
        and bool(np.isfinite(value))
    )


@dataclass(frozen=True)
class RiskModel:
    """Distributions of the Monte Carlo (all configurable).

    Raises
    ------
    RiskModelError
        A field the simulation cannot use: ``draws`` not a whole number of at least 1;
        delay years not whole numbers of at least 0 (a project is not finished early by the
        delay model); probabilities not finite, negative, or not summing to 1; delivered
        fractions not finite or not ``0 ≤ low ≤ mode ≤ high``; ``growth_sd`` not a finite
        number of at least 0 (NaN would silently turn every draw's emissions into NaN and
        the risk into 0 %).
    """

    draws: int = 10_000
    seed: int = 20231228
    delay_years: tuple[int, ...] = (0, 1, 2)
    delay_probabilities: tuple[float, ...] = (0.75, 0.2, 0.05)
    delivery_low: float = 0.75
    delivery_mode: float = 1.0
    delivery_high: float = 1.05
    growth_sd: float = 0.0

    def __post_init__(self) -> None:
        if not _whole(self.draws) or self.draws < 1:
            raise RiskModelError(
                "must be a whole number of at least 1",
                name="draws",
                value=self.draws,
            )
        if not _whole(self.seed):
            raise RiskModelError("must be a whole number", name="seed", value=self.seed)
        if len(self.delay_years) == 0 or len(self.delay_years) != len(self.delay_probabilities):
            raise RiskModelError(
                "delay_years and delay_probabilities must be non-empty and of the same length",
                name="delay_years",
            )
        for i, y in enumerate(self.delay_years):
            if not _whole(y) or y < 0:
                raise RiskModelError(
                    "a delay must be a whole number of years of at least 0",
                    name=f"delay_years[{i}]",
                    value=y,
                )
        for i, p in enumerate(self.delay_probabilities):
            if not _finite(p) or p < 0:
                raise RiskModelError(
                    "must be a finite number of at least 0",
                    name=f"delay_probabilities[{i}]",
                    value=p,
                )
        if not np.isclose(sum(self.delay_probabilities), 1.0):
            raise RiskModelError(
                "must sum to 1",
                name="delay_probabilities",
                value=float(sum(self.delay_probabilities)),
            )
        for key in ("delivery_low", "delivery_mode", "delivery_high", "growth_sd"):
            value = getattr(self, key)
            if not _finite(value):
                raise RiskModelError("must be a finite number", name=key, value=value)
        if not 0 <= self.delivery_low <= self.delivery_mode <= self.delivery_high:
            raise RiskModelError(
                "delivered fractions must satisfy 0 ≤ low ≤ mode ≤ high",
                name="delivery_low",
                value=(self.delivery_low, self.delivery_mode, self.delivery_high),
            )
        if self.growth_sd < 0:
            raise RiskModelError("must be at least 0", name="growth_sd", value=self.growth_sd)

    def describe_zh(self) -> str:
        delays = "，".join(
            f"延期{y}年概率{p:.0%}" for y, p in zip(self.delay_years, self.delay_probabilities, strict=True)
        )
        return (
            f"蒙特卡洛模拟 {self.draws:,} 次（随机种子 {self.seed}）：重点项目{delays}；"
            f"实际减排量为预期的三角分布({self.delivery_low:g}, {self.delivery_mode:g}, "
            f"{self.delivery_high:g})倍"
            + (f"；基准情景增长率标准差 {self.growth_sd:g}" if self.growth_sd else "")
        )


@dataclass(frozen=True)
class Draws:
    """Random inputs of a simulation: delays and delivered fractions (draws × projects),
    growth rates (draws)."""

    delays: np.ndarray
    delivered: np.ndarray
    growth: np.ndarray


def draw(model: RiskModel, n_projects: int, growth: float) -> Draws:
    """Sample the random inputs with the model's seed."""
    rng = np.random.default_rng(model.seed)
    shape = (model.draws, n_projects)
    delays = rng.choice(
        np.asarray(model.delay_years), size=shape, p=np.asarray(model.delay_probabilities)
    )
    if model.delivery_high > model.delivery_low:
        delivered = rng.triangular(
            model.delivery_low, model.delivery_mode, model.delivery_high, size=shape
        )
    else:
        delivered = np.full(shape, model.delivery_low)
    rates = (
        rng.normal(growth, model.growth_sd, size=model.draws)
        if model.growth_sd
        else np.full(model.draws, growth)
    )
    return Draws(delays=delays, delivered=delivered, growth=rates)


@dataclass
class RiskResult:
    draws: int
    seed: int
    years: list[int]
    p10_tco2: list[float]
    p50_tco2: list[float]
    p90_tco2: list[float]
    target_year: int | None
    target_p10_tco2: float | None
    target_p50_tco2: float | None
    target_p90_tco2: float | None
    probability_meets_target: float | None
    assumptions: str
    problems: list[str] = field(default_factory=list)
    #: The accounting basis of the simulated emissions (as ``forecast.basis``).
    basis: str = "location"

    def to_dict(self) -> dict:
        return asdict(self)


def simulate_emissions(
    latest_tco2: float,
    latest_year: int,
    years: np.ndarray,
    reductions: np.ndarray,
    end_years: np.ndarray,
    draws: Draws,
) -> np.ndarray:
    """Emissions per draw and year (draws × years), vectorised."""
    steps = (years - latest_year)[None, :]
    bau = latest_tco2 * (1.0 + draws.growth[:, None]) ** steps  # draws × years
    first = end_years[None, :] + draws.delays + 1  # draws × projects: first effective year
    active = first[:, :, None] <= years[None, None, :]  # draws × projects × years
    delivered = draws.delivered * reductions[None, :]  # draws × projects
    cut = np.einsum("dp,dpy->dy", delivered, active)
    return np.maximum(bau - cut, 0.0)


def delivery_risk(app: Application, model: RiskModel | None = None,
                  series: EmissionSeries | None = None) -> RiskResult:
    """Probability of meeting the required reductions, and the P10–P90 band of emissions, on
    the accounting basis of ``series`` (default options of :mod:`nzc_review.evaluation.basis`)."""
    model = model or RiskModel()
    series = emission_series(app) if series is None else series
    latest = latest_accounted_year(app)
    target = app.target_year
    base = series.values.get(app.base_year)
    empty = RiskResult(model.draws, model.seed, [], [], [], [], target, None, None, None, None,
                       model.describe_zh(), basis=series.basis)
    if base is None or target is None or latest is None or target < latest:
        empty.problems.append("缺少基准年排放或建设期，无法进行风险模拟")
        return empty
    counted, _ = project_effects(app, latest, series.basis)
    reductions = np.array([p.expected_reduction_tco2_per_year for p, _ in counted], dtype=float)
    end_years = np.array([p.end_year for p, _ in counted], dtype=int)
    years = np.arange(latest, target + 1)
    sampled = draw(model, len(counted), app.bau_growth_rate)
    emissions = simulate_emissions(
        series.values[latest], latest, years, reductions, end_years, sampled
    )
    p10, p50, p90 = np.percentile(emissions, [10, 50, 90], axis=0)
    final = emissions[:, -1]
    ok = np.ones(model.draws, dtype=bool)
    judged = False
    for req in required_reductions(app):
        any_basis = np.zeros(model.draws, dtype=bool)
        usable = False
        for basis in req.basis:
            if basis == "total":
                reduction = (base - final) / base * 100
            else:
                d_base, _ = denominator(app, basis, app.base_year)
                d_final, _ = denominator(app, basis, target)
                if not d_base or not d_final or app.base_year not in app.profile:
                    continue
                reduction = (1 - (final / d_final) / (base / d_base)) * 100
            any_basis |= reduction >= req.required_pct - 1e-9
            usable = True
        if usable:
            ok &= any_basis
            judged = True
    return RiskResult(
        draws=model.draws,
        seed=model.seed,
        years=[int(y) for y in years],
        p10_tco2=p10.tolist(),
        p50_tco2=p50.tolist(),
        p90_tco2=p90.tolist(),
        target_year=target,
        target_p10_tco2=float(p10[-1]),
        target_p50_tco2=float(p50[-1]),
        target_p90_tco2=float(p90[-1]),
        probability_meets_target=float(ok.mean()) if judged else None,
        assumptions=model.describe_zh(),
        basis=series.basis,
    )
