"""Fuzzing every reader (hypothesis): YAML, JSON and Excel files, applications and lifecycle files.

Inputs: the example applications and lifecycle files mutated (numbers huge, tiny, negative,
NaN; wrong types; unsafe ids; deep wrapping; repeated lists; unknown keys; deleted keys; the
text truncated or spliced with hostile YAML), random structures, hostile YAML texts (deep flow
and block nesting, complex keys, alias bombs, self-references, tags, huge integers, control
characters, broken UTF-8), and the example workbook damaged at the archive and XML level
(parts deleted, truncated or replaced, declared dimensions, merged and linked ranges, far
cells, formulas, entity bombs, bad compression).

The property: every input either loads or raises :class:`~nzc_review.errors.InputError` whose
every line starts with the file name; never another exception. A loaded application is also
evaluated, and its evaluation holds finite numbers only (strict JSON).
``make test`` prints ``fuzz: N inputs tried, M tracebacks`` (tests/conftest.py).

The exhaustive Excel cell-level damage lives in tests/test_excel_properties.py.
"""

from __future__ import annotations

import copy
import io
import json
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nzc_review.errors import InputError
from nzc_review.intake import load_application
from nzc_review.lifecycle.intake import load_document
from nzc_review.policy import catalog
from nzc_review.policy.application import Application
from tests.conftest import EXAMPLES, FUZZ, ROOT
from tests.fixtures.applications import read_yaml

LIFECYCLE = ROOT / "examples" / "lifecycle"


def fuzz(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


# --- the property --------------------------------------------------------------------------------

_OPTIONS = None
_SCRATCH = tempfile.TemporaryDirectory(prefix="nzc-fuzz-")


def _options():
    global _OPTIONS
    if _OPTIONS is None:
        from nzc_review.evaluation.pipeline import evaluation_options

        _OPTIONS = evaluation_options(draws=64, seed=7, factors=None, electricity_scope=None)
    return _OPTIONS


def _check_evaluation(app: Application) -> None:
    """The evaluation of a loaded application holds finite numbers only (strict JSON)."""
    from nzc_review.cli.output import json_default, strict_json
    from nzc_review.evaluation.pipeline import evaluate_application

    ev = evaluate_application(app, _options())
    try:
        json.dumps(ev, default=json_default, allow_nan=False)
    except ValueError:
        raise AssertionError(f"non-finite numbers in the evaluation of {app.id}: "
                             f"{strict_json(ev)[1]}") from None


def check_input(data: bytes, suffix: str, loader=load_application, evaluate: bool = True) -> None:
    """Write ``data`` to a file and read it: a result, or an InputError naming the file on every
    line. Counts the input, and any other exception as a traceback."""
    FUZZ["tried"] += 1
    with tempfile.TemporaryDirectory(dir=_SCRATCH.name) as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            try:
                result = loader(path)
            except InputError as exc:
                lines = exc.message.splitlines()
                assert lines, "an empty error message"
                for line in lines:
                    assert line.startswith(f"{path.name}: "), exc.message
                return
            if evaluate and isinstance(result, Application):
                _check_evaluation(result)
        except AssertionError:
            FUZZ["tracebacks"] += 1
            raise
        except Exception:
            FUZZ["tracebacks"] += 1
            raise


# --- values and documents --------------------------------------------------------------------------

_EXTREMES = [0, -0.0, -1, 1e-7, 1e-6, 5e-324, 1e9, 1e9 + 1, 1e11, 1.5e11, 1e308, -1e308,
             2**63, -(2**63), 10**30, 10**400, 2024.5, 1990, 2100, 2101]
_TEXTS = ["", " ", "..", ".", "a/b", "-rf", "a\nb", "\x1b[31mred", "YQ-03", "XY-99", "是", "否",
          "12%", "１２", "1,200", "nan", "inf", "\u2028", "\ud800", "x" * 40_000, "0778-0000000",
          "nzc-application/1", "park", "{a: 1}", "[1, 2]", "&a", "*a", "!!binary", "=1+1"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),  # NaN and infinities included
    st.sampled_from(_EXTREMES),
    st.sampled_from(_TEXTS),
    st.text(max_size=12),
)
_KEYS = sorted({*Application.model_fields, "current", "target", "value", "name", "id", "YQ-03",
                "YQ-13", "XY-01", "2022", "2026", "population", "diesel_t", "content", "file"})
