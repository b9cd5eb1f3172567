"""Selection conditions (遴选条件, 河环发〔2023〕23号 二、(一)–(五) and 三、(一)1) as a checklist.

Each condition of the pilot type is judged from the applicant's answer in ``eligibility``;
unanswered conditions are reported, never assumed. Where the tool can verify a condition
from the application's own data, it does, and a contradiction counts against the answer:

* ``forecast_decline_total_and_per_capita`` / ``forecast_decline_total_and_intensity`` —
  稳步下降 during the construction period: the plan scenario of total emissions never rises
  from the base year through the construction years and ends below the base year, and the
  per-capita (or intensity, any basis of the type's indicator) value of the target year is
  below the base year's;
* ``energy_mainly_clean`` — 以电力、天然气等清洁能源为主: the clean-energy use rate of the
  latest year with energy data is above 50 % (以…为主 read as a majority: 本工具默认规则,
  ``verdict.clean_energy_majority_pct`` of :mod:`nzc_review.evaluation.review_rules`).

Status of the application: ``not_eligible`` if a hard condition is not met, else
``unconfirmed`` if a hard condition is unanswered, else ``eligible``. Preferences (优先考虑)
are listed; they never bar an application.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from nzc_review.evaluation.derive import energy_share
from nzc_review.evaluation.forecast import Forecast, denominator
from nzc_review.policy import catalog
from nzc_review.policy.application import Answer, Application

#: 为主 as a share of clean energy above this percentage (本工具默认规则).
MAINLY = 50.0


@dataclass
class ConditionResult:
    id: str
    kind: str
    text_zh: str
    source: str
    answer: bool | None
    evidence: str | None
    auto_check: bool | None
    auto_detail: str | None
    status: str  # met | not_met | unanswered


@dataclass
class EligibilityResult:
    status: str  # eligible | not_eligible | unconfirmed
    conditions: list[ConditionResult] = field(default_factory=list)
    hard_not_met: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    preferences_met: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


STATUS_ZH = {"eligible": "符合遴选条件", "not_eligible": "不符合遴选条件", "unconfirmed": "待确认"}


def _decline_check(app: Application, forecast: Forecast | None, with_intensity: bool
                   ) -> tuple[bool | None, str | None]:
    if forecast is None or not forecast.years or forecast.steady_decline is None:
        return None, None
    if not forecast.steady_decline:
        return False, "情景预测显示建设期内碳排放总量未稳步下降"
    final = forecast.years[-1]
    base = app.emissions_tco2[app.base_year]
    bases = ["per_capita"]
    if with_intensity:
        bases = [b for r in catalog.indicators(app.pilot_type) if r.rule.kind == "reduction"
                 for b in r.rule.basis if b != "total"] or bases
    verdicts = []
    for basis in bases:
        d_base, _ = denominator(app, basis, app.base_year)
        value = getattr(final, basis)
        if d_base and value is not None and app.base_year in app.profile:
            verdicts.append(value < base / d_base)
    if not verdicts:
        return True, "情景预测显示碳排放总量稳步下降（缺少人口/强度分母，未核查强度）"
    if any(verdicts):
        return True, "情景预测显示碳排放总量及人均/强度指标稳步下降"
    return False, f"情景预测显示{catalog.BASIS_ZH[bases[0]]}未下降"


def _clean_check(app: Application, mainly_pct: float = MAINLY
                 ) -> tuple[bool | None, str | None]:
    share = energy_share(app, "clean_energy_rate")
    if share is None:
        return None, None
    mainly = share.value > mainly_pct
    return mainly, (f"{share.year}年清洁能源使用率 {share.value:.1f}%"
                    f"（{'>' if mainly else '≤'}{mainly_pct:g}%）")


def evaluate_eligibility(app: Application, forecast: Forecast | None = None,
                         mainly_pct: float = MAINLY) -> EligibilityResult:
    """Judge every selection condition of the application's pilot type; ``mainly_pct`` is the
    clean-energy share above which energy is 以清洁能源为主."""
    results = []
    for cond in catalog.selection_conditions(app.pilot_type):
        given = app.eligibility.get(cond.id)
        answer = given.value if isinstance(given, Answer) else given
        evidence = given.evidence if isinstance(given, Answer) else None
        auto, detail = None, None
        if cond.check == "forecast_decline_total_and_per_capita":
            auto, detail = _decline_check(app, forecast, with_intensity=False)
        elif cond.check == "forecast_decline_total_and_intensity":
            auto, detail = _decline_check(app, forecast, with_intensity=True)
        elif cond.check == "energy_mainly_clean":
            auto, detail = _clean_check(app, mainly_pct)
        if auto is False or answer is False:
            status = "not_met"
        elif answer is True or auto is True:
            status = "met"
        else:
            status = "unanswered"
        results.append(ConditionResult(cond.id, cond.kind, cond.text_zh, cond.source, answer,
                                       evidence, auto, detail, status))
    hard_not_met = [r.id for r in results if r.kind == "hard" and r.status == "not_met"]
    unanswered = [r.id for r in results if r.status == "unanswered"]
    hard_unanswered = [r.id for r in results if r.kind == "hard" and r.status == "unanswered"]
    status = "not_eligible" if hard_not_met else ("unconfirmed" if hard_unanswered else "eligible")
    return EligibilityResult(
        status=status,
        conditions=results,
        hard_not_met=hard_not_met,
        unanswered=unanswered,
        preferences_met=[r.id for r in results if r.kind == "preference" and r.status == "met"],
    )


