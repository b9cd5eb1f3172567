"""Benchmark: review-store saves, alone and under a full meeting's contention.

1. One expert saving a complete draft (weights, six scores, opinion) 500 times: median,
   95th percentile and worst latency (each save is a durable ``synchronous=FULL`` commit
   with its audit event).
2. 20 processes × 50 saves at the same moment (a panel far larger than a real one):
   wall time, throughput, worst latency seen by any expert, and a check that all 1,000
   records and events are there and the audit chain verifies.
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nzc_review.store import DEFAULT_CRITERIA, Actor, open_store

# the session builder the tests use (tests/fixtures/sessions.py), from the checkout
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fixtures.sessions import build_crowd  # noqa: E402

SCORES = {c.name: 70 + i for i, c in enumerate(DEFAULT_CRITERIA)}
WEIGHTS = {"method": "direct", "points": dict.fromkeys(SCORES, 100 / 6)}
WEIGHTS["points"][DEFAULT_CRITERIA[0].name] = 100 - 5 * (100 / 6)
OPINION = {
    "strengths": "基础扎实。" * 40,
    "problems": "目标偏低。" * 40,
    "revisions": "补充核算。" * 40,
    "recommendation": "recommend_after_revision",
}


def single(root: Path) -> None:
    (token,) = build_crowd(root / "single", 1, 1)
    with open_store(root / "single") as store:
        me = store.authenticate(token)
        times = []
        for i in range(500):
            t = time.perf_counter()
            store.save_draft(
                me,
                "APP-000",
                weights=WEIGHTS,
                scores={**SCORES, "建设基础": i % 101},
                opinion=OPINION,
            )
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(
        f"single expert, 500 saves: median {statistics.median(times):.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms"
    )


def _worker(directory: str, token: str, barrier, out) -> None:
    store = open_store(directory)
    me = store.authenticate(token)
    barrier.wait()
    worst, errors = 0.0, 0
    for j in range(50):
        t = time.perf_counter()
        try:
            store.save_draft(me, f"APP-{j:03d}", weights=WEIGHTS, scores=SCORES, opinion=OPINION)
        except Exception:
            errors += 1
        worst = max(worst, time.perf_counter() - t)
    out.put((worst, errors))


def contention(root: Path, processes: int = 20) -> int:
    directory = root / "meeting"
    tokens = build_crowd(directory, processes, 50)
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(processes + 1), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(directory), t, barrier, out)) for t in tokens]
    for p in procs:
        p.start()
    barrier.wait()
    t = time.perf_counter()
    results = [out.get() for _ in procs]
    wall = time.perf_counter() - t
    for p in procs:
        p.join()
    n = processes * 50
    with open_store(directory) as store:
        op = Actor.operator("bench")
        present = len(store.reviews(op))
        ok = store.verify(op).ok
    errors = sum(e for _, e in results)
    print(
        f"{processes} processes x 50 saves: {wall:.2f} s wall, {n / wall:.0f} saves/s, "
        f"worst save {max(w for w, _ in results) * 1000:.0f} ms, errors {errors}, "
        f"records {present}/{n}, audit chain {'ok' if ok else 'BROKEN'}"
    )
    return 0 if (errors == 0 and present == n and ok) else 1


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        single(root)
        return contention(root)


if __name__ == "__main__":
    sys.exit(main())
