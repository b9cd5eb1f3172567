"""The chair's dashboard (``panels/chair_dashboard.ipynb``), on the projector.

Live progress grid (experts × applications), per application the aggregated scores (mean,
median, trimmed mean, weighted), the spread per criterion, Kendall's W, flagged outlier
experts, the consensus-opinion editor pre-filled from the experts' opinions, the final
recommendation with the core-indicator veto applied, reopening a submission with a reason, and
finalizing (which starts the panel review opinion report when that module is installed). It
refreshes itself while experts submit.
"""

from __future__ import annotations

import threading
from html import escape

import ipywidgets as w
import numpy as np

from nzc_review.errors import NzcError
from nzc_review.store.base import RECOMMENDATION_ZH
from nzc_review.ui.common import STYLE, evaluation_of
from nzc_review.ui.expert import RECOMMENDATION_OPTIONS, _ioloop_call_later


def progress_html(progress) -> str:
    """The experts × applications grid with coloured statuses."""
    head = "".join(f"<th>{escape(a.id)}<br><small>{escape(a.name)}</small></th>"
                   for a in progress.applications)
    rows = []
    for e in progress.experts:
        if e.role == "secretary":
            continue
        cells = []
        for a in progress.applications:
            cell = progress.cell(e.id, a.id)
            extra = "（冲突待确认）" if cell.conflict_pending else ""
            cells.append(f"<td class='st-{cell.status}'>{escape(cell.status_zh)}{extra}</td>")
        rows.append(f"<tr><td>{escape(e.code)} {escape(e.name)}</td>{''.join(cells)}</tr>")
    counts = progress.counts()
    finalized = "".join(f"<td>{'已定稿' if a.status == 'finalized' else ''}</td>"
                        for a in progress.applications)
    return (f"{STYLE}<div class='nzc-panel'><h3>评审进度</h3><table><tr><th>专家</th>{head}</tr>"
            f"{''.join(rows)}<tr><td><b>状态</b></td>{finalized}</tr></table>"
            f"<p>未开始 {counts['not_started']}，草稿 {counts['draft']}，已提交 "
            f"{counts['submitted']}，回避 {counts['recused']}</p></div>")


def aggregate(reviews, criteria) -> dict | None:
    """Panel statistics of the submitted reviews of one application (pure)."""
    from nzc_review.panel import flag_outlier_experts, kendall_w, summarize

    done = [r for r in reviews if r.status == "submitted" and not r.recused
            and all(c.id in r.scores for c in criteria)]
    if not done:
        return None
    matrix = np.array([[r.scores[c.id] for c in criteria] for r in done], dtype=float)
    weights = np.array([c.weight for c in criteria], dtype=float)
    summary = summarize(matrix, criteria_weights=weights / weights.sum())
    result = {"labels": [r.expert_label for r in done], "matrix": matrix, "summary": summary,
              "totals": [r.total for r in done], "w": None, "outliers": []}
    if len(done) >= 2 and len(criteria) >= 2:
        try:
            result["w"] = kendall_w(matrix)
        except NzcError:
            result["w"] = None
    if len(done) >= 3:
        try:
            flags = flag_outlier_experts(matrix)
            result["outliers"] = [result["labels"][f.expert] for f in flags if f.flagged]
        except NzcError:
            pass
    return result


def prefill_consensus(reviews) -> str:
    """A draft consensus text gathered from the submitted opinions."""
    parts = {"主要优点": [], "存在问题": [], "修改意见": []}
    for r in reviews:
        if r.status != "submitted" or r.recused:
            continue
        for title, text in (("主要优点", r.opinion.strengths), ("存在问题", r.opinion.problems),
                            ("修改意见", r.opinion.revisions)):
            if text.strip():
                parts[title].append(f"（{r.expert_label}）{text.strip()}")
    return "\n\n".join(f"{title}：\n" + "\n".join(items) for title, items in parts.items() if items)


