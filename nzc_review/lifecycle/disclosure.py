"""Annual carbon disclosure (碳排放信息披露) of one pilot, in plain public language.

河环发〔2023〕23号 四、(四): *建设主体应持续巩固试点建设成效，每年对外开展碳排放信息披露*; the park
table asks for it as core indicator YQ-18 碳披露 (每年定期对外公布园区企业碳排放情况), the campus
and commercial tables as XY-20 / SY-15 开展碳排放信息披露.

For one pilot and one data year, from its ``nzc-disclosure/1`` files (pure functions):

* total emissions of the year as disclosed, the change against the base year and the previous
  disclosed year, and the trend of every disclosed year up to it;
* emissions by source from the year's activity data, accounted as applications are
  (:func:`nzc_review.evaluation.accounting.account_carbon`: GB/T 32150-2015 fuel factors, the grid factor of
  the data year), with energy use in tce, the renewable share and the clean-energy rate;
* every indicator with a value — disclosed, or computed from the figures as for applications
  (reductions against the base year, per-capita emissions, energy shares) — judged against the
  reference value of 附件1 with :func:`nzc_review.evaluation.compliance.judge`;
* for a park, its enterprises and their emissions (园区企业碳排放情况, YQ-18 of 附件1 表2) with
  each one's share of the park's total, and a note when they sum to more than it
  (:func:`enterprise_table`); carbon sinks on a line of their own (not netted, 本工具默认规则);
* a few sentences a resident can read; the change against the base year says its basis: the
  disclosed totals are on the location basis at each year's own grid factor (as declared totals
  are, :mod:`nzc_review.evaluation.basis`), and when the run's accounting basis (``options``:
  ``--accounting-basis``, ``--grid-factor``, which the computed indicators follow) gives another
  figure, that one is stated beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from nzc_review.errors import InputError
from nzc_review.evaluation.accounting import Accounting, account_carbon, source_zh
from nzc_review.evaluation.basis import (
    DATA_YEAR,
    LOCATION,
    AccountingOptions,
    basis_zh,
    emission_series,
)
from nzc_review.evaluation.compliance import MET, NOT_MET, judge
from nzc_review.evaluation.derive import derived_current
from nzc_review.evaluation.factors import EmissionFactor
from nzc_review.lifecycle.intake import PilotHistory, pilot_application
from nzc_review.lifecycle.model import DisclosureYear
from nzc_review.policy import catalog


@dataclass
class IndicatorYear:
    """One indicator's value in one disclosed year, judged against its reference value."""

    code: str
    name_zh: str
    type: str
    unit: str
    reference: str
    value: object
    source: str  # declared | computed
    status: str  # met | not_met | needs_review
    evidence: str | None = None


def change_pct(now: float | None, before: float | None) -> float | None:
    """Change from ``before`` to ``now`` in percent (positive = rise), ``None`` if unknown."""
    if now is None or before is None or before <= 0:
        return None
    return (now - before) / before * 100.0


def indicator_values(history: PilotHistory, year: int,
                     options: AccountingOptions | None = None) -> list[IndicatorYear]:
    """Every indicator of the pilot type with a value in ``year``, in table order; computed
    values on the accounting basis of ``options`` (:mod:`nzc_review.evaluation.basis`)."""
    disclosed = history.years.get(year)
    if disclosed is None:
        return []
    app = pilot_application(history.pilot, history.years, upto=year)
    series = emission_series(app, options)
    out = []
    for row in catalog.indicators(history.pilot.pilot_type):
        reported = disclosed.indicators.get(row.code)
        value, source, benchmark, evidence = None, "declared", None, None
        if reported is not None:
            value, benchmark, evidence = reported.value, reported.benchmark, reported.evidence
        if value is None:
            computed = [d for d in derived_current(app, row, series) if d.year == year]
            if reported is not None and reported.basis is not None:
                computed = [d for d in computed if d.basis == reported.basis] or computed
            if not computed:
                continue
            best = max(computed, key=lambda d: d.value if row.rule.kind == "reduction"
                       else -d.value)
            value, source = round(best.value, 6), "computed"
        status = judge(row, value, benchmark).status
        out.append(IndicatorYear(code=row.code, name_zh=row.name_zh, type=row.type,
                                 unit=(reported.unit if reported and reported.unit else row.unit),
                                 reference=row.reference, value=value, source=source,
                                 status=status, evidence=evidence))
    return out


