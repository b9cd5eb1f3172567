"""The weights tab of the expert's form: direct weights or pairwise comparisons (AHP).

Direct weights are sliders that always add up to 100 (:func:`rebalance`); pairwise
comparisons are Saaty's 1–9 scale for every pair of criteria, with the consistency ratio shown
live above them (Saaty 1980: a CR of :data:`~nzc_review.mcda.weighting.CR_THRESHOLD` or more
calls for revising the judgments).

What the expert chose is kept as plain data (:class:`WeightsTab` ``method``, ``points``,
``labels``): the widgets are built only when the tab is first shown, and what is saved
(:meth:`WeightsTab.value`) does not depend on whether they were.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

import ipywidgets as w
import numpy as np

from nzc_review.mcda.weighting import CR_THRESHOLD

__all__ = ["SAATY", "SAATY_LABELS", "WeightsTab", "cr_question", "nearest_saaty", "rebalance"]

#: Saaty's fundamental scale (Saaty 1980) and its labels.
SAATY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9]
SAATY_LABELS = ["1/9", "1/7", "1/5", "1/3", "1", "3", "5", "7", "9"]
MODES = [("直接赋权（合计100分）", "direct"), ("两两比较（AHP）", "pairwise")]


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


def nearest_saaty(value: float) -> str:
    """The label of the Saaty scale value nearest to ``value`` (on a log scale)."""
    return SAATY_LABELS[int(np.argmin([abs(np.log(value) - np.log(s)) for s in SAATY]))]


def cr_question(cr: float) -> str:
    """The confirmation asked before submitting inconsistent pairwise comparisons (Saaty
    1980: a CR of 0.10 or more calls for revising the judgments)."""
    return (f"一致性比率 CR = {cr:.2f} ≥ {CR_THRESHOLD:.2f}，判断矩阵不一致，仍要提交吗？")


class WeightsTab:
    """The weights of one expert's review of one application, and the tab that edits them.

    ``stored`` is the review's saved weights (``{"method": …, "points" | "matrix": …}``) or
    ``None``; ``on_change()`` is called after every change the expert makes. The widgets
    (:meth:`build`) exist once the tab is shown; the comparisons' sliders only once the
    pairwise mode is chosen.
    """

    def __init__(self, criteria: Sequence, stored: Mapping[str, Any] | None,
                 on_change: Callable[[], None]):
        stored = dict(stored or {})
        self.criteria = list(criteria)
        self.on_change = on_change
        self.method: str = stored.get("method", "direct")
        points = stored.get("points") or {}
        defaults = rebalance([round(c.weight * 100) for c in self.criteria], 0)
        self.points = [int(points.get(c.id, d))
                       for c, d in zip(self.criteria, defaults, strict=True)]
        matrix = stored.get("matrix")
        self.pair_index = list(itertools.combinations(range(len(self.criteria)), 2))
        self.labels = ["1" if not matrix else nearest_saaty(float(matrix[i][j]))
                       for i, j in self.pair_index]
        self.disabled = False
        self.box: w.VBox | None = None
        self.mode: w.ToggleButtons | None = None
        self.sliders: list[w.IntSlider] = []
        self.pairs: list[tuple[int, int, w.SelectionSlider]] = []
        self.sum_label: w.HTML | None = None
        self.cr_label: w.HTML | None = None
        self.pairwise_box: w.VBox | None = None
        self._stack: w.Stack | None = None
        self._rebalancing = False

    # what is saved -------------------------------------------------------------------------

    def matrix(self) -> list[list[float]]:
        """The pairwise comparison matrix of the chosen labels."""
        n = len(self.criteria)
        matrix = np.ones((n, n))
        for (i, j), label in zip(self.pair_index, self.labels, strict=True):
            value = SAATY[SAATY_LABELS.index(label)]
            matrix[i, j], matrix[j, i] = value, 1 / value
        return matrix.tolist()

    def value(self) -> dict:
        """The weights as the store takes them."""
        if self.method == "direct":
            return {"method": "direct", "points": {c.id: p for c, p in
                                                    zip(self.criteria, self.points, strict=True)}}
        return {"method": "pairwise", "matrix": self.matrix()}

    def consistency_ratio(self) -> float | None:
        """The CR of the pairwise comparisons, ``None`` in direct mode."""
        from nzc_review.mcda.weighting import ahp

        if self.method != "pairwise":
            return None
        return float(ahp(self.matrix()).cr)

    def disable(self) -> None:
        """Read-only from now on (built or not)."""
        self.disabled = True
        for widget in [self.mode, *self.sliders, *[p for _, _, p in self.pairs]]:
            if widget is not None:
                widget.disabled = True

    # the widgets ---------------------------------------------------------------------------

    def build(self) -> w.VBox:
        """The tab's widgets (built once)."""
        if self.box is not None:
            return self.box
        self.mode = w.ToggleButtons(options=MODES, value=self.method,
                                    style={"button_width": "auto"}, disabled=self.disabled)
        self.sliders = []
        for c, value in zip(self.criteria, self.points, strict=True):
            slider = w.IntSlider(value=value, min=0, max=100, description=c.name,
                                 style={"description_width": "190px"},
                                 layout=w.Layout(width="600px"), disabled=self.disabled)
            slider.observe(self._slider_changed, names="value")
            self.sliders.append(slider)
        self.sum_label = w.HTML()
        self._update_sum()
        self.cr_label = w.HTML()
        self.cr_label.add_class("nzc-cr-line")
        direct = w.VBox([*self.sliders, self.sum_label])
        self.pairwise_box = w.VBox()  # built on first use: 15 sliders the direct mode never needs
        self._stack = w.Stack([direct, self.pairwise_box],
                              selected_index=0 if self.method == "direct" else 1)
        if self.method == "pairwise":
            self._build_pairs()
        self.mode.observe(self._mode_changed, names="value")
        self.box = w.VBox([self.mode, self._stack])
        return self.box

    def _build_pairs(self) -> None:
        for (i, j), label in zip(self.pair_index, self.labels, strict=True):
            pair = w.SelectionSlider(options=SAATY_LABELS, value=label,
                                     description=f"{self.criteria[i].name} : {self.criteria[j].name}",
                                     style={"description_width": "380px"},
                                     layout=w.Layout(width="760px", height="28px"),
                                     disabled=self.disabled)
            pair.observe(self._pair_changed, names="value")
            self.pairs.append((i, j, pair))
        self._update_cr()
        # the consistency line first: it stays in view while the comparisons are moved
        self.pairwise_box.children = [
            w.HTML("<p style='margin:2px 0'>数值表示左侧要点相对右侧要点的重要程度"
                   "（Saaty 1–9 标度；1/3 表示右侧稍重要）。</p>"),
            self.cr_label, *[p for _, _, p in self.pairs]]

    def _mode_changed(self, change) -> None:
        self.method = change["new"]
        if self.method == "pairwise" and not self.pairs:
            self._build_pairs()
        self._stack.selected_index = 0 if self.method == "direct" else 1
        self.on_change()

    def _slider_changed(self, change) -> None:
        if self._rebalancing:
            return
        index = self.sliders.index(change["owner"])
        self.points = rebalance([s.value for s in self.sliders], index)
        self._rebalancing = True
        try:
            for slider, value in zip(self.sliders, self.points, strict=True):
                slider.value = value
        finally:
            self._rebalancing = False
        self._update_sum()
        self.on_change()

    def _pair_changed(self, change) -> None:
        k = next(k for k, (_, _, p) in enumerate(self.pairs) if p is change["owner"])
        self.labels[k] = change["new"]
        self._update_cr()
        self.on_change()

    def _update_sum(self) -> None:
        self.sum_label.value = f"<p>合计：<b>{sum(self.points)}</b> 分</p>"

    def _update_cr(self) -> None:
        from nzc_review.mcda.weighting import ahp

        result = ahp(self.matrix())
        weights = "、".join(f"{c.name} {wt:.0%}" for c, wt in
                           zip(self.criteria, result.weights, strict=True))
        warn = result.cr >= CR_THRESHOLD
        style = "color:#b71c1c;font-weight:700" if warn else "color:#1b5e20"
        text = (f"一致性比率 CR ≥ {CR_THRESHOLD:g}，判断不一致，请调整" if warn
                else f"一致性可以接受（CR < {CR_THRESHOLD:g}）")
        self.cr_label.value = (f"<p style='{style}'>CR = {result.cr:.3f}：{text}</p>"
                               f"<p>权重：{escape(weights)}</p>")
