"""The computing layers import without the notebook stack.

Policy, intake, evaluation, MCDA, the store, the meeting's figures and opinion data, the
presentation fragments, files, errors and limits are plain Python: a script, a test or a panel
kernel importing them must not pay for (or depend on) nbformat, nbconvert, jupyter_client,
papermill, Voila or ipywidgets. Each of those is blocked in a fresh interpreter (a
``sys.meta_path`` finder that raises ``ImportError``), every module of the pure layers is
imported there, and no module of the notebook-running layers (runner, server, ui, cli) may be
pulled in on the way.

The source is also read (an AST scan, imports inside functions included): a lower layer imports
nothing above it — the review store no lifecycle, meeting, programme, panel, server, command or
runner module — and the programme register sits between the layers it uses and those that use it.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

#: The notebook stack: blocked while the pure layers are imported.
BLOCKED = ("nbformat", "nbconvert", "nbclient", "jupyter_client", "jupyter_server", "papermill",
           "voila", "ipywidgets", "ipykernel")
#: Packages whose every module is pure, and single pure modules.
PURE_PACKAGES = ("nzc_review.policy", "nzc_review.intake", "nzc_review.evaluation",
                 "nzc_review.mcda", "nzc_review.store", "nzc_review.present",
                 "nzc_review.files", "nzc_review.programme")
PURE_MODULES = ("nzc_review.errors", "nzc_review.limits", "nzc_review.meeting.revision", "nzc_review.meeting.opinion",
                "nzc_review.meeting.opinion.consensus", "nzc_review.meeting.opinion.data")
#: Names the opinion package resolves on first use: each must come without the stack.
OPINION_NAMES = ("panel_scores", "collect_opinion", "load_opinion", "parse_consensus",
                 "compose_consensus", "OpinionError")
#: A module that needs the stack, imported last: it must fail under the blocker.
PROBE = "nzc_review.runner.kernels"
#: Layers that run notebooks, serve or show widgets: never imported by a pure layer.
NOTEBOOK_LAYERS = ("nzc_review.runner", "nzc_review.server", "nzc_review.ui", "nzc_review.cli")

SCRIPT = textwrap.dedent("""
    import importlib, importlib.abc, json, pkgutil, sys

    BLOCKED, PACKAGES, MODULES, NAMES, LAYERS, PROBE = json.loads(sys.argv[1])

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, Blocker())
    names = list(MODULES)
    for package in PACKAGES:
        names.append(package)
        path = importlib.import_module(package).__path__
        names += [m.name for m in pkgutil.walk_packages(path, package + ".")]
    failed = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed[name] = f"{type(exc).__name__}: {exc}"
    opinion = importlib.import_module("nzc_review.meeting.opinion")
    for name in NAMES:
        try:
            getattr(opinion, name)
        except Exception as exc:
            failed["nzc_review.meeting.opinion." + name] = f"{type(exc).__name__}: {exc}"
    pure_layers_loaded = list(sys.modules)
    for name in PROBE:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed[name] = f"{type(exc).__name__}: {exc}"
    print(json.dumps({
        "imported": sorted(set(names)),
        "failed": failed,
        "stack": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED),
        "layers": sorted(m for m in pure_layers_loaded
                         if m.startswith(tuple(l + "." for l in LAYERS)) or m in LAYERS),
    }))
