"""HTML fragments of the panel review opinion (专家组评审意见), shown by
``notebooks/panel_opinion.ipynb`` and printed through the ``reports/nzc_report`` template.

Every text that comes from an expert, the chair or an applicant is escaped with
:func:`html.escape`: an opinion holding ``<script>`` or ``<img onerror=…>`` is printed as
those characters, inert. Long texts are paragraphs and list items (never one table cell), so
they break across pages. Sections flow one after the other as in a document to be signed;
the print style (``reports/nzc_report/report.css``) keeps a table row, a chart, a heading
with what follows it, and the signature block each on one page.

Every figure comes from :attr:`PanelOpinion.scores`, the panel's figures of
:func:`nzc_review.store.figures.application_figures`; dates are printed as ``2024年6月30日``
(:func:`nzc_review.present.dates.date_zh`, China time).
"""

from __future__ import annotations

from html import escape

from nzc_review.evaluation.compliance import STATUS_ZH
from nzc_review.evaluation.review_rules import gate_zh
from nzc_review.mcda.weighting import CR_THRESHOLD
from nzc_review.meeting.opinion.consensus import section_label
from nzc_review.meeting.opinion.data import PanelOpinion, format_score
from nzc_review.policy import catalog
from nzc_review.present import evaluation_report as report
from nzc_review.present.dates import date_zh
from nzc_review.present.evaluation_report import SUMMARY_MIME
from nzc_review.store.kinds import Wording, wording

__all__ = [
    "SECTIONS",
    "aggregate_block",
    "audit_head_line",
    "compliance_block",
    "consensus_block",
    "opinion_html",
    "recommendation_block",
    "scores_block",
    "signature_block",
    "style",
    "summary_block",
    "summary_bundle",
    "title_block",
]

#: The report's numbered sections (h2), in order.
SECTIONS: tuple[str, ...] = (
    "一、申报概况与自动评估要点",
    "二、指标达标情况",
    "三、专家评分",
    "四、评分汇总与一致性",
    "五、专家组评审意见",
    "六、推荐结论",
    "七、专家组成员签字",
)

STYLE = """
<style>
.nzc .opinion p { margin: 0 0 4pt; text-indent: 2em; text-align: justify; }
.nzc .opinion li { margin: 0 0 3pt; }
.nzc .opinion h3 { font-size: 12pt; margin: 10pt 0 4pt; }
.nzc .tag { font-weight: 700; color: #1b5e20; white-space: nowrap; }
.nzc .untagged { color: #8d6e00; white-space: nowrap; }
.nzc .verdict-recommend { background: #2e7d32; color: white; }
.nzc .verdict-recommend_after_revision { background: #f9a825; color: black; }
.nzc .verdict-do_not_recommend { background: #c62828; color: white; }
.nzc .verdict-none { background: #9e9e9e; color: white; }
.nzc .veto { color: #b71c1c; font-weight: 700; }
.nzc .draft { border: 2px dashed #b71c1c; color: #b71c1c; padding: 4pt 8pt; font-weight: 700;
  display: inline-block; margin: 4pt 0; }
.nzc table.signatures td { height: 26pt; vertical-align: middle; }
.nzc .keep-together { break-inside: avoid; page-break-inside: avoid; }
.nzc table.signatures td.sign { width: 32%; }
.nzc .signline { margin-top: 14pt; }
.nzc .audit-head { margin-top: 10pt; font-size: 8pt; color: #555; word-break: break-all; }
.nzc .warn { color: #b71c1c; }
.nzc td.pre { white-space: pre-wrap; }
</style>
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _wrap(html: str) -> str:
    return f'<div class="nzc">{html}</div>'


def _h2(index: int, heading: str | None = None) -> str:
    """Section ``index`` of :data:`SECTIONS`, or ``heading`` (another report's numbering: the
    acceptance opinion, :mod:`nzc_review.meeting.opinion.acceptance_html`)."""
    return f"<h2>{_e(heading or SECTIONS[index])}</h2>"


def _paras(text: str | None, cls: str = "") -> str:
    """Each line of ``text`` as an escaped paragraph."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    attr = f" class='{cls}'" if cls else ""
    return "".join(f"<p{attr}>{_e(ln)}</p>" for ln in lines)


def _multiline(text: str) -> str:
    return "<br>".join(_e(ln) for ln in text.splitlines())


def _day(text: str) -> str:
    """``2024-06-30`` → ``2024年6月30日``; an instant in China time (other texts unchanged)."""
    return date_zh(text)


def style() -> str:
    """The report's CSS (the evaluation report's, plus the opinion's)."""
    return report.style() + STYLE


