"""The expert's review form (``panels/expert_review.ipynb``).

Opened with the expert's personal link. Lists the assigned applications (conflicted ones as
recused) with the state of each review, kept current; for each: the automatic evaluation, the
weighting of the criteria — direct (sliders that always add up to 100) or pairwise (AHP with
the consistency ratio shown live above the comparisons, and a confirmation to submit with
CR ≥ :data:`~nzc_review.mcda.weighting.CR_THRESHOLD`) — the scores with their guidance (in the
session's score range), the opinion, and submission with confirmation, after which the form
is read-only and the panel's figures appear and follow later submissions — those of
:func:`nzc_review.meeting.figures.application_figures`, the same the chair's dashboard and the opinion
report show. Every rule (blind review, recusal, locking) is enforced by the store.

Nothing typed is lost:

* **every part is saved on its own** (debounced autosave): the weights, each score, each
  opinion field and the recommendation. A field that is not valid (a score that is not a
  number of the session's range, a text longer than the store accepts) is marked in red with
  a hint and kept out of the save — its last saved value stays in the store — and never
  holds back the rest. The state is always shown: ``已保存 10:42:05``, ``有未保存的修改``,
  ``未保存：评分『建设基础』不是数字``; a failed save is retried.
* **the browser keeps a copy** of the text fields until the store has them
  (:mod:`nzc_review.ui.local_copy`): after a lost connection or a server restart, the page
  offers it back, and accepted it is written into the form and saved.
* **the screen follows the store** (every :data:`POLL_SECONDS`): the states of the
  application list, the panel's figures once submitted, a review the chair returned (with the
  chair's reason) or an application finalized meanwhile.

Every message is Chinese (:mod:`nzc_review.ui.messages`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

import ipywidgets as w
import numpy as np

from nzc_review.errors import InputError, NzcError
from nzc_review.mcda.weighting import CR_THRESHOLD
from nzc_review.store import Opinion, PermissionDenied
from nzc_review.store.validate import MAX_TEXT, check_complete
from nzc_review.ui.common import STYLE, criteria_guidance, evaluation_of, evaluation_summary_html
from nzc_review.ui.local_copy import (
    KEEP_CLASS,
    RESTORE_CLASS,
    draft_key,
    field_class,
    meta_html,
    parse_restore,
)
from nzc_review.ui.messages import error_zh, missing_zh

SAATY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9]
SAATY_LABELS = ["1/9", "1/7", "1/5", "1/3", "1", "3", "5", "7", "9"]
RECOMMENDATION_OPTIONS = [("推荐", "recommend"), ("修改完善后推荐", "recommend_after_revision"),
                          ("不推荐", "do_not_recommend")]
#: The opinion's text fields: (field name, label).
OPINION_FIELDS = (("strengths", "主要优点"), ("problems", "存在问题"), ("revisions", "修改意见"))
#: Seconds between two looks at the store for what others changed (本工具默认规则: a state
#: change shows within a few seconds; three cheap reads per look).
POLL_SECONDS = 3.0

FORM_STYLE = """
<style>
.nzc-invalid input, .nzc-invalid textarea { border: 2px solid #b71c1c !important;
  background: #fdecea !important; }
.nzc-hint { color: #b71c1c; font-size: 12px; min-height: 0; }
.nzc-cr-line { background: #fff; border-bottom: 1px solid #ddd; padding: 2px 0; }
.nzc-cr-line p { margin: 2px 0; }
</style>
"""


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


@dataclass(frozen=True)
class FieldProblem:
    """A field that cannot be saved: ``hint`` goes beside it, ``summary`` in the save state."""

    field: str
    hint: str
    summary: str


def check_score(text: str, name: str, lo: float, hi: float,
                field: str = "") -> tuple[float | None, FieldProblem | None]:
    """A typed score: ``(score, None)``, ``(None, None)`` when empty (not scored), or
    ``(None, problem)`` when it is not a finite number within the session's range
    ``[lo, hi]`` (the store's rule, :func:`nzc_review.store.validate.normalise_scores`)."""
    text = text.strip()
    if not text:
        return None, None
    span = f"{lo:g}–{hi:g}"
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        return None, FieldProblem(field, f"请输入 {span} 之间的数字",
                                  f"评分『{name}』不是数字")
    if not lo <= number <= hi:
        return None, FieldProblem(field, f"分数应在 {span} 之间",
                                  f"评分『{name}』不在 {span} 之间")
    return number, None


def check_text(text: str, label: str, field: str = "", limit: int = MAX_TEXT) -> FieldProblem | None:
    """An opinion field longer than the store accepts (:data:`MAX_TEXT` characters)."""
    if len(text) <= limit:
        return None
    return FieldProblem(field, f"不能超过 {limit} 字（现 {len(text)} 字），请删减",
                        f"『{label}』超过 {limit} 字")


def _china_time(instant: str | None) -> str:
    """``6月30日 10:42`` (China time) of a store timestamp (UTC, ISO)."""
    from nzc_review.present.dates import CHINA_TZ

    if not instant:
        return ""
    try:
        moment = dt.datetime.fromisoformat(instant.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(CHINA_TZ)
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


def returned_notice(review) -> str:
    """The chair's reason for returning a review, as the expert sees it ("" when the review
    was not returned, or has been submitted again)."""
    if review is None or review.status != "draft" or not review.reopened_at:
        return ""
    reason = escape(review.reopen_reason or "（未说明）")
    return ("<div class='nzc-panel'><div class='nzc-msg info'>"
            f"组长已于 {escape(_china_time(review.reopened_at))} 退回您的评审，请修改后重新提交。"
            f"<br><b>退回原因：</b>{reason}</div></div>")


class ExpertPanel:
    """The review form of one expert. ``widget`` is what the notebook displays.

    Parameters
    ----------
    debounce:
        Seconds of quiet before a change is saved.
    schedule:
        ``schedule(delay, callback)`` returning an object with ``cancel()`` (default: the
        kernel's event loop).
    poll:
        Seconds between two looks at the store (:meth:`refresh`); ``None``: never.
    every:
        ``every(seconds, callback)`` starting the periodic look (default: a Tornado
        ``PeriodicCallback`` on the kernel's running event loop; none outside one).
    """

    def __init__(self, store, actor, *, debounce: float = 1.5, schedule=None,
                 poll: float | None = POLL_SECONDS, every=None):
        self.store, self.actor, self.debounce = store, actor, debounce
        self._schedule = schedule or _ioloop_call_later
        self._pending = None
        self._loading = False
        self._relabeling = False
        self._locked = True
        self._submitted = False
        self._recused = False
        self.app_id: str | None = None
        self._review = None
        self._problems: list[FieldProblem] = []
        self._save_error: BaseException | None = None
        self._saved_at: str | None = None
        self._note = ""
        self._shown: tuple = ()
        self._reviews_seen: tuple = ()
        self._saved_text: dict[str, str] = {}
        self._sent: dict[str, Any] = {}
        self._finalized = False
        self._key = ""
        self.session = store.session(actor)
        self.criteria = list(self.session.criteria)
        self.score_min = self.session.session_rules.score_min
        self.score_max = self.session.session_rules.score_max
        self.status = w.HTML()
        self.notice = w.HTML()
        self.meta = w.HTML(layout=w.Layout(display="none"))
        self.restore_box = w.Textarea(layout=w.Layout(display="none"))
        self.restore_box.add_class(RESTORE_CLASS)
        self.restore_box.observe(self._restore_changed, names="value")
        self.app_select = w.Dropdown(description="申报项目", layout=w.Layout(width="640px"),
                                     style={"description_width": "70px"})
        self.body = w.VBox()
        header = w.HTML(
            f"{STYLE}{FORM_STYLE}<div class='nzc-panel'><h2>专家评审 — {escape(self.session.name)}</h2>"
            f"<p>{escape(actor.name)}（{escape(actor.role_zh if hasattr(actor, 'role_zh') else '专家')}）"
            "：请阅读自动评估结果，设置评审要点权重、评分并填写评审意见。每项内容自动保存。</p></div>")
        self.widget = w.VBox([header, self.app_select, self.status, self.notice, self.body,
                              self.meta, self.restore_box], layout=w.Layout(max_width="1100px"))
        self._fill_assignments()
        self.app_select.observe(self._selected, names="value")
        if self.app_select.options:  # open the first application (observer shows it)
            self.app_select.value = self.app_select.options[0][1]
        self._poller = None
        if poll:
            self._poller = (every or _ioloop_every)(poll, self._poll)

    # --- assignments ------------------------------------------------------------------

    def _my_assignments(self) -> list:
        return [a for a in self.store.assignments(self.actor)
                if a.expert_id == self.actor.expert_id]

    @staticmethod
    def _label(a) -> str:
        state = a.status_zh + ("·已定稿" if a.finalized else "")
        return f"{a.app_id}  {a.app_name}  [{state}]"

    def _fill_assignments(self) -> None:
        self._assignments = self._my_assignments()
        self.app_select.options = [(self._label(a), a.app_id) for a in self._assignments]
        if not self.app_select.options:
            self.body.children = [w.HTML("<p>暂无分配给您的申报项目。</p>")]

    def _refresh_labels(self) -> bool:
        """Relabel the application list from the store; ``True`` when a label changed."""
        self._assignments = self._my_assignments()
        options = [(self._label(a), a.app_id) for a in self._assignments]
        if tuple(options) == tuple(self.app_select.options):
            return False
        current = self.app_select.value
        self._relabeling = True
        try:
            with self.app_select.hold_sync():
                self.app_select.options = options
                if any(value == current for _, value in options):
                    self.app_select.value = current
        finally:
            self._relabeling = False
        if self.app_select.value != current:  # the shown application is no longer assigned
            self.show(self.app_select.value)
        return True

    def _assignment(self, app_id: str):
        return next((a for a in self._assignments if a.app_id == app_id), None)

    def _selected(self, change) -> None:
        if not self._relabeling:
            self.show(change["new"])

    # --- one application --------------------------------------------------------------

    def show(self, app_id: str | None) -> None:
        self.flush()
        self.notice.value = ""
        self.meta.value = ""
        self._locked, self._submitted, self._recused = True, False, False
        if not app_id:
            self.app_id = None
            return
        self.app_id = app_id
        assignment = self._assignment(app_id)
        if assignment is not None and assignment.status == "recused":
            self._recused = True
            self.status.value = ""
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
        from nzc_review.present import evaluation_report as report
        from nzc_review.ui.common import forecast_png

        summary = w.HTML(evaluation_summary_html(ev))
        chart = w.Image(value=forecast_png(self.store, self.actor, app_id), format="png",
                        layout=w.Layout(max_width="820px"))
        table = w.HTML(report.style() + report.compliance_table(ev))
        self.hints: dict[str, w.HTML] = {}
        self.weights_box = self._weights_widget(review)
        self.scores_box = self._scores_widget(review)
        self.opinion_box = self._opinion_widget(review)
        self.submit_button = w.Button(description="提交评审", button_style="success")
        self.confirm = w.HBox()
        self.message = w.HTML()
        self.submit_button.on_click(lambda _: self._ask_confirm())
        self.aggregate = w.HTML()
        tabs = w.Tab(children=[w.VBox([summary, chart]), table, self.weights_box,
                               self.scores_box, self.opinion_box])
        for i, title in enumerate(["自动评估", "指标达标", "权重", "评分", "评审意见"]):
            tabs.set_title(i, title)
        self.body.children = [tabs, w.HBox([self.submit_button, self.confirm]), self.message,
                              self.aggregate]
        self._review = review
        self._finalized = finalized
        self._shown = self._signature(review, finalized)
        self._sent = {"weights": self.weights_value(),
                      "scores": dict(review.scores) if review else {},
                      "opinion": (review.opinion if review else Opinion()).to_dict()}
        self._saved_text = {name: box.value for name, box in self._fields().items()}
        self._problems, self._save_error, self._saved_at = [], None, None
        self._key = draft_key(self.session.created_at, self.session.name,
                              self.actor.expert_id, app_id)
        self._locked = False
        self._note = f"已载入 {_clock()}"
        submitted = review is not None and review.status == "submitted"
        if submitted or finalized:
            self._lock(submitted)
        self.notice.value = returned_notice(review)
        self._render_state()

    @staticmethod
    def _signature(review, finalized: bool) -> tuple:
        """What, changed by someone else, rebuilds the form: the review's state, a return
        by the chair, the application's finalization."""
        return (review.status if review else None, review.reopened_at if review else None,
                finalized)

    def _fields(self) -> dict[str, w.Widget]:
        """The text fields the browser keeps a copy of, by field name."""
        out: dict[str, w.Widget] = {f"score-{i}": self.score_inputs[c.id]
                                    for i, c in enumerate(self.criteria)}
        out.update({name: getattr(self, name) for name, _ in OPINION_FIELDS})
        return out

    @staticmethod
    def _keep(widget: w.Widget, name: str) -> None:
        widget.add_class(KEEP_CLASS)
        widget.add_class(field_class(name))

    # weights ----------------------------------------------------------------------------

    def _weights_widget(self, review) -> w.VBox:
        stored = dict(review.weights or {}) if review else {}
        method = stored.get("method", "direct")
        self.mode = w.ToggleButtons(options=[("直接赋权（合计100分）", "direct"),
                                             ("两两比较（AHP）", "pairwise")], value=method,
                                    style={"button_width": "auto"})
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
        self.cr_label.add_class("nzc-cr-line")
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
                                     layout=w.Layout(width="760px", height="28px"))
            pair.observe(self._pair_changed, names="value")
            self.pairs.append((i, j, pair))
        self._update_cr()
        # the consistency line first: it stays in view while the comparisons are moved
        self.pairwise_box.children = [
            w.HTML("<p style='margin:2px 0'>数值表示左侧要点相对右侧要点的重要程度"
                   "（Saaty 1–9 标度；1/3 表示右侧稍重要）。</p>"),
            self.cr_label, *[p for _, _, p in self.pairs]]

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

    def consistency_ratio(self) -> float | None:
        """The CR of the pairwise comparisons, ``None`` in direct mode."""
        from nzc_review.mcda.weighting import ahp

        if self.mode.value != "pairwise":
            return None
        return float(ahp(self.pairwise_matrix()).cr)

    def _pair_changed(self, change) -> None:
        self._update_cr()
        self._changed()

    def _update_cr(self) -> None:
        from nzc_review.mcda.weighting import ahp

        result = ahp(self.pairwise_matrix())
        weights = "、".join(f"{c.name} {wt:.0%}" for c, wt in
                           zip(self.criteria, result.weights, strict=True))
        warn = result.cr >= CR_THRESHOLD
        style = "color:#b71c1c;font-weight:700" if warn else "color:#1b5e20"
        text = (f"一致性比率 CR ≥ {CR_THRESHOLD:g}，判断不一致，请调整" if warn
                else f"一致性可以接受（CR < {CR_THRESHOLD:g}）")
        self.cr_label.value = (f"<p style='{style}'>CR = {result.cr:.3f}：{text}</p>"
                               f"<p>权重：{escape(weights)}</p>")

    def weights_value(self) -> dict:
        if self.mode.value == "direct":
            return {"method": "direct", "points": {c.id: s.value for c, s in
                                                    zip(self.criteria, self.sliders, strict=True)}}
        return {"method": "pairwise", "matrix": self.pairwise_matrix()}

    # scores and opinion -----------------------------------------------------------------

    def _hint(self, name: str) -> w.HTML:
        self.hints[name] = hint = w.HTML()
        hint.add_class("nzc-hint")
        return hint

    def _scores_widget(self, review) -> w.VBox:
        scores = dict(review.scores) if review else {}
        guidance = criteria_guidance()
        self.score_inputs = {}
        rows = []
        for i, c in enumerate(self.criteria):
            value = scores.get(c.id)
            box = w.Text(value="" if value is None else f"{value:g}", placeholder=self._range(),
                         description=c.name, style={"description_width": "190px"},
                         layout=w.Layout(width="320px"))
            self._keep(box, f"score-{i}")
            box.observe(lambda _: self._changed(), names="value")
            self.score_inputs[c.id] = box
            info = guidance.get(c.name, {})
            bands = "；".join(f"{k}：{v}" for k, v in (info.get("bands") or {}).items())
            rows.append(w.HBox([w.VBox([box, self._hint(f"score-{i}")]), w.HTML(
                f"<div style='font-size:12px;color:#444;max-width:720px'>"
                f"{escape(info.get('guidance', ''))}<br>{escape(bands)}</div>")]))
        return w.VBox(rows)

    def scores_value(self) -> tuple[dict, list[str]]:
        """The valid scores typed, and a ``名称：提示`` line for each field that is not."""
        values, problems = {}, []
        for c in self.criteria:
            number, problem = check_score(self.score_inputs[c.id].value, c.name,
                                          self.score_min, self.score_max)
            if problem is not None:
                problems.append(f"{c.name}：{problem.hint}")
            elif number is not None:
                values[c.id] = number
        return values, problems

    def _range(self) -> str:
        """The session's score range, e.g. ``0–100``."""
        return f"{self.score_min:g}–{self.score_max:g}"

    def _opinion_widget(self, review) -> w.VBox:
        opinion = review.opinion if review else None
        layout = w.Layout(width="860px", height="110px")
        rows = []
        for name, label in OPINION_FIELDS:
            area = w.Textarea(value=getattr(opinion, name) if opinion else "",
                              description=label, layout=layout)
            self._keep(area, name)
            setattr(self, name, area)
            rows += [area, self._hint(name)]
        self.recommendation = w.RadioButtons(
            options=[("未定", None), *RECOMMENDATION_OPTIONS],
            value=opinion.recommendation if opinion else None, description="推荐意见")
        for widget in (self.strengths, self.problems, self.revisions, self.recommendation):
            widget.observe(lambda _: self._changed(), names="value")
        return w.VBox([*rows, self.recommendation])

    def opinion_value(self) -> dict:
        return {"strengths": self.strengths.value, "problems": self.problems.value,
                "revisions": self.revisions.value, "recommendation": self.recommendation.value}

    # saving -----------------------------------------------------------------------------

    def collect(self) -> tuple[dict[str, float], dict[str, Any], list[FieldProblem],
                               dict[str, str]]:
        """What the form can save now, field by field.

        Returns the scores and the opinion to save — a field that is not valid keeps its last
        saved value (it is kept out of the save, and holds nothing else back) — the problems,
        and the text of every valid field (which the save then covers).
        """
        sent_scores, sent_opinion = self._sent["scores"], self._sent["opinion"]
        scores: dict[str, float] = {}
        opinion: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        texts: dict[str, str] = {}
        for i, c in enumerate(self.criteria):
            name, text = f"score-{i}", self.score_inputs[c.id].value
            number, problem = check_score(text, c.name, self.score_min, self.score_max, name)
            if problem is not None:
                problems.append(problem)
                number = sent_scores.get(c.id)
            else:
                texts[name] = text
            if number is not None:
                scores[c.id] = number
        for name, label in OPINION_FIELDS:
            text = getattr(self, name).value
            problem = check_text(text, label, name)
            if problem is not None:
                problems.append(problem)
                opinion[name] = sent_opinion.get(name) or ""
            else:
                opinion[name] = texts[name] = text
        opinion["recommendation"] = self.recommendation.value
        return scores, opinion, problems, texts

    def _mark(self, problems: list[FieldProblem]) -> None:
        """Mark the fields that cannot be saved (red, with a hint); unmark the others."""
        self._problems = problems
        bad = {p.field: p for p in problems}
        for name, box in self._fields().items():
            if name in bad:
                box.add_class("nzc-invalid")
            else:
                box.remove_class("nzc-invalid")
            self.hints[name].value = escape(bad[name].hint) if name in bad else ""

    def _changed(self) -> None:
        if self._loading or self._locked:
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = self._schedule(self.debounce, self.save)
        self._mark(self.collect()[2])
        self._render_state()

    def flush(self) -> None:
        """Save a pending change now (e.g. before switching application)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
            self.save()

    def save(self):
        """Save every part of the form that changed and is valid; returns the review as
        stored, ``None`` when nothing could be saved."""
        self._pending = None
        if self._locked or self.app_id is None:
            return None
        scores, opinion, problems, texts = self.collect()
        self._mark(problems)
        parts = {"weights": self.weights_value(), "scores": scores, "opinion": opinion}
        changed = {k: v for k, v in parts.items() if v != self._sent.get(k)}
        saved, error = self._save_parts(changed)
        self._save_error = error
        for part in parts:
            if part in changed and part not in saved:
                continue
            for name in texts:
                if _part_of(name) == part:
                    self._saved_text[name] = texts[name]
        if saved:
            self._saved_at = _clock()
            self._shown = self._signature(self._review, self._finalized)
            self._refresh_labels()
        self._render_state()
        return self._review if saved else None

    def _save_parts(self, parts: Mapping[str, Any]) -> tuple[set[str], BaseException | None]:
        """Save ``parts`` at once; when the store refuses one of them, each on its own so the
        others are not held back. Returns the parts saved and the first error."""
        if not parts:
            return set(), None
        try:
            self._review = self.store.save_draft(self.actor, self.app_id, **parts)
        except InputError as exc:
            if len(parts) == 1:
                return set(), exc
        except NzcError as exc:
            return set(), exc
        else:
            self._sent.update(parts)
            return set(parts), None
        saved, error = set(), None
        for name, value in parts.items():
            problem = self._save_one(name, value)
            if problem is None:
                saved.add(name)
            error = error or problem
        return saved, error

    def _save_one(self, name: str, value: Any) -> BaseException | None:
        try:
            self._review = self.store.save_draft(self.actor, self.app_id, **{name: value})
        except NzcError as exc:
            return exc
        self._sent[name] = value
        return None

    def _render_state(self) -> None:
        """The save state and the review's state, and the hidden element for the page's
        script (what is saved, whether the form is read-only)."""
        if self._locked:
            text, color, state = self._note, "#1b5e20", "saved"
        elif self._save_error is not None:
            text = ("保存失败：" + error_zh(self._save_error)
                    + "（修改仍在本页和本机浏览器中）")
            color, state = "#b71c1c", "error"
        elif self._pending is not None:
            text, color, state = "有未保存的修改", "#8d6e00", "dirty"
        elif self._problems:
            text = "未保存：" + "；".join(p.summary for p in self._problems)
            if self._saved_at:
                text += f"（其余内容已保存 {self._saved_at}）"
            color, state = "#b71c1c", "invalid"
        elif self._saved_at:
            text, color, state = f"已保存 {self._saved_at}", "#1b5e20", "saved"
        else:
            text, color, state = self._note, "#1b5e20", "saved"
        review_state = self._review.status_zh if self._review else "未开始"
        if self._finalized:
            review_state += "（已定稿）"
        self.status.value = (f"<span class='nzc-save-state' style='color:{color}'>"
                             f"{escape(text)}</span>　状态：<b>{escape(review_state)}</b>")
        self.meta.value = meta_html(self._key, self._saved_text, readonly=self._locked,
                                    state=state)

    # the copy kept by the browser ------------------------------------------------------

    def _restore_changed(self, change) -> None:
        if not change["new"]:
            return
        values = {} if self._locked else parse_restore(change["new"], self._fields())
        self.restore_box.value = ""
        if values:
            self.restore(values)

    def restore(self, values: Mapping[str, str]):
        """Write the texts the browser kept (field name → text) into the form and save."""
        if self._locked:
            return None
        fields = self._fields()
        self._loading = True
        try:
            for name, text in values.items():
                if name in fields:
                    fields[name].value = text
        finally:
            self._loading = False
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        return self.save()

    # following the store -----------------------------------------------------------------

    def _poll(self) -> None:
        try:
            self.refresh()
        except PermissionDenied as exc:
            if exc.code in {"inactive", "bad_token"}:  # access revoked: stop looking
                self._stop_polling()
                self.status.value = (f"<span style='color:#b71c1c'>{escape(error_zh(exc))}"
                                     "</span>")
        except NzcError:
            pass  # the store is busy or unavailable for a moment: the next look tries again

    def _stop_polling(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None

    def refresh(self) -> bool:
        """Follow what others changed: the application list's states, the own review's state
        (returned by the chair, finalized), and once submitted the panel's figures. Retries a
        failed save. Returns ``True`` when the screen changed."""
        changed = self._refresh_labels()
        if self.app_id is None or self._recused:
            return changed
        if self._save_error is not None and not self._locked and self._pending is None:
            self.save()
        review = self.store.my_review(self.actor, self.app_id)
        assignment = self._assignment(self.app_id)
        finalized = bool(assignment and assignment.finalized)
        if self._signature(review, finalized) != self._shown:
            self.show(self.app_id)
            return True
        if self._submitted:
            reviews = self.store.scores_for(self.actor, self.app_id)
            seen = tuple((r.expert_id, r.status, r.updated_at) for r in reviews)
            if seen != self._reviews_seen:
                self._reviews_seen = seen
                html = self._aggregate_html(reviews)
                if html != self.aggregate.value:
                    self.aggregate.value = html
                    changed = True
        return changed

    # submitting -------------------------------------------------------------------------

    def _ask_confirm(self) -> None:
        cr = self.consistency_ratio()
        no = w.Button(description="取消")
        no.on_click(lambda _: setattr(self.confirm, "children", []))
        if cr is not None and cr >= CR_THRESHOLD:
            note = w.HTML(f"<span style='color:#b71c1c;font-weight:600'>{escape(_cr_question(cr))}"
                          "（提交后不能修改，须经组长退回）</span>")
            yes = w.Button(description="仍要提交", button_style="danger")
            yes.on_click(lambda _: self.submit(accept_inconsistent=True))
            no.description = "返回修改"
        else:
            note = w.HTML("<span>提交后不能修改（须经组长退回）。确认提交？</span>")
            yes = w.Button(description="确认提交", button_style="danger")
            yes.on_click(lambda _: self.submit())
        self.confirm.children = [note, yes, no]

    def _say(self, text: str, kind: str = "error") -> None:
        self.message.value = (f"<div class='nzc-panel'><div class='nzc-msg {kind}'>"
                              f"{escape(text)}</div></div>")

    def submit(self, *, accept_inconsistent: bool = False):
        """Save, check, and submit the review; ``None`` (with a Chinese message, or the
        consistency question for CR ≥ :data:`CR_THRESHOLD` without ``accept_inconsistent``)
        when it cannot be submitted."""
        if self._locked:
            return None
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self.confirm.children = []
        self.save()
        if self._problems:
            self._say("不能提交：" + "；".join(p.summary for p in self._problems)
                      + "。请先改正标红的内容。")
            return None
        if self._save_error is not None:
            self._say("不能提交：最近的修改尚未保存。" + error_zh(self._save_error))
            return None
        review = self._review
        scores = dict(review.scores) if review else {}
        unscored = [c.name for c in self.criteria if c.id not in scores]
        missing = check_complete(self.criteria, scores, review.weights if review else None,
                                 review.opinion if review else Opinion())
        if missing:
            self._say("不能提交：" + "；".join(missing_zh(missing, unscored)) + "。")
            return None
        cr = (review.weights or {}).get("cr")
        if cr is not None and cr >= CR_THRESHOLD and not accept_inconsistent:
            self._ask_confirm()
            return None
        try:
            review = self.store.submit(self.actor, self.app_id)
        except NzcError as exc:
            self._say(error_zh(exc, unscored=unscored))
            return None
        self._review = review
        self._shown = self._signature(review, self._finalized)
        self._lock(True)
        self._note = f"已提交 {_clock()}"
        self.notice.value = ""
        self._say("评审已提交。", "ok")
        self._render_state()
        self._refresh_labels()
        return review

    def _lock(self, submitted: bool) -> None:
        for widget in [self.mode, *self.sliders, *[p for _, _, p in self.pairs],
                       *self.score_inputs.values(), self.strengths, self.problems,
                       self.revisions, self.recommendation, self.submit_button]:
            widget.disabled = True
        self._locked, self._submitted = True, submitted
        if submitted:
            reviews = self.store.scores_for(self.actor, self.app_id)
            self._reviews_seen = tuple((r.expert_id, r.status, r.updated_at) for r in reviews)
            self.aggregate.value = self._aggregate_html(reviews)

    def _aggregate_html(self, reviews=None) -> str:
        """The panel's figures once the expert has submitted (blind review before)."""
        from nzc_review.meeting.figures import application_figures

        figures = application_figures(
            self.store, self.actor, self.app_id,
            reviews=reviews if reviews is not None
            else self.store.scores_for(self.actor, self.app_id))
        if figures is None:
            return ""
        f = figures
        head = "".join(f"<th>{escape(c.name)}</th>" for c in self.criteria)
        rows = "".join(
            f"<tr><td>{escape(label)}</td>"
            + "".join(f"<td>{c.scores[i]:g}</td>" for c in f.criteria)
            + f"<td>{f.totals[i]:.2f}</td></tr>" for i, label in enumerate(f.experts))

        def line(name: str, attr: str) -> str:
            cells = "".join("<td>—</td>" if getattr(c, attr) is None
                            else f"<td><b>{getattr(c, attr):.1f}</b></td>" for c in f.criteria)
            total = getattr(f.total, attr)
            return (f"<tr><td><b>{escape(name)}</b></td>{cells}"
                    f"<td><b>{'—' if total is None else f'{total:.2f}'}</b></td></tr>")

        trim_name = f"去掉{f.trim}个最高分和{f.trim}个最低分后的平均" if f.trim else "截尾平均"
        return (f"{STYLE}<div class='nzc-panel'><h3>专家组评分（已提交 {f.n_experts} 位）</h3>"
                f"<table><tr><th>专家</th>{head}<th>加权总分</th></tr>{rows}"
                f"{line('平均', 'mean')}{line('中位数', 'median')}{line(trim_name, 'trimmed_mean')}"
                f"</table><p>专家组评分：<b>{f.panel_total:.2f}</b> 分"
                f"（{escape(f.panel_total_basis)}）</p>"
                f"<p style='color:#555;font-size:12px'>{escape(f.rules.describe_zh())}</p></div>")


def _cr_question(cr: float) -> str:
    """The confirmation asked before submitting inconsistent pairwise comparisons (Saaty
    1980: a CR of 0.10 or more calls for revising the judgments)."""
    return (f"一致性比率 CR = {cr:.2f} ≥ {CR_THRESHOLD:.2f}，判断矩阵不一致，仍要提交吗？")


def _part_of(field: str) -> str:
    """The stored part a text field belongs to."""
    return "scores" if field.startswith("score-") else "opinion"


def _clock() -> str:
    """The time of day in China time, ``10:42:05``."""
    from nzc_review.present.dates import CHINA_TZ

    return dt.datetime.now(CHINA_TZ).strftime("%H:%M:%S")


def _ioloop_call_later(delay: float, callback):
    """Run ``callback`` after ``delay`` seconds on the kernel's event loop; cancellable."""
    import asyncio

    loop = asyncio.get_event_loop()
    return loop.call_later(delay, callback)


def _ioloop_every(seconds: float, callback):
    """Run ``callback`` every ``seconds`` (±10 %) on the kernel's running event loop, as a
    started Tornado ``PeriodicCallback`` (``stop()`` ends it); ``None`` when no event loop
    runs (a script, a test)."""
    import asyncio

    from tornado.ioloop import PeriodicCallback

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None
    periodic = PeriodicCallback(callback, seconds * 1000, jitter=0.2)
    periodic.start()
    return periodic


def expert_panel(token: str | None):
    """The widget for the expert with ``token``, or a clear message (no data) when refused."""
    from nzc_review.ui.common import message, open_session

    store, actor = open_session(token)
    if store is None:
        return w.HTML(message(actor, "error"))
    if actor.role not in {"expert", "chair"}:
        return w.HTML(message("该链接不是评审专家的链接。组长请使用组长看板。", "error"))
    return ExpertPanel(store, actor).widget
