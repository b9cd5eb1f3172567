"""Benchmark: the review panels served by Voila.

1. Time to interactive of the expert panel (the form of the first application on screen),
   cold (a kernel started per visit) and with pre-heated kernels, against Voila serving a
   minimal one-widget notebook the same way, in the same run. Aim: within 1.5× the minimal
   notebook's time.
2. The p95 latency of a score save (the store call the panel makes on autosave) with 15
   simulated experts saving at once (15 processes). Aim: under 150 ms.

Usage: python bench/bench_panels.py [REPEATS]
"""

from __future__ import annotations

import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# servers started and stopped as the tests do (tests/fixtures/serving.py)
sys.path.insert(0, str(ROOT))
from tests.fixtures.serving import Serve, Voila, wait_http, write_notebook  # noqa: E402


def start_panels(folder: Path, preheat: bool) -> Serve:
    """``nzc-review serve --demo`` with two pre-heated kernels per panel (or none)."""
    options = ["--demo", "--pool-size", "2", *([] if preheat else ["--no-preheat"])]
    return Serve(folder, *options).start()


def start_minimal(folder: Path, preheat: bool) -> Voila:
    """Voila serving a one-widget notebook the same way."""
    write_notebook(folder / "minimal.ipynb",
                   "import ipywidgets as w\nw.Button(description='minimal ready')")
    return Voila(folder, f"--preheat_kernel={preheat}", f"--pool_size={2 if preheat else 0}")


def time_to_interactive(browser, url: str, marker: str) -> float:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.get_by_text(marker).first.wait_for(timeout=120_000)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def measure_pages(repeats: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    from nzc_review.runner.pdf import CHROMIUM_ARGS

    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for preheat in (False, True):
            mode = "preheated" if preheat else "cold"
            panels = start_panels(Path(tmp) / f"s-{mode}", preheat)
            minimal = start_minimal(Path(tmp) / f"m-{mode}", preheat)
            minimal_url = minimal.render("minimal.ipynb")
            try:
                expert_url = next(v for v in panels.links.values() if "expert_review" in v)
                wait_http(minimal_url)
                time.sleep(8 if preheat else 1)  # let the pools fill
                for _ in range(repeats):
                    results.setdefault(f"expert panel, {mode}", []).append(
                        time_to_interactive(browser, expert_url, "已载入"))
                    results.setdefault(f"minimal notebook, {mode}", []).append(
                        time_to_interactive(browser, minimal_url, "minimal ready"))
                    if preheat:
                        time.sleep(4)  # the pool refills between visits
            finally:
                panels.stop()
                minimal.stop()
        browser.close()
    return results


def _saver(args) -> list[float]:
    folder, token, app_id, n, start_at = args
    from nzc_review.store import open_store

    store = open_store(folder)
    actor = store.authenticate(token)
    criteria = [c.id for c in store.session(actor).criteria]
    while time.time() < start_at:
        time.sleep(0.001)
    latencies = []
    for i in range(n):
        scores = {c: 60 + (i + k) % 40 for k, c in enumerate(criteria)}
        t = time.perf_counter()
        store.save_draft(actor, app_id, scores=scores, opinion={"strengths": f"第{i}次保存"})
        latencies.append(time.perf_counter() - t)
        time.sleep(0.05)  # an expert types; autosave fires after a pause
    store.close()
    return latencies


def measure_saves(experts: int = 15, saves: int = 20) -> list[float]:
    from nzc_review.meeting.documents import import_file
    from nzc_review.store import Actor, create_session

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "session"
        op = Actor.operator("bench")
        store = create_session(folder, name="bench", actor=op)
        tokens = [store.add_expert(op, name=f"专家{i}", organisation=f"单位{i}",
                                   role="expert").token for i in range(experts)]
        app_id = import_file(store, op, ROOT / "examples" / "applications" /
                             "park-pass.yaml").app_id
        store.assign(op)
        store.close()
        start_at = time.time() + 2
        with mp.get_context("spawn").Pool(experts) as pool:
            results = pool.map(_saver, [(str(folder), t, app_id, saves, start_at)
                                        for t in tokens])
    return [x for r in results for x in r]


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    pages = measure_pages(repeats)
    print(f"time to interactive (median of {repeats}):")
    for mode in ("cold", "preheated"):
        panel = statistics.median(pages[f"expert panel, {mode}"])
        minimal = statistics.median(pages[f"minimal notebook, {mode}"])
        verdict = "met" if panel <= 1.5 * minimal else "NOT met"
        print(f"  {mode:<10} expert panel {panel:5.2f} s   minimal notebook {minimal:5.2f} s   "
              f"ratio {panel / minimal:4.2f} (aim ≤ 1.5: {verdict})")
    latencies = sorted(measure_saves())
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"score save, 15 experts at once ({len(latencies)} saves): median "
          f"{statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
          f"(aim < 150 ms: {'met' if p95 < 0.150 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
