"""HTML fragments of the acceptance opinion (近零碳排放区试点验收意见), shown by
``notebooks/acceptance_opinion.ipynb`` and printed through the ``reports/nzc_report`` template, as
the panel review opinion (:mod:`nzc_review.meeting.opinion.html`, whose blocks the panel's parts
reuse with this report's numbering and the acceptance meeting's words).

Sections: 一 the report and the automatic acceptance evaluation, 二 indicators and 三 key projects
(the acceptance evaluation report's own fragments, :mod:`nzc_review.lifecycle.report`), 四 the
experts' scores, 五 the panel's figures and agreement, 六 the panel's acceptance opinion, 七 the
conclusion (通过验收 / 不通过验收) and 八 the signatures. Every figure comes from
:attr:`AcceptanceOpinion.scores` (:func:`nzc_review.store.figures.application_figures`) and
:attr:`AcceptanceOpinion.result`; every text from a person or a file is escaped.
"""

from __future__ import annotations

from html import escape

from nzc_review.lifecycle import report as lc
from nzc_review.meeting.opinion import html as panel_html
from nzc_review.meeting.opinion.acceptance import AcceptanceOpinion
from nzc_review.meeting.opinion.data import format_score
from nzc_review.policy import catalog
from nzc_review.present.dates import date_zh
from nzc_review.present.evaluation_report import SUMMARY_MIME
from nzc_review.store.kinds import wording

__all__ = [
    "SECTIONS",
    "TITLE",
    "aggregate_block",
    "conclusion_block",
    "consensus_block",
    "indicators_block",
    "opinion_html",
    "projects_block",
    "scores_block",
    "signature_block",
    "style",
    "summary_block",
    "summary_bundle",
    "title_block",
]

WORDS = wording("acceptance")
#: The report's title (and its notebook's).
TITLE = WORDS.report_title
#: The report's numbered sections (h2), in order; 二 and 三 are the acceptance evaluation
#: report's own (:func:`nzc_review.lifecycle.report.acceptance_indicators`, ``…_projects``).
SECTIONS: tuple[str, ...] = (
    "一、验收申请概况与自动验收评价",
    "二、指标完成情况",
    "三、重点项目完成情况",
    "四、专家评分",
    "五、评分汇总与一致性",
    "六、专家组验收意见",
    "七、验收结论",
    "八、专家组成员签字",
)

STYLE = """
<style>
.nzc .verdict-accepted { background: #2e7d32; color: white; }
.nzc .verdict-not_accepted { background: #c62828; color: white; }
</style>
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _wrap(html: str) -> str:
    return f'<div class="nzc">{html}</div>'


def style() -> str:
    """The report's CSS: the panel opinion's, the acceptance report's classes and the
    conclusion's colours."""
    return panel_html.style() + lc.EXTRA_STYLE + STYLE


def title_block(op: AcceptanceOpinion) -> str:
    """近零碳排放区试点验收意见, the pilot, its construction entity, the report and the meeting."""
    a, s, res = op.app, op.session, op.result
    period = f"{res.period['start']}—{res.period['end']}年" if res.period else "未填写"
    rows = [
        ("试点名称", a.name),
        ("建设主体", a.applicant_organization or "未填写"),
        ("所在县（市、区）", a.applicant_county or "—"),
        ("试点类型", catalog.PILOT_TYPE_ZH.get(a.pilot_type, a.pilot_type)),
        ("申报编号", a.id),
        ("建设期", period),
        ("运行年（实际值年份）", f"{res.achieved_year}年"),
        ("自我评价报告", f"第 {a.version} 版（{a.source_name}，SHA-256 {a.content_sha256[:12]}…）"),
        ("自我评价报告提交日期", res.submitted_on or "—"),
        ("验收会", s.name),
        ("批次", s.batch or "—"),
        ("验收日期", date_zh(op.date)),
    ]
    if a.finalized:
        rows.append(("定稿日期", date_zh(a.finalized_at or "")))
    cells = "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in rows)
    draft = "" if a.finalized else "<div class='draft'>草稿：该验收尚未定稿，本意见仅供讨论</div>"
    return _wrap(
        f"<h1>{_e(TITLE)}</h1><h1 style='font-size:15pt'>{_e(a.name)}</h1>{draft}"
        f"<table class='titleblock'>{cells}</table>"
        "<p class='note'>依据《河池市近零碳排放区试点建设工作方案（试行）》（河环发〔2023〕23号）"
        "三、（二）2 验收评价，由市生态环境局会同市级主管部门组织专家验收形成。</p>"
    )


