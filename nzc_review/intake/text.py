"""YAML and JSON application files (UTF-8).

Duplicate keys are errors (YAML and JSON both allow them silently; a second ``YQ-03:`` would
otherwise overwrite the first without a word). YAML 1.1 dates are kept as text. JSON's
non-standard ``NaN`` and ``Infinity`` are refused (RFC 8259 §6 has no such numbers).

Both readers apply the input limits of :mod:`nzc_review.limits` (本工具默认规则): the file size
before reading; for YAML, the nesting depth and the number of values while scanning the event
stream, before any node is built (the composer of PyYAML recurses once per level); for JSON, a
nesting too deep for the parser; then the shape of the data read
(:func:`~nzc_review.limits.check_structure`). Every failure is an
:class:`~nzc_review.errors.InputError` naming the file, on one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from pathlib import Path

import yaml

from nzc_review.errors import InputError
from nzc_review.files import yaml_text
from nzc_review.limits import active, check_structure, read_bounded

#: libyaml's parser when PyYAML was built with it (much faster), else the pure-Python one. Either
#: is safe here: the nesting depth is checked on the event stream before the composer runs.
_BaseLoader = yaml_text.SafeLoader


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses duplicate and unhashable (list or mapping) keys."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, f"a mapping key must be text or a number, got a "
                f"{type(key).__name__}", key_node.start_mark
            )
        if key in mapping:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
# keep dates and timestamps as text: applications carry years, not datetimes
_UniqueKeyLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_VALUE = (yaml.ScalarEvent, yaml.AliasEvent)


def _read_text(path: Path) -> str:
    data = read_bounded(path, path.name, active().text_file_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path.name, f"not UTF-8 text (byte {exc.start})") from None


def _at(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _scan_yaml(text: str, source: str) -> None:
    """Refuse a YAML text nested too deep or with too many values, from its event stream."""
    lim = active()
    depth = values = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, _OPEN):
            depth += 1
            values += 1
            if depth > lim.depth:
                raise InputError(source, [(_at(event.start_mark), _too_deep())])
        elif isinstance(event, _CLOSE):
            depth -= 1
        elif isinstance(event, _VALUE):
            values += 1
        if values > lim.values:
            raise InputError(source, [(_at(event.start_mark), f"more than {lim.values:,} values "
                                       "in one file (input limit)")])


def _number_problem(exc: ValueError) -> str:
    text = str(exc)
    if "integer string conversion" in text:
        return "a number with more than 4,300 digits"
    return text.splitlines()[0] if text else type(exc).__name__


def _too_deep() -> str:
    return f"nested deeper than {active().depth} levels (input limit)"


def _read(path: Path, kind: str, parse: Callable[[str, str], object]) -> object:
    """Read ``path`` as text, ``parse(text, source)`` it and check the shape of the data.

    ``parse`` refuses what is particular to its format; here, for both, a value the parser
    cannot convert (``ValueError``: an integer of 5,000 digits) and a nesting too deep for it
    (``RecursionError``) become an :class:`~nzc_review.errors.InputError` naming the file.
    """
    text = _read_text(path)
    source = path.name
    try:
        data = parse(text, source)
    except ValueError as exc:
        raise InputError(source, f"invalid {kind}: {_number_problem(exc)}") from None
    except RecursionError:
        raise InputError(source, _too_deep()) from None
    check_structure(data, source)
    return data


def _parse_yaml(text: str, source: str) -> object:
    try:
        _scan_yaml(text, source)
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "maximum nesting depth" in problem:  # libyaml's own guard, met before any event
            problem = _too_deep()
        else:
            problem = f"invalid YAML: {problem}"
        raise InputError(source, [(_at(mark), problem)]) from None
    except yaml.reader.ReaderError as exc:
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise InputError(source, f"invalid YAML: unacceptable character U+{char:04X} at "
                                 f"position {exc.position} ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise InputError(source, f"invalid YAML: {exc}") from None


def read_yaml(path: Path) -> object:
    return _read(path, "YAML", _parse_yaml)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number in JSON")


def _parse_json(text: str, source: str) -> object:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            source, [(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]
        ) from None


def read_json(path: Path) -> object:
    return _read(path, "JSON", _parse_json)


def _register() -> None:
    from nzc_review.intake import register_reader

    register_reader((".yaml", ".yml"), read_yaml)
    register_reader((".json",), read_json)


_register()
