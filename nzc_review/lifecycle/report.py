"""HTML fragments of the lifecycle reports: acceptance (验收评价), disclosure (碳排放信息披露) and
the re-review dashboard (复核监测看板), shown by their notebooks and printed through the shared
nbconvert template (``reports/nzc_report``).

Same conventions as :mod:`nzc_review.present.evaluation_report`: every text from a file is escaped with
:func:`html.escape`; numbered sections are ``h2`` (the first one ``keep`` on the title page);
key figures go to the batch runner as a :data:`~nzc_review.runner.jobs.SUMMARY_MIME` bundle.
"""

from __future__ import annotations

import datetime as _dt

from nzc_review.evaluation.accounting import source_zh
from nzc_review.policy import catalog
from nzc_review.present import evaluation_report as base_report
from nzc_review.present.evaluation_report import SUMMARY_MIME

POLICY = "《河池市近零碳排放区试点建设工作方案（试行）》（河环发〔2023〕23号）"

EXTRA_STYLE = """
<style>
.nzc .lvl-ok { color: #1b5e20; font-weight: 600; }
.nzc .lvl-warning { color: #8d5e00; font-weight: 700; background: #fff3c4; padding: 0 3pt; }
.nzc .lvl-exit { color: #fff; font-weight: 700; background: #c62828; padding: 0 3pt; }
.nzc td.cell-ok { background: #e8f5e9; } .nzc td.cell-warning { background: #fff3c4; }
.nzc td.cell-exit { background: #ffcdd2; font-weight: 700; } .nzc td.cell-none { color: #999; }
.nzc .blocking { color: #b71c1c; font-weight: 700; }
.nzc .big { font-size: 15pt; font-weight: 700; }
.nzc .plain p { font-size: 11.5pt; line-height: 1.7; margin: 3pt 0; }
.nzc .illustrative { color: #8d5e00; font-size: 9pt; }
</style>
"""


# the formatting helpers of the evaluation report, shared
_e, _v, _n = base_report._e, base_report._v, base_report._n
_wrap, _status = base_report._wrap, base_report._status


