"""The whole automatic evaluation of one application, in one call.

compliance (contract 3) → eligibility (遴选条件) → completeness (附件2) → carbon accounting →
scenario forecast → delivery risk → cost-effectiveness → verdict. Each step is a pure
function of its own module; this module only wires them and holds the options.

One accounting basis per run (DESIGN.md contract 4, :mod:`nzc_review.evaluation.basis`): the
emissions re-expressed on it are computed once and handed to compliance, the forecast, the risk
simulation and the accounting; the forecast on the other basis is kept beside it
(``forecast.other_basis``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from nzc_review.evaluation.accounting import Accounting, account_carbon
from nzc_review.evaluation.basis import HELD, LOCATION, AccountingOptions, emission_series
from nzc_review.evaluation.completeness import CompletenessResult, evaluate_completeness
from nzc_review.evaluation.compliance import ComplianceReport, evaluate_compliance
from nzc_review.evaluation.cost import CostModel, CostResult, project_costs
from nzc_review.evaluation.eligibility import EligibilityResult, evaluate_eligibility
from nzc_review.evaluation.energy import EQUIVALENT_CALORIFIC
from nzc_review.evaluation.factors import EmissionFactor
from nzc_review.evaluation.forecast import Forecast, scenario_forecast
from nzc_review.evaluation.plausibility import (
    PlausibilityNote,
    PlausibilityRules,
    plausibility_notes,
)
from nzc_review.evaluation.review_rules import (
    AccountingRule,
    EvaluationRules,
    ReviewRules,
    load_review_rules,
)
from nzc_review.evaluation.risk import RiskModel, RiskResult, delivery_risk
from nzc_review.evaluation.verdict import Verdict, VerdictRules, VetoRule, decide
from nzc_review.policy import catalog
from nzc_review.policy.application import Application


@dataclass(frozen=True)
class EvaluationOptions:
    """Everything an evaluation can be told. ``accounting_basis`` is ``location`` (default) or
    ``green_deducted``; ``grid_factor`` is ``held`` (default, base-year grid factor for
    reductions) or ``data_year`` (:mod:`nzc_review.evaluation.basis`). ``rules``, ``veto``,
    ``plausibility`` and the basis are the review rules that change an evaluation
    (:mod:`nzc_review.evaluation.review_rules`, :meth:`from_rules`)."""

    factors: Sequence[EmissionFactor] | None = None
    electricity_scope: Sequence[str] | None = None
    risk: RiskModel = field(default_factory=RiskModel)
    cost: CostModel = field(default_factory=CostModel)
    rules: VerdictRules = field(default_factory=VerdictRules)
    plausibility: PlausibilityRules = field(default_factory=PlausibilityRules)
    accounting_basis: str = LOCATION
    grid_factor: str = HELD
    veto: VetoRule = field(default_factory=VetoRule)
    #: Renewable share by 当量值 (``equivalent_calorific``, default) or 等价值
    #: (``coal_equivalent``); carbon sinks netted from the totals (default not, 本工具默认规则)
    #: (:class:`~nzc_review.evaluation.basis.AccountingOptions`).
    renewable_share_method: str = EQUIVALENT_CALORIFIC
    net_sinks: bool = False

    def __post_init__(self) -> None:
        # refuse an unknown basis, grid-factor choice or renewable-share method when the options
        # are made
        AccountingOptions(basis=self.accounting_basis, grid_factor=self.grid_factor,
                          renewable_share_method=self.renewable_share_method,
                          net_sinks=self.net_sinks)

    @classmethod
    def from_rules(cls, rules: ReviewRules | EvaluationRules, **kwargs) -> EvaluationOptions:
        """Options following review rules (``kwargs``: the other fields, e.g. ``risk``)."""
        return cls(rules=rules.verdict, veto=rules.veto, plausibility=rules.plausibility,
                   accounting_basis=rules.accounting.basis,
                   grid_factor=rules.accounting.grid_factor,
                   renewable_share_method=rules.accounting.renewable_share_method,
                   net_sinks=rules.accounting.net_sinks, **kwargs)

    @property
    def review_rules(self) -> EvaluationRules:
        """The review rules these options apply (what an evaluation records)."""
        return EvaluationRules(veto=self.veto, verdict=self.rules,
                               plausibility=self.plausibility,
                               accounting=AccountingRule(
                                   self.accounting_basis, self.grid_factor,
                                   self.renewable_share_method, self.net_sinks))

    @property
    def accounting(self) -> AccountingOptions:
        """The accounting basis with the factors and the scope."""
        return AccountingOptions(basis=self.accounting_basis, grid_factor=self.grid_factor,
                                 factors=self.factors, electricity_scope=self.electricity_scope,
                                 renewable_share_method=self.renewable_share_method,
                                 net_sinks=self.net_sinks)


def evaluation_options(
    *,
    draws: int = 10_000,
    seed: int = 20231228,
    factors: str | None = None,
    electricity_scope: str | None = None,
    accounting_basis: str | None = None,
    grid_factor: str | None = None,
    rules: str | ReviewRules | None = None,
    renewable_share_method: str | None = None,
) -> EvaluationOptions:
    """Options from their plain forms (CLI flags, notebook parameters): a factor-override file
    path, a comma-separated grid-factor scope preference, the accounting basis and the
    grid-factor choice (:class:`~nzc_review.evaluation.basis.AccountingOptionsError` for an
    unknown one), and the review rules (a rules file's path, or the rules; the shipped defaults
    when ``None``). A basis or grid factor given here wins over the rules'."""
    from nzc_review.evaluation.factors import load_factors

    if not isinstance(rules, ReviewRules):
        rules = load_review_rules(rules)
    return EvaluationOptions(
        factors=load_factors(override=factors) if factors else None,
        electricity_scope=tuple(electricity_scope.split(",")) if electricity_scope else None,
        risk=RiskModel(draws=draws, seed=seed),
        rules=rules.verdict,
        veto=rules.veto,
        plausibility=rules.plausibility,
        accounting_basis=rules.accounting.basis if accounting_basis is None else accounting_basis,
        grid_factor=rules.accounting.grid_factor if grid_factor is None else grid_factor,
        renewable_share_method=(rules.accounting.renewable_share_method
                                if renewable_share_method is None else renewable_share_method),
        net_sinks=rules.accounting.net_sinks,
    )