@dataclass
class EnterpriseRow:
    """One enterprise of a park in one year; ``share_pct`` of the park's disclosed total."""

    name: str
    emissions_tco2: float
    share_pct: float | None
    energy_tce: float | None
    note: str | None = None


@dataclass
class EnterpriseTable:
    """A park's enterprises of one year (园区企业碳排放情况, YQ-18), largest emitter first."""

    rows: list[EnterpriseRow]
    total_tco2: float
    energy_tce: float | None
    coverage_pct: float | None
    notes: list[str] = field(default_factory=list)


def enterprise_table(d: DisclosureYear) -> EnterpriseTable | None:
    """The enterprises of a disclosed year with their shares of the park's total (``None`` when
    none are listed). Enterprises summing to more than the park's total get a note: the park's
    total should include them all (河环发〔2023〕23号 附件1 表2 YQ-18)."""
    if not d.enterprises:
        return None
    park = d.emissions_tco2
    total = sum(e.emissions_tco2 for e in d.enterprises)
    energies = [e.energy_tce for e in d.enterprises if e.energy_tce is not None]
    rows = [EnterpriseRow(e.name.strip(), e.emissions_tco2,
                          e.emissions_tco2 / park * 100 if park > 0 else None, e.energy_tce,
                          e.note)
            for e in sorted(d.enterprises, key=lambda e: -e.emissions_tco2)]
    notes = []
    if total > park:
        excess = f"（高 {(total - park) / park * 100:.1f}%）" if park > 0 else ""
        notes.append(f"园区企业碳排放合计 {total:,.0f} 吨，超过园区碳排放总量 {park:,.0f} 吨{excess}，"
                     "请核实：企业数据可能包含园区边界以外的排放、重复计算或核算口径不一致")
    return EnterpriseTable(rows=rows, total_tco2=total,
                           energy_tce=sum(energies) if energies else None,
                           coverage_pct=total / park * 100 if park > 0 else None, notes=notes)


@dataclass
class TrendPoint:
    year: int
    emissions_tco2: float
    vs_base_pct: float | None
    vs_previous_pct: float | None
    kind: str  # base | disclosed


@dataclass
class DisclosureView:
    """What one pilot discloses for one year, ready for the public report."""

    id: str
    name: str
    pilot_type: str
    organization: str | None
    year: int
    base_year: int
    base_emissions_tco2: float | None
    emissions_tco2: float
    vs_base_pct: float | None
    previous_year: int | None
    vs_previous_pct: float | None
    trend: list[TrendPoint]
    by_source_tco2: dict[str, float]
    accounted_tco2: float | None
    energy_tce: float | None
    renewable_share_pct: float | None
    clean_energy_rate_pct: float | None
    per_capita: float | None
    accounting: Accounting
    indicators: list[IndicatorYear]
    accepted_year: int | None
    target_emissions_tco2: float | None
    published_on: str | None
    published_at: str | None
    note: str | None
    sentences: list[str] = field(default_factory=list)
    #: The run's accounting basis (computed indicators), in words, and the change of total
    #: emissions against the base year on it (``vs_base_pct`` is of the disclosed totals).
    basis: str = LOCATION
    basis_zh: str = ""
    basis_vs_base_pct: float | None = None
    #: What the basis could not apply (a year without energy data kept as disclosed, …).
    basis_notes: list[str] = field(default_factory=list)
    #: A park's enterprises (园区企业碳排放情况), ``None`` when not listed.
    enterprises: EnterpriseTable | None = None
    #: Carbon sinks of the year's energy data and their method: reported beside the total, not
    #: netted (本工具默认规则); process emissions are a source of ``by_source_tco2``.
    sink_tco2: float | None = None
    sink_method: str | None = None

    @property
    def pilot_type_zh(self) -> str:
        return catalog.PILOT_TYPE_ZH[self.pilot_type]

    def to_dict(self) -> dict:
        return asdict(self)


