"""The chair's dashboard (``panels/chair_dashboard.ipynb``), on the projector.

Live progress grid (experts × applications); per application what the chair decides on: the
experts' scores and totals, mean / median / trimmed mean and the panel total (专家组评分)
with its rule, the experts' own recommendations tallied next to the rule's suggestion,
Kendall's W in plain words with its p-value, experts far from the panel (only when they
are), the spread per criterion with every expert identifiable; the consensus-opinion editor
pre-filled from the experts' opinions; the recommendation, with a core-indicator veto
(一票否决, the tool's rule per the session's review rules) shown beside it as a flag with its
rule, never a lock: the panel's recommendation decides; reopening a submission with a reason; and finalizing — after a
confirmation naming what is locked, refused with an empty consensus — after which the
application is read-only on the dashboard and the panel review opinion report is rendered,
its state followed until a download link appears (or why it failed). It follows the store by
itself while experts submit or are reopened. The secretary's link opens the same page as a
progress view: who has submitted, and the results once an application is finalized.

Every message is Chinese: what the store refuses is said by :mod:`nzc_review.ui.refusals`.

Every figure is :func:`nzc_review.store.figures.application_figures` — the function the opinion
report, the summaries and the exports call — so the dashboard never shows a number the
signed document does not carry. Nothing it computes is stored.

An acceptance meeting (session rule ``kind``: ``acceptance``) is chaired on the same page: the
automatic acceptance conclusion of the report shown above the panel's figures, the conclusion
通过验收 / 不通过验收, the 验收意见 report after finalizing, and the words of
:func:`nzc_review.store.kinds.wording`.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import ipywidgets as w
import numpy as np

from nzc_review.errors import NzcError
from nzc_review.meeting.opinion.reports import SESSION_REPORTS
from nzc_review.present.dates import date_zh
from nzc_review.store import RECOMMENDATION_ZH
from nzc_review.store.figures import PanelFigures, application_figures
from nzc_review.store.kinds import Wording, wording
from nzc_review.ui.common import STYLE, automatic_evaluation, message
from nzc_review.ui.expert import RECOMMENDATION_OPTIONS, _ioloop_call_later
from nzc_review.ui.refusals import refusal_zh


def progress_html(progress, words: Wording | None = None) -> str:
    """The experts × applications grid with coloured statuses (``words``: the session's,
    :func:`nzc_review.store.kinds.wording`)."""
    words = words or wording()
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
    return (f"{STYLE}<div class='nzc-panel'><h3>{words.progress}</h3><table><tr><th>专家</th>"
            f"{head}</tr>"
            f"{''.join(rows)}<tr><td><b>状态</b></td>{finalized}</tr></table>"
            f"<p>未开始 {counts['not_started']}，草稿 {counts['draft']}，已提交 "
            f"{counts['submitted']}，回避 {counts['recused']}</p></div>")


def _cell(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def stats_html(figures: PanelFigures | None, criteria, words: Wording | None = None) -> str:
    """What the chair decides on, for one application (pure): the experts' scores and
    totals, mean / median / trimmed mean, the panel total and its rule, the experts' own
    recommendations tallied next to the rule's suggestion, agreement (Kendall's W in words)
    and any expert far from the panel. Every number is ``figures``
    (:func:`nzc_review.store.figures.panel_figures`), the same the opinion report prints.
    ``words`` are the session's (:func:`nzc_review.store.kinds.wording`)."""
    words = words or wording()
    if figures is None:
        return f"{STYLE}<div class='nzc-panel'><p>尚无专家提交评分。</p></div>"
    f = figures
    head = "".join(f"<th>{escape(c.name)}</th>" for c in criteria)
    rows = "".join(
        f"<tr><td>{escape(label)}</td>"
        + "".join(f"<td>{v:g}</td>" for v in (c.scores[i] for c in f.criteria))
        + f"<td><b>{f.totals[i]:.2f}</b></td>"
        + f"<td>{escape(r.opinion.recommendation_zh or '未表态')}</td></tr>"
        for i, (label, r) in enumerate(zip(f.experts, f.reviews, strict=True))
    )

    def line(name: str, attr: str) -> str:
        cells = "".join(f"<td>{_cell(getattr(c, attr), 1)}</td>" for c in f.criteria)
        return (f"<tr><td><b>{escape(name)}</b></td>{cells}"
                f"<td><b>{_cell(getattr(f.total, attr))}</b></td><td></td></tr>")

    trim_name = (f"去掉{f.trim}个最高分和{f.trim}个最低分后的平均" if f.trim else "截尾平均")
    table = (f"<table><tr><th>专家</th>{head}<th>加权总分</th><th>{words.votes}</th></tr>{rows}"
             f"{line('平均', 'mean')}{line('中位数', 'median')}"
             f"{line(trim_name, 'trimmed_mean')}</table>")
    panel = (f"<p style='font-size:15px'>专家组评分：<b>{f.panel_total:.2f}</b> 分"
             f"（{escape(f.panel_total_basis)}）</p>")
    votes = f.votes_zh() or "尚无"
    parts = [panel, f"<p>专家{words.votes}：{escape(votes)}</p>"]
    if f.suggestion is not None:
        sg = f.suggestion
        reasons = "".join(f"<li>{escape(r.message)}</li>" for r in sg.reasons)
        parts.append(
            f"<p>按评分规则的建议：<b>{escape(sg.outcome_label)}</b>"
            f"（{'验收' if words.kind == 'acceptance' else '推荐'}档次："
            f"{escape(f.rules.bands_zh())}）</p><ul>{reasons}</ul>")
        top = max(f.votes.items(), key=lambda kv: len(kv[1]), default=(None, ()))
        ties = [k for k, v in f.votes.items() if len(v) == len(top[1])]
        if top[0] is not None and len(ties) == 1 and top[0] != sg.outcome:
            parts.append(
                "<p style='color:#b71c1c'>多数专家的个人意见为“"
                f"{escape(RECOMMENDATION_ZH[top[0]])}”，与评分规则的建议不同：请专家组讨论，"
                f"并在{words.consensus}中说明结论的理由。</p>")
    parts.append(f"<p>一致性：{escape(f.kendall_reading)}</p>")
    if f.outliers.experts:
        parts.append("<p>偏离较大的专家：" + escape("；".join(f.outliers.reasons)) + "</p>")
    elif f.outliers.note:
        parts.append(f"<p>偏离较大的专家：无单独标出（{escape(f.outliers.note)}）</p>")
    else:
        parts.append("<p>偏离较大的专家：无</p>")
    parts.extend(f"<p style='color:#b71c1c'>{escape(w)}</p>" for w in f.warnings)
    return (f"{STYLE}<div class='nzc-panel'><h3>专家评分汇总（已提交 {f.n_experts} 位）</h3>"
            f"{table}{''.join(parts)}"
            f"<p style='color:#555;font-size:12px'>计分规则：{escape(f.rules.describe_zh())}</p>"
            "</div>")


