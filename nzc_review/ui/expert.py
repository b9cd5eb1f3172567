"""The expert's review form (``panels/expert_review.ipynb``).

Opened with the expert's personal link. Lists the assigned applications (conflicted ones as
recused) with the state of each review, kept current; for each: the automatic evaluation, the
weighting of the criteria — direct (sliders that always add up to 100) or pairwise (AHP with
the consistency ratio shown live above the comparisons, and a confirmation to submit with
CR ≥ :data:`~nzc_review.mcda.weighting.CR_THRESHOLD`) — the scores with their guidance (in the
session's score range), the opinion, and submission with confirmation, after which the form
is read-only and the panel's figures appear and follow later submissions. Every rule (blind
review, recusal, locking) is enforced by the store.

The form's parts, each in its own module:

* the weights tab, direct or pairwise: :mod:`nzc_review.ui.expert_weights`;
* the scores and opinion tabs, and the checks of their fields:
  :mod:`nzc_review.ui.expert_fields`;
* autosave, the save state shown and the copy the browser keeps (nothing typed is lost):
  :mod:`nzc_review.ui.expert_autosave`, :mod:`nzc_review.ui.local_copy`;
* submission, its checks and the panel's figures: :mod:`nzc_review.ui.expert_submit`.

This module lays the form out and follows the store (every :data:`POLL_SECONDS`: the states
of the application list, the panel's figures once submitted, a review the chair returned or
an application finalized meanwhile).

The form opens with its first tab only (:class:`~nzc_review.ui.lazy_tabs.LazyTabs`): every
widget is drawn by the browser, hidden tabs included, and at a meeting every page opens at
once; the other tabs are built when first selected. What they hold is kept as data from the
start, so what is saved, the save state, the browser's copy and the locking cover every field
whether its tab was shown or not.

In an acceptance meeting (session rule ``kind``: ``acceptance``) the same form shows the
automatic acceptance evaluation of the self-evaluation report
(:mod:`nzc_review.ui.acceptance_view`) where a review shows the application's evaluation, the
acceptance criteria to score, and 通过验收 / 不通过验收 to choose; its words are those of
:func:`nzc_review.store.kinds.wording`.

Every message is Chinese (:mod:`nzc_review.ui.messages`).
"""

from __future__ import annotations

from html import escape

import ipywidgets as w

from nzc_review.errors import NzcError
from nzc_review.store import Opinion, PermissionDenied
from nzc_review.store.kinds import wording
from nzc_review.ui.common import STYLE, automatic_evaluation, evaluation_summary_html
from nzc_review.ui.expert_autosave import AutosaveMixin, clock
from nzc_review.ui.expert_fields import (
    OPINION_FIELDS,
    RECOMMENDATION_OPTIONS,
    FieldProblem,
    OpinionTab,
    ScoresTab,
    check_score,
    check_text,
)
from nzc_review.ui.expert_submit import SubmitMixin, returned_notice
from nzc_review.ui.expert_weights import SAATY, SAATY_LABELS, WeightsTab, rebalance
from nzc_review.ui.lazy_tabs import LAZY_STYLE, LazyTabs
from nzc_review.ui.local_copy import RESTORE_CLASS, draft_key
from nzc_review.ui.messages import error_zh

__all__ = ["FORM_STYLE", "OPINION_FIELDS", "POLL_SECONDS", "RECOMMENDATION_OPTIONS", "SAATY",
           "SAATY_LABELS", "TABS", "ExpertPanel", "FieldProblem", "check_score", "check_text",
           "expert_panel", "rebalance", "returned_notice"]

#: Seconds between two looks at the store for what others changed (本工具默认规则: a state
#: change shows within a few seconds; three cheap reads per look).
POLL_SECONDS = 3.0
#: The form's tabs, in order; only the first is built when the form opens.
TABS = ("自动评估", "指标达标", "权重", "评分", "评审意见")
WEIGHTS_TAB, SCORES_TAB, OPINION_TAB = 2, 3, 4

FORM_STYLE = """
<style>
.nzc-invalid input, .nzc-invalid textarea { border: 2px solid #b71c1c !important;
  background: #fdecea !important; }
.nzc-hint { color: #b71c1c; font-size: 12px; min-height: 0; }
.nzc-cr-line { background: #fff; border-bottom: 1px solid #ddd; padding: 2px 0; }
.nzc-cr-line p { margin: 2px 0; }
</style>
"""


