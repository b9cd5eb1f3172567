"""HTML fragments of the evaluation report, shown by the evaluation notebook.

Every text that comes from an application (names, evidence, notes) is escaped: an opinion or
a project name containing ``<script>`` stays inert text. The same fragments render in
JupyterLab and, through the nbconvert template in ``reports/``, in the printable report.
"""

from __future__ import annotations

import datetime as _dt
import math
from html import escape

from nzc_review.evaluation.accounting import FIELD_ZH, source_zh
from nzc_review.evaluation.compliance import STATUS_ZH
from nzc_review.evaluation.remarks import draft_remarks
from nzc_review.policy import catalog
from nzc_review.present.compliance_rows import Note, indicator_row

STYLE = """
<style>
.nzc { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei",
       sans-serif; font-size: 10.5pt; color: #1a1a1a; }
.nzc h1 { font-size: 20pt; margin: 0 0 6pt; } .nzc h2 { font-size: 14pt; margin: 14pt 0 6pt;
  border-bottom: 2px solid #2e7d32; padding-bottom: 2pt; }
.nzc table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; table-layout: auto; }
.nzc th, .nzc td { border: 1px solid #bbb; padding: 2pt 4pt; vertical-align: top;
  overflow-wrap: break-word; }
.nzc .nowrap, .nzc td.code { white-space: nowrap; }
.nzc th { word-break: keep-all; } .nzc th.long { word-break: normal; }
.nzc th { background: #eef3ee; font-weight: 600; }
.nzc .num { text-align: right; white-space: nowrap; }
.nzc .met { color: #1b5e20; font-weight: 600; } .nzc .not_met { color: #b71c1c; font-weight: 700; }
.nzc .missing { color: #8d6e00; } .nzc .needs_review { color: #6a1b9a; }
.nzc .core td:first-child { font-weight: 700; }
.nzc .banner { padding: 6pt 10pt; border-radius: 4pt; font-size: 13pt; font-weight: 700;
  display: inline-block; margin: 4pt 0; }
.nzc .feasible { background: #2e7d32; color: white; }
.nzc .basically_feasible { background: #f9a825; color: black; }
.nzc .infeasible { background: #c62828; color: white; }
.nzc .gate-pass { color: #1b5e20; } .nzc .gate-fail { color: #b71c1c; }
.nzc .gate-incomplete { color: #8d6e00; }
.nzc .titleblock td { border: none; padding: 1pt 6pt 1pt 0; }
.nzc .note { color: #555; font-size: 9pt; }
.nzc ul { margin: 2pt 0 6pt 16pt; padding: 0; }
</style>
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _v(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return _e(value)


def _n(value: float | None, digits: int = 0, suffix: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:,.{digits}f}{suffix}"


def _status(status: str) -> str:
    return f'<span class="{status}">{STATUS_ZH[status]}</span>'


def _wrap(html: str) -> str:
    return f'<div class="nzc">{html}</div>'


def style() -> str:
    return STYLE


def title_block(ev, evaluated_on: _dt.date | None = None) -> str:
    from nzc_review.present.dates import date_zh

    day = date_zh(evaluated_on or _dt.date.today())
    period = f"{ev.period['start']}—{ev.period['end']}年" if ev.period else "未填写"
    rows = [("申报单位", ev.organization or "未填写"), ("所在县（区）", ev.county or "—"),
            ("试点类型", ev.pilot_type_zh), ("申报编号", ev.id), ("基准年", f"{ev.base_year}年"),
            ("建设期", period), ("评估日期", day)]
    cells = "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in rows)
    return _wrap(f"<h1>近零碳排放区试点申报评估报告</h1><h1 style='font-size:15pt'>{_e(ev.name)}</h1>"
                 f"<table class='titleblock'>{cells}</table>"
                 "<p class='note'>依据《河池市近零碳排放区试点建设工作方案（试行）》（河环发〔2023〕23号）"
                 "自动生成，供专家组评审参考。</p>")


def verdict_block(ev) -> str:
    from nzc_review.evaluation.review_rules import gate_zh
    from nzc_review.evaluation.verdict import LEVELS_RULE_ZH

    fc = ev.forecast
    reasons = "".join(
        f"<li>[{_e(r.rule)}] {_e(r.level)}：{_e(r.text)}"
        + (f"<span class='note'>（{_e(r.source)}）</span>" if r.source else "") + "</li>"
        for r in [*ev.verdict.reasons, *ev.verdict.flags]) or "<li>未发现影响可行性的问题。</li>"
    p = fc.probability_meets_target
    gate = gate_zh(ev.core_gate, ev.rules.veto)
    figures = [
        ("核心指标门槛", f"<span class='gate-{ev.core_gate}'>{_e(gate)}</span>"),
        ("遴选条件", {"eligible": "符合", "not_eligible": "不符合", "unconfirmed": "待确认"}[
            ev.eligibility.status]),
        ("材料完整性", "完整" if ev.completeness.status == "complete"
         else f"需补充 {len(ev.completeness.items_to_supplement)} 项"),
        ("目标年预计降幅", _n(fc.projected_reduction_pct, 1, "%")
         + (f"（要求 {fc.required_reduction_pct:g}%）" if fc.required_reduction_pct else "")),
        ("按期实现概率", "—" if p is None else f"{p:.0%}"),
        ("核算口径", _basis_line(fc)),
    ]
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in figures)
    notes = "".join(f"<li>[{_e(n.code)}] {_e(n.text)}<span class='note'>（{_e(n.source)}）</span></li>"
                    for n in ev.plausibility)
    notes = (f"<h3 class='keep'>合理性提示（需专家核实，不改变结论）</h3><ul>{notes}</ul>"
             if notes else "")
    return _wrap(f"<h2 class='keep'>一、评估结论</h2><div class='banner {ev.verdict.code}'>建设可行性：{_e(ev.verdict.level)}"
                 f"</div><table>{cells}</table><ul>{reasons}</ul>"
                 f"<p class='note'>{_e(LEVELS_RULE_ZH)}；{_e(ev.rules.veto.describe_zh())}。</p>"
                 f"{notes}")


#: How the report words the notes of an indicator row (:mod:`nzc_review.present.compliance_rows`);
#: the ``benchmark`` note shows the benchmark value and unit.
NOTE_ZH: dict[Note, str] = {
    "computed": "现状值由申报数据计算",
    "stricter": "目标严于参考值",
    "discrepancy": "申报值与计算值不一致",
    "no_benchmark": "未提供基准值",
}


def _basis_line(fc) -> str:
    """The run's accounting basis and, beside it, the projected reduction on the other one."""
    text = _e(fc.basis_zh or "—")
    other = fc.other_basis or {}
    if other.get("projected_reduction_pct") is not None:
        text += (f"<br><span class='note'>对照：{_e(other['basis_zh'])}口径下预计下降 "
                 f"{other['projected_reduction_pct']:.1f}%（仅供参考，不作为结论依据）</span>")
    return text


