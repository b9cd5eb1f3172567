"""Pre-heated kernels sized for a review meeting (:mod:`nzc_review.server.pool`): one per
participant plus a spare per panel, within the machine's memory; refilled only to what the
open pages leave; warmed a few at a time and never while a page is loading; handed to a page
only when warm."""

from __future__ import annotations

from concurrent.futures import Future
from types import SimpleNamespace

import pytest

from nzc_review.cli import main as cli
from nzc_review.cli.commands.serve import PANEL_OF_ROLE, voila_command
from nzc_review.server.app import Guard, Limits
from nzc_review.server.pool import (
    CHAIR_PANEL,
    EXPERT_PANEL,
    EXPLORER_PANEL,
    kernel_pools_config,
    meeting_manager_class,
    pages_loading,
    pool_plan,
    pool_target,
    session_pool_plan,
    uniform_plan,
    warm_at_once,
)
from nzc_review.ui.demo import create_demo_session

MEETING = {EXPERT_PANEL: 15, CHAIR_PANEL: 2, EXPLORER_PANEL: 0}


def test_a_meeting_gets_a_kernel_per_participant_and_a_spare_per_panel():
    plan = pool_plan(MEETING, available_mb=20_000)
    assert plan == {EXPERT_PANEL: 16, CHAIR_PANEL: 3, EXPLORER_PANEL: 0}
    assert sum(plan.values()) == sum(MEETING.values()) + 2
    # analysts open the explorer: it gets its pool too
    assert pool_plan({**MEETING, EXPLORER_PANEL: 1}, 20_000)[EXPLORER_PANEL] == 2
    # a session still being set up: the panels are ready all the same
    assert pool_plan({}, 20_000) == {EXPERT_PANEL: 1, CHAIR_PANEL: 1}


@pytest.mark.parametrize("available_mb", [0, 100, 240, 500, 1000, 2000])
def test_the_pools_fit_in_half_the_available_memory(available_mb):
    plan = pool_plan(MEETING, available_mb, kernel_mb=120, share=0.5)
    fits = int(available_mb * 0.5 // 120)
    assert sum(plan.values()) <= fits
    if fits >= 2:  # both panels in use keep a kernel while the memory allows
        assert plan[EXPERT_PANEL] >= 1 and plan[CHAIR_PANEL] >= 1
    if fits == 0:
        assert not any(plan.values())


def test_a_session_is_sized_from_its_active_people(tmp_path):
    demo = create_demo_session(tmp_path / "session", more_experts=12)
    assert len(demo.tokens) == 17  # 15 experts, the chair, the secretary
    assert session_pool_plan(demo.dir, PANEL_OF_ROLE, available_mb=20_000) == {
        EXPERT_PANEL: 16, CHAIR_PANEL: 3, EXPLORER_PANEL: 0}


def test_a_pool_keeps_what_the_open_pages_leave_and_a_spare():
    assert pool_target(16, 0) == 16  # before the meeting, after every page closed
    assert pool_target(16, 15) == 1  # the meeting in full swing: one spare, not 16 more
    assert pool_target(16, 10) == 6
    assert pool_target(16, 40) == 1
    assert pool_target(0, 3) == 0


def test_pools_warm_while_no_page_is_loading():
    limits = Limits()
    guard = Guard(limits)
    assert not pages_loading(guard.owners, guard.connections, now=1000.0)
    guard.claim("k1", "visitor", 1)
    since = guard.owners["k1"].since
    assert pages_loading(guard.owners, guard.connections, now=since + 1)
    guard.connections["k1"] = 1  # its page connected
    assert not pages_loading(guard.owners, guard.connections, now=since + 1)
    guard.connections["k1"] = 0  # a page that never connects holds nothing back for long
    assert not pages_loading(guard.owners, guard.connections, now=since + 3600)
    assert warm_at_once(pages_open=False, cpus=2) == 2
    assert warm_at_once(pages_open=True, cpus=2) == 1
    assert warm_at_once(pages_open=True, cpus=1) == 1
    assert warm_at_once(pages_open=True, cpus=8) == 4


class _FakeVoilaManager:
    """What :func:`meeting_manager_class` relies on in Voila's pre-heating manager."""

    def __init__(self, config):
        self.kernel_pools_config = config
        self._pools = {}
        self.notebook_data = {}
        self.filled = []

    def fill_if_needed(self, delay=None, notebook_name=None, extra_kernel_env_variables=None,
                       **kwargs):
        size = self.kernel_pools_config.get(notebook_name, {}).get("pool_size", 0)
        self.filled.append((notebook_name, size))

    def _get_notebook_from_kernel(self, kernel_id):
        return next((nb for nb, d in self.notebook_data.items()
                     if kernel_id in d["kernel_ids"]), None)


def _done(kernel_id):
    future = Future()  # as Voila's start task, done
    future.set_result({"kernel_id": kernel_id})
    return future


def test_a_page_takes_only_a_warm_kernel_and_the_pool_refills_to_its_target():
    manager = meeting_manager_class(_FakeVoilaManager)(
        kernel_pools_config(uniform_plan(4, (EXPERT_PANEL,)), {"X": "1"}))
    assert manager.kernel_pools_config[EXPERT_PANEL] == {"pool_size": 4}
    assert manager.kernel_pools_config["default"]["kernel_env_variables"] == {"X": "1"}
    starting = Future()  # a kernel still warming
    warm = [_done(f"k{i}") for i in range(2)]
    manager._pools[EXPERT_PANEL] = [starting, *warm]
    manager.notebook_data[EXPERT_PANEL] = {"kernel_ids": {"k0", "k1", "p1", "p2"}}
    assert manager.ready_pool_size(EXPERT_PANEL) == 2
    manager.put_ready_first(EXPERT_PANEL)
    assert manager._pools[EXPERT_PANEL][0] is warm[0]
    # p1, p2: kernels two pages took; the pool is refilled to 4 - 2, not to 4
    manager.fill_if_needed(notebook_name=EXPERT_PANEL)
    assert manager.filled[-1] == (EXPERT_PANEL, 2)
    assert manager.kernel_pools_config[EXPERT_PANEL]["pool_size"] == 4  # the plan is kept


def test_serve_passes_the_plan_to_voila(tmp_path):
    command = voila_command(tmp_path, ip="127.0.0.1", port=8866,
                            pools={EXPERT_PANEL: 16, CHAIR_PANEL: 3, EXPLORER_PANEL: 0})
    line = " ".join(command)
    assert "--preheat_kernel=True" in line and '"expert_review.ipynb": {"pool_size": 16}' in line
    assert "--VoilaExecutor.iopub_timeout=60" in line
    cold = " ".join(voila_command(tmp_path, ip="127.0.0.1", port=8866, pools={}))
    assert "--preheat_kernel=False" in cold and "kernel_pools_config" not in cold


@pytest.mark.parametrize("value", ["-1", "two"])
def test_a_bad_pool_size_is_refused_in_one_line(value, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--demo", "--pool-size", value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--pool-size" in err and "Traceback" not in err


def test_a_kernel_that_warms_counts_as_not_yet_in_the_pool():
    manager = meeting_manager_class(_FakeVoilaManager)(kernel_pools_config({CHAIR_PANEL: 3}, {}))
    manager.notebook_data[CHAIR_PANEL] = {"kernel_ids": {"w1"}}
    manager._nzc_warming_ids = {"w1"}
    assert manager._pages_of(CHAIR_PANEL) == 0
    manager.guard = SimpleNamespace(owners={}, connections={})
    assert manager._may_warm()
