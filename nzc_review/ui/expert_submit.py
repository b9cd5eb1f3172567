"""Submitting the expert's review: the checks, the confirmation, the read-only form after it,
the panel's figures once submitted, and the chair's reason when a review comes back.

A review is submitted only when every part is saved and valid and it is complete
(:func:`nzc_review.store.validate.check_complete`); pairwise comparisons with a consistency
ratio of :data:`~nzc_review.mcda.weighting.CR_THRESHOLD` or more ask first (Saaty 1980). After
submission the form is read-only and the panel's figures appear (blind review before) — those
of :func:`nzc_review.store.figures.application_figures`, the same the chair's dashboard and
the opinion report show. Every rule (blind review, recusal, locking) is enforced by the store.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import ipywidgets as w

from nzc_review.errors import NzcError
from nzc_review.mcda.weighting import CR_THRESHOLD
from nzc_review.store import Opinion
from nzc_review.store.validate import check_complete
from nzc_review.ui.common import STYLE
from nzc_review.ui.expert_autosave import clock
from nzc_review.ui.expert_weights import cr_question
from nzc_review.ui.messages import error_zh, missing_zh

__all__ = ["SubmitMixin", "china_time", "returned_notice"]


def china_time(instant: str | None) -> str:
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
            f"组长已于 {escape(china_time(review.reopened_at))} 退回您的评审，请修改后重新提交。"
            f"<br><b>退回原因：</b>{reason}</div></div>")


class SubmitMixin:
    """Submission of :class:`~nzc_review.ui.expert.ExpertPanel`. Uses the panel's store,
    actor, ``app_id``, criteria, the tabs' data, ``submit_button``, ``confirm``, ``message``,
    ``aggregate`` and its saving (:class:`~nzc_review.ui.expert_autosave.AutosaveMixin`)."""

    def _ask_confirm(self) -> None:
        cr = self.consistency_ratio()
        no = w.Button(description="取消")
        no.on_click(lambda _: setattr(self.confirm, "children", []))
        if cr is not None and cr >= CR_THRESHOLD:
            note = w.HTML(f"<span style='color:#b71c1c;font-weight:600'>{escape(cr_question(cr))}"
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
                                 review.opinion if review else Opinion(), self.session.kind)
        if missing:
            self._say("不能提交：" + "；".join(missing_zh(missing, unscored, self.words)) + "。")
            return None
        cr = (review.weights or {}).get("cr")
        if cr is not None and cr >= CR_THRESHOLD and not accept_inconsistent:
            self._ask_confirm()
            return None
        try:
            review = self.store.submit(self.actor, self.app_id)
        except NzcError as exc:
            self._say(error_zh(exc, unscored=unscored, words=self.words))
            return None
        self._review = review
        self._shown = self._signature(review, self._finalized)
        self._lock(True)
        self._note = f"已提交 {clock()}"
        self.notice.value = ""
        self._say(f"{self.words.doing}已提交。", "ok")
        self._render_state()
        self._refresh_labels()
        return review

    def _lock(self, submitted: bool) -> None:
        """The form read-only (every tab, shown or not); once submitted, the panel's
        figures."""
        for tab in (self._weights, self._scores, self._opinion):
            tab.disable()
        self.submit_button.disabled = True
        self._locked, self._submitted = True, submitted
        if submitted:
            reviews = self.store.scores_for(self.actor, self.app_id)
            self._reviews_seen = tuple((r.expert_id, r.status, r.updated_at) for r in reviews)
            self.aggregate.value = self._aggregate_html(reviews)

    def _aggregate_html(self, reviews=None) -> str:
        """The panel's figures once the expert has submitted (blind review before)."""
        from nzc_review.store.figures import application_figures

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
