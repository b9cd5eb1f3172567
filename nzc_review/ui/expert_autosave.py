"""Autosave of the expert's form, the save state it shows, and the copy the browser keeps.

* **every part is saved on its own** (debounced): the weights, the scores, the opinion. A
  field that is not valid (a score that is not a number of the session's range, a text longer
  than the store accepts, :mod:`nzc_review.ui.expert_fields`) is marked in red with a hint
  and kept out of the save — its last saved value stays in the store — and never holds back
  the rest. When the store refuses one part, the others are saved each on its own.
* **the state is always shown**: ``已保存 10:42:05``, ``有未保存的修改``,
  ``未保存：评分『建设基础』不是数字``, ``保存失败：…``; a failed save is retried
  (:meth:`~nzc_review.ui.expert.ExpertPanel.refresh`).
* **the browser keeps a copy** of the text fields until the store has them
  (:mod:`nzc_review.ui.local_copy`): the hidden element carries the fingerprints of the texts
  as saved, for every field of the form whether its tab was shown or not; a copy handed back
  is written into the form and saved (:meth:`AutosaveMixin.restore`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape
from typing import Any

from nzc_review.errors import InputError, NzcError
from nzc_review.ui.expert_fields import (
    OPINION_FIELDS,
    FieldProblem,
    check_score,
    check_text,
    part_of,
)
from nzc_review.ui.local_copy import meta_html, parse_restore
from nzc_review.ui.messages import error_zh

__all__ = ["AutosaveMixin", "clock"]


def clock() -> str:
    """The time of day in China time, ``10:42:05``."""
    from nzc_review.present.dates import CHINA_TZ

    return dt.datetime.now(CHINA_TZ).strftime("%H:%M:%S")


class AutosaveMixin:
    """Saving of :class:`~nzc_review.ui.expert.ExpertPanel`. Uses the panel's store, actor,
    ``app_id``, the tabs' data (``_weights``, ``_scores``, ``_opinion``), ``status``,
    ``meta``, ``restore_box`` and ``_schedule`` / ``debounce``."""

    def field_texts(self) -> dict[str, str]:
        """The text of every field the browser keeps a copy of, by field name."""
        return {**self._scores.texts, **self._opinion.texts}

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
            name, text = f"score-{i}", self._scores.text(i)
            number, problem = check_score(text, c.name, self.score_min, self.score_max, name)
            if problem is not None:
                problems.append(problem)
                number = sent_scores.get(c.id)
            else:
                texts[name] = text
            if number is not None:
                scores[c.id] = number
        for name, label in OPINION_FIELDS:
            text = self._opinion.texts[name]
            problem = check_text(text, label, name)
            if problem is not None:
                problems.append(problem)
                opinion[name] = sent_opinion.get(name) or ""
            else:
                opinion[name] = texts[name] = text
        opinion["recommendation"] = self._opinion.recommendation
        return scores, opinion, problems, texts

    def _mark(self, problems: list[FieldProblem]) -> None:
        """Mark the fields that cannot be saved (red, with a hint); unmark the others."""
        self._problems = problems
        bad = {p.field: p for p in problems}
        self._scores.mark(bad)
        self._opinion.mark(bad)

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
                if part_of(name) == part:
                    self._saved_text[name] = texts[name]
        if saved:
            self._saved_at = clock()
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
        values = {} if self._locked else parse_restore(change["new"], self.field_texts())
        self.restore_box.value = ""
        if values:
            self.restore(values)

    def restore(self, values: Mapping[str, str]):
        """Write the texts the browser kept (field name → text) into the form and save."""
        if self._locked:
            return None
        self._loading = True
        try:
            for name, text in values.items():
                for tab in (self._scores, self._opinion):
                    if name in tab.texts:
                        tab.set(name, text)
        finally:
            self._loading = False
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        return self.save()