def prefill_consensus(reviews) -> str:
    """A draft consensus text gathered from the submitted opinions.

    Written in the form :func:`nzc_review.meeting.opinion.consensus.parse_consensus` reads: a
    heading per part and one numbered item per point of each expert (``1. （专家A）…``), so
    a section tag an expert wrote (``【五、重点项目】``) stays with its revision, and the
    closing words the chair adds after a blank line are not taken for a revision.
    """
    from nzc_review.meeting.opinion.consensus import PARTS, split_items

    parts: dict[str, list[str]] = {key: [] for key in PARTS}
    for r in reviews:
        if r.status != "submitted" or r.recused:
            continue
        for key in PARTS:
            for item in split_items(getattr(r.opinion, key)):
                parts[key].append(f"（{r.expert_label}）{item}")
    blocks = []
    for key, items in parts.items():
        if items:
            lines = "\n".join(f"{i}. {text}" for i, text in enumerate(items, 1))
            blocks.append(f"【{PARTS[key]}】\n{lines}")
    return "\n".join(blocks)


def _app_label(app) -> str:
    """An application in the dashboard's list, with its round and whether it is finalized."""
    extra = []
    if app.round > 1:
        extra.append(f"第 {app.round} 轮，第 {app.version} 版")
    if app.finalized:
        extra.append("已定稿")
    return f"{app.id}  {app.name}" + (f"（{'，'.join(extra)}）" if extra else "")


