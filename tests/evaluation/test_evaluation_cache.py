"""The session's evaluation cache: each application version evaluated once, kept as JSON in
the session folder, read back identical; damaged or foreign files computed again; a folder that
cannot be written costs the cache, never the panel. And a panel's kernel stays lean: it reads
the cache instead of importing the chart library, the statistics library or the report runner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nzc_review.evaluation import cache
from nzc_review.evaluation.pipeline import evaluate_application
from nzc_review.intake import load_application
from nzc_review.store import Actor, open_store
from nzc_review.ui.demo import create_demo_session
from tests.conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return create_demo_session(tmp_path_factory.mktemp("cache") / "session")


def _snapshot(folder, app_id: str = "DEMO-2024-YQ-001") -> str:
    store = open_store(folder)
    try:
        return cache.canonical_snapshot(store.application_snapshot(Actor.operator("t"), app_id))
    finally:
        store.close()


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_an_evaluation_reads_back_identical(path):
    evaluation = evaluate_application(load_application(path))
    back = cache.evaluation_from_json(cache.evaluation_to_json(evaluation))
    assert back == evaluation
    assert back.indicators is back.compliance.indicators  # one list, as evaluate_application
    assert all(isinstance(year, int) for year in back.accounting.years)


def test_each_version_is_evaluated_once_then_read(demo, tmp_path, monkeypatch):
    folder = tmp_path / "session"
    folder.mkdir()
    snapshot = _snapshot(demo.dir)
    calls = []
    real = cache.compute_evaluation
    monkeypatch.setattr(cache, "compute_evaluation",
                        lambda s, r=None: calls.append(s) or real(s, r))
    first = cache.load_evaluation(folder, snapshot)
    files = sorted(p.name for p in (folder / cache.CACHE_DIR).iterdir())
    assert files == [f"{cache.version_key(snapshot)}.json"]
    second = cache.load_evaluation(folder, snapshot)
    assert len(calls) == 1 and second == first
    # a new version (other content) is a new key
    changed = json.loads(snapshot)
    changed["name"] = changed["name"] + "（修改稿）"
    assert cache.version_key(cache.canonical_snapshot(changed)) != cache.version_key(snapshot)


def test_new_code_computes_afresh(demo, tmp_path, monkeypatch):
    snapshot = _snapshot(demo.dir)
    before = cache.version_key(snapshot)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another release")
    assert cache.version_key(snapshot) != before


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"format": "other/1", "evaluation": {}}',
                                     b'{"format": "nzc-evaluation-cache/1", "evaluation": []}',
                                     b"\xff\xfe"])
def test_a_damaged_or_foreign_file_is_computed_again(demo, tmp_path, content):
    folder = tmp_path / "session"
    snapshot = _snapshot(demo.dir)
    path = folder / cache.CACHE_DIR / f"{cache.version_key(snapshot)}.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    evaluation = cache.load_evaluation(folder, snapshot)
    assert evaluation.id == "DEMO-2024-YQ-001"
    assert cache.evaluation_from_json(path.read_text(encoding="utf-8")) == evaluation
    png = folder / cache.CACHE_DIR / f"{cache.version_key(snapshot)}.png"
    png.write_bytes(b"not a png")
    assert cache.load_forecast_png(folder, snapshot).startswith(b"\x89PNG")


def test_a_folder_that_cannot_be_written_costs_only_the_cache(demo, tmp_path):
    folder = tmp_path / "session"
    folder.mkdir()
    (folder / "cache").write_text("a file where the cache folder would be", encoding="utf-8")
    snapshot = _snapshot(demo.dir)
    assert cache.load_evaluation(folder, snapshot).id == "DEMO-2024-YQ-001"
    assert cache.load_forecast_png(folder, snapshot).startswith(b"\x89PNG")
    assert (folder / "cache").read_text(encoding="utf-8").startswith("a file")


@pytest.mark.slow
def test_serve_warms_the_session_once(tmp_path):
    folder = tmp_path / "session"
    create_demo_session(folder)
    run = [sys.executable, "-m", "nzc_review.evaluation.cache", str(folder)]
    first = subprocess.run(run, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert "5 个申报项目" in first.stdout
    files = sorted((folder / cache.CACHE_DIR).iterdir())
    assert len(files) == 10 and all(oct(p.stat().st_mode)[-3:] == "600" for p in files)
    stamps = {p.name: p.stat().st_mtime_ns for p in files}
    again = subprocess.run(run, capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0
    assert {p.name: p.stat().st_mtime_ns for p in (folder / cache.CACHE_DIR).iterdir()} == stamps


def test_warming_something_that_is_not_a_session_says_so(tmp_path):
    run = [sys.executable, "-m", "nzc_review.evaluation.cache", str(tmp_path / "nothing")]
    done = subprocess.run(run, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert str(tmp_path / "nothing") in done.stderr and "Traceback" not in done.stderr
    usage = subprocess.run(run[:3], capture_output=True, text=True, cwd=ROOT)
    assert usage.returncode == 2 and "usage" in usage.stderr


def test_serve_goes_on_when_the_evaluations_cannot_be_cached(tmp_path, capsys):
    from nzc_review.cli.commands.serve import warm_evaluations

    warm_evaluations(tmp_path / "nothing")
    err = capsys.readouterr().err
    assert "面板将在首次打开时计算" in err and "Traceback" not in err


LEAN_KERNEL = """
import json, os, sys
os.environ["VOILA_PREHEAT"] = "True"
from nzc_review.ui.common import preload
from nzc_review.ui.expert import expert_panel
from nzc_review.ui.chair import chair_dashboard
assert preload() == 5
expert_panel(sys.argv[1]); chair_dashboard(sys.argv[2])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"matplotlib", "scipy", "nbformat",
                                                        "jsonschema", "papermill", "nbconvert"})
print(json.dumps(heavy))
"""


@pytest.mark.slow
def test_a_panel_kernel_reads_the_cache_and_stays_lean(tmp_path):
    """What a pre-heated kernel runs (imports, preload) and a visitor's panels, expert's and
    chair's: with the session's evaluations cached, no chart, statistics or report library
    is imported (each costs a panel kernel seconds of CPU and tens of MB)."""
    folder = tmp_path / "session"
    demo = create_demo_session(folder)
    assert cache.warm_session_cache(folder) == 5
    env = {**os.environ, "NZC_SESSION_DIR": str(folder), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", LEAN_KERNEL, demo.tokens["expert_a"],
                           demo.tokens["chair"]], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
