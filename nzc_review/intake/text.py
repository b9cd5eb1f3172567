"""YAML and JSON application files (UTF-8).

Duplicate keys are errors (YAML and JSON both allow them silently; a second ``YQ-03:`` would
otherwise overwrite the first without a word). YAML 1.1 dates are kept as text.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from nzc_review.errors import InputError


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
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


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path.name, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path.name, f"cannot read: {exc.strerror}") from None


def read_yaml(path: Path) -> object:
    text = _read_text(path)
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(path.name, [(where, f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise InputError(path.name, f"invalid YAML: {exc}") from None


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def read_json(path: Path) -> object:
    text = _read_text(path)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(
            path.name, [(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]
        ) from None
    except ValueError as exc:
        raise InputError(path.name, f"invalid JSON: {exc}") from None


def _register() -> None:
    from nzc_review.intake import register_reader

    register_reader((".yaml", ".yml"), read_yaml)
    register_reader((".json",), read_json)


_register()
