"""Re-review (复核) and dynamic exit (动态退出) across years of disclosures.

河环发〔2023〕23号 三、(三)2: *定期对验收通过的试点开展复核，巩固近零碳排放区试点项目的实施效果。建立
动态退出机制，对后续实施效果不佳、管理缺位的试点项目，取消相应称号*; 四、(四): *每年对外开展碳排放
信息披露*. The work plan names the mechanism, not its thresholds: the rules below are our
defaults (``docs/lifecycle.md``), each a small pure function with a code and a Chinese message,
each configurable through :class:`MonitorRules`.

========================  ==========  =================================================================
code                      level       when (year *y* under review)
========================  ==========  =================================================================
``RISING``                预警         total emissions rose ``rising_years`` (2) years running up to *y*
``CORE``                  预警         a core indicator disclosed for *y* misses its reference value
``CORE_EXIT``             建议取消称号  the same core indicator missed it ``core_exit_years`` (2)
                                      disclosed years running
``NO_DISCLOSURE``         预警         no disclosure for *y*
``NO_DISCLOSURE_EXIT``    建议取消称号  no disclosure for ``missing_exit_years`` (2) years running
``ABOVE_TARGET``          预警         total emissions of *y* above the accepted target level
                                      (``pilot.target_emissions_tco2``, + ``target_tolerance_pct``)
========================  ==========  =================================================================

Emissions are those of the run's accounting basis (DESIGN.md contract 4,
:mod:`nzc_review.evaluation.basis`; default location-based, every year's electricity at the base
year's grid factor, so that a grid factor rising does not read as the pilot's emissions rising):
a disclosed year with energy data is re-expressed, one without keeps its disclosed figure and the
review says so.

Years under review for a pilot run from ``pilot.first_year`` (default: the year after
``accepted_year``, else its first disclosed year) to ``as_of`` (default: the latest year any
pilot disclosed). A pilot's status is the worst level flagged for ``as_of``; every year's flags
are kept, so an exit flagged earlier stays visible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from nzc_review.evaluation.basis import AccountingOptions, basis_zh, emission_series
from nzc_review.evaluation.compliance import NOT_MET
from nzc_review.lifecycle.disclosure import IndicatorYear, change_pct, indicator_values
from nzc_review.lifecycle.intake import PilotHistory, pilot_application
from nzc_review.mcda.acceptance_rules import RulesError
from nzc_review.policy import catalog

OK, WARNING, EXIT = "ok", "warning", "exit"
LEVELS = (OK, WARNING, EXIT)
LEVEL_ZH = {OK: "正常", WARNING: "预警", EXIT: "建议取消称号"}


@dataclass(frozen=True)
class Flag:
    """One finding of a rule: ``code``, ``level`` (warning / exit), year and Chinese message."""

    code: str
    level: str
    year: int
    message: str
    indicator: str | None = None

    @property
    def level_zh(self) -> str:
        return LEVEL_ZH[self.level]


@dataclass(frozen=True)
class MonitorRules:
    """The configurable re-review rules (defaults in the module docstring).

    Attributes
    ----------
    rising_years:
        Consecutive yearly rises of total emissions that raise a warning.
    core_exit_years:
        Consecutive disclosed years a core indicator misses its reference value before exit.
    missing_exit_years:
        Consecutive years without disclosure before exit.
    target_tolerance_pct:
        Emissions may exceed the accepted target level by this percentage without a warning.
    enabled:
        The rules applied, by code of their function (``RISING``, ``CORE``,
        ``NO_DISCLOSURE``, ``ABOVE_TARGET``).
    """

    rising_years: int = 2
    core_exit_years: int = 2
    missing_exit_years: int = 2
    target_tolerance_pct: float = 0.0
    enabled: tuple[str, ...] = ("RISING", "CORE", "NO_DISCLOSURE", "ABOVE_TARGET")

    def __post_init__(self) -> None:
        for name in ("rising_years", "core_exit_years", "missing_exit_years"):
            if getattr(self, name) < 1:
                raise RulesError("expected a whole number of at least 1", name=name)
        if self.target_tolerance_pct < 0:
            raise RulesError("expected at least 0", name="target_tolerance_pct")
        unknown = [c for c in self.enabled if c not in RULES]
        if unknown:
            raise RulesError(f"unknown rule {', '.join(unknown)}; expected some of "
                             f"{', '.join(RULES)}", name="enabled")


@dataclass(frozen=True)
class YearFacts:
    """What the rules read of one pilot-year."""

    year: int
    disclosed: bool
    emissions_tco2: float | None
    indicators: tuple[IndicatorYear, ...] = ()

    def core_not_met(self) -> list[IndicatorYear]:
        return [i for i in self.indicators if i.type == "core" and i.status == NOT_MET]


@dataclass(frozen=True)
class Series:
    """One pilot's facts per year, base year included, emissions on the accounting basis."""

    history: PilotHistory
    facts: dict[int, YearFacts]
    base_tco2: float | None = None
    basis: str = "location"
    basis_zh: str = ""
    notes: tuple[str, ...] = ()

    @property
    def pilot(self):
        return self.history.pilot

    def emissions(self, year: int) -> float | None:
        if year == self.pilot.base_year:
            return self.base_tco2
        f = self.facts.get(year)
        return f.emissions_tco2 if f else None

    def disclosed(self, year: int) -> bool:
        f = self.facts.get(year)
        return bool(f and f.disclosed)


