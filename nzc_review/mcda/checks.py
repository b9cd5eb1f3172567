"""The input checks every multi-criteria method shares, and their one error class.

Weighting (:mod:`nzc_review.mcda.weighting`), ranking (:mod:`nzc_review.mcda.ranking`), the
panel statistics (:mod:`nzc_review.mcda.panel_stats`) and the recommendation rules
(:mod:`nzc_review.mcda.recommendation`) check their arguments here, so that one mistake reads
the same wherever it is made and is caught as one class, :class:`McdaError`. Each check names
the argument (or the element: ``matrix[2, 0]``), the value and the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nzc_review.errors import FieldError

__all__ = [
    "McdaError",
    "Shape",
    "at_least",
    "benefit_flags",
    "every",
    "finite_number",
    "float_array",
    "one_of",
    "positive",
    "weight_rows",
    "weights",
    "whole_number",
]


class McdaError(FieldError, ValueError):
    """Bad input to a multi-criteria method: ``name`` is the argument (or element),
    ``value`` the culprit, ``reason`` what is wrong."""


class Shape(tuple):
    """An array's shape as the value of an error: it reads ``shape (3, 2)``."""

    def __repr__(self) -> str:
        return f"shape {tuple(self)}"


def every(ok: NDArray[np.bool_], arr: NDArray[np.float64], name: str, reason: str) -> None:
    """Refuse ``arr`` unless ``ok`` holds for every element; the error names the first
    element where it does not (``matrix[2, 0]``) and its value."""
    if not ok.all():
        where = tuple(int(i) for i in np.argwhere(~ok)[0])
        raise McdaError(reason, name=f"{name}{list(where)}", value=arr[where])


def float_array(
    x: ArrayLike,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    layout: str | None = None,
    allow_nan: bool = False,
) -> NDArray[np.float64]:
    """``x`` as a non-empty float array of ``ndim`` dimensions with finite values.

    ``allow_nan`` lets NaN stand for a value not given (a recusal); infinite values are
    refused either way. ``layout`` says what the axes are (``"experts x criteria"``).
    """
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise McdaError(f"not numeric ({exc})", name=name) from None
    dims = (ndim,) if isinstance(ndim, int) else ndim
    if dims is not None and arr.ndim not in dims:
        what = " or ".join(f"{d}-D" for d in dims)
        raise McdaError(
            f"expected a {what} array" + (f" ({layout})" if layout else ""),
            name=name,
            value=Shape(arr.shape),
        )
    if arr.size == 0:
        raise McdaError("is empty", name=name, value=Shape(arr.shape))
    if allow_nan:
        every(~np.isinf(arr), arr, name, "infinite values are not allowed")
    else:
        every(np.isfinite(arr), arr, name, "NaN or infinite values are not allowed")
    return arr


def at_least(count: int, least: int, name: str, what: str, method: str) -> None:
    """Refuse fewer than ``least`` ``what`` (experts, alternatives, raters …) for ``method``."""
    if count < least:
        raise McdaError(f"{method} needs at least {least} {what}", name=name, value=int(count))


def weights(
    w: ArrayLike,
    n: int,
    name: str = "weights",
    *,
    per: str = "one per criterion",
    noun: str = "weights",
    total: float | None = None,
    atol: float = 1e-6,
) -> NDArray[np.float64]:
    """``n`` non-negative finite weights, not all zero, normalised to sum 1.

    With ``total`` the weights must already add up to it (within ``atol`` relative to the
    total): 100 for points an expert hands out, 1 for shares.
    """
    a = float_array(w, name, ndim=1)
    if a.shape[0] != n:
        raise McdaError(f"expected {n} {noun} ({per})", name=name, value=Shape(a.shape))
    every(a >= 0, a, name, "must not be negative")
    s = float(a.sum())
    if s <= 0:
        raise McdaError(f"{noun} are all zero", name=name, value=a)
    if total is not None and abs(s - total) > atol * max(1.0, abs(total)):
        raise McdaError(f"add up to {s:g}, must add up to {total:g}", name=name, value=a)
    return a / s


def weight_rows(
    w: ArrayLike,
    n: int,
    name: str,
    *,
    rows: int | None = None,
    layout: str = "samples x criteria",
) -> NDArray[np.float64]:
    """A matrix of weight vectors (one per row, ``n`` columns; ``rows`` of them when given),
    each non-negative and not all zero, each normalised to sum 1."""
    a = float_array(w, name, ndim=2, layout=layout)
    if a.shape[1] != n or (rows is not None and a.shape[0] != rows):
        want = f"{'samples' if rows is None else rows} x {n}"
        raise McdaError(f"expected {want} weights ({layout})", name=name, value=Shape(a.shape))
    every(a >= 0, a, name, "must not be negative")
    s = a.sum(axis=1, keepdims=True)
    if (s <= 0).any():
        i = int(np.argmax(s.ravel() <= 0))
        raise McdaError("a row of weights is all zero", name=f"{name}[{i}]", value=a[i])
    return a / s


def benefit_flags(benefit: ArrayLike | None, n: int, name: str = "benefit") -> NDArray[np.bool_]:
    """``n`` flags, ``True`` (or 1) where larger is better, ``False`` (or -1) for a cost;
    all benefit when ``None``."""
    if benefit is None:
        return np.ones(n, dtype=bool)
    b = np.asarray(benefit)
    if b.shape != (n,):
        raise McdaError(f"expected {n} flags (one per criterion)", name=name, value=Shape(b.shape))
    if b.dtype.kind in "iu" and np.isin(b, (-1, 1)).all():
        return b > 0
    if b.dtype.kind != "b":
        raise McdaError(
            "flags are True (benefit) / False (cost), or 1 / -1", name=name, value=b.tolist()
        )
    return b


def finite_number(value: object, name: str) -> float:
    """``value`` as a finite float (not a bool, not NaN, not infinite)."""
    if isinstance(value, bool | np.bool_):
        raise McdaError("must be a number", name=name, value=value)
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise McdaError("must be a number", name=name, value=value) from None
    if not math.isfinite(x):
        raise McdaError("must be a finite number, not NaN or infinite", name=name, value=value)
    return x


def positive(value: object, name: str) -> float:
    """``value`` as a finite number above 0."""
    x = finite_number(value, name)
    if x <= 0:
        raise McdaError("must be a positive number", name=name, value=value)
    return x


def whole_number(value: object, name: str, least: int = 0) -> int:
    """``value`` as a whole number of at least ``least``; ``2.0`` is 2, while ``2.5``,
    ``True`` and ``"2"`` are refused."""
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )
    if not ok or not (math.isfinite(value) and float(value).is_integer() and value >= least):
        raise McdaError(f"must be a whole number of at least {least}", name=name, value=value)
    return int(value)


def one_of(value: object, options: Iterable[str], name: str, what: str) -> None:
    """Refuse a ``value`` that is not among ``options`` (listed in the given order)."""
    known = list(options)
    if value not in known:
        raise McdaError(f"unknown {what}; one of {known}", name=name, value=value)