keys = st.one_of(st.sampled_from(_KEYS), st.integers(1980, 2110), st.text(max_size=8))
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(keys, children, max_size=4)),
    max_leaves=12,
)


def _examples() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        docs.append(("application", read_yaml(path)))
    park = read_yaml(EXAMPLES / "park-pass.yaml")
    for path in sorted((LIFECYCLE / "acceptance").glob("*.yaml")):
        acc = read_yaml(path)
        ref = acc["application"]
        source = EXAMPLES / Path(ref["file"]).name
        content = park if ref["id"] == park["id"] else read_yaml(source)
        acc["application"] = {"id": ref["id"], "content": content}  # embedded: no second file
        docs.append(("acceptance", acc))
    for folder in sorted((LIFECYCLE / "monitoring").iterdir()):
        first = sorted(folder.glob("*.yaml"))[-1]
        docs.append(("disclosure", read_yaml(first)))
    return docs


DOCUMENTS = _examples()


def _paths(value: object, limit: int = 3_000) -> list[tuple]:
    """Paths of the values of a document, breadth first, at most ``limit`` of them."""
    out: list[tuple] = []
    queue = [((), value)]
    while queue and len(out) < limit:
        prefix, item = queue.pop(0)
        out.append(prefix)
        if isinstance(item, dict):
            queue.extend(((*prefix, k), v) for k, v in item.items())
        elif isinstance(item, list):
            queue.extend(((*prefix, i), v) for i, v in enumerate(item))
    return out


def _get(doc: object, path: tuple) -> object:
    for part in path:
        doc = doc[part]
    return doc


mutation = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 10**6), st.one_of(scalars, values)),
    st.tuples(st.just("delete"), st.integers(0, 10**6)),
    st.tuples(st.just("add"), st.integers(0, 10**6), keys, st.one_of(scalars, values)),
    st.tuples(st.just("wrap"), st.integers(0, 10**6), st.integers(1, 40)),
    st.tuples(st.just("repeat"), st.integers(0, 10**6), st.sampled_from([2, 10, 120, 600, 1_100])),
)


def _mutate(doc: dict, step: tuple) -> None:
    op, pick, *args = step
    paths = _paths(doc)
    if op in ("add", "repeat"):
        paths = [p for p in paths if isinstance(_get(doc, p), dict | list)] or [()]
    else:
        paths = [p for p in paths if p] or [()]
    path = paths[pick % len(paths)]
    if not path and op in ("set", "delete", "wrap"):
        return
    parent, last = (_get(doc, path[:-1]), path[-1]) if path else (None, None)
    if op == "set":
        parent[last] = args[0]
    elif op == "delete":
        del parent[last]
    elif op == "wrap":
        value = parent[last]
        for _ in range(args[0]):
            value = [value]
        parent[last] = value
    elif op == "add":
        target = _get(doc, path)
        if isinstance(target, dict):
            target[args[0]] = args[1]
        else:
            target.append(args[1])
    elif op == "repeat":
        target = _get(doc, path)
        if isinstance(target, list) and target:
            target[:] = (target * args[0])[: 1_100]
        elif isinstance(target, dict) and target:
            first = next(iter(target))
            for i in range(args[0]):  # a flood of unknown keys
                target[f"{first}_{i}"] = i


_SNIPPETS = [
    "? [1, 2]\n: x\n", "? {a: 1}\n: x\n", "x: &a [*a]\n", "x: !!python/object/apply:os.system [ls]\n",
    "x: !!binary '@@@'\n", "x: !!set {a, b}\n", "x: !!omap [a: 1]\n", "x: !foo bar\n",
    "x: " + "9" * 4400 + "\n", "x: 1e400\n", "x: .nan\n", "<<: *missing\n", "\t- x\n", "x: \x00\n",
    "x: [" * 30 + "]" * 30 + "\n", "x: {a: 1, a: 2}\n", "--- \n...\n---\n", "%YAML 1.2\n",
    "x: 2024-01-01\n", "2022: 1\n2022: 2\n", "x: \ud800\n", "x: '\u2028'\n",
]


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _serialise(doc: object, form: str) -> bytes:
    if form == "json":
        return json.dumps(doc, ensure_ascii=True, allow_nan=True, default=str).encode()
    try:
        text = yaml.dump(doc, Dumper=_DUMPER, allow_unicode=False, sort_keys=False,
                         width=1_000_000)
    except UnicodeEncodeError:  # libyaml's emitter cannot hold a lone surrogate; PyYAML escapes it
        text = yaml.safe_dump(doc, allow_unicode=False, sort_keys=False, width=1_000_000)
    return text.encode("utf-8")