def title_block(op: PanelOpinion) -> str:
    """专家组评审意见, the application's name, applicant, session and date."""
    a, s = op.app, op.session
    applicant = a.applicant_organization or "未填写"
    rows = [
        ("申报名称", a.name),
        ("申报单位", applicant),
        ("所在县（市、区）", a.applicant_county or "—"),
        ("试点类型", catalog.PILOT_TYPE_ZH.get(a.pilot_type, a.pilot_type)),
        ("申报编号", a.id),
        ("评审版本", f"第 {a.version} 版（{a.source_name}，SHA-256 {a.content_sha256[:12]}…）"),
        *(
            [("评审轮次", f"第 {a.round} 轮（上一轮结论为修改完善后推荐，本轮评审修改稿）")]
            if a.round > 1
            else []
        ),
        ("评审会", s.name),
        ("批次", s.batch or "—"),
        ("评审日期", _day(op.date)),
    ]
    if a.finalized:
        rows.append(("定稿日期", _day(a.finalized_at or "")))
    cells = "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in rows)
    draft = "" if a.finalized else "<div class='draft'>草稿：该申报尚未定稿，本意见仅供讨论</div>"
    return _wrap(
        f"<h1>专家组评审意见</h1><h1 style='font-size:15pt'>{_e(a.name)}</h1>{draft}"
        f"<table class='titleblock'>{cells}</table>"
        "<p class='note'>依据《河池市近零碳排放区试点建设工作方案（试行）》（河环发〔2023〕23号）"
        "组织专家评审形成。</p>"
    )