def _progress_signature(progress, app) -> tuple:
    """What changes when an expert saves the first draft, submits, is reopened or recused,
    or the application is finalized or revised: the dashboard reloads one application only
    then (cheap: the progress grid is read anyway)."""
    cells = tuple(sorted((eid, c.status, c.conflict_pending)
                         for (eid, aid), c in progress.cells.items() if aid == app.id))
    return cells, app.status, app.version, app.round


class ChairDashboard:
    """The chair's dashboard — or, for the secretary, the progress view with the results of
    finalized applications. ``widget`` is what the notebook displays.

    It follows the store by itself (every ``refresh_seconds``, :meth:`poll`): the progress
    grid, the list of applications, the statuses, the reopen list and the consensus draft
    gathered from the submitted opinions change as experts submit or are reopened, without a
    reload; only the widgets whose content changed are updated, and the scores of one
    application are re-read only when its progress changed.

    Parameters
    ----------
    store, actor:
        The session's store and the chair (or the secretary).
    refresh_seconds:
        How often to look at the store (0: never, tests call :meth:`poll`).
    schedule:
        ``schedule(delay, callback)``: how to run later (the kernel's event loop).
    on_finalized:
        Called with the application id after finalizing; starts the panel review opinion
        report (default :meth:`start_report`). Returns whether a report was started.
    """

    def __init__(self, store, actor, *, refresh_seconds: float = 5.0, schedule=None,
                 on_finalized=None):
        self.store, self.actor = store, actor
        self.decides = actor.role == "chair"
        self.schedule = schedule or _ioloop_call_later
        self.refresh_seconds = refresh_seconds
        self.on_finalized = on_finalized or self.start_report
        self.session = store.session(actor)
        self.words = words = wording(self.session)
        self.acceptance = self.session.session_rules.is_acceptance
        self.criteria = list(self.session.criteria)
        self.reports_dir = Path(store.location) / SESSION_REPORTS
        self.apps: dict[str, object] = {}
        self.figures: PanelFigures | None = None
        self.core_gate: str | None = None
        self._showing = False
        self._syncing = False
        self._signature: tuple | None = None
        self._prefilled = ""          # the draft last gathered from the opinions
        self._report_shown: tuple | None = None

        self.grid = w.HTML()
        self.app_select = w.Dropdown(description=words.item, layout=w.Layout(width="720px"))
        self.banner = w.HTML()
        self.automatic = w.HTML()  # an acceptance meeting: the automatic conclusion
        self.stats = w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(max_width="900px", display="none"))
        self.message = w.HTML()
        self.consensus_text = w.Textarea(description="专家组意见",
                                         layout=w.Layout(width="900px", height="220px"))
        self.majority = w.Textarea(description="多数意见", layout=w.Layout(width="900px",
                                                                          height="70px"))
        self.minority = w.Textarea(description="少数意见", layout=w.Layout(width="900px",
                                                                          height="70px"))
        self.options = [("未定", None), *words.outcomes]
        self.recommendation = w.Dropdown(options=self.options, description=words.conclusion)
        self.recommendation.observe(self._recommendation_changed, names="value")
        self.veto = w.HTML()
        self.candidates = w.HTML()
        self.refill_button = w.Button(description="按最新提交重新汇总（替换草稿）",
                                      layout=w.Layout(width="280px", display="none"))
        self.refill_button.on_click(lambda _: self.refill())
        self.save_button = w.Button(description="保存专家组意见")
        self.save_button.on_click(lambda _: self.save_consensus())
        self.reopen_expert = w.Dropdown(description="退回专家")
        self.reopen_reason = w.Text(description="退回理由", layout=w.Layout(width="500px"))
        self.reopen_button = w.Button(description="退回修改", button_style="warning")
        self.reopen_button.on_click(lambda _: self.reopen())
        self.finalize_note = w.Text(description="定稿说明", placeholder="未全部提交时须说明",
                                    layout=w.Layout(width="500px"))
        self.finalize_button = w.Button(description="定稿（锁定）", button_style="danger")
        self.finalize_button.on_click(lambda _: self.ask_finalize())
        self.confirm_text = w.HTML()
        confirm = w.Button(description="确认定稿", button_style="danger")
        confirm.on_click(lambda _: self.finalize())
        cancel = w.Button(description="取消")
        cancel.on_click(lambda _: self.cancel_finalize())
        self.confirm_box = w.VBox([self.confirm_text, w.HBox([confirm, cancel])],
                                  layout=w.Layout(display="none"))
        self.report = w.HTML()
        self.report_button = w.Button(description="重新生成报告", layout=w.Layout(display="none"))
        self.report_button.on_click(lambda _: self.start_report(self.app_select.value))
        self.editor = w.VBox([
            w.HTML(f"<h3>{words.consensus}</h3>"), w.HBox([self.candidates, self.refill_button]),
            self.consensus_text, self.majority, self.minority,
            w.HBox([self.recommendation, self.veto]), self.save_button,
            w.HTML("<h3>退回与定稿</h3>"),
            w.HBox([self.reopen_expert, self.reopen_reason, self.reopen_button]),
            w.HBox([self.finalize_note, self.finalize_button]), self.confirm_box,
        ])
        self.results = w.VBox([self.automatic, self.stats, self.chart])
        title = (("组长看板（专家验收）" if self.acceptance else "组长看板") if self.decides
                 else f"{words.progress}（秘书）")
        header = w.HTML(f"{STYLE}<div class='nzc-panel'><h2>{title} — "
                        f"{escape(self.session.name)}</h2></div>")
        self.widget = w.VBox([
            header, self.grid, self.app_select, self.banner, self.results, self.editor,
            w.HBox([self.report, self.report_button]), self.message,
        ], layout=w.Layout(max_width="1200px"))
        self.editor.layout.display = "" if self.decides else "none"
        self.app_select.observe(self._selected, names="value")
        self.refresh()
        if self.app_select.options:
            self.app_select.value = self.app_select.options[0][1]
        self._tick()

    # following the store --------------------------------------------------------------

    def _tick(self) -> None:
        if self.refresh_seconds:
            self.schedule(self.refresh_seconds, self._auto)

    def _auto(self) -> None:
        try:
            self.poll()
        except NzcError:
            pass  # busy or unavailable for a moment: the next look tries again
        finally:
            self._tick()

    def poll(self) -> bool:
        """Look at the store once: update the grid and the list of applications, and reload
        the application shown if its progress changed; follow its report. Returns whether
        the application shown was reloaded."""
        progress = self.refresh()
        app = self.apps.get(self.app_select.value)
        changed = False
        if app is not None and _progress_signature(progress, app) != self._signature:
            self._follow(app.id, progress)
            changed = True
        self._show_report()
        return changed

    def refresh(self):
        """The progress grid and the list of applications, each written only when changed;
        returns the progress read."""
        progress = self.store.progress(self.actor)
        grid = progress_html(progress, self.words)
        if grid != self.grid.value:
            self.grid.value = grid
        apps = self.store.applications(self.actor)
        self.apps = {a.id: a for a in apps}
        options = [(_app_label(a), a.id) for a in apps]
        if list(self.app_select.options) != options:
            value = self.app_select.value
            self._syncing = True
            try:
                self.app_select.options = options
                if value in self.apps:
                    self.app_select.value = value
            finally:
                self._syncing = False
        return progress

    def _selected(self, change) -> None:
        if not self._syncing:
            self.show(change["new"])

    # one application ----------------------------------------------------------------

    @property
    def app(self):
        """The application shown (its record as last read)."""
        return self.apps.get(self.app_select.value)

    def show(self, app_id: str | None) -> None:
        """Load one application: its results, the consensus editor, the reopen list."""
        if not app_id:
            return
        self.cancel_finalize()
        app = self.apps.get(app_id)
        finalized = bool(app and app.finalized)
        self._showing = True
        try:
            ev = automatic_evaluation(self.store, self.actor, app_id)
            self.core_gate = ev.core_gate
            self.automatic.value = self._automatic_html(ev)
            consensus = None
            if self.decides or finalized:
                consensus = self.store.consensus(self.actor, app_id)
            reviews = self._reviews(app_id, finalized)
            self._prefilled = prefill_consensus(reviews)
            self.consensus_text.value = consensus.opinion if consensus else self._prefilled
            self.majority.value = consensus.majority if consensus else ""
            self.minority.value = consensus.minority if consensus else ""
            self._set_recommendation(ev, consensus.recommendation if consensus else None)
            self._set_reopen_list(reviews)
        finally:
            self._showing = False
        self._set_candidates(reviews, fresh=True)
        self.message.value = ""
        self._apply_state(app)
        self._update_stats(app_id)
        self._signature = (_progress_signature(self.store.progress(self.actor), app)
                           if app is not None else None)
        self._report_shown = None
        self._show_report()

    def _reviews(self, app_id: str, finalized: bool):
        """The reviews the actor may read now: the chair every review, the secretary those
        of a finalized application (access rule 7), else none."""
        if self.decides or finalized:
            return self.store.reviews(self.actor, app_id)
        return []

    def _follow(self, app_id: str, progress) -> None:
        """The application's progress changed: re-read what follows it without touching
        what the chair is writing — the results, the reopen list and the draft gathered from
        the opinions (replaced while the chair has not edited it, offered otherwise)."""
        app = self.apps[app_id]
        was_finalized = self._signature is not None and self._signature[1] == "finalized"
        if app.finalized != was_finalized or (self._signature and
                                              self._signature[2:] != (app.version, app.round)):
            self.show(app_id)  # finalized or revised meanwhile: a new state, load it whole
            return
        reviews = self._reviews(app_id, app.finalized)
        self._set_reopen_list(reviews)
        self._set_candidates(reviews)
        self._update_stats(app_id)
        self._apply_state(app)
        self._signature = _progress_signature(progress, app)

    def _set_reopen_list(self, reviews) -> None:
        options = [(r.expert_label, r.expert_id) for r in reviews if r.status == "submitted"]
        if list(self.reopen_expert.options) != options:
            value = self.reopen_expert.value
            self.reopen_expert.options = options
            if value in [v for _, v in options]:
                self.reopen_expert.value = value

    def _set_candidates(self, reviews, fresh: bool = False) -> None:
        """Keep the draft consensus gathered from the submitted opinions current."""
        draft = prefill_consensus(reviews)
        if fresh or draft == self._prefilled:
            self.candidates.value = ""
            self.refill_button.layout.display = "none"
            return
        if self.consensus_text.value == self._prefilled and not self.consensus_text.disabled:
            self.consensus_text.value = draft  # not edited by the chair: follow the opinions
            self._prefilled = draft
            self.candidates.value = ("<span style='color:#1b5e20'>专家组意见草稿已按最新提交的"
                                     "专家意见更新。</span>")
            self.refill_button.layout.display = "none"
            return
        self.candidates.value = ("<span style='color:#8d6e00'>专家提交或退回后，汇总的专家意见"
                                 "有变化；当前草稿已修改，未自动替换。</span>")
        self.refill_button.layout.display = ""

    def refill(self) -> None:
        """Replace the draft with the opinions gathered now."""
        app_id = self.app_select.value
        if not app_id:
            return
        self._prefilled = prefill_consensus(self._reviews(app_id, bool(self.app and
                                                                      self.app.finalized)))
        self.consensus_text.value = self._prefilled
        self.candidates.value = ""
        self.refill_button.layout.display = "none"

    def _apply_state(self, app) -> None:
        """Open or read-only (finalized), and what the banner says."""
        finalized = bool(app and app.finalized)
        for widget in (self.consensus_text, self.majority, self.minority, self.reopen_expert,
                       self.reopen_reason, self.finalize_note, self.save_button,
                       self.reopen_button, self.finalize_button, self.refill_button):
            widget.disabled = finalized
        if finalized:
            self.recommendation.disabled = True
            self.refill_button.layout.display = "none"
            self.candidates.value = ""
            self.cancel_finalize()
        if app is None:
            self.banner.value = ""
            return
        parts = []
        if app.round > 1:
            parts.append(f"第 {app.round} 轮评审（修改完善后的第 {app.version} 版）")
        if finalized:
            day = date_zh(app.finalized_at or "")
            parts.append(f"该申报已于 {day} 定稿（第 {app.version} 版），全部评审与专家组意见已锁定，"
                         "不可修改")
            kind = "info"
        elif not self.decides:
            cells = [c for (_, aid), c in self.store.progress(self.actor).cells.items()
                     if aid == app.id and c.status != "recused"]
            done = sum(c.status == "submitted" for c in cells)
            parts.append(f"{self.words.doing}进行中：已提交 {done} / {len(cells)} 位专家。评分、"
                         f"{self.words.opinion}和汇总在组长定稿后显示")
            kind = "info"
        else:
            kind = ""
        self.banner.value = (message("；".join(parts) + "。", kind or "info")
                             if parts else "")
        self.results.layout.display = "" if (self.decides or finalized) else "none"

    def _automatic_html(self, ev) -> str:
        """An acceptance meeting: the automatic acceptance conclusion in one line, above the
        panel's figures (``""`` in a review, whose evaluation the experts read)."""
        if not self.acceptance:
            return ""
        return (f"{STYLE}<div class='nzc-panel'><p style='font-size:15px'>自动验收评价："
                f"<b>{escape(ev.verdict)}</b>（综合得分 {ev.score:.1f} 分，{escape(ev.grade_label)}；"
                f"核算口径：{escape(ev.basis_zh)}）。验收结论以专家组结论为准。</p></div>")

    def _set_recommendation(self, ev, saved: str | None) -> None:
        """The recommendation control: every outcome, set to the saved one; the panel's
        recommendation decides (河环发〔2023〕23号 三、(一)3). A core-indicator veto (一票否决,
        the tool's rule, the session's review rules) is shown beside it as a flag with its
        rule."""
        if self.acceptance:
            from nzc_review.ui.acceptance_view import acceptance_veto_html

            self.veto.value = acceptance_veto_html(ev, self.session.session_rules.review.veto)
        elif ev.core_gate == "fail" and ev.rules.veto.enabled:
            failed = "、".join(ev.compliance.failed_core)
            self.veto.value = ("<span style='color:#b71c1c;font-weight:700'>一票否决提示：核心指标 "
                               f"{escape(failed)} 目标未达到参考值</span>"
                               f"<br><span style='color:#555;font-size:12px'>"
                               f"{escape(ev.rules.veto.describe_zh())}；推荐结论以专家组结论为准"
                               "</span>")
        else:
            self.veto.value = ""
        self.recommendation.disabled = False
        self.recommendation.options = self.options
        self.recommendation.value = saved

    def _recommendation_changed(self, change) -> None:
        if not self._showing and self.app_select.value:
            self._update_stats(self.app_select.value)  # a revision request caps the rule

    def _update_stats(self, app_id: str) -> None:
        app = self.apps.get(app_id)
        if not self.decides and not (app and app.finalized):
            self.figures = None  # the secretary sees no figure before finalizing
            self.stats.value = ""
            self.chart.layout.display = "none"
            return
        self.figures = application_figures(
            self.store, self.actor, app_id, core_gate=self.core_gate,
            revision_requested=self.recommendation.value == "recommend_after_revision")
        stats = stats_html(self.figures, self.criteria, self.words)
        if stats != self.stats.value:
            self.stats.value = stats
        if self.figures is None:
            self.chart.layout.display = "none"  # no image at all rather than a broken one
            return
        png = spread_png(self.figures)
        if png != self.chart.value:
            self.chart.value = png
        self.chart.layout.display = ""

    # the report -----------------------------------------------------------------------

    def start_report(self, app_id: str | None) -> bool:
        """Render the panel review opinion report of a finalized application into the
        session's ``reports/`` folder, in the background; its state is recorded
        (:mod:`nzc_review.meeting.opinion.report_status`) and shown by :meth:`poll`."""
        from nzc_review.meeting.opinion.report_status import start_report

        app = self.apps.get(app_id or "")
        if app is None or not app.finalized:
            return False
        try:
            start_report(self.store.location, app.id, app.version,
                         reports_dir=self.reports_dir)
        except OSError:
            self._say("报告未能开始生成：会议文件夹中的 reports 文件夹不可写。", error=True)
            return False
        self._report_shown = None
        self._show_report()
        return True

    def _show_report(self) -> None:
        """The report's state for the finalized application shown: 生成中, a download link
        once the PDF is ready, or why it failed (in Chinese), with a button to try again."""
        from nzc_review.meeting.opinion.report_status import read_status

        app = self.app
        if app is None or not app.finalized:
            if self._report_shown is not None or self.report.value:
                self.report.value = ""
                self.report_button.layout.display = "none"
                self._report_shown = None
            return
        status = read_status(self.reports_dir, app.id, app.version)
        stamp = None
        if status.pdf is not None:
            try:
                stamp = status.pdf.stat().st_mtime_ns
            except OSError:
                stamp = None
        shown = (app.id, app.version, status.state, stamp, status.reason_zh)
        if shown == self._report_shown:
            return
        self._report_shown = shown
        self.report.value = report_html(status, self.words)
        self.report_button.description = ("生成报告" if status.state == "none"
                                          else "重新生成报告")
        self.report_button.layout.display = "" if status.state in ("none", "failed") else "none"

    # actions --------------------------------------------------------------------------

    def _stored_consensus(self, app_id: str):
        return self.store.consensus(self.actor, app_id)

    def _on_screen(self) -> tuple:
        recommendation = self.recommendation.value
        return (self.consensus_text.value, self.majority.value, self.minority.value,
                recommendation)

    def save_consensus(self):
        app_id = self.app_select.value
        opinion, majority, minority, recommendation = self._on_screen()
        try:
            self.store.set_consensus(self.actor, app_id, opinion=opinion,
                                     recommendation=recommendation, majority=majority,
                                     minority=minority)
        except NzcError as exc:
            return self._say(refusal_zh(exc, "保存专家组意见"), error=True)
        label = RECOMMENDATION_ZH.get(recommendation or "", "未定")
        return self._say(f"专家组意见已保存（结论：{label}）")

    def reopen(self):
        expert_id = self.reopen_expert.value
        if expert_id is None:
            return self._say("请选择要退回的专家。", error=True)
        try:
            self.store.reopen(self.actor, expert_id, self.app_select.value,
                              self.reopen_reason.value)
        except NzcError as exc:
            return self._say(refusal_zh(exc, "退回"), error=True)
        self.reopen_reason.value = ""
        self.poll()
        return self._say("已退回，专家可修改后重新提交。")

    def ask_finalize(self) -> bool:
        """The 定稿 button: say what will be locked and ask for confirmation (nothing is
        locked yet). An empty consensus is refused at once."""
        app = self.app
        if app is None:
            return False
        if app.finalized:
            return self._say("该申报已定稿，不可修改。", error=True)
        if not self.consensus_text.value.strip():
            return self._say("专家组意见为空，不能定稿：请先填写并保存专家组意见。", error=True)
        self.confirm_text.value = message(
            f"将锁定申报 {app.id}（{app.name}）的全部评审与专家组意见，定稿后不可修改。确认定稿？",
            "error")
        self.confirm_box.layout.display = ""
        self.message.value = ""
        return True

    def cancel_finalize(self) -> None:
        self.confirm_box.layout.display = "none"
        self.confirm_text.value = ""

    def finalize(self):
        """Finalize the application shown (what 确认定稿 does): the consensus on the screen
        is saved first if it differs from the stored one; then the store locks everything,
        the dashboard turns read-only and the report starts."""
        self.cancel_finalize()
        app_id = self.app_select.value
        if not app_id:
            return False
        if not self.consensus_text.value.strip():
            return self._say("专家组意见为空，不能定稿：请先填写并保存专家组意见。", error=True)
        try:
            stored = self._stored_consensus(app_id)
            if stored is None or self._on_screen() != (stored.opinion, stored.majority,
                                                        stored.minority, stored.recommendation):
                opinion, majority, minority, recommendation = self._on_screen()
                self.store.set_consensus(self.actor, app_id, opinion=opinion,
                                         recommendation=recommendation, majority=majority,
                                         minority=minority)
            self.store.finalize(self.actor, app_id, note=self.finalize_note.value or None)
        except NzcError as exc:
            return self._say(refusal_zh(exc, "定稿"), error=True)
        from nzc_review.programme.sessions import push_finalized

        pushed = push_finalized(self.store)  # the linked programme register; never raises
        self.refresh()
        self.show(app_id)
        started = self.on_finalized(app_id)
        extra = f"，{self.words.report}生成中" if started else ""
        return self._say(f"{app_id} 已定稿并锁定{extra}。" + (f"{pushed}。" if pushed else ""))

    def _say(self, text: str, error: bool = False):
        self.message.value = message(text, "error" if error else "ok")
        return not error