def _splice(data: bytes, edit: tuple | None) -> bytes:
    if edit is None:
        return data
    kind, at, snippet = edit
    at = at % (len(data) + 1)
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        return data[:at] + bytes([(data[at] if at < len(data) else 0) ^ 0x80]) + data[at + 1:]
    line = data.rfind(b"\n", 0, at) + 1
    return data[:line] + snippet.encode("utf-8", "surrogatepass") + data[line:]


splices = st.none() | st.tuples(st.sampled_from(["truncate", "flip", "insert"]),
                                st.integers(0, 10**6), st.sampled_from(_SNIPPETS))


@pytest.mark.slow
@fuzz(900)
@given(
    which=st.integers(0, len(DOCUMENTS) - 1),
    steps=st.lists(mutation, min_size=1, max_size=4),
    form=st.sampled_from(["yaml", "json"]),
    edit=splices,
)
def test_mutated_documents_load_or_fail_clearly(which, steps, form, edit):
    kind, base = DOCUMENTS[which]
    doc = copy.deepcopy(base)
    for step in steps:
        _mutate(doc, step)
    data = _splice(_serialise(doc, form), edit if form == "yaml" else None)
    loader = load_application if kind == "application" else load_document
    check_input(data, f".{form}", loader)


@pytest.mark.slow
@fuzz(500)
@given(
    top=st.dictionaries(keys, values, max_size=8),
    base=st.booleans(),
    pilot_type=st.sampled_from(catalog.PILOT_TYPES),
    form=st.sampled_from(["yaml", "json"]),
)
def test_random_structures_load_or_fail_clearly(top, base, pilot_type, form):
    doc = {"format": "nzc-application/1", "id": "F-1", "pilot_type": pilot_type, "name": "x"}
    doc = {**doc, **top} if base else top
    check_input(_serialise(doc, form), f".{form}")


_NESTINGS = {
    "flow": lambda n: "x: " + "[" * n + "]" * n + "\n",
    "flow_map": lambda n: "x: " + "{a: " * n + "1" + "}" * n + "\n",
    # block nesting grows the text quadratically (indentation): at most 1,001 levels, ~1 MB
    "block": lambda n: "".join("  " * i + "- \n" for i in range(min(n, 1_001))) + "- 1\n",
    "block_map": lambda n: "".join("  " * i + f"k{i}:\n" for i in range(min(n, 1_001))) + "v: 1\n",
    "json": lambda n: '{"x": ' + "[" * n + "]" * n + "}",
}


def _alias_bomb(levels: int, fanout: int) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * fanout) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fanout) + "]")
    return "\n".join(lines) + "\n"


hostile_texts = st.one_of(
    st.builds(lambda k, n: _NESTINGS[k](n), st.sampled_from(sorted(_NESTINGS)),
              st.sampled_from([19, 20, 21, 200, 1_001, 20_000])),
    st.builds(_alias_bomb, st.integers(2, 9), st.integers(2, 12)),
    st.lists(st.sampled_from(_SNIPPETS), min_size=1, max_size=5).map("".join),
    st.text(max_size=200),
    st.builds(lambda n: "key_projects:\n" + "- {name: p}\n" * n, st.sampled_from([499, 501, 60_000])),
)


@pytest.mark.slow
@fuzz(500)
@given(
    text=hostile_texts,
    prefix=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
    suffix=st.sampled_from([".yaml", ".json"]),
    lifecycle=st.booleans(),
)
def test_hostile_texts_load_or_fail_clearly(text, prefix, encoding, suffix, lifecycle):
    if prefix:
        text = "format: nzc-application/1\nid: H-1\npilot_type: park\nname: x\n" + text
    data = text.encode(encoding, "surrogatepass" if encoding.startswith("utf-8") else "replace")
    check_input(data, suffix, load_document if lifecycle else load_application)


# --- Excel workbooks, damaged at the archive and XML level ----------------------------------------