def _n(value: float | int | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def summary_block(op: PanelOpinion) -> str:
    """Application summary and the highlights of the automatic evaluation."""
    ev, snap = op.evaluation, op.snapshot
    period = snap.get("period") or {}
    projects = snap.get("key_projects") or []
    invest = sum(p.get("investment_10k_cny") or 0 for p in projects)
    reduction = sum(p.get("expected_reduction_tco2_per_year") or 0 for p in projects)
    emissions = snap.get("emissions_tco2") or {}
    base = emissions.get(str(snap.get("base_year"))) or emissions.get(snap.get("base_year"))
    facts = [
        ("基准年", f"{snap.get('base_year')}年"),
        (
            "建设期",
            f"{period.get('start')}—{period.get('end')}年" if period else "未填写",
        ),
        ("基准年碳排放总量（tCO2）", _n(base)),
        ("申报指标", f"{len(snap.get('indicators') or {})} 项"),
        (
            "重点项目",
            f"{len(projects)} 项，总投资 {_n(invest)} 万元，预期年减排 {_n(reduction)} tCO2",
        ),
    ]
    fact_rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    by_code = {r.code: r for r in ev.compliance.indicators}

    def listing(codes: list[str], what: str) -> str:
        if not codes:
            return f"<li>无{what}指标。</li>"
        out = []
        for code in codes:
            r = by_code.get(code)
            if r is None:
                out.append(f"<li>{_e(code)}</li>")
                continue
            core = "（核心指标）" if r.type == "core" else ""
            out.append(
                f"<li><b>{_e(r.code)}</b> {_e(r.name_zh)}{core}：目标值 "
                f"{_e(_value(r.target))}，参考值 {_e(catalog.display_reference(r.reference))}，"
                f"{STATUS_ZH[r.target_status]}</li>"
            )
        return "".join(out)

    failed = [r.code for r in ev.compliance.indicators if r.target_status == "not_met"]
    missing = [
        r.code for r in ev.compliance.indicators if r.target_status in ("missing", "needs_review")
    ]
    reasons = (
        "".join(
            f"<li>[{_e(r.rule)}] {_e(r.level)}：{_e(r.text)}"
            + (f"<span class='note'>（{_e(r.source)}）</span>" if r.source else "")
            + "</li>"
            for r in [*ev.verdict.reasons, *ev.verdict.flags]
        )
        or "<li>未发现影响可行性的问题。</li>"
    )
    gate = (
        f"<p>核心指标门槛：<b class='gate-{ev.core_gate}'>"
        f"{_e(gate_zh(ev.core_gate, ev.rules.veto))}</b>"
        + (
            f"，<span class='veto'>一票否决提示：{_e(op.veto_rule_zh)}</span>"
            if op.vetoed
            else ""
        )
        + "</p>"
    )
    return _wrap(
        _h2(0)
        + f"<table>{fact_rows}</table>"
        + "<h3>自动评估要点</h3>"
        + f"<div class='banner {ev.verdict.code}'>建设可行性：{_e(ev.verdict.level)}</div>"
        + gate
        + f"<ul>{reasons}</ul>"
        + f"<h3>目标未达标的指标（{len(failed)} 项）</h3><ul>{listing(failed, '未达标')}</ul>"
        + f"<h3>目标缺失或需人工核定的指标（{len(missing)} 项）</h3>"
        + f"<ul>{listing(missing, '缺失或需核定的')}</ul>"
    )


def _value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def compliance_block(op: PanelOpinion) -> str:
    """Indicator compliance: the evaluation report's table (section 二)."""
    return report.compliance_table(op.evaluation)


def scores_block(op: PanelOpinion, *, heading: str | None = None,
                 words: Wording | None = None) -> str:
    """The expert scores per criterion (experts as 专家A/B/C… or by name); ``heading`` and
    ``words`` for another kind of meeting (:func:`nzc_review.store.kinds.wording`)."""
    words = words or wording()
    sc = op.scores
    notes = []
    if op.recused:
        notes.append(f"回避（利益冲突）：{'、'.join(op.recused)}，不参与本项{words.doing}。")
    if op.missing:
        notes.append(
            f"未提交评分：{'、'.join(op.missing)}"
            + (f"（定稿说明：{op.app.finalize_note}）" if op.app.finalize_note else "")
            + "。"
        )
    if op.other_version:
        notes.append(f"以下专家的评分针对申报的较早版本：{'、'.join(op.other_version)}。")
    note_html = "".join(f"<p class='note'>{_e(n)}</p>" for n in notes)
    if sc is None:
        return _wrap(_h2(2, heading) + "<p>尚无已提交的专家评分。</p>" + note_html)
    head = "".join(f"<th>{_e(x)}</th>" for x in sc.experts)
    rows = []
    for c in sc.criteria:
        cells = "".join(f"<td class='num'>{format_score(v, 1)}</td>" for v in c.scores)
        rows.append(
            f"<tr><td>{_e(c.criterion.name)}</td>"
            f"<td class='num'>{c.criterion.weight:.1%}</td>{cells}</tr>"
        )
    totals = "".join(f"<td class='num'><b>{format_score(t)}</b></td>" for t in sc.totals)
    rows.append(f"<tr><th>加权总分</th><td></td>{totals}</tr>")
    recs = "".join(f"<td>{_e(r.opinion.recommendation_zh or '—')}</td>" for r in op.reviews)
    rows.append(f"<tr><th>{words.votes}</th><td></td>{recs}</tr>")
    weights = []
    for r in op.reviews:
        w = r.weights or {}
        method = {"direct": "直接赋分", "pairwise": "层次分析法"}.get(w.get("method"), "默认权重")
        if w.get("method") == "pairwise" and isinstance(w.get("cr"), int | float):
            method += f"（CR = {w['cr']:.2f}{'，判断不一致' if w['cr'] >= CR_THRESHOLD else ''}）"
        weights.append(f"<td>{method}</td>")
    rows.append(f"<tr><th>赋权方法</th><td></td>{''.join(weights)}</tr>")
    wrows = "".join(
        f"<tr><td>{_e(c.criterion.name)}</td><td class='num'>{c.criterion.weight:.1%}</td>"
        + "".join(f"<td class='num'>{w[j]:.1%}</td>" for w in sc.weights)
        + "</tr>"
        for j, c in enumerate(sc.criteria)
    )
    shown = "姓名" if op.names_shown else "代号（专家A、专家B……）"
    return _wrap(
        _h2(2, heading) + f"<p>共 {sc.n_experts} 位专家提交评分；专家以{shown}显示。"
        f"加权总分按各专家自己的权重（未赋权的按{words.meeting}默认权重）计算，所用权重见下表。</p>"
        + f"<table><thead><tr><th>{words.criteria}</th><th>默认权重</th>"
        + f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + "<table class='keep-together'><thead><tr><th>计算加权总分所用权重</th>"
        + f"<th>默认权重</th>{head}</tr></thead><tbody>{wrows}</tbody></table>"
        + note_html
    )


def aggregate_block(op: PanelOpinion, *, heading: str | None = None,
                    words: Wording | None = None) -> str:
    """Mean, median, trimmed mean and spread per criterion; Kendall's W (``heading``,
    ``words``: as :func:`scores_block`)."""
    words = words or wording()
    sc = op.scores
    if sc is None:
        return _wrap(_h2(3, heading) + "<p>尚无已提交的专家评分。</p>")
    rows = []
    for c in (*sc.criteria, sc.total):
        tag = "th" if c is sc.total else "td"
        rows.append(
            f"<tr><{tag}>{_e(c.criterion.name)}</{tag}>"
            f"<td class='num'>{format_score(c.mean)}</td>"
            f"<td class='num'>{format_score(c.median)}</td>"
            f"<td class='num'>{format_score(c.trimmed_mean)}</td>"
            f"<td class='num'>{format_score(c.minimum, 1)}</td>"
            f"<td class='num'>{format_score(c.maximum, 1)}</td>"
            f"<td class='num'>{format_score(c.spread, 1)}</td>"
            f"<td class='num'>{format_score(c.std)}</td></tr>"
        )
    trim_head = f"去掉{sc.trim}个最高分和最低分的平均分" if sc.trim else "截尾平均分"
    agree = f"<p>{_e(sc.kendall_reading)}</p>"
    if sc.kendall is not None:
        k = sc.kendall
        agree += (
            f"<p class='note'>χ² = {k.chi2:.2f}，自由度 {k.df}（{k.m} 位专家 × {k.n} 项{words.criteria}，"
            "含同分校正）。</p>"
        )
    basis = f"专家组评分 <b>{format_score(op.total)}</b> 分（{_e(sc.panel_total_basis)}）。"
    if sc.kept_at:
        basis += f"该评分于定稿时（{_e(_day(sc.kept_at))}）按同一规则计算并存档。"
    outliers = ""
    if sc.outliers.experts:
        outliers = "<p>评分偏离其他专家较多：" + _e("；".join(sc.outliers.reasons)) + "。</p>"
    elif sc.outliers.note:
        outliers = f"<p class='note'>{_e(sc.outliers.note)}</p>"
    return _wrap(
        _h2(3, heading)
        + f"<table><thead><tr><th>{words.criteria}</th><th>平均分</th><th>中位数</th>"
        + f"<th class='long'>{trim_head}</th><th>最低分</th><th>最高分</th><th>极差</th>"
        + "<th>标准差</th>"
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + f"<p>{basis}</p>"
        + f"<p class='note'>计分规则：{_e(sc.rules.describe_zh())}</p>"
        + agree
        + outliers
    )


def _items(items: tuple[str, ...]) -> str:
    if not items:
        return "<p class='note'>（无）</p>"
    return "<ol>" + "".join(f"<li>{_multiline(i)}</li>" for i in items) + "</ol>"


def consensus_block(op: PanelOpinion, *, heading: str | None = None,
                    words: Wording | None = None) -> str:
    """The consensus opinion: general, 主要优点, 存在问题, 修改意见 (with their outline
    sections), majority and minority views, the experts' individual recommendations
    (``heading``, ``words``: as :func:`scores_block`)."""
    words = words or wording()
    t = op.text
    if op.consensus is None or not op.consensus.opinion.strip():
        body = f"<p class='warn'>组长尚未填写{words.consensus}。</p>"
    else:
        body = ""
        if t.general:
            body += "".join(f"<p>{_e(p)}</p>" for p in t.general)
        if t.structured:
            body += "<h3>主要优点</h3>" + _items(t.strengths)
            body += "<h3>存在问题</h3>" + _items(t.problems)
            body += "<h3>修改意见</h3>"
            if t.revisions:
                lis = []
                for r in t.revisions:
                    tag = (
                        f"<span class='tag'>【{_e(section_label(r.section))}】</span>"
                        if r.section
                        else "<span class='untagged'>【未标注章节】</span>"
                    )
                    lis.append(f"<li>{tag}{_multiline(r.text)}</li>")
                body += "<ol>" + "".join(lis) + "</ol>"
                groups = t.by_section()
                cells = "".join(
                    f"<tr><td>{_e(section_label(n))}</td><td class='num'>{len(v)}</td>"
                    f"<td>{'、'.join(str(t.revisions.index(r) + 1) for r in v)}</td></tr>"
                    for n, v in groups.items()
                )
                body += (
                    "<p class='note'>修改意见对应创建方案编制大纲（附件2）章节：</p>"
                    "<table><thead><tr><th>附件2 章节</th><th>条数</th><th>修改意见序号</th>"
                    f"</tr></thead><tbody>{cells}</tbody></table>"
                )
            else:
                body += "<p class='note'>（无）</p>"
        if t.closing:
            body += "".join(f"<p>{_e(p)}</p>" for p in t.closing)
    c = op.consensus
    views = ""
    if c is not None and (c.minority or "").strip():
        views += "<h3>多数意见</h3>" + (_paras(c.majority) or "<p class='note'>（未填写）</p>")
        views += "<h3>少数意见</h3>" + _paras(c.minority)
    elif c is not None and (c.majority or "").strip():
        views += "<h3>多数意见</h3>" + _paras(c.majority) + "<p>无不同意见。</p>"
    else:
        views += "<h3>多数意见与少数意见</h3><p>专家组意见一致，无不同意见。</p>"
    if op.scores is not None and op.scores.votes:
        views += f"<p class='note'>专家{words.votes}：{_e(op.scores.votes_zh())}。</p>"
    return _wrap(_h2(4, heading) + f"<div class='opinion'>{body}{views}</div>")


def recommendation_block(op: PanelOpinion) -> str:
    """The panel's recommendation (推荐 / 修改完善后推荐 / 不推荐) with the rules' reasons and
    the veto."""
    rec = op.recommendation
    label = op.recommendation_zh or "未定"
    out = f"<div class='banner verdict-{rec or 'none'}'>专家组推荐结论：{_e(label)}</div>"
    rr = op.rules_result
    if rr is not None:
        reasons = "".join(f"<li>{_e(r.message)}</li>" for r in rr.reasons)
        out += f"<p>评分规则核验（等级：{_e(rr.grade_label)}）：</p><ul>{reasons}</ul>"
        if op.vetoed:
            failed = op.evaluation.compliance.failed_core
            out += (
                "<p class='veto'>一票否决提示：核心指标 "
                + _e("、".join(failed))
                + f" 的目标值未达到参考值要求。规则：{_e(op.veto_rule_zh)}。"
                + "推荐结论以专家组结论为准。</p>"
            )
        if rec is not None and rr.outcome != rec:
            cls = "veto" if op.vetoed and rec != "do_not_recommend" else "note"
            out += (
                f"<p class='{cls}'>按评分规则计算的结论为“{_e(rr.outcome_label)}”，"
                f"与专家组结论“{_e(label)}”不一致；以专家组结论为准，请在意见中说明理由。</p>"
            )
    for w in op.warnings:
        out += f"<p class='warn'>{_e(w)}</p>"
    return _wrap(_h2(5) + out)


def signature_block(op: PanelOpinion, *, heading: str | None = None,
                    words: Wording | None = None) -> str:
    """The panel list with a signature column (专家组成员签字) and the date (``heading``,
    ``words``: as :func:`scores_block`)."""
    words = words or wording()
    rows = []
    for i, m in enumerate(op.panel, 1):
        sign = "回避" if m.recused else ""
        role = m.role_zh + ("（未提交评分）" if m.missing else "")
        rows.append(
            f"<tr><td class='num'>{i}</td><td>{_e(m.name)}</td><td>{_e(m.organisation)}</td>"
            f"<td>{_e(m.title or '')}</td><td>{_e(role)}</td><td class='sign'>{sign}</td></tr>"
        )
    chair = next((m for m in op.panel if m.role == "chair"), None)
    return _wrap(
        "<div class='keep-together'>"
        + _h2(6, heading)
        + "<table class='signatures'><thead><tr><th>序号</th><th>姓名</th><th>单位</th>"
        + f"<th>职称</th><th>{words.doing}角色</th><th>签字</th></tr></thead>"
        + f"<tbody>{''.join(rows)}</tbody></table>"
        + "<p class='signline'>专家组组长（签字）：____________________"
        + (f"（{_e(chair.name)}）" if chair else "")
        + f"　　日期：{_e(_day(op.date))}</p>"
        + audit_head_line(op.audit_head)
        + "</div>"
    )


def audit_head_line(head: str) -> str:
    """The audit-trail head under the signatures (empty without one): whoever holds the
    signed paper can later prove with ``nzc-review audit verify DIR --head <head>`` that no
    audit event up to it was removed or rewritten."""
    if not head:
        return ""
    return (
        f"<p class='audit-head'>审计链头：{_e(head)}"
        "（核对：nzc-review audit verify 评审会目录 --head 此链头）</p>"
    )


def opinion_html(op: PanelOpinion) -> str:
    """The whole report as one HTML fragment (JupyterLab, tests)."""
    return (
        style()
        + title_block(op)
        + summary_block(op)
        + compliance_block(op)
        + scores_block(op)
        + aggregate_block(op)
        + consensus_block(op)
        + recommendation_block(op)
        + signature_block(op)
    )


def summary_bundle(op: PanelOpinion) -> dict:
    """Key figures as a display bundle of :data:`SUMMARY_MIME` (read back by the batch runner;
    invisible in the report)."""
    return {SUMMARY_MIME: op.summary(), "text/plain": ""}
