"""The review session's evaluation cache: every application version is evaluated once.

A review meeting shows each application's automatic evaluation and forecast chart to every
expert and the chair. Computing them in each panel's kernel costs a second of CPU per kernel
(most of it importing matplotlib and drawing the chart), sixteen times over when a meeting
opens at once. So ``nzc-review serve`` computes them before the server starts
(:func:`warm_session_cache`) and a panel only reads them; a version imported during the meeting
is computed by the first panel that shows it.

Files: ``SESSION/cache/evaluations/<key>.json`` (the :class:`~nzc_review.evaluation.pipeline.Evaluation`
as JSON, format :data:`FORMAT`) and ``<key>.png`` (the forecast chart). ``key`` is the SHA-256
of the format, the tool's own code and data (:func:`code_fingerprint`: a new release or a
changed factor table computes afresh), the review rules that change an evaluation (the
session's: veto, verdict thresholds, plausibility rules, accounting basis;
:class:`~nzc_review.evaluation.review_rules.EvaluationRules`) and the application version's
validated content. Files
are written atomically (a temporary file, then a rename), so a reader never sees half of one;
a file that cannot be read back is computed again. JSON rather than pickle: reading the
session folder must never run code (CWE-502, OWASP Deserialization Cheat Sheet).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import types
import typing
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

#: Version of the cache's file format.
FORMAT = "nzc-evaluation-cache/1"
#: The cache folder, inside the session folder.
CACHE_DIR = Path("cache") / "evaluations"

_PACKAGE = Path(__file__).resolve().parents[1]
#: What :func:`code_fingerprint` reads: the code and the policy data (factor tables, catalog).
FINGERPRINT_SUFFIXES = frozenset({".py", ".yaml", ".csv"})
#: Folders it skips: compiled files, and the notebooks, panels, templates and examples a wheel
#: carries in ``_data`` (:mod:`nzc_review.files.resources`), which no evaluation depends on.
FINGERPRINT_SKIPPED = frozenset({"__pycache__", "_data"})


def package_files(package: Path = _PACKAGE) -> list[Path]:
    """The files :func:`code_fingerprint` hashes, sorted: the same list from a source checkout
    and from an installed wheel."""
    found = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = [d for d in subfolders if d not in FINGERPRINT_SKIPPED]
        found += [Path(folder, n) for n in names if Path(n).suffix in FINGERPRINT_SUFFIXES]
    return sorted(found, key=lambda p: p.relative_to(package).as_posix())


@cache
def code_fingerprint() -> str:
    """SHA-256 over the package's code and data files (:func:`package_files`): what an
    evaluation depends on besides the application."""
    digest = hashlib.sha256()
    for path in package_files():
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def canonical_snapshot(snapshot: Mapping[str, Any]) -> str:
    """The application version's content as canonical JSON (sorted keys, no spaces)."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def rules_json(rules=None) -> str:
    """The canonical JSON of the review rules that change an evaluation
    (:meth:`~nzc_review.evaluation.review_rules.EvaluationRules.key`): of ``rules`` (an
    ``EvaluationRules`` or ``ReviewRules``), the defaults when ``None``."""
    from nzc_review.evaluation.review_rules import EvaluationRules, ReviewRules

    if rules is None:
        rules = EvaluationRules()
    if isinstance(rules, ReviewRules):
        rules = rules.evaluation
    return rules.key()


def version_key(snapshot_json: str, rules: str | None = None) -> str:
    """The cache key of an application version (``snapshot_json`` from
    :func:`canonical_snapshot`) under the review rules ``rules`` (from :func:`rules_json`; the
    defaults when ``None``)."""
    rules = rules_json() if rules is None else rules
    text = f"{FORMAT}\n{code_fingerprint()}\n{rules}\n{snapshot_json}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Evaluation <-> JSON (pure) --------------------------------------------------------------


def to_jsonable(value: Any) -> Any:
    """Plain JSON data of an evaluation (dataclasses, lists, dicts, numbers, texts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: to_jsonable(v)
                for k, v in value.items()}
    if hasattr(value, "item") and callable(value.item):  # a NumPy scalar
        return value.item()
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(kind: Any, value: Any) -> Any:
    """Rebuild a value of type ``kind`` from :func:`to_jsonable` data, following the type hints
    of the dataclasses (``dict[int, …]`` keys back to ``int``)."""
    if kind is Any or kind is object or value is None:
        return value
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise TypeError(f"{kind.__name__}: expected an object")
        hints = _hints(kind)
        fields = dataclasses.fields(kind)
        made = kind(**{f.name: from_jsonable(hints[f.name], value[f.name])
                       for f in fields if f.init})
        for f in fields:
            if not f.init and f.name in value:
                setattr(made, f.name, from_jsonable(hints[f.name], value[f.name]))
        return made
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        choices = [a for a in args if a is not type(None)]
        return from_jsonable(choices[0], value) if len(choices) == 1 else value
    if origin in (list, tuple) and isinstance(value, list):
        item = args[0] if args else Any
        items = [from_jsonable(item, v) for v in value]
        return items if origin is list else tuple(items)
    if origin is dict and isinstance(value, dict):
        key, item = args if len(args) == 2 else (Any, Any)
        return {(int(k) if key is int else k): from_jsonable(item, v) for k, v in value.items()}
    return value


def evaluation_to_json(evaluation) -> str:
    """The cache file's text; raises ``ValueError`` for a non-finite number."""
    return json.dumps({"format": FORMAT, "evaluation": to_jsonable(evaluation)},
                      ensure_ascii=False, allow_nan=False)