def build_series(history: PilotHistory, upto: int,
                 options: AccountingOptions | None = None) -> Series:
    """Facts of every disclosed year up to ``upto`` (indicators judged as in disclosures), on
    the accounting basis of ``options``."""
    emissions = emission_series(pilot_application(history.pilot, history.years, upto=upto),
                                options)
    facts = {}
    for year, d in history.years.items():
        if year > upto:
            continue
        facts[year] = YearFacts(year, True, emissions.values.get(year, d.emissions_tco2),
                                tuple(indicator_values(history, year, options)))
    return Series(history, facts, emissions.values.get(history.pilot.base_year),
                  emissions.basis, emissions.basis_zh, tuple(emissions.notes))


# --- the rules: small pure functions ---------------------------------------------------------


def _fmt_t(value: float) -> str:
    return f"{value:,.0f}"


def rule_emissions_rising(series: Series, year: int, rules: MonitorRules) -> list[Flag]:
    """RISING (预警): total emissions rose ``rules.rising_years`` years running up to ``year``."""
    n = rules.rising_years
    years = list(range(year - n, year + 1))
    values = [series.emissions(y) for y in years]
    if any(v is None for v in values):
        return []
    if all(b > a for a, b in zip(values, values[1:], strict=False)):
        path = " → ".join(f"{y}年 {_fmt_t(v)}" for y, v in zip(years, values, strict=True))
        return [Flag("RISING", WARNING, year, f"碳排放总量连续{n}年上升（{path} tCO2）")]
    return []


def _run(series: Series, year: int, hit: Callable[[int], bool]) -> int:
    """How many years up to ``year`` in a row satisfy ``hit``."""
    count = 0
    while hit(year - count):
        count += 1
    return count


def rule_core_indicator(series: Series, year: int, rules: MonitorRules) -> list[Flag]:
    """CORE (预警) / CORE_EXIT (建议取消称号): a core indicator no longer meets its reference
    value in ``year``; the same one in ``rules.core_exit_years`` disclosed years running."""
    facts = series.facts.get(year)
    if facts is None or not facts.disclosed:
        return []
    flags = []
    for ind in facts.core_not_met():
        def missed(y: int, code: str = ind.code) -> bool:
            f = series.facts.get(y)
            return bool(f and f.disclosed and any(i.code == code for i in f.core_not_met()))

        run = _run(series, year, missed)
        reference = catalog.display_reference(ind.reference)
        shown = "是" if ind.value is True else "否" if ind.value is False else f"{ind.value:.4g}"
        if run >= rules.core_exit_years:
            flags.append(Flag(
                "CORE_EXIT", EXIT, year,
                f"核心指标 {ind.code} {ind.name_zh} 连续{run}年（{year - run + 1}—{year}年）未达到参考值"
                f"（{year}年 {shown}，参考值 {reference}），实施效果不佳，建议取消称号", ind.code))
        else:
            flags.append(Flag("CORE", WARNING, year,
                              f"核心指标 {ind.code} {ind.name_zh} 不再达到参考值（{year}年 {shown}，"
                              f"参考值 {reference}）", ind.code))
    return flags


