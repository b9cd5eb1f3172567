"""The computing layers import without the notebook stack.

Policy, intake, evaluation, MCDA, the store, the meeting's figures and opinion data, the
presentation fragments, files, errors and limits are plain Python: a script, a test or a panel
kernel importing them must not pay for (or depend on) nbformat, nbconvert, jupyter_client,
papermill, Voila or ipywidgets. Each of those is blocked in a fresh interpreter (a
``sys.meta_path`` finder that raises ``ImportError``), every module of the pure layers is
imported there, and no module of the notebook-running layers (runner, server, ui, cli) may be
pulled in on the way.
"""

from __future__ import annotations

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
                 "nzc_review.files")
PURE_MODULES = ("nzc_review.errors", "nzc_review.limits", "nzc_review.meeting.figures",
                "nzc_review.meeting.revision", "nzc_review.meeting.opinion",
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