class ExpertPanel(AutosaveMixin, SubmitMixin):
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

    The widgets of a tab not yet shown are built when asked for (``mode``, ``sliders``,
    ``pairs``, ``cr_label``, ``pairwise_box``, ``score_inputs``, ``strengths``,
    ``problems``, ``revisions``, ``recommendation``), as when the tab is selected.
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
        self._sent: dict = {}
        self._finalized = False
        self._key = ""
        self._tabs: LazyTabs | None = None
        self.session = store.session(actor)
        self.words = wording(self.session)
        self.acceptance = self.session.session_rules.is_acceptance
        self.criteria = list(self.session.criteria)
        self.score_min = self.session.session_rules.score_min
        self.score_max = self.session.session_rules.score_max
        self.status = w.HTML()
        self.notice = w.HTML()
        self.meta = w.HTML(layout=w.Layout(display="none"))
        self.restore_box = w.Textarea(layout=w.Layout(display="none"))
        self.restore_box.add_class(RESTORE_CLASS)
        self.restore_box.observe(self._restore_changed, names="value")
        words = self.words
        self.app_select = w.Dropdown(description=words.item, layout=w.Layout(width="640px"),
                                     style={"description_width": "70px"})
        self.body = w.VBox()
        header = w.HTML(
            f"{STYLE}{FORM_STYLE}{LAZY_STYLE}<div class='nzc-panel'><h2>{words.form_title} — "
            f"{escape(self.session.name)}</h2>"
            f"<p>{escape(actor.name)}（{escape(actor.role_zh if hasattr(actor, 'role_zh') else '专家')}）"
            f"：{words.form_intro}</p></div>")
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
            self.body.children = [w.HTML(f"<p>暂无分配给您的{self.words.item}。</p>")]

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
        ev = automatic_evaluation(self.store, self.actor, app_id)
        self._loading = True
        try:
            self._build(app_id, review, ev, finalized=bool(assignment and assignment.finalized))
        finally:
            self._loading = False

    def _build(self, app_id, review, ev, finalized: bool) -> None:
        """The form of one application: its data at once, the widgets of the first tab, the
        others when their tab is first selected."""
        self._weights = WeightsTab(self.criteria, review.weights if review else None,
                                   self._changed)
        self._scores = ScoresTab(self.criteria, dict(review.scores) if review else {},
                                 self._range(), self._changed)
        self._opinion = OpinionTab(review.opinion if review else None, self._changed,
                                   choices=self.words.outcomes, label=self.words.choice)
        self.submit_button = w.Button(description=self.words.submit, button_style="success")
        self.confirm = w.HBox()
        self.message = w.HTML()
        self.submit_button.on_click(lambda _: self._ask_confirm())
        self.aggregate = w.HTML()

        def overview() -> list[w.Widget]:
            if self.acceptance:
                from nzc_review.ui.acceptance_view import acceptance_overview_html

                return [w.HTML(acceptance_overview_html(ev))]
            from nzc_review.ui.common import forecast_png

            return [w.HTML(evaluation_summary_html(ev)),
                    w.Image(value=forecast_png(self.store, self.actor, app_id), format="png",
                            layout=w.Layout(max_width="820px"))]

        def compliance() -> list[w.Widget]:
            if self.acceptance:
                from nzc_review.ui.acceptance_view import acceptance_details_html

                return [w.HTML(acceptance_details_html(ev))]
            from nzc_review.present import evaluation_report as report

            return [w.HTML(report.style() + report.compliance_table(ev))]

        self._tabs = LazyTabs(list(zip(self.words.tabs, [
            overview, compliance, lambda: [self._weights.build()],
            lambda: [self._scores.build()], lambda: [self._opinion.build()]], strict=True)))
        self.body.children = [self._tabs.widget, w.HBox([self.submit_button, self.confirm]),
                              self.message, self.aggregate]
        self._review = review
        self._finalized = finalized
        self._shown = self._signature(review, finalized)
        self._sent = {"weights": self.weights_value(),
                      "scores": dict(review.scores) if review else {},
                      "opinion": (review.opinion if review else Opinion()).to_dict()}
        self._saved_text = self.field_texts()
        self._problems, self._save_error, self._saved_at = [], None, None
        self._key = draft_key(self.session.created_at, self.session.name,
                              self.actor.expert_id, app_id)
        self._locked = False
        self._note = f"已载入 {clock()}"
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

    def _range(self) -> str:
        """The session's score range, e.g. ``0–100``."""
        return f"{self.score_min:g}–{self.score_max:g}"

    # the widgets of each tab (built when asked for) ---------------------------------------

    def _shown_tab(self, index: int) -> None:
        self._tabs.build(index)

    @property
    def mode(self) -> w.ToggleButtons:
        self._shown_tab(WEIGHTS_TAB)
        return self._weights.mode

    @property
    def sliders(self) -> list[w.IntSlider]:
        self._shown_tab(WEIGHTS_TAB)
        return self._weights.sliders

    @property
    def pairs(self) -> list[tuple[int, int, w.SelectionSlider]]:
        self._shown_tab(WEIGHTS_TAB)
        return self._weights.pairs

    @property
    def cr_label(self) -> w.HTML:
        self._shown_tab(WEIGHTS_TAB)
        return self._weights.cr_label

    @property
    def pairwise_box(self) -> w.VBox:
        self._shown_tab(WEIGHTS_TAB)
        return self._weights.pairwise_box

    @property
    def score_inputs(self) -> dict[str, w.Text]:
        self._shown_tab(SCORES_TAB)
        return self._scores.inputs

    def _opinion_box(self, name: str) -> w.Widget:
        self._shown_tab(OPINION_TAB)
        return self._opinion.boxes[name]

    strengths = property(lambda self: self._opinion_box("strengths"))
    problems = property(lambda self: self._opinion_box("problems"))
    revisions = property(lambda self: self._opinion_box("revisions"))

    @property
    def recommendation(self) -> w.RadioButtons:
        self._shown_tab(OPINION_TAB)
        return self._opinion.choice

    @property
    def hints(self) -> dict[str, w.HTML]:
        """The hint beside each field built so far, by field name."""
        return {**self._scores.hints, **self._opinion.hints}

    # what the form holds (whether its tabs were shown or not) -----------------------------

    def weights_value(self) -> dict:
        return self._weights.value()

    def pairwise_matrix(self) -> list[list[float]]:
        return self._weights.matrix()

    def consistency_ratio(self) -> float | None:
        """The CR of the pairwise comparisons, ``None`` in direct mode."""
        return self._weights.consistency_ratio()

    def scores_value(self) -> tuple[dict, list[str]]:
        """The valid scores typed, and a ``名称：提示`` line for each field that is not."""
        values, problems = {}, []
        for i, c in enumerate(self.criteria):
            number, problem = check_score(self._scores.text(i), c.name,
                                          self.score_min, self.score_max)
            if problem is not None:
                problems.append(f"{c.name}：{problem.hint}")
            elif number is not None:
                values[c.id] = number
        return values, problems

    def opinion_value(self) -> dict:
        return self._opinion.value()

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