_WORKBOOK = (EXAMPLES / "park-pass.xlsx").read_bytes()
with zipfile.ZipFile(io.BytesIO(_WORKBOOK)) as _zf:
    _PARTS = [i.filename for i in _zf.infolist()]

_XML_SNIPPETS = [
    b'<dimension ref="A1:XFD1048576"/>', b'<dimension ref="A1:Z20001"/>', b'<dimension ref="ZZZZ9"/>',
    b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
    b'<mergeCells count="1"><mergeCell ref="B5:C6"/></mergeCells>',
    b'<mergeCells count="1"><mergeCell ref="A:A"/></mergeCells>',
    b'<hyperlinks><hyperlink ref="A1:Z9999" display="x"/></hyperlinks>',
    b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>',
    b'<row r="7"><c r="G7" t="n"><v>1e400</v></c></row>', b'<row r="7"><c r="G7"><v>NaN</v></c></row>',
    b'<row r="7"><c r="G7"><f>1/0</f></c></row>', b'<row r="7"><c r="H7" t="e"><v>#DIV/0!</v></c></row>',
    b'<row r="7"><c r="C7" t="s"><v>99999</v></c></row>',
    b'<row r="8"><c r="C8" t="inlineStr"><is><t>' + b"x" * 40_000 + b"</t></is></c></row>",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>',
    b"\xff\xfe\x00", b"<", b"",
]

xlsx_damage = st.one_of(
    st.tuples(st.just("delete"), st.sampled_from(_PARTS)),
    st.tuples(st.just("truncate"), st.sampled_from(_PARTS), st.integers(0, 20_000)),
    st.tuples(st.just("replace"), st.sampled_from(_PARTS), st.binary(max_size=64)),
    st.tuples(st.just("insert"), st.sampled_from(_PARTS), st.sampled_from(_XML_SNIPPETS),
              st.sampled_from([b"<sheetData>", b"</sheetData>", b"<worksheet", b"?>", b"<sheets>"])),
    st.tuples(st.just("rename_sheet"), st.sampled_from(["指 标", "", "a&amp;b", "x" * 40])),
    st.tuples(st.just("duplicate"), st.sampled_from(_PARTS)),
    st.tuples(st.just("stored_bomb"), st.sampled_from([40, 60])),
    st.tuples(st.just("bytes"), st.integers(0, 40_000), st.integers(1, 255)),
)


def _damaged(steps: list[tuple]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(_WORKBOOK)) as zf:
        parts = {name: zf.read(name) for name in _PARTS}
    order = list(_PARTS)
    extra: list[tuple[str, bytes]] = []
    flips = []
    for step in steps:
        op, *args = step
        if op == "delete" and args[0] in parts:
            del parts[args[0]]
        elif op == "truncate" and args[0] in parts:
            parts[args[0]] = parts[args[0]][: args[1]]
        elif op == "replace" and args[0] in parts:
            parts[args[0]] = args[1]
        elif op == "insert" and args[0] in parts:
            anchor = args[2]
            data = parts[args[0]]
            at = data.find(anchor)
            at = len(data) if at < 0 else at + (len(anchor) if anchor.startswith(b"<") else 0)
            parts[args[0]] = data[:at] + args[1] + data[at:]
        elif op == "rename_sheet" and "xl/workbook.xml" in parts:
            parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
                'name="指标"'.encode(), f'name="{args[0]}"'.encode())
        elif op == "duplicate" and args[0] in parts:
            extra.append((args[0], parts[args[0]]))
        elif op == "stored_bomb":
            name = "xl/worksheets/sheet3.xml"
            if name in parts:
                parts[name] = parts[name].replace(b"</sheetData>",
                                                  b" " * (args[0] << 20) + b"</sheetData>")
        elif op == "bytes":
            flips.append((args[0], args[1]))
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # duplicate part names are intended
        for name in order:
            if name in parts:
                zf.writestr(name, parts[name])
        for name, data in extra:
            zf.writestr(name, data)
    data = bytearray(out.getvalue())
    for pos, xor in flips:
        if pos < len(data):
            data[pos] ^= xor
    return bytes(data)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
@fuzz(35)
@given(steps=st.lists(xlsx_damage, min_size=1, max_size=3), lifecycle=st.booleans())
def test_damaged_workbooks_load_or_fail_clearly(steps, lifecycle):
    check_input(_damaged(steps), ".xlsx", load_document if lifecycle else load_application,
                evaluate=False)
