"""Many writers at once, and a writer killed mid-transaction: nothing committed is lost."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from nzc_review.store import Actor, StoreBusy, open_store
from tests.fixtures.sessions import FULL_SCORES, build_crowd

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)]

PROCESSES = 20
SAVES = 50


def _saver(directory: str, token: str, barrier, results, options: dict) -> None:
    errors: list[str] = []
    slowest = 0.0
    try:
        store = open_store(directory, **options)
        me = store.authenticate(token)
        barrier.wait(timeout=30)
        for j in range(SAVES):
            t = time.perf_counter()
            try:
                store.save_draft(
                    me,
                    f"APP-{j:03d}",
                    scores={**FULL_SCORES, "foundation": j},
                    opinion={"strengths": f"{me.expert_id}/{j}"},
                )
            except Exception as exc:  # reported to the parent, which fails the test
                errors.append(f"{type(exc).__name__}: {exc}")
            slowest = max(slowest, time.perf_counter() - t)
        store.close()
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    results.put((token, errors, slowest))


@pytest.mark.parametrize(
    "options",
    [{}, {"busy_timeout": 0.001}],
    ids=["defaults", "store-retries"],  # the second leaves the waiting to the store's backoff
)
def test_twenty_processes_fifty_saves_each(tmp_path, options):
    directory = tmp_path / "session"
    tokens = build_crowd(directory, PROCESSES, SAVES)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_saver, args=(str(directory), t, barrier, results, options))
        for t in tokens
    ]
    started = time.perf_counter()
    for p in procs:
        p.start()
    reports = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    elapsed = time.perf_counter() - started

    errors = [e for _, errs, _ in reports for e in errs]
    assert errors == []  # in particular no "database is locked"
    assert all(p.exitcode == 0 for p in procs)

    with open_store(directory) as store:
        op = Actor.operator("tester")
        reviews = store.reviews(op)
        assert len(reviews) == PROCESSES * SAVES
        assert {r.opinion.strengths for r in reviews} == {
            f"{r.expert_id}/{int(r.app_id[-3:])}" for r in reviews
        }
        assert all(r.scores["foundation"] == int(r.app_id[-3:]) for r in reviews)
        saves = [e for e in store.events(op) if e.entity == "review"]
        assert len(saves) == PROCESSES * SAVES
        assert store.verify(op).ok
        assert store.integrity_check() == "ok"
    assert elapsed < 60, f"{elapsed:.1f} s"


# --- crash safety --------------------------------------------------------------------------------


def _big_transaction(directory: str, token: str, ready, committed) -> None:
    store = open_store(directory)
    me = store.authenticate(token)
    for i in range(20):
        store.save_draft(me, "APP-000", opinion={"strengths": f"committed {i}"})
    committed.set()

    def work(tx):
        for i in range(3000):
            tx.conn.execute(
                "UPDATE reviews SET strengths = ? WHERE expert_id = ? AND app_id = 'APP-000'",
                (f"uncommitted {i}", me.expert_id),
            )
            tx.event(
                "review", f"{me.expert_id}/APP-000", "save_draft", None, {"pad": "x" * 2000, "i": i}
            )
        ready.set()
        time.sleep(120)  # killed here, inside the open transaction

    store._write(me, work)


def test_writer_killed_mid_transaction(tmp_path):
    directory = tmp_path / "session"
    (token, other) = build_crowd(directory, 2, 1)
    wal = Path(f"{directory / 'review.sqlite'}-wal")
    ctx = multiprocessing.get_context("fork")
    ready, committed = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_big_transaction, args=(str(directory), token, ready, committed))
    child.start()
    assert committed.wait(30)
    wal_committed = wal.stat().st_size
    assert ready.wait(60), "the child never reached the middle of its transaction"
    assert wal.stat().st_size > wal_committed + 1_000_000  # uncommitted pages hit the disk
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    assert child.exitcode == -signal.SIGKILL

    with open_store(directory, busy_timeout=2) as store:
        assert store.integrity_check() == "ok"
        op = Actor.operator("tester")
        (review,) = store.reviews(op)
        assert review.opinion.strengths == "committed 19" and review.saves == 20
        result = store.verify(op)
        assert result.ok, result.problems
        assert not [e for e in store.events(op) if e.after and "pad" in e.after]
        # the lock died with the writer: others write at once
        me = store.authenticate(other)
        assert store.save_draft(me, "APP-000", scores=FULL_SCORES).status == "draft"


def _save_forever(directory: str, token: str, conn) -> None:
    store = open_store(directory)
    me = store.authenticate(token)
    i = 0
    while True:
        store.save_draft(me, "APP-000", opinion={"strengths": f"save {i}"})
        conn.send(i)  # acknowledged only after the commit returned
        i += 1


def test_writer_killed_at_a_random_moment_loses_no_acknowledged_save(tmp_path):
    directory = tmp_path / "session"
    (token,) = build_crowd(directory, 1, 1)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_save_forever, args=(str(directory), token, sender))
    child.start()
    acked = -1
    while acked < 150:
        assert receiver.poll(30)
        acked = receiver.recv()
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    while receiver.poll(0.1):
        acked = receiver.recv()

    with open_store(directory) as store:
        assert store.integrity_check() == "ok"
        (review,) = store.reviews(Actor.operator("tester"))
        assert review.saves >= acked + 1
        assert int(review.opinion.strengths.split()[1]) >= acked
        assert store.verify(Actor.operator("tester")).ok


# --- the retry path ------------------------------------------------------------------------------


def _hold_write_lock(directory: Path, seconds: float) -> threading.Thread:
    """Another connection takes the write lock and keeps it for ``seconds``."""
    locked = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(directory / "review.sqlite", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(5)
    return thread


def test_busy_database_is_retried_not_reported(tmp_path):
    directory = tmp_path / "session"
    (token,) = build_crowd(directory, 1, 1)
    with open_store(directory, busy_timeout=0.02, retry_deadline=10) as store:
        me = store.authenticate(token)
        holder = _hold_write_lock(directory, 0.5)
        started = time.perf_counter()
        review = store.save_draft(me, "APP-000", scores=FULL_SCORES)
        waited = time.perf_counter() - started
        holder.join()
    assert review.saves == 1 and 0.3 < waited < 5


def test_busy_beyond_the_deadline_is_a_clear_error(tmp_path):
    directory = tmp_path / "session"
    (token,) = build_crowd(directory, 1, 1)
    with open_store(directory, busy_timeout=0.02, retry_deadline=0.3) as store:
        me = store.authenticate(token)
        holder = _hold_write_lock(directory, 0.8)
        with pytest.raises(StoreBusy, match="stayed busy for more than 0.3 s; try again") as info:
            store.save_draft(me, "APP-000", scores=FULL_SCORES)
        assert "locked" not in str(info.value)
        holder.join()
        assert store.save_draft(me, "APP-000", scores=FULL_SCORES).saves == 1


def test_threads_share_one_store(tmp_path):
    directory = tmp_path / "session"
    tokens = build_crowd(directory, 4, 10)
    errors: list[str] = []
    with open_store(directory) as store:
        actors = [store.authenticate(t) for t in tokens]

        def work(me: Actor) -> None:
            for j in range(10):
                try:
                    store.save_draft(me, f"APP-{j:03d}", scores={"建设基础": j})
                except Exception as exc:
                    errors.append(repr(exc))

        threads = [threading.Thread(target=work, args=(a,)) for a in actors]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(store.reviews(Actor.operator())) == 40 and store.verify(Actor.operator()).ok
