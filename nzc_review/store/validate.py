"""Every check of what the review store is given: session settings and rules, people,
applications, reviews, the consensus, reasons and notes.

Pure functions; the store calls them before it writes anything. A draft may be incomplete
(criteria not yet scored, weights half entered); :func:`check_complete` says what a submission
still lacks. Errors are :class:`~nzc_review.errors.InputError` located at the field: ``scores:
建设基础: expected a score from 0 to 100, got 120``; a refused single field is an
:class:`~nzc_review.store.errors.InvalidField` with a ``code`` a panel can say in Chinese.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, NoReturn

from nzc_review.errors import InputError
from nzc_review.store.errors import InvalidField, StoreError
from nzc_review.store.records import (
    RECOMMENDATION_ZH,
    RECOMMENDATIONS,
    RECOMMENDATIONS_OF_KIND,
    ROLES,
    Criterion,
    Opinion,
)
from nzc_review.store.rules import (
    EXPERT_DISPLAYS,
    KINDS,
    RULE_NAMES,
    SessionRules,
    default_rules,
)

if TYPE_CHECKING:
    from nzc_review.mcda.recommendation import Band

__all__ = [
    "MAX_REASON",
    "MAX_TEXT",
    "POINTS_TOTAL",
    "SYNCHRONOUS_MODES",
    "as_number",
    "check_app_id",
    "check_audit_head",
    "check_complete",
    "check_consensus",
    "check_decision",
    "check_document_kind",
    "check_expert",
    "check_new_rules",
    "check_rules",
    "check_sha256",
    "check_synchronous",
    "check_text",
    "conflict_expert",
    "document_application",
    "normalise_opinion",
    "normalise_scores",
    "normalise_weights",
    "parse_criteria",
    "require_complete",
    "weighted_total",
]

#: Longest text accepted in an opinion field (characters).
MAX_TEXT = 20_000
#: Longest reason (of a conflict of interest, a reopened review) or finalization note.
MAX_REASON = 2000
#: Direct weights are points over the criteria that add up to this.
POINTS_TOTAL = 100.0
#: SQLite ``PRAGMA synchronous`` settings the store accepts (https://sqlite.org/pragma.html).
SYNCHRONOUS_MODES = ("FULL", "NORMAL", "EXTRA")


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
    from nzc_review.policy.application import ID_RULE, SAFE_ID

    if not isinstance(app_id, str) or not re.fullmatch(SAFE_ID.rstrip("$"), app_id):
        raise InputError(source, [("id", f"{ID_RULE}; got {app_id!r}")])
    return app_id


#: The file format each kind of session imports (:attr:`SessionRules.kind`): a review the
#: application file (DESIGN.md contract 2), an acceptance meeting the self-evaluation report
#: (自我评价报告, :mod:`nzc_review.lifecycle.model`).
KIND_FORMATS = {"review": "nzc-application/1", "acceptance": "nzc-acceptance/1"}
_FORMAT_ZH = {"nzc-application/1": "申报文件（试点创建方案，nzc-application/1）",
              "nzc-acceptance/1": "验收自评估报告（自我评价报告，nzc-acceptance/1）",
              "nzc-disclosure/1": "碳排放信息披露文件（nzc-disclosure/1）"}
_KIND_ZH = {"review": "评审会", "acceptance": "验收会"}


def check_document_kind(snapshot: Mapping[str, Any], kind: str, source: str) -> None:
    """A file fit for a session of ``kind``: an application for a review (a document declaring
    another format is refused), a self-evaluation report for an acceptance meeting
    (河环发〔2023〕23号 三、(二)2).

    Raises
    ------
    InputError
        naming the file and its ``format``, in one Chinese sentence saying what the session
        imports.
    """
    wanted = KIND_FORMATS.get(kind, KIND_FORMATS["review"])
    given = snapshot.get("format") if isinstance(snapshot, Mapping) else None
    if given == wanted or (given is None and kind != "acceptance"):
        return  # (a review's caller may hand over an application's data without its format)
    shown = _FORMAT_ZH.get(str(given), f"format {given!r}")
    raise InputError(source, [("format", f"该文件是{shown}；本{_KIND_ZH.get(kind, '评审会')}只导入"
                                         f"{_FORMAT_ZH[wanted]}")])


def document_application(snapshot: Mapping[str, Any]) -> Mapping[str, Any]:
    """The application a kept document is about: the document itself (an application), or the
    application a self-evaluation report embeds (``application.content``)."""
    if snapshot.get("format") == KIND_FORMATS["acceptance"]:
        return (snapshot.get("application") or {}).get("content") or {}
    return snapshot


def check_text(
    value: object, field: str, *, required: bool = True, limit: int = 200
) -> str | None:
    """A one-field text (a name, a reason, a note) with the spaces around it removed;
    ``None`` for an empty optional one.

    Raises
    ------
    InvalidField
        ``empty`` (required and blank), ``not_text`` or ``too_long`` (over ``limit``
        characters).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidField(field, "empty", "must not be empty")
        return None
    text = value.strip() if isinstance(value, str) else value
    fault = _text_fault(text, limit)
    if fault is not None:
        _refuse(field, fault, limit)
    return text