def _pct(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def _table(head: list[str], rows: list[str], cls: str = "") -> str:
    header = "".join(f"<th>{h}</th>" for h in head)
    return (f"<table{f' class={chr(39)}{cls}{chr(39)}' if cls else ''}><thead><tr>{header}</tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def style() -> str:
    """The report style: :func:`nzc_review.present.evaluation_report.style` plus the lifecycle classes."""
    return base_report.style() + EXTRA_STYLE


def _title(heading: str, name: str, rows: list[tuple[str, str]], note: str) -> str:
    cells = "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in rows)
    return _wrap(f"<h1>{_e(heading)}</h1><h1 style='font-size:15pt'>{_e(name)}</h1>"
                 f"<table class='titleblock'>{cells}</table><p class='note'>{note}</p>")


def _illustrative(*names: str | None) -> str:
    if any(n and "示例" in n for n in names):
        return "<p class='illustrative'>示例（虚构）：本报告所用数据为演示用的虚构数据。</p>"
    return ""


# --- acceptance ------------------------------------------------------------------------------


def acceptance_title(res, evaluated_on: _dt.date | None = None) -> str:
    day = (evaluated_on or _dt.date.today()).isoformat()
    period = f"{res.period['start']}—{res.period['end']}年" if res.period else "未填写"
    rows = [("建设主体", res.organization or "未填写"), ("所在县（区）", res.county or "—"),
            ("试点类型", res.pilot_type_zh), ("申报编号", res.id), ("基准年", f"{res.base_year}年"),
            ("建设期", period), ("运行年（实际值年份）", f"{res.achieved_year}年"),
            ("自我评价报告提交日期", res.submitted_on or "—"), ("核算口径", res.basis_zh),
            ("评价日期", day)]
    return _title("近零碳排放区试点验收评价报告", res.name, rows,
                  f"依据{POLICY}三、（二）2 验收评价，由自我评价报告与申报承诺自动比对生成，"
                  "供验收专家组参考。" + _illustrative(res.name))


def acceptance_verdict(res) -> str:
    banner = "feasible" if res.passed else "infeasible"
    red = res.reduction
    done = sum(p.status == "done" for p in res.projects)
    figures = [
        ("核心指标（实际值）", f"<span class='gate-{res.core_gate}'>"
                         f"{ {'pass': '全部达到参考值', 'fail': '未达到参考值（一票否决）', 'incomplete': '缺少实际值或需核定'}[res.core_gate] }</span>"),
        ("综合得分", f"<span class='big'>{res.score:.1f}</span> / 100（按得分：{_e(res.score_grade_label)}）"),
        ("评价等级", _e(res.grade_label)),
        ("重点项目按期完成", f"{done} / {len(res.projects)}"),
        ("碳排放总量较基准年", "—" if red["reduction_pct"] is None else
         f"下降 {red['reduction_pct']:.1f}%（{red['base_year']}年 {_n(red['base_tco2'])} → "
         f"{red['year']}年 {_n(red['achieved_tco2'])} tCO2；{_e(res.basis_zh)}）"
         + _other_basis(red)),
    ]
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in figures)
    reasons = "".join(
        f"<li class='{'blocking' if r.blocking else ''}'>[{_e(r.code)}] "
        f"{'（否决项）' if r.blocking else ''}{_e(r.message)}</li>" for r in res.reasons
    ) or "<li>未发现影响验收的问题。</li>"
    summary = f"<p>自评概述：{_e(res.summary)}</p>" if res.summary else ""
    return _wrap(f"<h2 class='keep'>一、验收结论</h2><div class='banner {banner}'>验收结论：{_e(res.verdict)}"
                 f"（{_e(res.grade_label)}）</div><table>{cells}</table>{summary}"
                 f"<h3>理由与问题</h3><ul>{reasons}</ul>")


def _other_basis(red: dict) -> str:
    other = red.get("other_basis") or {}
    if other.get("reduction_pct") is None:
        return ""
    return (f"<br><span class='note'>对照：{_e(other['basis_zh'])}口径下降 "
            f"{other['reduction_pct']:.1f}%（仅供参考）</span>")


def acceptance_indicators(res) -> str:
    rows = []
    for r in res.indicators:
        notes = []
        if r.source == "computed":
            notes.append("实际值由运行年数据计算")
        if r.discrepancy:
            notes.append("申报值与计算值不一致")
        if r.rule == "benchmark":
            notes.append(f"基准值 {_v(r.benchmark)}" if r.benchmark is not None else "未提供基准值")
        if r.evidence:
            notes.append(f"佐证：{_e(r.evidence)}")
        cls = " class='core'" if r.type == "core" else ""
        rows.append(
            f"<tr{cls}><td class='code'>{r.code}</td><td>{_e(r.name_zh)}</td>"
            f"<td>{catalog.INDICATOR_TYPE_ZH[r.type]}</td>"
            f"<td>{_e(catalog.display_reference(r.reference))}</td>"
            f"<td class='num'>{_v(r.committed)}</td><td class='num'>{_v(r.achieved)}</td>"
            f"<td>{_status(r.reference_status)}</td><td>{_status(r.target_status)}</td>"
            f"<td class='num'>{r.credit:g}</td><td>{'；'.join(notes)}</td></tr>")
    return _wrap(
        "<h2>二、指标完成情况</h2><p>实际值与参考值（附件1）和申报承诺目标逐项比对；加粗行为核心指标，"
        "核心指标实际值未达到参考值即一票否决。得分系数：达到参考值与承诺目标为1，仅达到参考值为"
        f"{res.rules['target_miss_credit']:g}，其余为0。</p>"
        + _table(["代码", "指标名称", "类型", "参考值", "承诺目标", "实际值", "对照参考值",
                  "对照承诺目标", "系数", "说明"], rows) + acceptance_innovative(res))


def acceptance_innovative(res) -> str:
    """创新指标 of the application at acceptance, a group of their own with the rule; empty
    without any (:func:`nzc_review.lifecycle.acceptance.judge_innovative_achieved`)."""
    from nzc_review.evaluation.innovative import INNOVATIVE_ZH
    from nzc_review.lifecycle.acceptance import innovative_rule_zh

    rows = [
        f"<tr><td class='code'>{_e(r.code)}</td><td>{_e(r.name_zh)}</td>"
        f"<td class='nowrap'>{_e(r.unit) or '—'}</td><td>{_e(r.direction_zh)}</td>"
        f"<td class='num'>{_v(r.current)}</td><td class='num'>{_v(r.committed)}</td>"
        f"<td class='num'>{_v(r.achieved)}</td><td>{_status(r.status)}</td>"
        f"<td>{'佐证：' + _e(r.evidence) if r.evidence else ''}</td></tr>"
        for r in getattr(res, "innovative", [])]
    if not rows:
        return ""
    rule = innovative_rule_zh(res.rules.get("require_innovative_targets", False))
    return (f"<h3 class='keep'>{INNOVATIVE_ZH}</h3><p class='note'>{_e(rule)}。</p>"
            + _table(["代码", "指标名称", "单位", "方向", "申报现状值", "承诺目标", "实际值",
                      "对照承诺目标", "说明"], rows))


def acceptance_projects(res) -> str:
    deadline = res.period["end"] if res.period else res.achieved_year
    rows = []
    for p in res.projects:
        cls = "met" if p.status == "done" else "not_met"
        rows.append(
            f"<tr><td>{_e(p.name)}</td><td class='num'>{p.planned_end_year or '—'}</td>"
            f"<td class='num'>{p.completed_year or '—'}</td>"
            f"<td><span class='{cls}'>{p.status_zh}</span></td>"
            f"<td class='num'>{_n(p.expected_reduction_tco2)}</td>"
            f"<td class='num'>{_n(p.actual_reduction_tco2)}</td><td class='num'>{p.delivery:.0%}</td>"
            f"<td class='num'>{_n(p.planned_investment_10k_cny)}</td>"
            f"<td class='num'>{_n(p.actual_investment_10k_cny)}</td>"
            f"<td class='num'>{p.credit:.2f}</td><td>{_e(p.evidence)}</td></tr>")
    body = _table(["项目名称", "计划完成", "实际完成", "状态", "预期减排（tCO2/年）",
                   "实际减排（tCO2/年）", "减排兑现率", "计划投资（万元）", "实际投资（万元）",
                   "系数", "佐证"], rows) if rows else "<p>申报材料未列重点项目。</p>"
    share = res.rules["completion_share"]
    return _wrap(f"<h2>三、重点项目完成情况</h2><p>按期完成指在建设期末（{deadline}年）前完工。"
                 f"项目系数 = {share:g} × 按期完成 + {1 - share:g} × min(1, 实际减排 / 预期减排)。</p>"
                 + body)


def acceptance_accounting(res) -> str:
    """Section 四: the accounting table of :mod:`nzc_review.present.evaluation_report` and the A1–A5 checks."""
    rows = "".join(
        f"<tr><td>{c.code}</td><td>{_e(c.label)}</td><td>{_status('met' if c.passed else 'not_met')}"
        f"</td><td>{_e(c.detail)}</td></tr>" for c in res.checks)
    red = res.reduction
    lines = [f"基准年（{red['base_year']}年）碳排放总量：{_n(red['base_tco2'])} tCO2",
             f"运行年（{red['year']}年）碳排放总量：{_n(red['achieved_tco2'])} tCO2",
             f"按排放数据计算的实际降幅：{_pct(red['reduction_pct'], False)}"]
    if red["required_pct"] is not None:
        lines.append(f"参考值要求：下降 {red['required_pct']:g}% 以上（{red['indicator']}）；"
                     f"申报承诺：{_n(red['committed_pct'], 1, '%')}")
    warnings = "".join(f"<li>{_e(w)}</li>" for w in res.warnings
                       if w not in res.accounting.warnings)
    return (base_report.accounting_table(res) + _wrap(
        "<h3>实际降幅</h3><ul>" + "".join(f"<li>{_e(x)}</li>" for x in lines) + "</ul>"
        "<h3>核算与信息披露核查</h3>"
        + _table(["编号", "核查项", "结果", "说明"], [rows])
        + (f"<ul class='note'>{warnings}</ul>" if warnings else "")))


def acceptance_score(res) -> str:
    rows = "".join(
        f"<tr><td>{_e(p.label)}</td><td class='num'>{p.weight:g}</td>"
        f"<td class='num'>{p.points:.1f}</td><td>{_e(p.detail)}</td></tr>" for p in res.score_parts)
    rows += (f"<tr><th>合计</th><th class='num'>100</th><th class='num'>{res.score:.1f}</th>"
             f"<th>{_e(res.score_grade_label)}</th></tr>")
    bands = "；".join(
        f"{_e(b['label'])} {'≥ ' + format(b['lower'], 'g') if b['lower'] is not None else '其余'}"
        for b in res.rules["bands"])
    rules = res.rules
    required = ["核心指标实际值全部达到参考值" if rules["require_core_met"] else None,
                "重点项目全部按期完成" if rules["require_projects_done"] else None,
                "核心指标达到申报承诺目标" if rules["require_core_targets"] else None,
                "创新指标达到申报目标值" if rules.get("require_innovative_targets") else None,
                f"综合得分不低于 {rules['threshold']:g} 分"]
    return _wrap(
        "<h2>五、评分</h2>" + _table(["评分项", "分值", "得分", "说明"], [rows])
        + f"<p>等级划分：{bands}。通过验收须同时满足："
        + "；".join(r for r in required if r) + "。不通过验收的，等级为未通过。</p>"
        "<p class='note'>评分细则与分值为本工具的默认规则（河环发〔2023〕23号未规定验收评分办法），"
        "可由验收组织部门调整（--rules）。等级划分参照深圳市近零碳排放区试点验收评价做法。</p>")


def acceptance_bundle(res) -> dict:
    """Key figures for the batch runner (:data:`SUMMARY_MIME`)."""
    return {SUMMARY_MIME: {"id": res.id, "verdict": res.verdict, "passed": res.passed,
                           "score": round(res.score, 2), "grade": res.grade_label,
                           "core_gate": res.core_gate}, "text/plain": ""}


# --- disclosure ------------------------------------------------------------------------------


def disclosure_title(view) -> str:
    rows = [("建设主体", view.organization or "—"), ("试点类型", view.pilot_type_zh),
            ("试点编号", view.id), ("数据年份", f"{view.year}年"), ("基准年", f"{view.base_year}年"),
            ("发布日期", view.published_on or "—"), ("发布渠道", view.published_at or "—")]
    return _title(f"碳排放信息披露（{view.year}年度）", view.name, rows,
                  f"依据{POLICY}四、（四）“建设主体应持续巩固试点建设成效，每年对外开展碳排放信息披露”。"
                  + _illustrative(view.name))


def disclosure_summary(view) -> str:
    figures = [("碳排放总量", f"<span class='big'>{_n(view.emissions_tco2)}</span> 吨二氧化碳"),
               (f"与基准年（{view.base_year}年）相比", _pct(view.vs_base_pct)),
               ("与上一年相比", _pct(view.vs_previous_pct)),
               ("可再生能源占能源消费", _pct(view.renewable_share_pct, False)),
               ("人均碳排放", _n(view.per_capita, 2, " 吨/人") if view.per_capita else "—")]
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in figures)
    text = "".join(f"<p>{_e(s)}</p>" for s in view.sentences)
    return _wrap(f"<h2 class='keep'>一、年度概况</h2><div class='plain'>{text}</div>"
                 f"<table>{cells}</table>")