def trend(history: PilotHistory, upto: int) -> list[TrendPoint]:
    """Base year and every disclosed year up to ``upto``, with changes in percent."""
    pilot = history.pilot
    points: list[TrendPoint] = []
    base = pilot.base_emissions_tco2
    if base is not None:
        points.append(TrendPoint(pilot.base_year, base, 0.0, None, "base"))
    previous: tuple[int, float] | None = None
    for year, d in history.years.items():
        if year > upto:
            break
        vs_prev = (change_pct(d.emissions_tco2, previous[1])
                   if previous and previous[0] == year - 1 else None)
        points.append(TrendPoint(year, d.emissions_tco2, change_pct(d.emissions_tco2, base),
                                 vs_prev, "disclosed"))
        previous = (year, d.emissions_tco2)
    return points


def _tonnes(value: float) -> str:
    return f"{value / 1e4:,.2f}万吨" if value >= 1e5 else f"{value:,.0f}吨"


def plain_sentences(view: DisclosureView) -> list[str]:
    """The disclosure in a few plain sentences (for residents, not experts)."""
    out = [f"{view.year}年，{view.name}的碳排放总量为{_tonnes(view.emissions_tco2)}二氧化碳。"]
    if view.vs_base_pct is not None:
        word = "下降" if view.vs_base_pct <= 0 else "上升"
        declared = basis_zh(LOCATION, DATA_YEAR, view.base_year)
        text = (f"与基准年{view.base_year}年（{_tonnes(view.base_emissions_tco2 or 0)}）相比，"
                f"{word}了{abs(view.vs_base_pct):.1f}%（按披露的排放总量，核算口径：{declared}）")
        other = view.basis_vs_base_pct
        if (other is not None and view.basis_zh and view.basis_zh != declared
                and abs(other - view.vs_base_pct) >= 0.05):
            text += (f"；按{view.basis_zh}口径计，{'下降' if other <= 0 else '上升'}了"
                     f"{abs(other):.1f}%（评价指标按此口径计算）")
        out.append(text + "。")
    if view.vs_previous_pct is not None:
        word = "减少" if view.vs_previous_pct <= 0 else "增加"
        out.append(f"比上一年（{view.previous_year}年）{word}了{abs(view.vs_previous_pct):.1f}%。")
    if view.by_source_tco2:
        total = sum(view.by_source_tco2.values())
        top = max(view.by_source_tco2, key=view.by_source_tco2.get)
        out.append(f"从来源看，排放最多的是{source_zh(top)}，约占{view.by_source_tco2[top] / total:.0%}。")
    if view.sink_tco2:
        out.append(f"另有碳汇（植树造林等）吸收约{_tonnes(view.sink_tco2)}二氧化碳，单独列示，"
                   "未从排放总量中扣除。")
    table = view.enterprises
    if table is not None:
        text = f"园区公开了{len(table.rows)}家企业的碳排放情况，合计{_tonnes(table.total_tco2)}"
        if table.coverage_pct is not None and table.total_tco2 <= view.emissions_tco2:
            text += f"，占园区排放总量的{table.coverage_pct:.0f}%"
        out.append(text + "。")
    if view.renewable_share_pct is not None:
        out.append(f"可再生能源（光伏等自发自用电力、绿电和生物质）占全部能源消费的{view.renewable_share_pct:.1f}%。")
    if view.target_emissions_tco2 is not None:
        if view.emissions_tco2 <= view.target_emissions_tco2:
            out.append(f"排放总量低于验收时确定的目标水平（{_tonnes(view.target_emissions_tco2)}），"
                       "试点建设成效得到保持。")
        else:
            out.append(f"排放总量高于验收时确定的目标水平（{_tonnes(view.target_emissions_tco2)}），"
                       "需要加强管理。")
    judged = [i for i in view.indicators if i.status in {MET, NOT_MET}]
    if judged:
        met = sum(i.status == MET for i in judged)
        text = f"本年度公开的{len(judged)}项评价指标中，{met}项达到《方案》参考值"
        missed = [i.name_zh for i in judged if i.status == NOT_MET]
        out.append(text + (f"，未达到的有：{'、'.join(missed)}。" if missed else "。"))
    return out