def _refuse(field: str, fault: tuple[str, str], limit: int) -> NoReturn:
    code, message = fault
    raise InvalidField(field, code, message, limit=limit if code == "too_long" else None)


def _text_fault(value: object, limit: int) -> tuple[str, str] | None:
    """``(code, message)`` when ``value`` is not text or longer than ``limit``, else ``None``."""
    if not isinstance(value, str):
        return "not_text", f"expected text, got {type(value).__name__}"
    if len(value) > limit:
        return "too_long", f"longer than {limit} characters"
    return None


def check_sha256(digest: object) -> str:
    """A SHA-256 given as 64 hex digits (the source file's hash on import).

    Raises
    ------
    InputError
        naming ``content_sha256``.
    """
    if not isinstance(digest, str) or len(digest) != 64:
        raise InputError("content_sha256", "expected 64 hex digits")
    return digest


def check_synchronous(mode: str) -> str:
    """The SQLite ``synchronous`` setting, upper case (one of :data:`SYNCHRONOUS_MODES`).

    Raises
    ------
    StoreError
        Another value.
    """
    if not isinstance(mode, str) or mode.upper() not in SYNCHRONOUS_MODES:
        raise StoreError(f"synchronous must be FULL, NORMAL or EXTRA, got {mode!r}")
    return mode.upper()


def check_audit_head(head: str) -> tuple[int, str]:
    """A head of the audit trail written down earlier, ``COUNT:HASH``
    (:func:`nzc_review.store.audit.parse_head`).

    Raises
    ------
    InputError
        naming ``--head``.
    """
    from nzc_review.store.audit import parse_head

    try:
        return parse_head(head)
    except ValueError as exc:
        raise InputError("--head", str(exc)) from None


def check_expert(
    *,
    name: object,
    organisation: object,
    role: object,
    title: object = None,
    field: object = None,
    county: object = None,
) -> dict[str, Any]:
    """A new panel member's record: name and organisation required, the role one of
    :data:`~nzc_review.store.records.ROLES`.

    Raises
    ------
    InvalidField
        A blank name or organisation, a text too long, an unknown role.
    """
    clean = {
        "name": check_text(name, "name"),
        "organisation": check_text(organisation, "organisation"),
        "title": check_text(title, "title", required=False),
        "field": check_text(field, "field", required=False),
        "county": check_text(county, "county", required=False),
    }
    if role not in ROLES:
        raise InvalidField(
            "role", "bad_choice", f"expected one of {', '.join(ROLES)}, got {role!r}"
        )
    return {**clean, "role": role}


def check_decision(decision: object) -> str:
    """The decision on a detected conflict of interest: ``confirm`` or ``waive``.

    Raises
    ------
    InputError
        naming ``decision``.
    """
    if decision not in ("confirm", "waive"):
        raise InputError("decision", f"expected confirm or waive, got {decision!r}")
    return str(decision)


def conflict_expert(expert_id: int | None, own_id: int | None) -> int:
    """Who a declared conflict of interest is for: ``expert_id`` when given, else the
    declaring person themself.

    Raises
    ------
    InputError
        Neither (the operator declaring without naming the expert).
    """
    target = expert_id if expert_id is not None else own_id
    if target is None:
        raise InputError("expert_id", "name the expert who has the conflict")
    return target