def compliance_table(ev) -> str:
    from nzc_review.evaluation.remarks import indicator_table_zh
    from nzc_review.evaluation.review_rules import gate_zh

    head = ("代码", "一级指标", "指标名称", "参考值", "类型", "现状值", "现状", "目标值", "目标", "说明")
    rows = []
    for r in map(indicator_row, ev.compliance.indicators):
        notes = [f"基准值 {_v(r.benchmark)} {_e(r.unit)}" if n == "benchmark" else NOTE_ZH[n]
                 for n in r.notes]
        cls = " class='core'" if r.core else ""
        rows.append(
            f"<tr{cls}><td class='code'>{r.code}</td><td class='nowrap'>{_e(r.category)}</td>"
            f"<td>{_e(r.name_zh)}</td><td>{_e(r.reference)}</td>"
            f"<td class='nowrap'>{r.type_zh}</td>"
            f"<td class='num'>{_v(r.current)}</td>"
            f"<td>{_status(r.current_status)}</td><td class='num'>{_v(r.target)}</td>"
            f"<td>{_status(r.target_status)}</td><td>{'；'.join(notes)}</td></tr>")
    cats = "".join(
        f"<tr><td>{_e(c.category)}</td><td class='num'>{c.indicators}</td><td class='num'>{c.core}</td>"
        f"<td class='num'>{c.target_met}</td><td class='num'>{c.target_not_met}</td>"
        f"<td class='num'>{c.target_missing + c.target_needs_review}</td></tr>"
        for c in ev.compliance.categories)
    header = "".join(f"<th>{h}</th>" for h in head)
    return _wrap(
        "<h2>二、指标达标情况</h2>"
        f"<p>核心指标门槛：<b class='gate-{ev.core_gate}'>{_e(gate_zh(ev.core_gate, ev.rules.veto))}"
        f"</b>。加粗行为核心指标（{_e(indicator_table_zh(ev.pilot_type))} 指标类型）；"
        f"{_e(ev.rules.veto.describe_zh())}。</p>"
        f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<table><thead><tr><th>一级指标</th><th>指标数</th><th>核心指标</th><th>目标达标</th>"
        f"<th>目标未达标</th><th>缺失或需核定</th></tr></thead><tbody>{cats}</tbody></table>"
        + innovative_table(ev))