def _tonnes(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def summary_block(op: AcceptanceOpinion) -> str:
    """Section 一: the self-evaluation report in figures and the automatic acceptance evaluation
    (its conclusion, core indicators, score and grade, key projects, reduction, reasons)."""
    res = op.result
    red = res.reduction
    done = sum(p.status == "done" for p in res.projects)
    gate = {"pass": "全部达到参考值", "fail": "未达到参考值（一票否决）",
            "incomplete": "缺少实际值或需核定"}[res.core_gate]
    reduction = ("—" if red["reduction_pct"] is None else
                 f"下降 {red['reduction_pct']:.1f}%（{red['base_year']}年 "
                 f"{_tonnes(red['base_tco2'])} → {red['year']}年 "
                 f"{_tonnes(red['achieved_tco2'])} tCO2，{res.basis_zh}）")
    facts = [
        ("自动验收评价结论", f"{res.verdict}（{res.grade_label}）"),
        ("核心指标（实际值）", gate),
        ("自动评价综合得分", f"{res.score:.1f} / 100（按得分：{res.score_grade_label}）"),
        ("重点项目按期完成", f"{done} / {len(res.projects)}"),
        ("碳排放总量较基准年", reduction),
    ]
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    reasons = "".join(
        f"<li class='{'blocking' if r.blocking else ''}'>{'（否决项）' if r.blocking else ''}"
        f"{_e(r.message)}</li>" for r in res.reasons) or "<li>未发现影响验收的问题。</li>"
    summary = f"<p>自评概述：{_e(res.summary)}</p>" if res.summary else ""
    veto = (f"<p class='veto'>一票否决提示：{_e(op.veto_rule_zh)}。验收结论以专家组结论为准。</p>"
            if op.vetoed else "")
    banner = "feasible" if res.passed else "infeasible"
    return _wrap(
        f"<h2 class='keep'>{SECTIONS[0]}</h2>"
        f"<div class='banner {banner}'>自动验收评价：{_e(res.verdict)}</div>"
        f"<table>{rows}</table>{summary}{veto}"
        f"<h3>自动评价的理由与问题</h3><ul>{reasons}</ul>"
        "<p class='note'>自动验收评价由自我评价报告与申报承诺逐项比对得出（nzc-review accept；评分细则为"
        "本工具默认规则），供专家组参考。</p>"
    )


def indicators_block(op: AcceptanceOpinion) -> str:
    """Section 二: each indicator's achieved value against its reference value and target."""
    return lc.acceptance_indicators(op.result)


def projects_block(op: AcceptanceOpinion) -> str:
    """Section 三: the key projects at acceptance."""
    return lc.acceptance_projects(op.result)


def scores_block(op: AcceptanceOpinion) -> str:
    """Section 四: every expert's score of each acceptance criterion and their totals."""
    return panel_html.scores_block(op, heading=SECTIONS[3], words=WORDS)


def aggregate_block(op: AcceptanceOpinion) -> str:
    """Section 五: mean, median, trimmed mean, spread, the panel total and Kendall's W."""
    return panel_html.aggregate_block(op, heading=SECTIONS[4], words=WORDS)


def consensus_block(op: AcceptanceOpinion) -> str:
    """Section 六: the panel's acceptance opinion, majority and minority views."""
    return panel_html.consensus_block(op, heading=SECTIONS[5], words=WORDS)


def conclusion_block(op: AcceptanceOpinion) -> str:
    """Section 七: the panel's conclusion (通过验收 / 不通过验收), the panel total it rests on, the
    rules' suggestion and where it differs, and what follows (the title, 三、(二)2)."""
    rec = op.recommendation
    label = op.recommendation_zh or "未定"
    out = f"<div class='banner verdict-{rec or 'none'}'>验收结论：{_e(label)}</div>"
    sc = op.scores
    if sc is not None:
        out += (f"<p>专家组评分 <b>{format_score(op.total)}</b> 分（{_e(sc.panel_total_basis)}）；"
                f"自动验收评价：{_e(op.result.verdict)}（综合得分 {op.result.score:.1f} 分）。</p>")
    rr = op.rules_result
    if rr is not None:
        reasons = "".join(f"<li>{_e(r.message)}</li>" for r in rr.reasons)
        out += (f"<p>评分规则核验（等级：{_e(rr.grade_label)}，验收档次："
                f"{_e(sc.rules.bands_zh())}）：</p><ul>{reasons}</ul>")
        if rec is not None and rr.outcome != rec:
            out += (f"<p class='note'>按评分规则计算的结论为“{_e(rr.outcome_label)}”，与专家组结论"
                    f"“{_e(label)}”不一致；以专家组结论为准，请在验收意见中说明理由。</p>")
    if rec is not None and (rec == "accepted") != op.result.passed:
        out += (f"<p class='note'>自动验收评价为“{_e(op.result.verdict)}”，与专家组结论“{_e(label)}”"
                "不一致；以专家组结论为准。</p>")
    if rec == "accepted":
        out += ("<p>通过验收的试点项目，由市生态环境局会同市级主管部门授予相应的近零碳排放称号"
                "（河环发〔2023〕23号 三、（二）2）。</p>")
    for w in op.warnings:
        out += f"<p class='warn'>{_e(w)}</p>"
    return _wrap(f"<h2>{SECTIONS[6]}</h2>{out}")


def signature_block(op: AcceptanceOpinion) -> str:
    """Section 八: the panel list with a signature column, the date and the audit head."""
    return panel_html.signature_block(op, heading=SECTIONS[7], words=WORDS)


def opinion_html(op: AcceptanceOpinion) -> str:
    """The whole report as one HTML fragment (JupyterLab, tests)."""
    return (style() + title_block(op) + summary_block(op) + indicators_block(op)
            + projects_block(op) + scores_block(op) + aggregate_block(op)
            + consensus_block(op) + conclusion_block(op) + signature_block(op))


def summary_bundle(op: AcceptanceOpinion) -> dict:
    """Key figures as a display bundle of :data:`SUMMARY_MIME` (read back by the batch runner;
    invisible in the report)."""
    return {SUMMARY_MIME: op.summary(), "text/plain": ""}