def disclosure_view(history: PilotHistory, year: int | None = None,
                    factors: list[EmissionFactor] | None = None,
                    options: AccountingOptions | None = None) -> DisclosureView:
    """The disclosure of ``history`` for ``year`` (河环发〔2023〕23号 四、(四)).

    Parameters
    ----------
    history:
        The pilot's merged disclosures.
    year:
        The data year; default the latest disclosed.
    factors:
        Emission factors for the accounting by source; the shipped ones when ``None``.
    options:
        The accounting basis and grid-factor choice of the computed indicators and of the
        change against the base year stated beside the disclosed one (default location, held).

    Returns
    -------
    DisclosureView
        Totals, changes, trend, emissions by source, indicators and plain sentences.

    Raises
    ------
    InputError
        when the pilot disclosed nothing for ``year``.
    """
    pilot = history.pilot
    year = max(history.years) if year is None else year
    d = history.years.get(year)
    if d is None:
        disclosed = "、".join(str(y) for y in history.years)
        raise InputError(pilot.id, f"no disclosure for {year}; disclosed years: {disclosed}")
    app = pilot_application(pilot, history.years, upto=year)
    options = options or AccountingOptions(factors=factors)
    accounting = account_carbon(app, factors)
    account = accounting.years.get(year)
    series = emission_series(app, options)
    points = trend(history, year)
    previous = (points[-2] if len(points) > 1 and points[-2].kind == "disclosed"
                and points[-2].year == year - 1 else None)
    per_capita = None
    if d.profile and d.profile.population:
        per_capita = d.emissions_tco2 / d.profile.population
    view = DisclosureView(
        id=pilot.id, name=pilot.name, pilot_type=pilot.pilot_type,
        organization=pilot.organization, year=year, base_year=pilot.base_year,
        base_emissions_tco2=pilot.base_emissions_tco2, emissions_tco2=d.emissions_tco2,
        vs_base_pct=change_pct(d.emissions_tco2, pilot.base_emissions_tco2),
        previous_year=previous.year if previous else None,
        vs_previous_pct=points[-1].vs_previous_pct,
        trend=points, by_source_tco2=dict(account.by_source_tco2) if account else {},
        accounted_tco2=account.total_tco2 if account else None,
        energy_tce=account.energy_tce if account else None,
        renewable_share_pct=account.renewable_share_pct if account else None,
        clean_energy_rate_pct=account.clean_energy_rate_pct if account else None,
        per_capita=per_capita, accounting=accounting,
        indicators=indicator_values(history, year, options), accepted_year=pilot.accepted_year,
        target_emissions_tco2=pilot.target_emissions_tco2, published_on=d.published_on,
        published_at=d.published_at, note=d.note, basis=series.basis,
        basis_zh=series.basis_zh,
        basis_vs_base_pct=change_pct(series.values.get(year),
                                     series.values.get(pilot.base_year)),
        basis_notes=list(series.notes), enterprises=enterprise_table(d),
        sink_tco2=account.sink_tco2 if account else None,
        sink_method=account.sink_method if account else None)
    view.sentences = plain_sentences(view)
    return view
