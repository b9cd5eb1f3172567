"""The expert's review form (``panels/expert_review.ipynb``).

Opened with the expert's personal link. Lists the assigned applications (conflicted ones as
recused); for each: the automatic evaluation, the weighting of the criteria — direct (sliders
that always add up to 100) or pairwise (AHP with the consistency ratio shown live) — the scores
with their guidance, the opinion, autosave of drafts (debounced) with a "saved at" indicator,
and submission with confirmation, after which the form is read-only and the panel's aggregate
appears. Every rule (blind review, recusal, locking) is enforced by the store.
"""

from __future__ import annotations

import datetime as dt
import itertools
from html import escape

import ipywidgets as w
import numpy as np

from nzc_review.errors import NzcError
from nzc_review.ui.common import STYLE, criteria_guidance, evaluation_of, evaluation_summary_html

SAATY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9]
SAATY_LABELS = ["1/9", "1/7", "1/5", "1/3", "1", "3", "5", "7", "9"]
RECOMMENDATION_OPTIONS = [("推荐", "recommend"), ("修改完善后推荐", "recommend_after_revision"),
                          ("不推荐", "do_not_recommend")]


def rebalance(values: list[int], changed: int, total: int = 100) -> list[int]:
    """Direct weights that keep ``values[changed]`` and scale the others to add up to ``total``.

    The others keep their proportions (equal shares when they are all zero); rounding uses the
    largest remainders so the result adds up exactly.
    """
    fixed = max(0, min(total, int(values[changed])))
    others = [i for i in range(len(values)) if i != changed]
    rest = total - fixed
    base = np.array([max(0, values[i]) for i in others], dtype=float)
    share = base / base.sum() if base.sum() > 0 else np.full(len(others), 1 / max(1, len(others)))
    raw = share * rest
    floors = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - floors))[: rest - floors.sum()]:
        floors[k] += 1
    out = list(values)
    out[changed] = fixed
    for i, v in zip(others, floors, strict=True):
        out[i] = int(v)
    return out


def _nearest_saaty(value: float) -> str:
    return SAATY_LABELS[int(np.argmin([abs(np.log(value) - np.log(s)) for s in SAATY]))]


