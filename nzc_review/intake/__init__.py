"""Reading applications from files: YAML and JSON here, Excel where registered.

Readers are kept in a registry keyed by file suffix (as papermill keeps its I/O handlers), so
that a new format is one :func:`register_reader` call. Every reader returns plain data; the
validation into :class:`~nzc_review.policy.application.Application` and the translation of pydantic errors
into ``file: field: message`` lines happen once, here.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from nzc_review.errors import InputError
from nzc_review.limits import active, check_structure
from nzc_review.policy.application import Application, check_against_catalog

Reader = Callable[[Path], object]
_READERS: dict[str, Reader] = {}


def register_reader(suffixes: tuple[str, ...], reader: Reader) -> None:
    """Register ``reader`` (path → plain data) for the given lower-case file suffixes."""
    for suffix in suffixes:
        _READERS[suffix] = reader


def supported_suffixes() -> tuple[str, ...]:
    return tuple(sorted(_READERS))


def load_application(path: str | Path) -> Application:
    """Read, validate and catalog-check one application file.

    Raises
    ------
    InputError
        naming the file and every bad field, e.g.
        ``app.yaml: indicators.YQ-03.target: expected a number, got true``.
    """
    path = Path(path)
    source = path.name
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(
            source,
            f"unsupported file type {path.suffix or '(none)'}; "
            f"expected one of {', '.join(supported_suffixes())}",
        )
    if not path.is_file():
        raise InputError(source, "file not found" if not path.exists() else "not a file")
    data = reader(path)
    return validate_application(data, source)


def validate_application(data: object, source: str) -> Application:
    """Validate plain data (as read from a file) into an :class:`Application`.

    The data's size and shape are checked first (:func:`nzc_review.limits.check_structure`),
    whatever reader built it.
    """
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise InputError(source, f"expected a mapping of application fields, got {kind}")
    check_structure(data, source)
    try:
        app = Application.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, translate_errors(exc)) from None
    problems = check_against_catalog(app)
    if problems:
        raise InputError(source, problems)
    return app


# --- pydantic errors in words a user understands ---------------------------------------------

_UNION_TAGS = {
    "bool": "true or false",
    "int": "a number",
    "float": "a number",
    "str": "text",
    "Answer": "{value: true|false, evidence: …}",
    "list[str]": "a list of file names",
}


def _known_fields() -> set[str]:
    from nzc_review.policy import application as model
    names: set[str] = set()
    for cls in (
        model.Application,
        model.Applicant,
        model.Period,
        model.Profile,
        model.Energy,
        model.IndicatorValue,
        model.KeyProject,
        model.Safeguards,
        model.Answer,
        model.BasisAndFeasibility,
        model.MainTasks,
    ):
        names.update(cls.model_fields)
    return names


def _location(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool) and out and not out.endswith("."):
            # list index or year key: lists print [i], year keys print .2022
            out += f"[{part}]" if part < 1000 else f".{part}"
        else:
            out += ("." if out else "") + str(part)
    return out


def _got(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def translate_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """pydantic's errors as ``(field, message)`` pairs, union alternatives merged."""
    grouped: dict[tuple, list[dict]] = {}
    order: list[tuple] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if loc and isinstance(loc[-1], str) and loc[-1] in _UNION_TAGS:
            key = loc[:-1]
        else:
            key = loc
        if key not in grouped:
            grouped[key] = []
            order.append(key)
        grouped[key].append(err)
    problems = []
    for key in order:
        errs = grouped[key]
        if len(errs) > 1 and all(e["loc"][-1] in _UNION_TAGS for e in errs if e["loc"]):
            wanted = []
            for e in errs:
                w = _UNION_TAGS[e["loc"][-1]]
                if w not in wanted:
                    wanted.append(w)
            if set(wanted) == {"true or false", "a number"}:
                wanted = ["a number", "true/false"]
            got = _got(errs[0].get("input"))
            problems.append((_location(key), f"expected {' or '.join(wanted)}, got {got}"))
            continue
        for e in errs:
            # typo hints (difflib) only for the lines that will be shown
            problems.append(_one_error(e, hint=len(problems) < active().reported_problems))
    return problems


def _one_error(err: dict, hint: bool = True) -> tuple[str, str]:
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    if loc and loc[-1] == "[key]":
        return _location(loc[:-2] + (loc[-2],)), f"expected a year (a whole number), got {_got(value)}"
    where = _location(loc)
    if kind == "extra_forbidden":
        name = str(loc[-1])
        close = difflib.get_close_matches(name, _known_fields() - {name}, n=1) if hint else []
        suffix = f" (did you mean {close[0]!r}?)" if close else ""
        return where, f"unknown field {name!r}{suffix}"
    if kind == "missing":
        return where, "required field is missing"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        from nzc_review.policy.application import ID_RULE

        return where, f"{ID_RULE}; got {_got(value)}"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return where, f"expected {expected}, got {_got(value)}"
    if kind == "string_too_short":
        return where, "must not be empty"
    if kind in {"string_type"}:
        return where, f"expected text, got {_got(value)} (put it in quotes)"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return where, f"expected a whole number, got {_got(value)}"
    if kind in {"float_parsing", "float_type"}:
        return where, f"expected a number, got {_got(value)}"
    if kind in {"bool_type", "bool_parsing"}:
        return where, f"expected true or false, got {_got(value)}"
    if kind in {"dict_type", "model_type"}:
        return where, f"expected a mapping of fields, got {_got(value)}"
    if kind == "list_type":
        return where, f"expected a list, got {_got(value)}"
    if kind == "value_error":
        return where, str(err["msg"]).removeprefix("Value error, ")
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        return where, f"{err['msg'].replace('Input should be', 'expected a value')}, got {_got(value)}"
    message = str(err["msg"]).replace("Input should be", "expected")
    return where, f"{message}, got {_got(value)}"


from nzc_review.intake import excel as _excel  # noqa: E402,F401  (registers .xlsx)
from nzc_review.intake import text as _text  # noqa: E402  (registers YAML and JSON)

__all__ = ["load_application", "register_reader", "validate_application", "translate_errors"]
_ = _text