""")


@pytest.fixture(scope="module")
def imported() -> dict:
    """One fresh interpreter with the stack blocked: the pure layers, then a module that needs
    the stack (it must fail, else the blocker proves nothing)."""
    payload = json.dumps([BLOCKED, PURE_PACKAGES, PURE_MODULES, OPINION_NAMES, NOTEBOOK_LAYERS,
                          [PROBE]])
    done = subprocess.run([sys.executable, "-c", SCRIPT, payload], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_pure_layers_import_without_the_notebook_stack(imported):
    assert len(imported["imported"]) > 40  # the packages were walked, not only named
    assert {"nzc_review.evaluation.pipeline", "nzc_review.store.sqlite",
            "nzc_review.files.resources", "nzc_review.present.evaluation_report"} \
        <= set(imported["imported"])
    assert {k: v for k, v in imported["failed"].items() if k != PROBE} == {}
    assert imported["stack"] == []
    assert imported["layers"] == []


def test_the_blocker_blocks(imported):
    assert "blocked: jupyter_client" in imported["failed"][PROBE]


#: The programme register (试点名录) sits above these layers and below the ones that use it.
BELOW_PROGRAMME = ("policy", "intake", "evaluation", "mcda", "store", "meeting", "lifecycle",
                   "present", "files", "errors.py", "limits.py")
ABOVE_PROGRAMME = ("cli", "ui", "server", "runner")


@functools.cache
def _imported_names(path, root=ROOT) -> frozenset[str]:
    """Every module a source file (under ``root``) imports, at the top or inside a function; a
    relative import is resolved against the file's package (each file parsed once a run)."""
    import ast

    package = list(path.relative_to(root).parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names |= {module} if node.module else {f"{module}.{a.name}" for a in node.names}
    return frozenset(names)


def _sources(part: str):
    base = ROOT / "nzc_review" / part
    return [base] if base.suffix == ".py" else sorted(base.rglob("*.py"))


def test_the_programme_layer_sits_between_the_others():
    """``programme`` imports nothing of cli/ui/server/runner; no lower layer imports it; and
    the layers above it do (the command and the chair's finalize)."""
    for path in _sources("programme"):
        above = {n for n in _imported_names(path)
                 if n.split(".")[:2] in (["nzc_review", p] for p in ABOVE_PROGRAMME)}
        assert above == set(), (path.name, above)
    for part in BELOW_PROGRAMME:
        for path in _sources(part):
            assert not any(n.startswith("nzc_review.programme") for n in _imported_names(path)), \
                path
    users = {path.relative_to(ROOT).as_posix() for part in ABOVE_PROGRAMME
             for path in _sources(part)
             if any(n.startswith("nzc_review.programme") for n in _imported_names(path))}
    assert {"nzc_review/cli/commands/programme.py", "nzc_review/ui/chair.py"} <= users


#: The layers below the meeting, lowest first (``errors.py`` and ``limits.py`` are one): a
#: module of one imports only from its own layer and those before it — at the top of the
#: module or inside a function. ``evaluation`` is listed for its place but not checked:
#: ``evaluation/cache.py`` fills a session's evaluation cache, opening the store and drawing
#: with ``present``.
LOWER_LAYERS = (("errors.py", "limits.py"), ("files",), ("policy",), ("intake",),
                ("evaluation",), ("mcda",), ("store",))
#: Every other part of the package: above all of those.
UPPER_LAYERS = ("lifecycle", "meeting", "programme", "present", "runner", "server", "ui", "cli")
CHECKED_LAYERS = [layer for layer in LOWER_LAYERS if layer != ("evaluation",)]


def _part(name: str) -> str | None:
    """The layer (``store``, ``errors.py``) an imported ``nzc_review`` module belongs to."""
    parts = name.split(".")
    if parts[0] != "nzc_review" or len(parts) < 2:
        return None
    top = ROOT / "nzc_review" / f"{parts[1]}.py"
    return f"{parts[1]}.py" if top.is_file() else parts[1]


def test_the_layer_lists_name_every_part_of_the_package():
    on_disk = {p.name for p in (ROOT / "nzc_review").iterdir()
               if (p.is_dir() and (p / "__init__.py").is_file())
               or (p.suffix == ".py" and p.name != "__init__.py")}
    listed = {part for layer in LOWER_LAYERS for part in layer} | set(UPPER_LAYERS)
    assert listed == on_disk


def _upward(paths, below: set[str], root=ROOT) -> dict[str, list[str]]:
    """The ``nzc_review`` modules each source file imports from outside the parts ``below``."""
    upward = {}
    for path in paths:
        above = sorted(n for n in _imported_names(path, root) if _part(n) not in (None, *below))
        if above:
            upward[path.relative_to(root).as_posix()] = above
    return upward


@pytest.mark.parametrize("layer", CHECKED_LAYERS, ids=lambda layer: "+".join(layer))
def test_a_lower_layer_imports_nothing_above_it(layer):
    """No upward import: the review store knows no lifecycle, meeting, programme, panel,
    server, command or notebook runner; the MCDA, intake, policy and file layers know nothing
    above them either."""
    below = {part for earlier in LOWER_LAYERS[:LOWER_LAYERS.index(layer) + 1] for part in earlier}
    assert _upward([path for part in layer for path in _sources(part)], below) == {}


def test_the_scan_sees_imports_inside_functions_and_relative_ones(tmp_path):
    probe = tmp_path / "nzc_review" / "store" / "sqlite" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from nzc_review.store import records\n\n\ndef f():\n"
                     "    from nzc_review.lifecycle.session import acceptance_snapshot\n"
                     "    from ...meeting import documents\n    from .. import figures\n",
                     encoding="utf-8")
    assert _imported_names(probe, tmp_path) == {
        "nzc_review.store", "nzc_review.lifecycle.session", "nzc_review.meeting",
        "nzc_review.store.figures"}
    assert _upward([probe], {"store", "mcda"}, tmp_path) == {
        "nzc_review/store/sqlite/probe.py": ["nzc_review.lifecycle.session", "nzc_review.meeting"]}