def _key(criteria: Sequence[Criterion], key: object) -> str | None:
    for c in criteria:
        if key in (c.id, c.name):
            return c.id
    return None


def _known(criteria: Sequence[Criterion]) -> str:
    return ", ".join(f"{c.id} ({c.name})" for c in criteria)


def parse_criteria(data: object) -> tuple[Criterion, ...]:
    """Criteria from plain data: a list of names, of ``{id, name, name_en, weight}``, or of
    :class:`~nzc_review.store.records.Criterion`.

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
        elif isinstance(item, Criterion):
            item = item.to_dict()
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


def check_rules(rules: Mapping[str, Any], *, source: str = "rules") -> SessionRules:
    """Session rules from plain data, checked (:class:`~nzc_review.store.rules.SessionRules`
    says what each rule means; a rule left out takes its default there).

    Raises
    ------
    InputError
        Naming every refused rule: an unknown one, an unknown display mode, a bad score
        range, trim or outlier setting, a ``chair_scores`` that is not true or false, or
        bands the recommendation rules reject, or review rules the review-rules file refuses
        (``review.veto.action``), an unknown ``kind``, acceptance rules the rules file refuses
        (``acceptance.weights.core``) or given to a review session, bands whose outcomes are
        not those of the session's kind.
    """
    if not isinstance(rules, Mapping):
        raise InputError(source, "expected a mapping of rule names to values")
    def rule(name: str) -> Any:  # not bands: their default is read only when needed
        return rules[name] if name in rules else _RULE_DEFAULTS[name]

    problems = [(str(k), "unknown rule") for k in sorted(set(rules) - set(RULE_NAMES), key=str)]
    if rule("expert_display") not in EXPERT_DISPLAYS:
        problems.append(("expert_display", "expected letters or names"))
    lo, hi = as_number(rule("score_min")), as_number(rule("score_max"))
    if lo is None or hi is None or not lo < hi:
        problems.append(("score_min", "score_min and score_max must be numbers, min below max"))
    trim = rule("trim")
    if not _whole(trim, 0):
        problems.append(("trim", f"expected a whole number of at least 0, got {trim!r}"))
    for key in ("outlier_z", "outlier_min_sd"):
        x = as_number(rule(key))
        if x is None or x <= 0:
            problems.append((key, f"expected a positive number, got {rule(key)!r}"))
    least = rule("outlier_min_experts")
    if not _whole(least, 3):
        problems.append(
            ("outlier_min_experts", f"expected a whole number of at least 3, got {least!r}")
        )
    if not isinstance(rule("chair_scores"), bool):
        problems.append(("chair_scores", f"expected true or false, got {rule('chair_scores')!r}"))
    given = {}
    kind = rule("kind")
    if kind not in KINDS:
        problems.append(("kind", f"expected review or acceptance, got {kind!r}"))
    if "acceptance" in rules:
        if kind != "acceptance":
            problems.append(("acceptance", "acceptance rules belong to a session of kind "
                                           "acceptance"))
        else:
            from nzc_review.mcda.acceptance_rules import acceptance_rules_from_dict

            try:
                given["acceptance"] = acceptance_rules_from_dict(rules["acceptance"], source)
            except InputError as exc:
                problems += list(exc.problems)
    if "review" in rules:
        from nzc_review.evaluation.review_rules import review_rules_from_mapping

        try:
            given["review"] = review_rules_from_mapping(rules["review"], source)
        except InputError as exc:
            problems += [(f"review.{where}" if where else "review", text)
                         for where, text in exc.problems]
    if "bands" in rules:
        from nzc_review.mcda.recommendation import RecommendationRules

        try:
            given["bands"] = _bands(rules["bands"])
            if lo is not None and hi is not None and lo < hi:
                made = RecommendationRules(bands=given["bands"], min_score=lo, max_score=hi)
                if kind in KINDS and made.acceptance != (kind == "acceptance"):
                    wanted = ", ".join(RECOMMENDATIONS_OF_KIND[kind])
                    problems.append(("bands", f"a {kind} session's bands give {wanted}"))
        except KeyError as exc:
            problems.append(("bands", f"a band lacks {exc.args[0]!r}"))
        except (TypeError, ValueError) as exc:  # the recommendation rules' McdaError too
            problems.append(("bands", str(exc)))
    elif kind == "acceptance" and not problems:  # the grades of the acceptance rules
        from nzc_review.mcda.acceptance_rules import panel_bands
        from nzc_review.mcda.recommendation import RecommendationRules

        given["bands"] = panel_bands(given.get("acceptance"))
        try:
            RecommendationRules(bands=given["bands"], min_score=lo, max_score=hi)
        except ValueError as exc:
            problems.append(("acceptance.bands", str(exc)))
    if problems:
        raise InputError(source, problems)
    return SessionRules(
        **given,
        expert_display=rule("expert_display"),
        trim=trim,
        score_min=float(lo),
        score_max=float(hi),
        outlier_z=float(rule("outlier_z")),
        outlier_min_sd=float(rule("outlier_min_sd")),
        outlier_min_experts=least,
        chair_scores=rule("chair_scores"),
        kind=kind,
    )


#: The default of each rule but ``bands`` and ``review``
#: (:class:`~nzc_review.store.rules.SessionRules`).
_RULE_DEFAULTS = {f.name: f.default for f in fields(SessionRules)
                  if f.name not in ("bands", "review", "acceptance")}


def _whole(value: object, least: int) -> bool:
    """``value`` is a whole number (not a bool) of at least ``least``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _bands(data: object) -> tuple[Band, ...]:
    """Recommendation bands from their stored form (``{code, label, lower, outcome}``, a
    ``lower`` of ``None`` for minus infinity)."""
    from nzc_review.mcda.recommendation import Band

    if not isinstance(data, list) or not all(isinstance(b, Mapping) for b in data):
        raise TypeError("expected a list of {code, label, lower, outcome}")
    return tuple(
        Band(
            str(b["code"]),
            str(b["label"]),
            -math.inf if b.get("lower") is None else float(b["lower"]),
            str(b["outcome"]),
        )
        for b in data
    )