def disclosure_sources(view) -> str:
    if not view.by_source_tco2:
        return _wrap("<h2>二、排放来自哪里</h2><p>本年度未公开能源消费明细，无法按来源分解。</p>")
    total = sum(view.by_source_tco2.values())
    rows = [f"<tr><td>{_e(source_zh(k))}</td><td class='num'>{_n(v)}</td>"
            f"<td class='num'>{v / total:.1%}</td></tr>"
            for k, v in sorted(view.by_source_tco2.items(), key=lambda kv: -kv[1])]
    note = ""
    if view.accounted_tco2 is not None:
        diff = (view.emissions_tco2 - view.accounted_tco2) / view.accounted_tco2 * 100 \
            if view.accounted_tco2 else None
        note = (f"<p class='note'>按公开的能源消费量核算为 {_n(view.accounted_tco2)} 吨"
                f"（与披露总量相差 {_pct(diff)}）；能源消费总量 {_n(view.energy_tce)} 吨标准煤。</p>")
    if view.sink_tco2:
        method = f"，核算方法：{_e(view.sink_method)}" if view.sink_method else ""
        note += (f"<p class='note'>碳汇（清除量）{_n(view.sink_tco2)} 吨二氧化碳{method}；单独列示，"
                 "未从排放总量中扣除（本工具默认规则）。</p>")
    return _wrap("<h2>二、排放来自哪里</h2><p>用电、用气、用油等都会产生二氧化碳。下表按来源列出本年度排放：</p>"
                 + _table(["来源", "排放量（吨二氧化碳）", "占比"], rows) + note)