@dataclass
class Evaluation:
    id: str
    name: str
    pilot_type: str
    pilot_type_zh: str
    organization: str | None
    county: str | None
    base_year: int
    period: dict | None
    key_projects: list[dict]
    core_gate: str
    indicators: list
    compliance: ComplianceReport
    eligibility: EligibilityResult
    completeness: CompletenessResult
    accounting: Accounting
    forecast: Forecast
    risk: RiskResult
    costs: CostResult
    verdict: Verdict
    #: Notes for the expert to check (needs_review); they do not change the verdict.
    plausibility: list[PlausibilityNote] = field(default_factory=list)
    #: The review rules the evaluation was made with (本工具默认规则 unless a rules file said
    #: otherwise; :mod:`nzc_review.evaluation.review_rules`).
    rules: EvaluationRules = field(default_factory=EvaluationRules)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["indicators"] = data["compliance"]["indicators"]
        return data


def evaluate_application(app: Application, options: EvaluationOptions | None = None) -> Evaluation:
    """Run every step of the automatic evaluation of ``app``."""
    options = options or EvaluationOptions()
    basis = options.accounting
    series = emission_series(app, basis)
    tolerance = options.rules.tolerance
    compliance = evaluate_compliance(app, series, tolerance=tolerance)
    forecast = scenario_forecast(app, series)
    forecast.other_basis = scenario_forecast(app, emission_series(app, basis.other())).summary()
    risk = delivery_risk(app, options.risk, series)
    forecast.probability_meets_target = risk.probability_meets_target
    eligibility = evaluate_eligibility(app, forecast,
                                       mainly_pct=options.rules.clean_energy_majority_pct)
    completeness = evaluate_completeness(app)
    accounting = account_carbon(app, options=basis, tolerance=tolerance)
    costs = project_costs(app, options.cost, basis.basis)
    disagreements = [w for w in compliance.warnings] + [
        w for w in accounting.warnings if "相差" in w
    ]
    hard_unanswered = [
        c.text_zh for c in eligibility.conditions if c.kind == "hard" and c.status == "unanswered"
    ]
    hard_not_met = [
        c.text_zh for c in eligibility.conditions if c.kind == "hard" and c.status == "not_met"
    ]
    verdict = decide(
        core_gate=compliance.core_gate,
        failed_core=compliance.failed_core,
        eligibility_status=eligibility.status,
        hard_not_met=hard_not_met,
        hard_unanswered=hard_unanswered,
        completeness_items=completeness.items_to_supplement,
        meets_target=forecast.meets_target,
        gap_tco2=forecast.gap_tco2,
        required_reduction_pct=forecast.required_reduction_pct,
        probability=risk.probability_meets_target,
        disagreements=disagreements,
        rules=options.rules,
        veto=options.veto,
    )
    return Evaluation(
        id=app.id,
        name=app.name,
        pilot_type=app.pilot_type,
        pilot_type_zh=catalog.PILOT_TYPE_ZH[app.pilot_type],
        organization=app.applicant.organization if app.applicant else None,
        county=app.applicant.county if app.applicant else None,
        base_year=app.base_year,
        period=app.period.model_dump() if app.period else None,
        key_projects=[p.model_dump() for p in app.key_projects],
        core_gate=compliance.core_gate,
        indicators=compliance.indicators,
        compliance=compliance,
        eligibility=eligibility,
        completeness=completeness,
        accounting=accounting,
        forecast=forecast,
        risk=risk,
        costs=costs,
        verdict=verdict,
        plausibility=plausibility_notes(app, options.plausibility),
        rules=options.review_rules,
    )