def rule_disclosure_missing(series: Series, year: int, rules: MonitorRules) -> list[Flag]:
    """NO_DISCLOSURE (预警) / NO_DISCLOSURE_EXIT (建议取消称号): no disclosure for ``year``;
    none for ``rules.missing_exit_years`` years running (管理缺位)."""
    if series.disclosed(year):
        return []
    first = first_year(series.history)
    run = _run(series, year, lambda y: y >= first and not series.disclosed(y))
    if run >= rules.missing_exit_years:
        return [Flag("NO_DISCLOSURE_EXIT", EXIT, year,
                     f"连续{run}年（{year - run + 1}—{year}年）未对外披露碳排放信息，管理缺位，"
                     "建议取消称号")]
    return [Flag("NO_DISCLOSURE", WARNING, year, f"{year}年未对外披露碳排放信息")]


def rule_above_target(series: Series, year: int, rules: MonitorRules) -> list[Flag]:
    """ABOVE_TARGET (预警): total emissions of ``year`` above the accepted target level."""
    target = series.pilot.target_emissions_tco2
    value = series.emissions(year) if series.disclosed(year) else None
    if target is None or value is None:
        return []
    if value > target * (1 + rules.target_tolerance_pct / 100):
        over = change_pct(value, target)
        extra = f"（超出 {over:.1f}%）" if over is not None else ""
        return [Flag("ABOVE_TARGET", WARNING, year,
                     f"{year}年碳排放总量 {_fmt_t(value)} tCO2 高于验收目标水平 {_fmt_t(target)} tCO2"
                     + extra)]
    return []


Rule = Callable[[Series, int, MonitorRules], list[Flag]]
RULES: dict[str, Rule] = {
    "RISING": rule_emissions_rising,
    "CORE": rule_core_indicator,
    "NO_DISCLOSURE": rule_disclosure_missing,
    "ABOVE_TARGET": rule_above_target,
}
DEFAULT_MONITOR_RULES = MonitorRules()


# --- the review ------------------------------------------------------------------------------


def first_year(history: PilotHistory) -> int:
    """The first data year under review (see the module docstring)."""
    pilot = history.pilot
    if pilot.first_year is not None:
        return pilot.first_year
    if pilot.accepted_year is not None:
        return pilot.accepted_year + 1
    return min(history.years)


def worst(flags: Sequence[Flag]) -> str:
    """The worst level among ``flags`` (``ok`` when none)."""
    return max((f.level for f in flags), key=LEVELS.index, default=OK)


@dataclass
class YearReview:
    year: int
    disclosed: bool
    #: On the accounting basis of the review; ``declared_tco2`` as disclosed.
    emissions_tco2: float | None
    vs_base_pct: float | None
    vs_previous_pct: float | None
    under_review: bool
    indicators: list[IndicatorYear]
    flags: list[Flag]
    status: str
    declared_tco2: float | None = None


@dataclass
class PilotReview:
    """The re-review of one pilot as of a year."""

    id: str
    name: str
    pilot_type: str
    organization: str | None
    base_year: int
    base_emissions_tco2: float | None
    accepted_year: int | None
    target_emissions_tco2: float | None
    first_year: int
    as_of: int
    years: list[YearReview]
    status: str
    flags: list[Flag]
    exit_years: list[int]
    sources: dict[int, str] = field(default_factory=dict)
    #: The accounting basis of the emissions (``location`` / ``green_deducted``), in words, and
    #: what it had to assume.
    basis: str = "location"
    basis_zh: str = ""
    basis_notes: list[str] = field(default_factory=list)

    @property
    def status_zh(self) -> str:
        return LEVEL_ZH[self.status]

    @property
    def pilot_type_zh(self) -> str:
        return catalog.PILOT_TYPE_ZH[self.pilot_type]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status_zh"] = self.status_zh
        return data