def disclosure_enterprises(view) -> str:
    """园区企业碳排放情况 (附件1 表2 YQ-18 碳披露: 每年定期对外公布园区企业碳排放情况): each enterprise
    with its share of the park's total, largest first; empty when the park lists none."""
    table = view.enterprises
    if table is None:
        return ""
    rows = [f"<tr><td>{_e(r.name)}</td><td class='num'>{_n(r.emissions_tco2)}</td>"
            f"<td class='num'>{_pct(r.share_pct, False)}</td><td class='num'>{_n(r.energy_tce)}</td>"
            f"<td>{_e(r.note)}</td></tr>" for r in table.rows]
    rows.append(f"<tr><th>合计（{len(table.rows)}家）</th><th class='num'>{_n(table.total_tco2)}</th>"
                f"<th class='num'>{_pct(table.coverage_pct, False)}</th>"
                f"<th class='num'>{_n(table.energy_tce)}</th><th></th></tr>")
    notes = "".join(f"<p class='note blocking'>{_e(n)}</p>" for n in table.notes)
    return _wrap("<h3>园区企业碳排放情况</h3><p>依据附件1 表2 YQ-18 碳披露（每年定期对外公布园区企业碳排放情况）；"
                 "占比为占园区碳排放总量的比例。</p>"
                 + _table(["企业", "碳排放量（吨二氧化碳）", "占园区总量", "综合能耗（吨标准煤）", "备注"],
                          rows) + notes)