class ExpertPanel:
    """The review form of one expert. ``widget`` is what the notebook displays."""

    def __init__(self, store, actor, *, debounce: float = 1.5, schedule=None):
        self.store, self.actor, self.debounce = store, actor, debounce
        self._schedule = schedule or _ioloop_call_later
        self._pending = None
        self._loading = False
        self.session = store.session(actor)
        self.criteria = list(self.session.criteria)
        self.status = w.HTML()
        self.app_select = w.Dropdown(description="申报项目", layout=w.Layout(width="640px"),
                                     style={"description_width": "70px"})
        self.body = w.VBox()
        header = w.HTML(
            f"{STYLE}<div class='nzc-panel'><h2>专家评审 — {escape(self.session.name)}</h2>"
            f"<p>{escape(actor.name)}（{escape(actor.role_zh if hasattr(actor, 'role_zh') else '专家')}）"
            "：请阅读自动评估结果，设置评审要点权重、评分并填写评审意见。草稿自动保存。</p></div>")
        self.widget = w.VBox([header, self.app_select, self.status, self.body],
                             layout=w.Layout(max_width="1100px"))
        self._fill_assignments()
        self.app_select.observe(lambda change: self.show(change["new"]), names="value")
        if self.app_select.options:  # open the first application (observer shows it)
            self.app_select.value = self.app_select.options[0][1]

    # --- assignments ------------------------------------------------------------------

    def _fill_assignments(self) -> None:
        options = []
        for a in self.store.assignments(self.actor):
            if a.expert_id != self.actor.expert_id:
                continue
            label = f"{a.app_id}  {a.app_name}  [{a.status_zh}]"
            options.append((label, a.app_id))
        self.app_select.options = options
        if not options:
            self.body.children = [w.HTML("<p>暂无分配给您的申报项目。</p>")]

    def _assignment(self, app_id: str):
        return next((a for a in self.store.assignments(self.actor)
                     if a.app_id == app_id and a.expert_id == self.actor.expert_id), None)

    # --- one application --------------------------------------------------------------

    def show(self, app_id: str | None) -> None:
        self.flush()
        if not app_id:
            return
        self.app_id = app_id
        assignment = self._assignment(app_id)
        if assignment is not None and assignment.status == "recused":
            self.body.children = [w.HTML(
                "<div class='nzc-msg info'>您与该申报存在利益冲突，已回避，不参与评分。</div>")]
            return
        review = self.store.my_review(self.actor, app_id)
        ev = evaluation_of(self.store, self.actor, app_id)
        self._loading = True
        try:
            self._build(app_id, review, ev, finalized=bool(assignment and assignment.finalized))
        finally:
            self._loading = False

    def _build(self, app_id, review, ev, finalized: bool) -> None:
        from nzc_review import report
        from nzc_review.ui.common import forecast_png

        summary = w.HTML(evaluation_summary_html(ev))
        chart = w.Image(value=forecast_png(self.store, self.actor, app_id), format="png",
                        layout=w.Layout(max_width="820px"))
        table = w.HTML(report.style() + report.compliance_table(ev))
        self.weights_box = self._weights_widget(review)
        self.scores_box = self._scores_widget(review)
        self.opinion_box = self._opinion_widget(review)
        self.submit_button = w.Button(description="提交评审", button_style="success")
        self.confirm = w.HBox()
        self.submit_button.on_click(lambda _: self._ask_confirm())
        self.aggregate = w.HTML()
        tabs = w.Tab(children=[w.VBox([summary, chart]), table, self.weights_box,
                               self.scores_box, self.opinion_box])
        for i, title in enumerate(["自动评估", "指标达标", "权重", "评分", "评审意见"]):
            tabs.set_title(i, title)
        self.body.children = [tabs, w.HBox([self.submit_button, self.confirm]), self.aggregate]
        submitted = review is not None and review.status == "submitted"
        if submitted or finalized:
            self._lock(submitted)
        self._set_status(review, "已载入")

    # weights ----------------------------------------------------------------------------

    def _weights_widget(self, review) -> w.VBox:
        stored = dict(review.weights or {}) if review else {}
        method = stored.get("method", "direct")
        self.mode = w.ToggleButtons(options=[("直接赋权（合计100分）", "direct"),
                                             ("两两比较（AHP）", "pairwise")], value=method)
        points = stored.get("points") or {}
        defaults = rebalance([round(c.weight * 100) for c in self.criteria], 0)
        self.sliders = []
        for c, default in zip(self.criteria, defaults, strict=True):
            slider = w.IntSlider(value=int(points.get(c.id, default)), min=0, max=100,
                                 description=c.name, style={"description_width": "190px"},
                                 layout=w.Layout(width="600px"))
            slider.observe(self._slider_changed, names="value")
            self.sliders.append(slider)
        self.sum_label = w.HTML()
        self._update_sum()
        self._stored_matrix = stored.get("matrix")
        self.pairs = []
        self.cr_label = w.HTML()
        direct = w.VBox([*self.sliders, self.sum_label])
        self.pairwise_box = w.VBox()  # built on first use: 15 sliders the direct mode never needs
        stack = w.Stack([direct, self.pairwise_box],
                        selected_index=0 if method == "direct" else 1)
        if method == "pairwise":
            self._build_pairs()

        def switch(change) -> None:
            if change["new"] == "pairwise" and not self.pairs:
                self._build_pairs()
            stack.selected_index = 0 if change["new"] == "direct" else 1
            self._changed()

        self.mode.observe(switch, names="value")
        return w.VBox([self.mode, stack])

    def _build_pairs(self) -> None:
        matrix = self._stored_matrix
        for i, j in itertools.combinations(range(len(self.criteria)), 2):
            label = "1" if not matrix else _nearest_saaty(float(matrix[i][j]))
            pair = w.SelectionSlider(options=SAATY_LABELS, value=label,
                                     description=f"{self.criteria[i].name} : {self.criteria[j].name}",
                                     style={"description_width": "380px"},
                                     layout=w.Layout(width="760px"))
            pair.observe(self._pair_changed, names="value")
            self.pairs.append((i, j, pair))
        self._update_cr()
        self.pairwise_box.children = [
            w.HTML("<p>数值表示左侧要点相对右侧要点的重要程度（Saaty 1–9 标度；1/3 表示右侧稍重要）。</p>"),
            *[p for _, _, p in self.pairs], self.cr_label]

    def _slider_changed(self, change) -> None:
        if self._rebalancing:
            return
        index = self.sliders.index(change["owner"])
        values = rebalance([s.value for s in self.sliders], index)
        self._rebalancing = True
        try:
            for slider, value in zip(self.sliders, values, strict=True):
                slider.value = value
        finally:
            self._rebalancing = False
        self._update_sum()
        self._changed()

    _rebalancing = False

    def _update_sum(self) -> None:
        total = sum(s.value for s in self.sliders)
        self.sum_label.value = f"<p>合计：<b>{total}</b> 分</p>"

    def pairwise_matrix(self) -> list[list[float]]:
        if not self.pairs:
            self._build_pairs()
        n = len(self.criteria)
        matrix = np.ones((n, n))
        for i, j, pair in self.pairs:
            value = SAATY[SAATY_LABELS.index(pair.value)]
            matrix[i, j], matrix[j, i] = value, 1 / value
        return matrix.tolist()

    def _pair_changed(self, change) -> None:
        self._update_cr()
        self._changed()

    def _update_cr(self) -> None:
        from nzc_review.weighting import ahp

        result = ahp(self.pairwise_matrix())
        weights = "、".join(f"{c.name} {wt:.0%}" for c, wt in
                           zip(self.criteria, result.weights, strict=True))
        warn = result.cr >= 0.1
        style = "color:#b71c1c;font-weight:700" if warn else "color:#1b5e20"
        text = "一致性比率 CR ≥ 0.1，判断不一致，请调整" if warn else "一致性可以接受"
        self.cr_label.value = (f"<p style='{style}'>CR = {result.cr:.3f}：{text}</p>"
                               f"<p>权重：{escape(weights)}</p>")

    def weights_value(self) -> dict:
        if self.mode.value == "direct":
            return {"method": "direct", "points": {c.id: s.value for c, s in
                                                    zip(self.criteria, self.sliders, strict=True)}}
        return {"method": "pairwise", "matrix": self.pairwise_matrix()}

    # scores and opinion -----------------------------------------------------------------

    def _scores_widget(self, review) -> w.VBox:
        scores = dict(review.scores) if review else {}
        guidance = criteria_guidance()
        self.score_inputs = {}
        rows = []
        for c in self.criteria:
            value = scores.get(c.id)
            box = w.Text(value="" if value is None else f"{value:g}", placeholder="0–100",
                         description=c.name, style={"description_width": "190px"},
                         layout=w.Layout(width="320px"))
            box.observe(lambda _: self._changed(), names="value")
            self.score_inputs[c.id] = box
            info = guidance.get(c.name, {})
            bands = "；".join(f"{k}：{v}" for k, v in (info.get("bands") or {}).items())
            rows.append(w.HBox([box, w.HTML(
                f"<div style='font-size:12px;color:#444;max-width:720px'>"
                f"{escape(info.get('guidance', ''))}<br>{escape(bands)}</div>")]))
        return w.VBox(rows)

    def scores_value(self) -> tuple[dict, list[str]]:
        values, problems = {}, []
        for c in self.criteria:
            text = self.score_inputs[c.id].value.strip()
            if not text:
                continue
            try:
                number = float(text)
            except ValueError:
                problems.append(f"{c.name}：请输入 0–100 的数字")
                continue
            if not 0 <= number <= 100:
                problems.append(f"{c.name}：分数应在 0–100 之间")
                continue
            values[c.id] = number
        return values, problems

    def _opinion_widget(self, review) -> w.VBox:
        opinion = review.opinion if review else None
        layout = w.Layout(width="860px", height="110px")
        self.strengths = w.Textarea(value=opinion.strengths if opinion else "",
                                    description="主要优点", layout=layout)
        self.problems = w.Textarea(value=opinion.problems if opinion else "",
                                   description="存在问题", layout=layout)
        self.revisions = w.Textarea(value=opinion.revisions if opinion else "",
                                    description="修改意见", layout=layout)
        self.recommendation = w.RadioButtons(
            options=[("未定", None), *RECOMMENDATION_OPTIONS],
            value=opinion.recommendation if opinion else None, description="推荐意见")
        for widget in (self.strengths, self.problems, self.revisions, self.recommendation):
            widget.observe(lambda _: self._changed(), names="value")
        return w.VBox([self.strengths, self.problems, self.revisions, self.recommendation])

    def opinion_value(self) -> dict:
        return {"strengths": self.strengths.value, "problems": self.problems.value,
                "revisions": self.revisions.value, "recommendation": self.recommendation.value}

    # saving -----------------------------------------------------------------------------

    def _changed(self) -> None:
        if self._loading:
            return
        if self._pending is not None:
            self._pending.cancel()
        self.status.value = "<span style='color:#777'>正在编辑…</span>"
        self._pending = self._schedule(self.debounce, self.save)

    def flush(self) -> None:
        """Save a pending draft now (e.g. before switching application)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
            self.save()

    def save(self):
        self._pending = None
        scores, problems = self.scores_value()
        if problems:
            self.status.value = ("<span style='color:#b71c1c'>" + escape("；".join(problems))
                                 + "</span>")
            return None
        try:
            review = self.store.save_draft(self.actor, self.app_id, weights=self.weights_value(),
                                           scores=scores, opinion=self.opinion_value())
        except NzcError as exc:
            self.status.value = f"<span style='color:#b71c1c'>保存失败：{escape(str(exc))}</span>"
            return None
        self._set_status(review, "草稿已自动保存")
        return review

    def _set_status(self, review, what: str) -> None:
        at = dt.datetime.now().strftime("%H:%M:%S")
        state = review.status_zh if review else "未开始"
        self.status.value = (f"<span style='color:#1b5e20'>{what} {at}</span>"
                             f"　状态：<b>{escape(state)}</b>")

    # submitting -------------------------------------------------------------------------

    def _ask_confirm(self) -> None:
        yes = w.Button(description="确认提交", button_style="danger")
        no = w.Button(description="取消")
        note = w.HTML("<span>提交后不能修改（须经组长退回）。确认提交？</span>")
        yes.on_click(lambda _: self.submit())
        no.on_click(lambda _: setattr(self.confirm, "children", []))
        self.confirm.children = [note, yes, no]

    def submit(self):
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self.save() is None:
            self.confirm.children = []
            return None
        try:
            review = self.store.submit(self.actor, self.app_id)
        except NzcError as exc:
            self.confirm.children = []
            self.status.value = ("<span style='color:#b71c1c'>不能提交："
                                 + escape(str(exc)).replace("\n", "<br>") + "</span>")
            return None
        self.confirm.children = []
        self._lock(True)
        self._set_status(review, "已提交")
        return review

    def _lock(self, submitted: bool) -> None:
        for widget in [self.mode, *self.sliders, *[p for _, _, p in self.pairs],
                       *self.score_inputs.values(), self.strengths, self.problems,
                       self.revisions, self.recommendation, self.submit_button]:
            widget.disabled = True
        if submitted:
            self.aggregate.value = self._aggregate_html()

    def _aggregate_html(self) -> str:
        reviews = [r for r in self.store.scores_for(self.actor, self.app_id)
                   if r.status == "submitted" and not r.recused]
        if not reviews:
            return ""
        head = "".join(f"<th>{escape(c.name)}</th>" for c in self.criteria)
        rows = "".join(
            f"<tr><td>{escape(r.expert_label)}</td>"
            + "".join(f"<td>{r.scores.get(c.id, float('nan')):.0f}</td>" for c in self.criteria)
            + f"<td>{'' if r.total is None else f'{r.total:.1f}'}</td></tr>" for r in reviews)
        means = "".join(
            f"<td><b>{np.mean([r.scores[c.id] for r in reviews if c.id in r.scores]):.1f}</b></td>"
            for c in self.criteria)
        totals = [r.total for r in reviews if r.total is not None]
        mean_total = f"{np.mean(totals):.1f}" if totals else ""
        return (f"{STYLE}<div class='nzc-panel'><h3>专家组评分（已提交 {len(reviews)} 位）</h3>"
                f"<table><tr><th>专家</th>{head}<th>总分</th></tr>{rows}"
                f"<tr><td><b>平均</b></td>{means}<td><b>{mean_total}</b></td></tr></table></div>")


def _ioloop_call_later(delay: float, callback):
    """Run ``callback`` after ``delay`` seconds on the kernel's event loop; cancellable."""
    import asyncio

    loop = asyncio.get_event_loop()
    return loop.call_later(delay, callback)


def expert_panel(token: str | None):
    """The widget for the expert with ``token``, or a clear message (no data) when refused."""
    from nzc_review.ui.common import message, open_session

    store, actor = open_session(token)
    if store is None:
        return w.HTML(message(actor, "error"))
    if actor.role not in {"expert", "chair"}:
        return w.HTML(message("该链接不是评审专家的链接。组长请使用组长看板。", "error"))
    return ExpertPanel(store, actor).widget