def report_html(status, words: Wording | None = None) -> str:
    """The report's state for the dashboard (pure): a download link to the PDF once ready
    (a ``data:`` link: the file goes to the page that asked, through its own kernel, and no
    route of the server serves the reports folder), else the state or the reason it
    failed, in Chinese (``words``: the session's, :func:`nzc_review.store.kinds.wording`)."""
    words = words or wording()
    report, title = words.report, words.report_title
    if status.state == "ready" and status.pdf is not None:
        import base64

        try:
            data = status.pdf.read_bytes()
        except OSError:
            return message("报告文件无法读取，请点击“重新生成报告”。", "error")
        if len(data) > MAX_LINK_BYTES:
            return message(f"{report}已生成：{status.pdf}（文件较大，请在会议电脑上打开）。",
                           "ok")
        name = f"{status.app_id}-{title}-第{status.version}版.pdf"
        href = "data:application/pdf;base64," + base64.b64encode(data).decode("ascii")
        return (f"{STYLE}<div class='nzc-panel'><div class='nzc-msg ok'>{report}已生成："
                f"<a class='nzc-report-link' download='{escape(name, quote=True)}' "
                f"href='{href}'>下载{title}（PDF，{len(data) / 1024:.0f} KB）</a></div></div>")
    if status.state == "running":
        return message(f"{report}生成中……完成后此处出现下载链接。", "info")
    if status.state == "failed":  # the reason names the review's report: say this one
        reason = (status.reason_zh or "").replace("专家组评审意见报告", report)
        return message(reason or f"{report}生成失败。", "error")
    return message(f"{report}尚未生成。", "info")