class ChairDashboard:
    """The chair's dashboard. ``widget`` is what the notebook displays."""

    def __init__(self, store, actor, *, refresh_seconds: float = 5.0, schedule=None,
                 on_finalized=None):
        self.store, self.actor = store, actor
        self.schedule = schedule or _ioloop_call_later
        self.refresh_seconds = refresh_seconds
        self.on_finalized = on_finalized or _start_opinion_report
        self.session = store.session(actor)
        self.criteria = list(self.session.criteria)
        self.grid = w.HTML()
        self.app_select = w.Dropdown(description="申报项目", layout=w.Layout(width="640px"))
        self.stats = w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(max_width="760px"))
        self.message = w.HTML()
        self.consensus_text = w.Textarea(description="专家组意见",
                                         layout=w.Layout(width="900px", height="220px"))
        self.majority = w.Textarea(description="多数意见", layout=w.Layout(width="900px",
                                                                          height="70px"))
        self.minority = w.Textarea(description="少数意见", layout=w.Layout(width="900px",
                                                                          height="70px"))
        self.recommendation = w.Dropdown(options=[("未定", None), *RECOMMENDATION_OPTIONS],
                                         description="推荐结论")
        self.veto = w.HTML()
        save = w.Button(description="保存专家组意见")
        save.on_click(lambda _: self.save_consensus())
        self.reopen_expert = w.Dropdown(description="退回专家")
        self.reopen_reason = w.Text(description="退回理由", layout=w.Layout(width="500px"))
        reopen = w.Button(description="退回修改", button_style="warning")
        reopen.on_click(lambda _: self.reopen())
        self.finalize_note = w.Text(description="定稿说明", placeholder="未全部提交时须说明",
                                    layout=w.Layout(width="500px"))
        finalize = w.Button(description="定稿（锁定）", button_style="danger")
        finalize.on_click(lambda _: self.finalize())
        header = w.HTML(f"{STYLE}<div class='nzc-panel'><h2>组长看板 — "
                        f"{escape(self.session.name)}</h2></div>")
        self.widget = w.VBox([
            header, self.grid, self.app_select, self.stats, self.chart,
            w.HTML("<h3>专家组评审意见</h3>"), self.consensus_text, self.majority, self.minority,
            w.HBox([self.recommendation, self.veto]), save,
            w.HTML("<h3>退回与定稿</h3>"), w.HBox([self.reopen_expert, self.reopen_reason, reopen]),
            w.HBox([self.finalize_note, finalize]), self.message,
        ], layout=w.Layout(max_width="1200px"))
        self.app_select.options = [(f"{a.id}  {a.name}", a.id)
                                   for a in store.applications(actor)]
        self.app_select.observe(lambda ch: self.show(ch["new"]), names="value")
        self.refresh()
        if self.app_select.options:
            self.app_select.value = self.app_select.options[0][1]
        self._tick()

    def _tick(self) -> None:
        if self.refresh_seconds:
            self.schedule(self.refresh_seconds, self._auto)

    def _auto(self) -> None:
        try:
            self.refresh()
            if self.app_select.value:
                self._update_stats(self.app_select.value)
        finally:
            self._tick()

    def refresh(self) -> None:
        self.grid.value = progress_html(self.store.progress(self.actor))

    # one application ----------------------------------------------------------------

    def show(self, app_id: str | None) -> None:
        if not app_id:
            return
        self._update_stats(app_id)
        reviews = self.store.reviews(self.actor, app_id)
        consensus = self.store.consensus(self.actor, app_id)
        self.consensus_text.value = consensus.opinion if consensus else prefill_consensus(reviews)
        self.majority.value = consensus.majority if consensus else ""
        self.minority.value = consensus.minority if consensus else ""
        ev = evaluation_of(self.store, self.actor, app_id)
        self.core_gate = ev.core_gate
        if ev.core_gate == "fail":
            self.veto.value = ("<span style='color:#b71c1c;font-weight:700'>核心指标未达标，"
                               "一票否决：结论为不推荐</span>")
            self.recommendation.value = "do_not_recommend"
        else:
            self.veto.value = ""
            self.recommendation.value = consensus.recommendation if consensus else None
        self.reopen_expert.options = [(r.expert_label, r.expert_id) for r in reviews
                                      if r.status == "submitted"]
        self.message.value = ""

    def _update_stats(self, app_id: str) -> None:
        from nzc_review.recommendation import recommend

        reviews = self.store.reviews(self.actor, app_id)
        agg = aggregate(reviews, self.criteria)
        if agg is None:
            self.stats.value = f"{STYLE}<div class='nzc-panel'><p>尚无专家提交评分。</p></div>"
            self.chart.value = b""
            return
        s = agg["summary"]
        head = "".join(f"<th>{escape(c.name)}</th>" for c in self.criteria)
        rows = "".join(
            f"<tr><td>{escape(label)}</td>" + "".join(f"<td>{v:.0f}</td>" for v in row)
            + f"<td>{'' if total is None else f'{total:.1f}'}</td></tr>"
            for label, row, total in zip(agg["labels"], agg["matrix"], agg["totals"], strict=True))

        def line(name, attr):
            cells = "".join("<td>—</td>" if getattr(c, attr) is None
                            else f"<td><b>{getattr(c, attr):.1f}</b></td>" for c in s.criteria)
            total = getattr(s.total, attr)
            return (f"<tr><td>{name}</td>{cells}"
                    f"<td><b>{'—' if total is None else f'{total:.1f}'}</b></td></tr>")

        wtext = (f"Kendall W = {agg['w'].w:.2f}（p = {agg['w'].p:.3f}）" if agg["w"] is not None
                 else "Kendall W：专家不足两位")
        outliers = "、".join(agg["outliers"]) or "无"
        best = s.total.trimmed_mean if s.total.trimmed_mean is not None else s.total.mean
        suggestion = recommend(best, getattr(self, "core_gate", "pass"))
        self.stats.value = (
            f"{STYLE}<div class='nzc-panel'><h3>专家评分汇总（已提交 {len(agg['labels'])} 位）</h3>"
            f"<table><tr><th>专家</th>{head}<th>总分</th></tr>{rows}"
            f"{line('平均', 'mean')}{line('中位数', 'median')}{line('截尾平均', 'trimmed_mean')}"
            f"</table><p>{wtext}；偏离较大的专家：{escape(outliers)}</p>"
            f"<p>按评分规则的建议：<b>{escape(suggestion.outcome_label)}</b></p></div>")
        self.chart.value = _spread_png(agg["matrix"], [c.name for c in self.criteria])

    # actions --------------------------------------------------------------------------

    def save_consensus(self):
        app_id = self.app_select.value
        recommendation = self.recommendation.value
        if getattr(self, "core_gate", None) == "fail":
            recommendation = "do_not_recommend"  # 一票否决
        agg = aggregate(self.store.reviews(self.actor, app_id), self.criteria)
        total = None
        if agg is not None:
            t = agg["summary"].total
            total = t.trimmed_mean if t.trimmed_mean is not None else t.mean
        try:
            self.store.set_consensus(self.actor, app_id, opinion=self.consensus_text.value,
                                     recommendation=recommendation, majority=self.majority.value,
                                     minority=self.minority.value, total=total)
        except NzcError as exc:
            return self._say(f"保存失败：{exc}", error=True)
        label = RECOMMENDATION_ZH.get(recommendation or "", "未定")
        return self._say(f"专家组意见已保存（结论：{label}）")

    def reopen(self):
        expert_id = self.reopen_expert.value
        if expert_id is None:
            return self._say("请选择要退回的专家", error=True)
        try:
            self.store.reopen(self.actor, expert_id, self.app_select.value,
                              self.reopen_reason.value)
        except NzcError as exc:
            return self._say(f"退回失败：{exc}", error=True)
        self.reopen_reason.value = ""
        self.refresh()
        self.show(self.app_select.value)
        return self._say("已退回，专家可修改后重新提交")

    def finalize(self):
        app_id = self.app_select.value
        try:
            self.store.finalize(self.actor, app_id, note=self.finalize_note.value or None)
        except NzcError as exc:
            return self._say(f"不能定稿：{exc}", error=True)
        self.refresh()
        started = self.on_finalized(app_id)
        extra = "，专家组评审意见报告生成中" if started else ""
        return self._say(f"{app_id} 已定稿并锁定{extra}")

    def _say(self, text: str, error: bool = False):
        kind = "error" if error else "ok"
        self.message.value = (f"{STYLE}<div class='nzc-panel'><div class='nzc-msg {kind}'>"
                              f"{escape(text)}</div></div>")
        return not error


