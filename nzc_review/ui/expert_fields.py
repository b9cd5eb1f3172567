"""The scores tab and the opinion tab of the expert's form, and the checks of their fields.

Every text field is kept as plain data (``texts``, by field name: ``score-0`` …, ``strengths``,
``problems``, ``revisions``): the widgets are built only when their tab is first shown
(:class:`ScoresTab`, :class:`OpinionTab` ``build()``), and what is saved, marked, restored or
locked does not depend on whether they were. The browser keeps a copy of each text field while
it is typed (:mod:`nzc_review.ui.local_copy`): a field's widget carries the classes naming it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import ipywidgets as w

from nzc_review.store.validate import MAX_TEXT
from nzc_review.ui.common import criteria_guidance
from nzc_review.ui.local_copy import KEEP_CLASS, field_class

__all__ = ["OPINION_FIELDS", "RECOMMENDATION_OPTIONS", "FieldProblem", "OpinionTab",
           "ScoresTab", "check_score", "check_text", "part_of"]

RECOMMENDATION_OPTIONS = [("推荐", "recommend"), ("修改完善后推荐", "recommend_after_revision"),
                          ("不推荐", "do_not_recommend")]
#: The opinion's text fields: (field name, label).
OPINION_FIELDS = (("strengths", "主要优点"), ("problems", "存在问题"), ("revisions", "修改意见"))


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


def part_of(field: str) -> str:
    """The stored part (``scores`` or ``opinion``) a text field belongs to."""
    return "scores" if field.startswith("score-") else "opinion"


class _FieldsTab:
    """Text fields kept as data, with their widgets once built: typing updates ``texts``
    and calls ``on_change()``; :meth:`set` writes a text (into the widget when built);
    :meth:`mark` marks the fields that cannot be saved; :meth:`disable` makes them read-only."""

    def __init__(self, texts: Mapping[str, str], on_change: Callable[[], None]):
        self.texts = dict(texts)
        self.on_change = on_change
        self.boxes: dict[str, w.Widget] = {}
        self.hints: dict[str, w.HTML] = {}
        self.disabled = False
        self.box: w.VBox | None = None
        self._bad: dict[str, FieldProblem] = {}

    def _field(self, name: str, box: w.Widget) -> w.HTML:
        """Register the widget of field ``name``; returns the hint shown beside it."""
        box.add_class(KEEP_CLASS)
        box.add_class(field_class(name))
        box.disabled = self.disabled
        self.boxes[name] = box
        self.hints[name] = hint = w.HTML()
        hint.add_class("nzc-hint")
        self._show_mark(name)

        def typed(change) -> None:
            self.texts[name] = change["new"]
            self.on_change()

        box.observe(typed, names="value")
        return hint

    def set(self, name: str, text: str) -> None:
        """Write ``text`` into field ``name`` (as if typed)."""
        if name in self.boxes:
            self.boxes[name].value = text
        else:
            self.texts[name] = text
            self.on_change()

    def mark(self, problems: Mapping[str, FieldProblem]) -> None:
        """Mark the fields of ``problems`` (field name → problem) red with a hint; unmark the
        others."""
        self._bad = {name: p for name, p in problems.items() if name in self.texts}
        for name in self.boxes:
            self._show_mark(name)

    def _show_mark(self, name: str) -> None:
        box, problem = self.boxes[name], self._bad.get(name)
        if problem is not None:
            box.add_class("nzc-invalid")
        else:
            box.remove_class("nzc-invalid")
        self.hints[name].value = escape(problem.hint) if problem is not None else ""

    def _widgets(self) -> list[w.Widget]:
        return list(self.boxes.values())

    def disable(self) -> None:
        """Read-only from now on (built or not)."""
        self.disabled = True
        for widget in self._widgets():
            widget.disabled = True


class ScoresTab(_FieldsTab):
    """One score per criterion, typed as text (``score-<i>``), with its scoring guidance
    (``catalog/review_criteria.yaml``); ``inputs`` by criterion id once built."""

    def __init__(self, criteria: Sequence, scores: Mapping[str, float], score_range: str,
                 on_change: Callable[[], None]):
        self.criteria = list(criteria)
        self.score_range = score_range
        super().__init__({f"score-{i}": "" if scores.get(c.id) is None else f"{scores[c.id]:g}"
                          for i, c in enumerate(self.criteria)}, on_change)
        self.inputs: dict[str, w.Text] = {}

    def text(self, i: int) -> str:
        return self.texts[f"score-{i}"]

    def build(self) -> w.VBox:
        """The tab's widgets (built once)."""
        if self.box is not None:
            return self.box
        guidance = criteria_guidance()
        rows = []
        for i, c in enumerate(self.criteria):
            name = f"score-{i}"
            box = w.Text(value=self.texts[name], placeholder=self.score_range,
                         description=c.name, style={"description_width": "190px"},
                         layout=w.Layout(width="320px"))
            hint = self._field(name, box)
            self.inputs[c.id] = box
            info = guidance.get(c.name, {})
            bands = "；".join(f"{k}：{v}" for k, v in (info.get("bands") or {}).items())
            rows.append(w.HBox([w.VBox([box, hint]), w.HTML(
                f"<div style='font-size:12px;color:#444;max-width:720px'>"
                f"{escape(info.get('guidance', ''))}<br>{escape(bands)}</div>")]))
        self.box = w.VBox(rows)
        return self.box


class OpinionTab(_FieldsTab):
    """The opinion's text fields (:data:`OPINION_FIELDS`) and the recommendation: one of
    ``choices`` (``(label, code)``; default :data:`RECOMMENDATION_OPTIONS`, a review's; an
    acceptance meeting's are 通过验收 / 不通过验收), under ``label``."""

    def __init__(self, opinion: Any | None, on_change: Callable[[], None], *,
                 choices: Sequence[tuple[str, str]] = RECOMMENDATION_OPTIONS,
                 label: str = "推荐意见"):
        super().__init__({name: getattr(opinion, name) if opinion else ""
                          for name, _ in OPINION_FIELDS}, on_change)
        self.recommendation: str | None = opinion.recommendation if opinion else None
        self.choices, self.label = list(choices), label
        self.choice: w.RadioButtons | None = None

    def build(self) -> w.VBox:
        """The tab's widgets (built once)."""
        if self.box is not None:
            return self.box
        layout = w.Layout(width="860px", height="110px")
        rows: list[w.Widget] = []
        for name, label in OPINION_FIELDS:
            area = w.Textarea(value=self.texts[name], description=label, layout=layout)
            rows += [area, self._field(name, area)]
        self.choice = w.RadioButtons(options=[("未定", None), *self.choices],
                                     value=self.recommendation, description=self.label,
                                     disabled=self.disabled)

        def chosen(change) -> None:
            self.recommendation = change["new"]
            self.on_change()

        self.choice.observe(chosen, names="value")
        self.box = w.VBox([*rows, self.choice])
        return self.box

    def _widgets(self) -> list[w.Widget]:
        return [*super()._widgets(), *([self.choice] if self.choice is not None else [])]

    def value(self) -> dict:
        """The opinion as typed (unchecked)."""
        return {**self.texts, "recommendation": self.recommendation}