#: Largest PDF offered as a download link (本工具默认规则: an opinion report is 600–700 KB;
#: Chromium takes links of up to 2 MB reliably, and base64 adds a third).
MAX_LINK_BYTES = 1_400_000


MARKERS = "osD^vP*Xhp<>"


def spread_png(figures: PanelFigures) -> bytes:
    """:func:`spread_figure` as PNG."""
    from nzc_review.present.charts import png_bytes

    return png_bytes(spread_figure(figures))


def spread_figure(figures: PanelFigures):
    """Box plot of every criterion's scores with each expert's points in their own colour
    and marker, named in the legend (专家A…), so a low or high score can be traced."""
    import matplotlib.pyplot as plt

    from nzc_review.present.charts import cjk_font

    cjk_font()
    names = [c.criterion.name for c in figures.criteria]
    n = figures.n_experts
    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
    ax.boxplot([list(c.scores) for c in figures.criteria], tick_labels=names, widths=0.5,
               showfliers=False,
               medianprops={"color": "#555"})
    palette = plt.get_cmap("tab10")
    offsets = np.linspace(-0.18, 0.18, n) if n > 1 else np.zeros(1)
    for i, label in enumerate(figures.experts):
        ax.plot(np.arange(1, len(names) + 1) + offsets[i], [c.scores[i] for c in figures.criteria],
                MARKERS[i % len(MARKERS)], color=palette(i % 10), alpha=0.85, label=label)
    ax.set_ylabel("评分")
    ax.set_title("各评审要点评分分布（每位专家一种标记）")
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    return fig


#: The recommendation choices (the veto is a flag beside them, never a lock).
OPEN_OPTIONS = [("未定", None), *RECOMMENDATION_OPTIONS]


def chair_dashboard(token: str | None):
    """The widget for the chair, or the secretary's progress view; a clear message (no data)
    for anyone else."""
    from nzc_review.ui.common import open_session

    store, actor = open_session(token)
    if store is None:
        return w.HTML(message(actor, "error"))
    if actor.role not in {"chair", "secretary"}:
        store.close()
        return w.HTML(message("该链接不是组长或秘书的链接，请使用评审会秘书发给您的个人链接。",
                              "error"))
    return ChairDashboard(store, actor).widget
