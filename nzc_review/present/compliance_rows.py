"""The row of one indicator in the compliance table (指标达标情况), computed once for every
view: the evaluation report's HTML table and the terminal table of ``nzc-review check``
(DESIGN.md "One figure, one function"). Each view formats the values and words the notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nzc_review.evaluation.compliance import IndicatorResult
from nzc_review.policy import catalog

__all__ = ["IndicatorRow", "Note", "indicator_row"]

#: What a row can note, in the order shown: the current value was computed from the
#: application's data; the target is stricter than the reference value; the declared value
#: disagrees with the computed one; the benchmark (优于…基准值) given, or not given.
Note = Literal["computed", "stricter", "discrepancy", "benchmark", "no_benchmark"]


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator's cells, before formatting.

    Attributes
    ----------
    reference:
        The reference value as printed (:func:`nzc_review.policy.catalog.display_reference`).
    type_zh:
        核心指标, 一般指标, … (:data:`nzc_review.policy.catalog.INDICATOR_TYPE_ZH`).
    core:
        A core indicator (the views set it in bold).
    current, target:
        The values as the application gives them (or as computed), unformatted.
    notes:
        What the row notes (:data:`Note`), in the order shown.
    benchmark, unit:
        The benchmark value and the unit, for the ``benchmark`` note.
    """

    code: str
    category: str
    name_zh: str
    reference: str
    type_zh: str
    core: bool
    current: object
    current_status: str
    target: object
    target_status: str
    notes: tuple[Note, ...]
    benchmark: float | None
    unit: str


def _notes(r: IndicatorResult) -> tuple[Note, ...]:
    notes: list[Note] = []
    if r.current_source == "computed":
        notes.append("computed")
    if r.stricter_than_reference:
        notes.append("stricter")
    if r.discrepancy:
        notes.append("discrepancy")
    if r.rule == "benchmark":
        notes.append("benchmark" if r.benchmark is not None else "no_benchmark")
    return tuple(notes)


def indicator_row(r: IndicatorResult) -> IndicatorRow:
    """The cells of ``r``'s row in the compliance table."""
    return IndicatorRow(
        code=r.code,
        category=r.category,
        name_zh=r.name_zh,
        reference=catalog.display_reference(r.reference),
        type_zh=catalog.INDICATOR_TYPE_ZH[r.type],
        core=r.type == "core",
        current=r.current,
        current_status=r.current_status,
        target=r.target,
        target_status=r.target_status,
        notes=_notes(r),
        benchmark=r.benchmark,
        unit=r.unit,
    )