def innovative_table(ev) -> str:
    """创新指标 (附件2 三), a group of their own below the plan's indicators; empty without any
    (rule: :mod:`nzc_review.evaluation.innovative`, 本工具默认规则)."""
    from nzc_review.evaluation.innovative import INNOVATIVE_RULE_ZH, INNOVATIVE_ZH

    rows = []
    for r in ev.compliance.innovative:
        now = "—" if r.current_status is None else _status(r.current_status)
        notes = ["目标优于现状" if r.improves else ""] + [_e(r.evidence or "")]
        rows.append(
            f"<tr><td class='code'>{_e(r.code)}</td><td>{_e(r.name_zh)}</td>"
            f"<td class='nowrap'>{_e(r.unit) or '—'}</td><td>{_e(r.direction_zh)}</td>"
            f"<td class='num'>{_v(r.current)}</td><td>{now}</td>"
            f"<td class='num'>{_v(r.target)}</td><td>{_status(r.target_status)}</td>"
            f"<td>{'；'.join(n for n in notes if n)}</td></tr>")
    if not rows:
        return ""
    head = "".join(f"<th>{h}</th>" for h in ("代码", "指标名称", "单位", "方向", "现状值", "现状",
                                              "目标值", "目标", "说明"))
    return (f"<h3 class='keep'>{INNOVATIVE_ZH}</h3><p class='note'>{INNOVATIVE_RULE_ZH}。</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def eligibility_completeness(ev) -> str:
    rows = []
    for c in ev.eligibility.conditions:
        answer = {True: "是", False: "否", None: "未作答"}[c.answer]
        status = {"met": "met", "not_met": "not_met", "unanswered": "missing"}[c.status]
        label = {"met": "符合", "not_met": "不符合", "unanswered": "未作答"}[c.status]
        rows.append(f"<tr><td>{_e(c.text_zh)}</td><td>{'必备' if c.kind == 'hard' else '优先'}</td>"
                    f"<td>{answer}{'：' + _e(c.evidence) if c.evidence else ''}</td>"
                    f"<td>{_e(c.auto_detail or '')}</td><td><span class='{status}'>{label}</span></td></tr>")
    sections = "".join(
        f"<tr><td>{s.number}、{_e(s.title_zh)}</td><td><span class='"
        f"{'met' if s.status == 'complete' else ('missing' if s.status == 'partial' else 'not_met')}'>"
        f"{ {'complete': '完整', 'partial': '部分缺失', 'missing': '缺失'}[s.status] }</span></td>"
        f"<td>{'<br>'.join(_e(m) for m in s.missing)}</td></tr>"
        for s in ev.completeness.sections)
    warnings = "".join(f"<li>{_e(w)}</li>" for w in ev.completeness.warnings)
    return _wrap(
        "<h2>三、遴选条件与申报材料完整性</h2>"
        "<table><thead><tr><th>遴选条件</th><th>类型</th><th>申报</th><th>自动核查</th><th>结论</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<table><thead><tr><th>编制大纲（附件2）</th><th>完整性</th><th>需补充</th></tr></thead>"
        f"<tbody>{sections}</tbody></table>" + (f"<ul>{warnings}</ul>" if warnings else ""))


#: Sources of the accounting table, in order (:data:`nzc_review.evaluation.accounting.FIELD_ZH`);
#: other fuels are named by their own name (:func:`~nzc_review.evaluation.accounting.source_zh`).
SOURCE_ZH = FIELD_ZH


def _sink_lines(acc, years: list[int], line) -> str:
    """The total on the location basis, and carbon sinks on a line of their own: beside the
    total (本工具默认规则) or netted from it when the review rules say so."""
    if not any(acc.years[y].sink_tco2 for y in years):
        return line("碳排放总量（基于位置）", "total_tco2")
    if acc.net_sinks:
        return (line("碳排放总量（基于位置，扣除碳汇前）", "gross_tco2")
                + line("碳汇（清除量，按评审规则扣除）", "sink_tco2")
                + line("碳排放总量（基于位置，已扣除碳汇）", "total_tco2"))
    return (line("碳排放总量（基于位置）", "total_tco2")
            + line("碳汇（清除量，单列，未从总量扣除）", "sink_tco2"))


def accounting_table(ev) -> str:
    acc = ev.accounting
    if not acc.years:
        return _wrap("<h2>四、碳排放核算</h2><p>申报材料未提供能源活动数据，无法复核碳排放核算。</p>")
    years = list(acc.years)
    head = "".join(f"<th>{y}年</th>" for y in years)
    present = dict.fromkeys(s for y in years for s in acc.years[y].by_source_tco2)
    sources = [s for s in SOURCE_ZH if s in present] + [s for s in present if s not in SOURCE_ZH]
    body = "".join(
        f"<tr><td>{_e(source_zh(s))}</td>"
        + "".join(f"<td class='num'>{_n(acc.years[y].by_source_tco2.get(s))}</td>" for y in years)
        + "</tr>" for s in sources)

    def line(label: str, attr: str, digits: int = 0, suffix: str = "") -> str:
        return (f"<tr><th>{label}</th>" + "".join(
            f"<td class='num'>{_n(getattr(acc.years[y], attr), digits, suffix)}</td>" for y in years)
            + "</tr>")

    body += (line("直接排放", "direct_tco2") + line("间接排放", "indirect_tco2")
             + _sink_lines(acc, years, line)
             + line("扣除绿电后的排放", "total_green_deducted_tco2")
             + line(f"基于位置·按{ev.base_year}年电网因子（同口径）", "total_held_tco2")
             + line(f"扣除绿电·按{ev.base_year}年电网因子（同口径）",
                    "total_green_deducted_held_tco2")
             + line("申报碳排放总量", "declared_tco2") + line("申报与核算差异", "difference_pct", 1, "%")
             + line("能源消费量（tce）", "energy_tce")
             + line("可再生能源消费比重", "renewable_share_pct", 1, "%")
             + line("清洁能源使用率", "clean_energy_rate_pct", 1, "%")
             + line("人均排放（tCO2/人）", "per_capita", 2))
    factors = {}
    for y in years:
        for u in acc.years[y].factors:
            factors[(u.key, u.scope, u.year)] = u
    frows = "".join(
        f"<tr><td class='nowrap'>{_e(source_zh(u.field))}</td>"
        f"<td>{u.value:g} {_e(u.unit)}</td>"
        f"<td>{_e(u.scope)} {u.year}</td><td>{_e(u.source)}"
        f"{'' if u.verified else '（未与原文核对）'}</td></tr>" for u in factors.values())
    warnings = "".join(f"<li>{_e(w)}</li>" for w in acc.warnings
                       + [n for n in acc.basis_notes if n not in acc.warnings])
    defs = "".join(f"<li>{_e(d)}</li>" for d in acc.definitions)
    return _wrap(
        "<h2>四、碳排放核算（tCO2）</h2>"
        f"<p>核算口径：{_e(acc.basis_zh)}；评估中的降幅、预测与风险均按此口径计算，"
        "另一口径的总量并列于下表。</p>"
        f"<table><thead><tr><th>排放源</th>{head}</tr></thead><tbody>{body}</tbody></table>"
        + (f"<ul>{warnings}</ul>" if warnings else "")
        + "<table><thead><tr><th>排放源</th><th>排放因子</th><th>范围与年份</th><th>来源</th></tr>"
        f"</thead><tbody>{frows}</tbody></table><ul class='note'>{defs}</ul>")


def forecast_text(ev) -> str:
    fc = ev.forecast
    rows = "".join(
        f"<tr><td>{r.year}</td><td class='num'>{_n(r.bau_tco2)}</td><td class='num'>{_n(r.plan_tco2)}</td>"
        f"<td class='num'>{_n(r.required_tco2)}</td><td class='num'>{_n(r.per_capita, 2)}</td></tr>"
        for r in fc.years)
    checks = "".join(
        f"<tr><td>{c.code}</td><td>{catalog.BASIS_ZH[c.basis]}</td><td class='num'>{c.required_pct:g}%</td>"
        f"<td class='num'>{_n(c.projected_pct, 1, '%')}</td>"
        f"<td>{ {True: _status('met'), False: _status('not_met'), None: '—'}[c.met] }</td>"
        f"<td class='num'>{_n(c.gap_tco2)}</td></tr>" for c in fc.checks)
    notes = "".join(f"<li>{_e(a)}</li>" for a in fc.assumptions + fc.problems)
    left_out = "".join(f"<li>未计入：{_e(p['name'])}（{_e(p['reason'])}）</li>"
                       for p in fc.projects_not_counted)
    return _wrap(
        f"<h2>五、情景预测</h2><p>核算口径：{_e(fc.basis_zh)}。</p>"
        "<table><thead><tr><th>年份</th><th>基准情景</th><th>规划情景</th><th>达标线</th>"
        f"<th>人均（tCO2/人）</th></tr></thead><tbody>{rows}</tbody></table>"
        "<table><thead><tr><th>指标</th><th>口径</th><th>要求降幅</th><th>预计降幅</th><th>判定</th>"
        f"<th>缺口（tCO2）</th></tr></thead><tbody>{checks}</tbody></table>"
        f"<ul class='note'>{notes}{left_out}<li>{_e(ev.risk.assumptions)}</li></ul>")


def projects_table(ev) -> str:
    cost = {p.name: p for p in ev.costs.projects}
    rows = []
    for p in ev.key_projects:
        c = cost.get(p["name"])
        period = f"{p.get('start_year') or '—'}—{p.get('end_year') or '—'}"
        rows.append(
            f"<tr><td>{_e(p['name'])}{_category(p)}</td><td>{_e(p.get('content'))}</td>"
            f"<td>{_e(p.get('plan'))}</td>"
            f"<td>{_e(p.get('owner'))}</td><td class='nowrap'>{period}</td>"
            f"<td class='num'>{_n(p.get('expected_reduction_tco2_per_year'))}</td>"
            f"<td class='num'>{_n(p.get('investment_10k_cny'))}</td>"
            f"<td class='num'>{_cost(c)}</td></tr>")
    return _wrap(
        "<h2>六、重点项目与减排成本</h2>"
        "<table><thead><tr><th>名称</th><th>建设内容</th><th>实施计划</th><th>建设主体</th><th>建设周期</th>"
        "<th>预期减排（tCO2/年）</th><th>投资（万元）</th><th>单位减排成本（元/tCO2）</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<p class='note'>单位减排成本 = 投资 × 资本回收系数（折现率 {ev.costs.discount_rate:.0%}）÷ "
        "年减排量；未计节能收益，为毛成本。基于位置口径下绿电交易/绿证项目不减少核算排放，"
        "无单位减排成本，不计入减排成本曲线。</p>")


def _cost(c) -> str:
    """A project's cost per tonne, or "—" with the reason there is none (never 0 for a project
    that reduces nothing on the run's basis, :mod:`nzc_review.evaluation.cost`)."""
    if c is None:
        return "—"
    if c.note is None:
        return _n(c.cost_cny_per_tco2)
    return (f"—<br><span class='note' style='white-space:normal;display:block;text-align:left'>"
            f"{_e(c.note)}</span>")


def remarks_block(ev) -> str:
    r = draft_remarks(ev)

    def items(values: list[str]) -> str:
        return "".join(f"<li>{_e(v)}</li>" for v in values) or "<li>无</li>"

    return _wrap(
        "<h2>七、自动评审意见（草稿）</h2>"
        f"<p>{_e(r.summary)}</p><h3>主要优点</h3><ul>{items(r.strengths)}</ul>"
        f"<h3>存在问题</h3><ul>{items(r.problems)}</ul>"
        f"<h3>需补充完善</h3><ul>{items(r.to_supplement)}</ul>")


def _category(project: dict) -> str:
    """The project's category under its name (inferred ones marked), as a small note."""
    from nzc_review.evaluation.basis import CATEGORY_ZH, project_category
    from nzc_review.policy.application import KeyProject

    category, inferred = project_category(KeyProject.model_validate(project))
    if not project.get("category") and not inferred:
        return ""
    label = CATEGORY_ZH[category] + ("（按名称推断）" if inferred else "")
    return f"<br><span class='note'>{_e(label)}</span>"


def evaluate_for_report(
    application: str,
    *,
    draws: int = 10_000,
    seed: int = 20231228,
    factors: str | None = None,
    electricity_scope: str | None = None,
    accounting_basis: str | None = None,
    grid_factor: str | None = None,
    rules: str | None = None,
):
    """Load and evaluate an application file with the notebook's parameters: ``rules`` is a
    review-rules file (:mod:`nzc_review.evaluation.review_rules`; the shipped defaults when
    ``None``), whose basis and grid factor a given ``accounting_basis`` or ``grid_factor``
    overrides."""
    from nzc_review.evaluation.pipeline import evaluate_application, evaluation_options
    from nzc_review.intake import load_application

    options = evaluation_options(draws=draws, seed=seed, factors=factors,
                                 electricity_scope=electricity_scope,
                                 accounting_basis=accounting_basis, grid_factor=grid_factor,
                                 rules=rules)
    return evaluate_application(load_application(application), options)


def _gate_zh(ev) -> str:
    """The core gate in words under the evaluation's veto rule (``不通过（一票否决）`` …)."""
    from nzc_review.evaluation.review_rules import gate_zh

    return gate_zh(ev.core_gate, ev.rules.veto)


#: Mimetype of the key-figures bundle a report notebook hands to the batch runner.
SUMMARY_MIME = "application/vnd.nzc-review.summary+json"


def summary_bundle(ev) -> dict:
    """Key figures as a display bundle of a private mimetype: the batch runner reads them from
    the executed notebook; the report template and JupyterLab show only the empty text."""
    fc = ev.forecast
    return {
        SUMMARY_MIME: {
            "id": ev.id,
            "core_gate": ev.core_gate,
            "core_gate_zh": _gate_zh(ev),
            "verdict": ev.verdict.level,
            "projected_reduction_pct": fc.projected_reduction_pct,
            "required_reduction_pct": fc.required_reduction_pct,
            "probability_meets_target": fc.probability_meets_target,
            "accounting_basis": fc.basis,
        },
        "text/plain": "",
    }