def disclosure_trend(view) -> str:
    rows = [f"<tr><td>{p.year}年{'（基准年）' if p.kind == 'base' else ''}</td>"
            f"<td class='num'>{_n(p.emissions_tco2)}</td><td class='num'>"
            f"{'—' if p.kind == 'base' else _pct(p.vs_base_pct)}</td>"
            f"<td class='num'>{_pct(p.vs_previous_pct)}</td></tr>" for p in view.trend]
    target = (f"<p>验收时确定的目标水平：{_n(view.target_emissions_tco2)} 吨二氧化碳"
              f"（{view.accepted_year}年通过验收）。</p>" if view.target_emissions_tco2 else "")
    return _wrap("<h2>三、历年变化</h2>" + _table(["年份", "碳排放总量（吨二氧化碳）", "与基准年相比",
                                                 "与上一年相比"], rows) + target)


def disclosure_indicators(view) -> str:
    if not view.indicators:
        return _wrap("<h2>四、评价指标</h2><p>本年度未公开评价指标。</p>")
    rows = []
    for i in view.indicators:
        word = {"met": "达到", "not_met": "未达到", "needs_review": "待核定"}.get(i.status, "—")
        cls = {"met": "met", "not_met": "not_met"}.get(i.status, "needs_review")
        rows.append(f"<tr{' class=core' if i.type == 'core' else ''}><td>{_e(i.name_zh)}</td>"
                    f"<td class='num'>{_v(i.value)}{'' if i.unit in ('-', '') else ' ' + _e(i.unit)}"
                    f"</td><td>{_e(catalog.display_reference(i.reference))}</td>"
                    f"<td><span class='{cls}'>{word}</span></td>"
                    f"<td>{'由公开数据计算' if i.source == 'computed' else '建设主体公开'}</td></tr>")
    return _wrap("<h2>四、评价指标</h2><p>对照《方案》附件1的参考值（加粗为核心指标）：</p>"
                 + _table(["指标", "本年度", "参考值", "是否达到", "数据来源"], rows))