def _spread_png(matrix: np.ndarray, names: list[str]) -> bytes:
    import matplotlib.pyplot as plt

    from nzc_review.charts import cjk_font, png_bytes

    cjk_font()
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=100)
    ax.boxplot([matrix[:, j] for j in range(matrix.shape[1])], tick_labels=names)
    for j in range(matrix.shape[1]):
        ax.plot(np.full(matrix.shape[0], j + 1), matrix[:, j], "o", alpha=0.6)
    ax.set_ylabel("评分")
    ax.set_title("各评审要点评分分布")
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return png_bytes(fig)


def _start_opinion_report(app_id: str) -> bool:
    """Render the panel review opinion report of ``app_id`` in the background, when the
    report module is available; ``True`` if started."""
    import os

    try:
        from nzc_review.opinion import render_opinion_reports  # type: ignore[attr-defined]
    except ImportError:
        return False
    folder = os.environ.get("NZC_SESSION_DIR")
    if not folder:
        return False
    out = os.path.join(folder, "reports")
    threading.Thread(target=render_opinion_reports, args=(folder, [app_id], out),
                     daemon=True).start()
    return True


def chair_dashboard(token: str | None):
    """The widget for the chair (or secretary, read-only actions refused by the store)."""
    from nzc_review.ui.common import message, open_session

    store, actor = open_session(token)
    if store is None:
        return w.HTML(message(actor, "error"))
    if actor.role not in {"chair", "secretary"}:
        return w.HTML(message("该链接不是组长或秘书的链接。", "error"))
    return ChairDashboard(store, actor).widget