def check_new_rules(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The rules of a new session in stored form: the defaults
    (:func:`~nzc_review.store.rules.default_rules`) with ``overrides``, checked.

    Raises
    ------
    InputError
        As :func:`check_rules`.
    """
    merged = default_rules()
    merged.update(overrides or {})
    if merged.get("kind") == "acceptance" and "bands" not in (overrides or {}):
        del merged["bands"]  # an acceptance session's bands: the grades of its rules
    checked = check_rules(merged)
    merged.setdefault("bands", checked.to_dict()["bands"])
    return merged


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
    return _per_criterion(
        criteria, scores, "scores", lambda x: lo <= x <= hi, f"a score from {lo:g} to {hi:g}"
    )


def _per_criterion(
    criteria: Sequence[Criterion],
    values: Mapping[Any, Any],
    field: str,
    accepts: Callable[[float], bool],
    expected: str,
) -> dict[str, float]:
    """Numbers keyed by criterion id or Chinese name, returned by id in the criteria's order;
    ``None`` values (not given yet) are dropped.

    Raises
    ------
    InputError
        naming ``field`` and each key: an unknown criterion, a value that is not a number or
        that ``accepts`` refuses (``expected ...``), a criterion given twice (by id and by
        name).
    """
    out: dict[str, float] = {}
    problems: list[tuple[str, str]] = []
    for key, value in values.items():
        cid = _key(criteria, key)
        if cid is None:
            problems.append((str(key), f"unknown criterion; expected one of {_known(criteria)}"))
            continue
        if value is None:
            continue
        x = as_number(value)
        if x is None or not accepts(x):
            problems.append((str(key), f"expected {expected}, got {value!r}"))
            continue
        if cid in out:
            problems.append((str(key), "criterion given twice (by id and by name)"))
        out[cid] = x
    if problems:
        raise InputError(field, problems)
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
    from nzc_review.mcda.checks import McdaError
    from nzc_review.mcda.weighting import ahp, direct_weights

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
        return _pairwise(criteria, weights, ahp, McdaError)
    else:
        raise InputError("weights", [("method", f"expected direct or pairwise, got {method!r}")])

    clean = _per_criterion(criteria, points, "weights", lambda x: x >= 0, "points of at least 0")
    stored: dict[str, Any] = {"method": "direct", "points": clean}
    if len(clean) == len(criteria):
        try:
            w = direct_weights([clean[c.id] for c in criteria], total=POINTS_TOTAL)
        except McdaError:
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


def normalise_opinion(opinion: Opinion | Mapping[str, Any], kind: str = "review") -> Opinion:
    """An :class:`Opinion` from a mapping (keys ``strengths``, ``problems``, ``revisions``,
    ``recommendation``; missing keys are empty).

    ``kind`` is the session's (:attr:`~nzc_review.store.rules.SessionRules.kind`): the
    recommendation is one of its outcomes (:data:`~nzc_review.store.records.RECOMMENDATIONS_OF_KIND`).

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
    texts = {key: data.get(key) or "" for key in ("strengths", "problems", "revisions")}
    for key, value in texts.items():
        fault = _text_fault(value, MAX_TEXT)
        if fault is not None:
            problems.append((key, fault[1]))
    rec = data.get("recommendation") or None
    if rec is not None and rec not in RECOMMENDATIONS_OF_KIND.get(kind, RECOMMENDATIONS):
        problems.append(("recommendation", _not_a_recommendation(rec, kind)))
    if problems:
        raise InputError("opinion", problems)
    return Opinion(texts["strengths"], texts["problems"], texts["revisions"], rec)


def _not_a_recommendation(value: object, kind: str = "review") -> str:
    known = RECOMMENDATIONS_OF_KIND.get(kind, RECOMMENDATIONS)
    return f"expected one of {', '.join(known)}, got {value!r}"


def check_consensus(
    *, opinion: object, majority: object, minority: object, recommendation: object,
    kind: str = "review",
) -> dict[str, Any]:
    """The panel's consensus as the chair writes it: three texts (at most :data:`MAX_TEXT`
    characters each, kept as written) and a recommendation (``None`` while undecided), one of
    the outcomes of the session's ``kind`` (an acceptance: ``accepted`` / ``not_accepted``).

    Raises
    ------
    InvalidField
        A text that is not text or too long; an unknown recommendation (``bad_choice``).
    """
    texts = {"opinion": opinion, "majority": majority, "minority": minority}
    for key, value in texts.items():
        fault = _text_fault(value, MAX_TEXT)
        if fault is not None:
            _refuse(key, fault, MAX_TEXT)
    if recommendation is not None and recommendation not in RECOMMENDATIONS_OF_KIND.get(
            kind, RECOMMENDATIONS):
        raise InvalidField("recommendation", "bad_choice",
                           _not_a_recommendation(recommendation, kind))
    return {**texts, "recommendation": recommendation}


def check_complete(
    criteria: Sequence[Criterion],
    scores: Mapping[str, float],
    weights: Mapping[str, Any] | None,
    opinion: Opinion,
    kind: str = "review",
) -> list[tuple[str, str]]:
    """What a review still lacks before it can be submitted, as ``(field, message)``; the
    recommendation to choose is one of the outcomes of the session's ``kind``."""
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
        choices = [RECOMMENDATION_ZH[c] for c in RECOMMENDATIONS_OF_KIND.get(kind, RECOMMENDATIONS)]
        missing.append(("opinion.recommendation",
                        f"choose {', '.join(choices[:-1])} or {choices[-1]}"))
    if opinion.recommendation == "recommend_after_revision" and not opinion.revisions.strip():
        missing.append(
            ("opinion.revisions", "修改意见 is required when recommending after revision")
        )
    return missing


def require_complete(
    app_id: str,
    criteria: Sequence[Criterion],
    scores: Mapping[str, float],
    weights: Mapping[str, Any] | None,
    opinion: Opinion,
    kind: str = "review",
) -> None:
    """Refuse to submit an incomplete review (:func:`check_complete`).

    Raises
    ------
    InputError
        ``review of application <id>``, one line per thing missing.
    """
    missing = check_complete(criteria, scores, weights, opinion, kind)
    if missing:
        raise InputError(f"review of application {app_id}", missing)


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