def disclosure_notes(view) -> str:
    defs = "".join(f"<li>{_e(d)}</li>" for d in [*view.accounting.definitions,
                                                 *getattr(view, "basis_notes", [])])
    extra = f"<p>{_e(view.note)}</p>" if view.note else ""
    return _wrap("<h3>说明</h3>" + extra + "<ul class='note'><li>碳排放总量由建设主体核算并公开；"
                 "排放来源分解按公开的能源消费量和排放因子计算。</li>" + defs + "</ul>")


def disclosure_bundle(view) -> dict:
    return {SUMMARY_MIME: {"id": view.id, "year": view.year, "emissions_tco2": view.emissions_tco2,
                           "vs_base_pct": view.vs_base_pct}, "text/plain": ""}


# --- monitoring dashboard --------------------------------------------------------------------

LEVEL_ZH = {"ok": "正常", "warning": "预警", "exit": "建议取消称号"}


def _level(level: str) -> str:
    return f"<span class='lvl-{level}'>{LEVEL_ZH[level]}</span>"


def monitor_title(rep, evaluated_on: _dt.date | None = None) -> str:
    day = (evaluated_on or _dt.date.today()).isoformat()
    counts = rep.counts()
    rows = [("复核截至", f"{rep.as_of}年"), ("试点数量", str(len(rep.pilots))),
            ("正常 / 预警 / 建议取消称号", f"{counts['ok']} / {counts['warning']} / {counts['exit']}"),
            ("核算口径", rep.basis_zh or "—"), ("生成日期", day)]
    return _title("近零碳排放区试点复核监测看板", f"截至{rep.as_of}年", rows,
                  f"依据{POLICY}三、（三）2 复核提升（动态退出机制）与四、（四）碳排放信息披露。"
                  + _illustrative(*(p.name for p in rep.pilots)))


def _short_type(pilot_type: str) -> str:
    return catalog.PILOT_TYPE_ZH[pilot_type].removeprefix("近零碳排放")


def monitor_overview(rep) -> str:
    rows = []
    for p in rep.pilots:
        now = next((y for y in p.years if y.year == rep.as_of), None)
        reasons = "<br>".join(f"[{_e(f.code)}] {_e(f.message)}" for f in p.flags) or "—"
        earlier = [y for y in p.exit_years if y != rep.as_of]
        if earlier:
            reasons += f"<br><span class='note'>此前已于{'、'.join(map(str, earlier))}年触发退出</span>"
        rows.append(
            f"<tr><td>{_e(p.name)}<br><span class='note'>{_e(p.id)}</span></td>"
            f"<td>{_short_type(p.pilot_type)}</td><td class='num'>{p.accepted_year or '—'}</td>"
            f"<td class='num'>{_n(now.emissions_tco2) if now else '—'}</td>"
            f"<td class='num'>{_pct(now.vs_base_pct) if now else '—'}</td>"
            f"<td class='num'>{_n(p.target_emissions_tco2)}</td>"
            f"<td style='white-space:nowrap'>{_level(p.status)}</td><td>{reasons}</td></tr>")
    return _wrap(f"<h2 class='keep'>一、总体情况（{rep.as_of}年）</h2>"
                 + _table(["试点", "类型", "验收年份", f"{rep.as_of}年排放（tCO2）", "较基准年",
                           "验收目标水平（tCO2）", "复核结论", "原因"], rows))