def evaluation_from_json(text: str):
    """An :class:`~nzc_review.evaluation.pipeline.Evaluation` from a cache file's text; raises
    ``ValueError``, ``TypeError`` or ``KeyError`` when it is not one."""
    from nzc_review.evaluation.pipeline import Evaluation

    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not an evaluation cache file")
    evaluation = from_jsonable(Evaluation, data["evaluation"])
    evaluation.indicators = evaluation.compliance.indicators  # one list, as evaluate_application
    return evaluation


# --- computing (the application's evaluation and chart) ---------------------------------------


def _options(rules: str | None):
    """Evaluation options of the review rules in :func:`rules_json` form."""
    from nzc_review.evaluation.pipeline import EvaluationOptions
    from nzc_review.evaluation.review_rules import review_rules_from_mapping

    if rules is None:
        return EvaluationOptions()
    return EvaluationOptions.from_rules(review_rules_from_mapping(json.loads(rules), "rules"))


def compute_evaluation(snapshot_json: str, rules: str | None = None):
    """Evaluate an application version (validated again: the snapshot is data) under the review
    rules ``rules`` (:func:`rules_json` form; the defaults when ``None``)."""
    from nzc_review.evaluation.pipeline import evaluate_application
    from nzc_review.intake import validate_application

    return evaluate_application(validate_application(json.loads(snapshot_json), "snapshot"),
                                _options(rules))


def compute_forecast_png(evaluation) -> bytes:
    """The forecast chart of an evaluation, as PNG."""
    from nzc_review.present.charts import forecast_figure, png_bytes

    return png_bytes(forecast_figure(evaluation.forecast, evaluation.risk))


# --- the files --------------------------------------------------------------------------------


def cache_dir(session_dir: str | os.PathLike[str]) -> Path:
    return Path(session_dir) / CACHE_DIR


def _write(path: Path, data: str | bytes) -> None:
    """Write atomically; a folder that cannot be written leaves the cache empty (the panel
    still shows the figures, computed in memory)."""
    from nzc_review.errors import InputError
    from nzc_review.files.atomic import write_atomic

    try:
        write_atomic(path, data, mode=0o600)
    except (OSError, InputError):
        pass


def load_evaluation(session_dir: str | os.PathLike[str] | None, snapshot_json: str,
                    rules: str | None = None):
    """The evaluation of an application version under the review rules ``rules``
    (:func:`rules_json` form, the session's; the defaults when ``None``): from the cache, else
    computed and cached."""
    if session_dir is None:
        return compute_evaluation(snapshot_json, rules)
    path = cache_dir(session_dir) / f"{version_key(snapshot_json, rules)}.json"
    try:
        return evaluation_from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass  # not cached yet, or not readable: computed again
    evaluation = compute_evaluation(snapshot_json, rules)
    try:
        text = evaluation_to_json(evaluation)
    except ValueError:
        return evaluation  # a non-finite number: not cached
    _write(path, text)
    return evaluation


def load_forecast_png(session_dir: str | os.PathLike[str] | None, snapshot_json: str,
                      evaluation=None, rules: str | None = None) -> bytes:
    """The forecast chart (PNG) of an application version under the review rules ``rules``
    (as :func:`load_evaluation`): from the cache, else drawn and cached."""
    if session_dir is None:
        return compute_forecast_png(evaluation or compute_evaluation(snapshot_json, rules))
    path = cache_dir(session_dir) / f"{version_key(snapshot_json, rules)}.png"
    try:
        data = path.read_bytes()
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return data
    except OSError:
        pass
    data = compute_forecast_png(evaluation or load_evaluation(session_dir, snapshot_json, rules))
    _write(path, data)
    return data


def session_rules_json(store, actor) -> str:
    """The :func:`rules_json` of a review session's rules (a session created before review
    rules existed reads the defaults)."""
    return rules_json(store.session(actor).session_rules.review)


def warm_session_cache(session_dir: str | os.PathLike[str]) -> int:
    """Evaluate and draw every application's current version not cached yet, under the
    session's review rules; returns how many versions the cache holds for the session's
    applications. What cannot be evaluated is left to the panel, which says why."""
    from nzc_review.errors import NzcError
    from nzc_review.store import Actor, open_store

    store = open_store(session_dir)
    try:
        actor = Actor.operator("evaluation-cache")
        rules = session_rules_json(store, actor)
        snapshots = [canonical_snapshot(store.application_snapshot(actor, app.id))
                     for app in store.applications(actor)]
    finally:
        store.close()
    ready = 0
    for snapshot_json in snapshots:
        try:
            evaluation = load_evaluation(session_dir, snapshot_json, rules)
            load_forecast_png(session_dir, snapshot_json, evaluation, rules)
        except NzcError:
            continue
        ready += 1
    return ready


def main(argv: list[str] | None = None) -> int:
    """``python -m nzc_review.evaluation.cache SESSION_DIR``: fill a session's cache (run by
    ``nzc-review serve`` before the server starts)."""
    import sys

    from nzc_review.errors import NzcError

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m nzc_review.evaluation.cache SESSION_DIR", file=sys.stderr)
        return 2
    try:
        ready = warm_session_cache(args[0])
    except NzcError as exc:
        print(f"{args[0]}: {exc}", file=sys.stderr)
        return 2
    print(f"评估结果已就绪 evaluations cached: {ready} 个申报项目 applications")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