@dataclass
class MonitorReport:
    as_of: int
    pilots: list[PilotReview]
    rules: dict
    basis: str = "location"
    basis_zh: str = ""

    def counts(self) -> dict[str, int]:
        return {level: sum(p.status == level for p in self.pilots) for level in LEVELS}

    def to_dict(self) -> dict:
        return {"as_of": self.as_of, "counts": self.counts(), "rules": self.rules,
                "basis": self.basis, "basis_zh": self.basis_zh,
                "pilots": [p.to_dict() for p in self.pilots]}


def review_pilot(history: PilotHistory, as_of: int,
                 rules: MonitorRules = DEFAULT_MONITOR_RULES,
                 options: AccountingOptions | None = None) -> PilotReview:
    """Apply every enabled rule to every year of ``history`` under review up to ``as_of``.

    Parameters
    ----------
    history:
        The pilot's merged disclosures.
    as_of:
        The review year; later disclosures are ignored.
    rules:
        Thresholds and the rules enabled.
    options:
        The accounting basis and grid-factor choice (default location, held).

    Returns
    -------
    PilotReview
        Every year with its flags and status; the pilot's status is the worst flag of ``as_of``.
    """
    pilot = history.pilot
    series = build_series(history, as_of, options)
    start = first_year(history)
    shown_years = sorted({*series.facts, *range(start, as_of + 1)})
    years: list[YearReview] = []
    for year in shown_years:
        facts = series.facts.get(year)
        under_review = start <= year <= as_of
        flags = [f for code in rules.enabled for f in RULES[code](series, year, rules)] \
            if under_review else []
        previous = series.emissions(year - 1) if (year - 1 == pilot.base_year
                                                  or series.disclosed(year - 1)) else None
        value = facts.emissions_tco2 if facts else None
        disclosed = history.years.get(year)
        years.append(YearReview(
            year=year, disclosed=facts is not None, emissions_tco2=value,
            vs_base_pct=change_pct(value, series.base_tco2),
            vs_previous_pct=change_pct(value, previous), under_review=under_review,
            indicators=list(facts.indicators) if facts else [], flags=flags,
            status=worst(flags),
            declared_tco2=disclosed.emissions_tco2 if disclosed is not None else None))
    now = next((y for y in years if y.year == as_of), None)
    flags = now.flags if now else []
    return PilotReview(
        id=pilot.id, name=pilot.name, pilot_type=pilot.pilot_type,
        organization=pilot.organization, base_year=pilot.base_year,
        base_emissions_tco2=series.base_tco2, accepted_year=pilot.accepted_year,
        target_emissions_tco2=pilot.target_emissions_tco2, first_year=start, as_of=as_of,
        years=years, status=worst(flags), flags=flags,
        exit_years=[y.year for y in years if y.status == EXIT],
        sources={y: s for y, s in history.sources.items() if y <= as_of},
        basis=series.basis, basis_zh=series.basis_zh, basis_notes=list(series.notes))


def latest_year(histories: Sequence[PilotHistory]) -> int:
    """The latest year any pilot disclosed (the default ``as_of``)."""
    return max(max(h.years) for h in histories)


def monitor(histories: Sequence[PilotHistory], as_of: int | None = None,
            rules: MonitorRules = DEFAULT_MONITOR_RULES,
            options: AccountingOptions | None = None) -> MonitorReport:
    """Re-review every pilot (河环发〔2023〕23号 三、(三)2 复核提升, 动态退出).

    Parameters
    ----------
    histories:
        Every pilot's disclosures (:func:`nzc_review.lifecycle.intake.load_histories`).
    as_of:
        The review year; default the latest year any pilot disclosed.
    rules:
        Thresholds and the rules enabled.
    options:
        The accounting basis and grid-factor choice (default location, held).

    Returns
    -------
    MonitorReport
        The pilots, exits first, then warnings, then the others.
    """
    as_of = latest_year(histories) if as_of is None else as_of
    options = options or AccountingOptions()
    pilots = [review_pilot(h, as_of, rules, options) for h in histories]
    order = {EXIT: 0, WARNING: 1, OK: 2}
    pilots.sort(key=lambda p: (order[p.status], p.id))
    return MonitorReport(as_of=as_of, pilots=pilots, rules=asdict(rules), basis=options.basis,
                         basis_zh=basis_zh(options.basis, options.grid_factor))