def monitor_matrix(rep) -> str:
    years = sorted({y.year for p in rep.pilots for y in p.years})
    rows = []
    for p in rep.pilots:
        by_year = {y.year: y for y in p.years}
        cells = []
        for year in years:
            y = by_year.get(year)
            if y is None:
                cells.append("<td class='cell-none'></td>")
                continue
            text = _n(y.emissions_tco2) if y.disclosed else "未披露"
            if not y.under_review:
                cells.append(f"<td class='num cell-none'>{text}</td>")
            else:
                codes = " ".join(sorted({f.code for f in y.flags}))
                cells.append(f"<td class='num cell-{y.status}'>{text}"
                             f"{'<br><small>' + _e(codes) + '</small>' if codes else ''}</td>")
        rows.append(f"<tr><td>{_e(p.name)}<br><span class='note'>{_e(p.id)}</span></td>"
                    f"{''.join(cells)}</tr>")
    return _wrap("<h2>二、逐年状态</h2><p>单元格为当年碳排放总量（tCO2）与触发的规则代码；底色：绿=正常，"
                 "黄=预警，红=建议取消称号；灰色为未进入复核期的年份（验收前）。</p>"
                 + _table(["试点", *(f"{y}年" for y in years)], rows))


def pilot_block(p, rep) -> str:
    """The heading, flags and core indicators of one pilot (its chart follows)."""
    now = next((y for y in p.years if y.year == rep.as_of), None)
    flags = "".join(f"<li>{_level(f.level)} [{_e(f.code)}] {_e(f.message)}</li>"
                    for y in p.years for f in y.flags) or "<li>复核期内未触发预警或退出规则。</li>"
    core = [i for i in (now.indicators if now else []) if i.type == "core"]
    rows = [f"<tr><td class='code'>{i.code}</td><td>{_e(i.name_zh)}</td><td class='num'>{_v(i.value)}"
            f"</td><td>{_e(catalog.display_reference(i.reference))}</td><td>{_status(i.status)}</td>"
            "</tr>" for i in core]
    table = (_table(["代码", f"核心指标（{rep.as_of}年）", "披露值", "参考值", "判定"], rows)
             if rows else f"<p class='note'>{rep.as_of}年无可判定的核心指标数据。</p>")
    return _wrap(f"<h3>{_e(p.name)}（{_e(p.id)}）：{_level(p.status)}</h3><ul>{flags}</ul>{table}")


def monitor_section_heading() -> str:
    return _wrap("<h2>三、各试点趋势与预警</h2>")


def monitor_rules(rep) -> str:
    r = rep.rules
    rows = [
        ("RISING", "预警", f"碳排放总量连续{r['rising_years']}年上升"),
        ("CORE", "预警", "核心指标披露值不再达到参考值"),
        ("CORE_EXIT", "建议取消称号", f"同一核心指标连续{r['core_exit_years']}个披露年度未达到参考值"),
        ("NO_DISCLOSURE", "预警", "当年未对外披露碳排放信息"),
        ("NO_DISCLOSURE_EXIT", "建议取消称号", f"连续{r['missing_exit_years']}年未披露"),
        ("ABOVE_TARGET", "预警", "碳排放总量高于验收目标水平"
         + (f"（容差 {r['target_tolerance_pct']:g}%）" if r["target_tolerance_pct"] else "")),
    ]
    enabled = set(r["enabled"])
    body = [f"<tr><td class='code'>{c}</td><td>{lvl}</td><td>{_e(text)}</td>"
            f"<td>{'启用' if c.removesuffix('_EXIT') in enabled else '停用'}</td></tr>"
            for c, lvl, text in rows]
    return _wrap("<h2>四、复核规则</h2>" + _table(["代码", "等级", "规则", "状态"], body)
                 + "<p class='note'>复核期：验收年份之后的各年（或试点指定的首个披露年份）至复核截至年份。"
                 "规则阈值为本工具默认值（河环发〔2023〕23号规定建立动态退出机制，未规定具体阈值），"
                 "可由主管部门调整（--rules）。</p>")


def monitor_bundle(rep) -> dict:
    return {SUMMARY_MIME: {"as_of": rep.as_of, "counts": rep.counts(),
                           "status": {p.id: p.status for p in rep.pilots}}, "text/plain": ""}
