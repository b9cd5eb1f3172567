"""Checking what an expert enters against the session's criteria and rules.

Pure functions. A draft may be incomplete (criteria not yet scored, weights half entered);
:func:`check_complete` says what a submission still lacks. Errors are
:class:`~nzc_review.errors.InputError` located at the field: ``scores: 建设基础: expected a
score from 0 to 100, got 120``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from nzc_review.errors import InputError
from nzc_review.store.base import RECOMMENDATIONS, Criterion, Opinion

__all__ = [
    "MAX_TEXT",
    "check_app_id",
    "POINTS_TOTAL",
    "as_number",
    "check_rules",
    "check_complete",
    "normalise_opinion",
    "normalise_scores",
    "normalise_weights",
    "parse_criteria",
    "weighted_total",
]

#: Longest text accepted in an opinion field (characters).
MAX_TEXT = 20_000
#: Direct weights are points over the criteria that add up to this.
POINTS_TOTAL = 100.0


def as_number(value: object) -> float | None:
    """``value`` as a finite float, ``None`` when it is not a finite number (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def check_app_id(app_id: object, source: str = "application") -> str:
    """An application id fit to become a file and folder name (:data:`nzc_review.policy.application.SAFE_ID`:
    never ``.`` or ``..``, no separator or control character; OWASP Path Traversal, CWE-22).

    Raises
    ------
    InputError
        naming ``id``.
    """
    import re

    from nzc_review.policy.application import ID_RULE, SAFE_ID

    if not isinstance(app_id, str) or not re.fullmatch(SAFE_ID.rstrip("$"), app_id):
        raise InputError(source, [("id", f"{ID_RULE}; got {app_id!r}")])
    return app_id


def _key(criteria: Sequence[Criterion], key: object) -> str | None:
    for c in criteria:
        if key in (c.id, c.name):
            return c.id
    return None


def _known(criteria: Sequence[Criterion]) -> str:
    return ", ".join(f"{c.id} ({c.name})" for c in criteria)


def parse_criteria(data: object) -> tuple[Criterion, ...]:
    """Criteria from plain data: a list of names, or of ``{id, name, name_en, weight}``.

    Weights default to equal and are normalised to sum 1.

    Raises
    ------
    InputError
        Not a non-empty list, duplicate ids or names, negative or all-zero weights.
    """
    if not isinstance(data, list) or not data:
        raise InputError("criteria", "expected a non-empty list of criteria")
    raw: list[tuple[str, str, str, float | None]] = []
    problems: list[tuple[str, str]] = []
    for i, item in enumerate(data):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            problems.append((f"[{i}]", "expected a name or {id, name, name_en, weight}"))
            continue
        unknown = set(item) - {"id", "name", "name_en", "weight"}
        if unknown:
            problems.append((f"[{i}]", f"unknown field {sorted(unknown)[0]!r}"))
        name = str(item.get("name") or "").strip()
        if not name:
            problems.append((f"[{i}].name", "required field is missing"))
            continue
        cid = str(item.get("id") or f"c{i + 1}").strip()
        weight = item.get("weight")
        if weight is not None and (as_number(weight) is None or weight < 0):
            problems.append((f"[{i}].weight", f"expected a number of at least 0, got {weight!r}"))
            weight = None
        raw.append((cid, name, str(item.get("name_en") or ""), weight))
    for what, values in (("id", [r[0] for r in raw]), ("name", [r[1] for r in raw])):
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            problems.append(("", f"duplicate criterion {what} {dupes[0]!r}"))
    if problems:
        raise InputError("criteria", problems)
    weights = [1.0 if w is None else float(w) for *_, w in raw]
    total = sum(weights)
    if total <= 0:
        raise InputError("criteria", "the criteria weights are all zero")
    return tuple(
        Criterion(cid, name, en, w / total)
        for (cid, name, en, _), w in zip(raw, weights, strict=True)
    )


def check_rules(rules: Mapping[str, Any]) -> None:
    """Check complete session rules (see :func:`nzc_review.store.base.default_rules`).

    Raises
    ------
    InputError
        An unknown display mode, a bad score range or trim, or bands the recommendation
        rules reject.
    """
    from nzc_review.mcda.recommendation import Band, RecommendationError, RecommendationRules

    problems: list[tuple[str, str]] = []
    if rules.get("expert_display") not in ("letters", "names"):
        problems.append(("expert_display", "expected letters or names"))
    lo, hi = as_number(rules.get("score_min")), as_number(rules.get("score_max"))
    if lo is None or hi is None or not lo < hi:
        problems.append(("score_min", "score_min and score_max must be numbers, min below max"))
    trim = rules.get("trim")
    if not isinstance(trim, int) or isinstance(trim, bool) or trim < 0:
        problems.append(("trim", f"expected a whole number of at least 0, got {trim!r}"))
    for key in ("outlier_z", "outlier_min_sd"):
        if key in rules and (as_number(rules[key]) is None or rules[key] <= 0):
            problems.append((key, f"expected a positive number, got {rules[key]!r}"))
    if "chair_scores" in rules and not isinstance(rules["chair_scores"], bool):
        problems.append(("chair_scores", f"expected true or false, got {rules['chair_scores']!r}"))
    least = rules.get("outlier_min_experts", 3)
    if not isinstance(least, int) or isinstance(least, bool) or least < 3:
        problems.append(
            ("outlier_min_experts", f"expected a whole number of at least 3, got {least!r}")
        )
    if problems:
        raise InputError("rules", problems)
    bands = rules.get("bands")
    try:
        if not isinstance(bands, list) or not all(isinstance(b, Mapping) for b in bands):
            raise RecommendationError(
                "expected a list of {code, label, lower, outcome}", name="bands"
            )
        RecommendationRules(
            bands=tuple(
                Band(
                    str(b["code"]),
                    str(b["label"]),
                    -math.inf if b.get("lower") is None else float(b["lower"]),
                    str(b["outcome"]),
                )
                for b in bands
            ),
            min_score=lo,
            max_score=hi,
        )
    except KeyError as exc:
        raise InputError("rules", [("bands", f"a band lacks {exc.args[0]!r}")]) from None
    except (RecommendationError, TypeError, ValueError) as exc:
        raise InputError("rules", [("bands", str(exc))]) from None


def normalise_scores(
    criteria: Sequence[Criterion], scores: Mapping[str, Any], lo: float = 0.0, hi: float = 100.0
) -> dict[str, float]:
    """Scores keyed by criterion id; ``None`` values (not scored yet) are dropped.

    Raises
    ------
    InputError
        An unknown criterion, a value that is not a number, or out of ``[lo, hi]``.
    """
    if not isinstance(scores, Mapping):
        raise InputError("scores", "expected a mapping of criterion → score")
    out: dict[str, float] = {}
    problems: list[tuple[str, str]] = []
    for key, value in scores.items():
        cid = _key(criteria, key)
        if cid is None:
            problems.append((str(key), f"unknown criterion; expected one of {_known(criteria)}"))
            continue
        if value is None:
            continue
        x = as_number(value)
        if x is None or not lo <= x <= hi:
            problems.append((str(key), f"expected a score from {lo:g} to {hi:g}, got {value!r}"))
            continue
        if cid in out:
            problems.append((str(key), "criterion given twice (by id and by name)"))
        out[cid] = x
    if problems:
        raise InputError("scores", problems)
    return {c.id: out[c.id] for c in criteria if c.id in out}


def normalise_weights(criteria: Sequence[Criterion], weights: Mapping[str, Any]) -> dict[str, Any]:
    """An expert's weights in stored form, with ``normalized`` (and ``cr``) once complete.

    Accepted input: ``{"method": "direct", "points": {criterion: points}}`` (points adding up
    to :data:`POINTS_TOTAL`, 100), a plain ``{criterion: points}`` mapping (same), or ``{"method":
    "pairwise", "matrix": [[...]]}`` with rows and columns in the session's criteria order
    (or in the order of an optional ``"criteria"`` list). Incomplete direct points are kept
    as a draft (no ``normalized``) until every criterion has points and they add up to 100.

    Raises
    ------
    InputError
        Unknown method or criterion, negative or non-numeric points, a matrix of the wrong
        shape or not a reciprocal positive matrix.
    """
    from nzc_review.mcda.weighting import WeightingError, ahp, direct_weights

    if not isinstance(weights, Mapping):
        raise InputError("weights", "expected a mapping")
    method = weights.get("method")
    if method is None:
        method, points = "direct", weights
    elif method == "direct":
        points = weights.get("points")
        if not isinstance(points, Mapping):
            raise InputError("weights", [("points", "expected a mapping of criterion → points")])
        extra = set(weights) - {"method", "points", "normalized"}
        if extra:
            raise InputError("weights", [(sorted(extra)[0], "unknown field")])
    elif method == "pairwise":
        return _pairwise(criteria, weights, ahp, WeightingError)
    else:
        raise InputError("weights", [("method", f"expected direct or pairwise, got {method!r}")])

    clean: dict[str, float] = {}
    problems: list[tuple[str, str]] = []
    for key, value in points.items():
        cid = _key(criteria, key)
        if cid is None:
            problems.append((str(key), f"unknown criterion; expected one of {_known(criteria)}"))
            continue
        if value is None:
            continue
        x = as_number(value)
        if x is None or x < 0:
            problems.append((str(key), f"expected points of at least 0, got {value!r}"))
            continue
        clean[cid] = x
    if problems:
        raise InputError("weights", problems)
    stored: dict[str, Any] = {
        "method": "direct",
        "points": {c.id: clean[c.id] for c in criteria if c.id in clean},
    }
    if len(clean) == len(criteria):
        try:
            w = direct_weights([clean[c.id] for c in criteria], total=POINTS_TOTAL)
        except WeightingError:
            pass  # all zero or not adding up to 100: a draft, not yet usable
        else:
            stored["normalized"] = {c.id: float(v) for c, v in zip(criteria, w, strict=True)}
    return stored


def _pairwise(criteria, weights, ahp, weighting_error) -> dict[str, Any]:
    extra = set(weights) - {"method", "matrix", "criteria", "normalized", "cr"}
    if extra:
        raise InputError("weights", [(sorted(extra)[0], "unknown field")])
    order = weights.get("criteria")
    ids = [c.id for c in criteria]
    if order is not None:
        mapped = [_key(criteria, k) for k in order] if isinstance(order, list) else None
        if mapped is None or None in mapped or sorted(mapped) != sorted(ids):
            raise InputError("weights", [("criteria", f"expected each of {_known(criteria)} once")])
    else:
        mapped = ids
    matrix = weights.get("matrix")
    n = len(ids)
    if (
        not isinstance(matrix, list)
        or len(matrix) != n
        or any(not isinstance(r, list) or len(r) != n for r in matrix)
    ):
        raise InputError(
            "weights",
            [("matrix", f"expected a {n} x {n} matrix (one row and column per criterion)")],
        )
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            x = as_number(v)
            if x is None or x <= 0:
                raise InputError(
                    "weights", [(f"matrix[{i}][{j}]", f"expected a positive number, got {v!r}")]
                )
    try:
        result = ahp(matrix)
    except weighting_error as exc:
        raise InputError("weights", [("matrix", str(exc))]) from None
    by_id = {cid: float(w) for cid, w in zip(mapped, result.weights, strict=True)}
    return {
        "method": "pairwise",
        "criteria": list(mapped),
        "matrix": [[float(v) for v in row] for row in matrix],
        "normalized": {cid: by_id[cid] for cid in ids},
        "cr": float(result.cr),
    }


def normalise_opinion(opinion: Opinion | Mapping[str, Any]) -> Opinion:
    """An :class:`Opinion` from a mapping (keys ``strengths``, ``problems``, ``revisions``,
    ``recommendation``; missing keys are empty).

    Raises
    ------
    InputError
        Unknown keys, non-text values, text longer than :data:`MAX_TEXT`, an unknown
        recommendation.
    """
    if isinstance(opinion, Opinion):
        data = opinion.to_dict()
    elif isinstance(opinion, Mapping):
        data = dict(opinion)
    else:
        raise InputError("opinion", "expected a mapping or an Opinion")
    problems: list[tuple[str, str]] = []
    for key in sorted(set(data) - {"strengths", "problems", "revisions", "recommendation"}):
        problems.append(
            (key, "unknown field; expected strengths, problems, revisions, recommendation")
        )
    texts: dict[str, str] = {}
    for key in ("strengths", "problems", "revisions"):
        value = data.get(key) or ""
        if not isinstance(value, str):
            problems.append((key, f"expected text, got {type(value).__name__}"))
            continue
        if len(value) > MAX_TEXT:
            problems.append((key, f"longer than {MAX_TEXT} characters"))
        texts[key] = value
    rec = data.get("recommendation") or None
    if rec is not None and rec not in RECOMMENDATIONS:
        problems.append(
            ("recommendation", f"expected one of {', '.join(RECOMMENDATIONS)}, got {rec!r}")
        )
    if problems:
        raise InputError("opinion", problems)
    return Opinion(texts["strengths"], texts["problems"], texts["revisions"], rec)


def check_complete(
    criteria: Sequence[Criterion],
    scores: Mapping[str, float],
    weights: Mapping[str, Any] | None,
    opinion: Opinion,
) -> list[tuple[str, str]]:
    """What a review still lacks before it can be submitted, as ``(field, message)``."""
    missing: list[tuple[str, str]] = []
    unscored = [c.name for c in criteria if c.id not in scores]
    if unscored:
        missing.append(("scores", f"not scored yet: {', '.join(unscored)}"))
    if weights is not None and "normalized" not in weights:
        points = weights.get("points") or {}
        given = sum(float(v) for v in points.values())
        missing.append(
            (
                "weights",
                f"incomplete: give points to every criterion, adding up to "
                f"{POINTS_TOTAL:g} (now {len(points)} of {len(criteria)} "
                f"criteria, {given:g} points), or clear the weights to use "
                "the session's defaults",
            )
        )
    if opinion.recommendation is None:
        missing.append(("opinion.recommendation", "choose 推荐, 修改完善后推荐 or 不推荐"))
    if opinion.recommendation == "recommend_after_revision" and not opinion.revisions.strip():
        missing.append(
            ("opinion.revisions", "修改意见 is required when recommending after revision")
        )
    return missing


def weighted_total(
    criteria: Sequence[Criterion],
    scores: Mapping[str, float],
    weights: Mapping[str, Any] | None,
) -> float | None:
    """``sum_c w_c s_c`` with the expert's normalised weights, else the session's; ``None``
    until every criterion is scored."""
    if any(c.id not in scores for c in criteria):
        return None
    norm = (weights or {}).get("normalized")
    if norm:
        w = {c.id: float(norm[c.id]) for c in criteria}
    else:
        total = sum(c.weight for c in criteria) or 1.0
        w = {c.id: c.weight / total for c in criteria}
    return float(sum(w[c.id] * scores[c.id] for c in criteria))
