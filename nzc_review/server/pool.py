"""Pre-heated kernels sized for a review meeting, warmed without slowing the pages down.

Voila keeps a pool of pre-heated kernels per panel notebook (a kernel started, the panel's
first cell run, waiting for a visitor). For a meeting the pools are sized from the session
(:func:`pool_plan`): a kernel for every participant who opens the panel, plus one spare per
panel for a reload or a late second tab — participants + 2 for the experts and the chair —
bounded by the memory the machine has. Every figure is a default of this tool (本工具默认规则): measured on the demo
meeting, a pre-heated kernel uses about 100 MB (RSS) and a page's kernel peaks below 120 MB
(``bench/bench_meeting.py``).

How kernels are warmed (:func:`meeting_manager_class`):

* a page only takes a pool kernel that is ready; while none is, the page starts a kernel of
  its own (and shows that it is loading) rather than queueing behind one still starting;
* pool kernels warm one per core while no page is open, one per two cores once pages are
  (:func:`warm_at_once`): a warming kernel imports and reads the session, CPU the open pages
  would otherwise miss;
* a kernel taken by a page is replaced only after :data:`REFILL_DELAY_SECONDS`, so the rush
  of a meeting opening at once is served before the pool refills.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from typing import Any

#: The panels whose kernels are pre-heated, by the roles that open them.
EXPERT_PANEL = "expert_review.ipynb"
CHAIR_PANEL = "chair_dashboard.ipynb"
EXPLORER_PANEL = "explorer.ipynb"
#: RSS of a page's kernel to plan with (MB): the aim and the measured peak is below it.
KERNEL_MB = 120
#: Share of the memory available at start the pools may take (本工具默认规则).
MEMORY_SHARE = 0.5
#: Seconds before a kernel taken by a page is replaced in its pool (本工具默认规则); the
#: replacement then waits until no page is loading.
REFILL_DELAY_SECONDS = 5.0
#: Warm kernels a panel keeps while its people's pages are open (本工具默认规则).
SPARE_KERNELS = 1
#: A page that has not connected to its kernel this long after opening no longer holds the
#: pool's warming back (本工具默认规则).
LOADING_LIMIT_SECONDS = 60.0
#: A warming kernel is ready once it used less than this share of a core for
#: :data:`QUIET_SECONDS` (it then waits for its visitor), or after :data:`WARM_LIMIT_SECONDS`.
QUIET_SHARE = 0.05
QUIET_SECONDS = 1.0
WARM_LIMIT_SECONDS = 60.0


def pool_plan(people: Mapping[str, int], available_mb: float, *,
              kernel_mb: float = KERNEL_MB, share: float = MEMORY_SHARE) -> dict[str, int]:
    """Pre-heated kernels per panel notebook, for ``people`` who open each panel: one kernel
    each plus one spare per panel (participants + 2 for the experts' form and the chair's
    dashboard, which always get at least one; a panel nobody opens gets none), scaled down to
    fit ``share`` of ``available_mb`` at ``kernel_mb`` a kernel (every panel in use keeps one
    while the memory allows)."""
    want = {panel: (count + 1 if count > 0 or panel in (EXPERT_PANEL, CHAIR_PANEL) else 0)
            for panel, count in people.items()}
    for panel in (EXPERT_PANEL, CHAIR_PANEL):
        want.setdefault(panel, 1)
    fits = max(0, int(available_mb * share // kernel_mb))
    total = sum(want.values())
    if total <= fits:
        return want
    plan = {p: (max(1, n * fits // total) if n else 0) for p, n in want.items()}
    while sum(plan.values()) > fits:
        largest = max(plan, key=lambda p: plan[p])
        plan[largest] -= 1
    return plan


def session_pool_plan(session_dir: str | os.PathLike[str], panel_of_role: Mapping[str, str],
                      available_mb: float | None = None) -> dict[str, int]:
    """:func:`pool_plan` for the active people of a review session (each opens the panel of
    their role, ``panel_of_role``) and this machine's available memory."""
    import psutil

    from nzc_review.store import Actor, open_store

    store = open_store(session_dir)
    try:
        people = [e for e in store.experts(Actor.operator("pool-size")) if e.active]
    finally:
        store.close()
    counts = dict.fromkeys(panel_of_role.values(), 0)
    for person in people:
        panel = panel_of_role.get(person.role)
        if panel is not None:
            counts[panel] += 1
    if available_mb is None:
        available_mb = psutil.virtual_memory().available / (1 << 20)
    return pool_plan(counts, available_mb)


def uniform_plan(size: int, panels: tuple[str, ...] = (EXPERT_PANEL, CHAIR_PANEL,
                                                       EXPLORER_PANEL)) -> dict[str, int]:
    """``size`` pre-heated kernels for every panel (``serve --pool-size``)."""
    return dict.fromkeys(panels, size)


def kernel_pools_config(plan: Mapping[str, int], env: Mapping[str, str]) -> dict[str, Any]:
    """Voila's ``VoilaKernelManager.kernel_pools_config`` for a plan: notebooks not named
    get no pool."""
    config: dict[str, Any] = {"default": {"pool_size": 0, "kernel_env_variables": dict(env)}}
    for notebook, size in plan.items():
        config[notebook] = {"pool_size": int(size)}  # the environment: the default's
    return config


def warm_at_once(pages_open: bool, cpus: int | None = None) -> int:
    """Pool kernels warming at the same time (本工具默认规则): one per core while no page is
    open (the server starting), one per two cores once pages are open, so the other half of
    the machine stays with them."""
    cpus = cpus or os.cpu_count() or 2
    return max(1, cpus // 2 if pages_open else cpus)


def _cpu_seconds(pid: int) -> float | None:
    import psutil

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


async def wait_until_quiet(pid: int | None, *, quiet_share: float = QUIET_SHARE,
                           quiet_seconds: float = QUIET_SECONDS,
                           limit: float = WARM_LIMIT_SECONDS) -> bool:
    """Wait until process ``pid`` has used less than ``quiet_share`` of a core for
    ``quiet_seconds`` (a pre-heated kernel that finished its first cell and waits for its
    visitor); ``False`` after ``limit`` seconds or when the process is gone."""
    if pid is None:
        return False
    step = quiet_seconds / 2
    deadline = time.monotonic() + limit
    last = _cpu_seconds(pid)
    quiet = 0.0
    while time.monotonic() < deadline and last is not None:
        await asyncio.sleep(step)
        now = _cpu_seconds(pid)
        if now is None:
            return False
        quiet = quiet + step if now - last < quiet_share * step else 0.0
        last = now
        if quiet >= quiet_seconds:
            return True
    return False


def ready_tasks(pool: list) -> list:
    """The pool entries (Voila's start tasks) whose kernel is started and warm."""
    return [t for t in pool if t.done() and not t.cancelled() and t.exception() is None]


def pool_target(planned: int, pages_open: int, spare: int = SPARE_KERNELS) -> int:
    """Kernels a panel's pool keeps while ``pages_open`` of its pages are open: the planned
    pool less the kernels those pages took, never fewer than ``spare`` (a reload, a late
    arrival) — so a meeting in full swing holds its people's kernels and a few spares, not a
    second full pool, and the pool is whole again once the pages close."""
    if planned <= 0:
        return 0
    return max(min(spare, planned), planned - max(0, pages_open))


def pages_loading(owners: Mapping[str, Any], connections: Mapping[str, int], now: float,
                  limit: float = LOADING_LIMIT_SECONDS) -> bool:
    """Whether a page opened less than ``limit`` seconds ago has not yet connected to its
    kernel (``owners``: kernel id → :class:`nzc_review.server.app.Owner`)."""
    return any(connections.get(kernel, 0) == 0 and now - owner.since < limit
               for kernel, owner in owners.items())


def meeting_manager_class(base: type) -> type:
    """Voila's pre-heating kernel manager ``base`` (made by its factory), for a meeting:

    * pool kernels warm a few at a time (:func:`warm_at_once`), and only while no page is
      loading (:func:`pages_loading`);
    * a page is handed only a warm kernel (:meth:`ready_pool_size`, :meth:`put_ready_first`);
    * a pool is refilled to :func:`pool_target` when a page takes a kernel and when a page's
      kernel is shut down (the page closed).

    The manager's ``guard`` (:class:`nzc_review.server.app.Guard`, set by the server) knows
    the open pages and their connections.
    """

    class MeetingKernelManager(base):  # type: ignore[misc, valid-type]
        _nzc_warming_now = 0
        _nzc_stopping = False

        def _nzc_guard(self):
            return getattr(self, "guard", None)

        def _may_warm(self) -> bool:
            guard = self._nzc_guard()
            if guard is None:
                return self._nzc_warming_now < warm_at_once(pages_open=False)
            if pages_loading(guard.owners, guard.connections, time.monotonic()):
                return False
            return self._nzc_warming_now < warm_at_once(pages_open=bool(guard.owners))

        def _pages_of(self, notebook_name: str | None) -> int:
            """Kernels of ``notebook_name``'s pool that pages took and still hold (counted
            before the page claims it: Voila refills while handing the kernel out)."""
            known = set(self.notebook_data.get(notebook_name, {}).get("kernel_ids", ()))
            waiting = {t.result()["kernel_id"]
                       for t in ready_tasks(self._pools.get(notebook_name, []))}
            return len(known - waiting - self.__dict__.get("_nzc_warming_ids", set()))

        def fill_if_needed(self, delay: float | None = None, notebook_name: str | None = None,
                           extra_kernel_env_variables: dict | None = None,
                           **kwargs: Any) -> None:
            planned = self.__dict__.setdefault("_nzc_planned", {})
            config = self.kernel_pools_config.get(notebook_name)
            if config is None or self._nzc_stopping:
                if not self._nzc_stopping:
                    super().fill_if_needed(delay, notebook_name,
                                           extra_kernel_env_variables or {}, **kwargs)
                return
            size = planned.setdefault(notebook_name, int(config.get("pool_size", 0)))
            config["pool_size"] = pool_target(size, self._pages_of(notebook_name))
            try:
                super().fill_if_needed(delay, notebook_name, extra_kernel_env_variables or {},
                                       **kwargs)
            finally:
                config["pool_size"] = size

        async def _initialize(self, notebook_path: str, kernel_id: str | None = None,
                              **kwargs: Any) -> dict:
            if kernel_id is not None:  # a restart: not a pool kernel
                return await super()._initialize(notebook_path, kernel_id, **kwargs)
            while not self._may_warm():
                await asyncio.sleep(0.25)
            self._nzc_warming_now += 1
            warming = self.__dict__.setdefault("_nzc_warming_ids", set())
            content: dict = {}
            try:
                content = await super()._initialize(notebook_path, None, **kwargs)
                warming.add(content["kernel_id"])
                pid = getattr(self, "kernel_pid", lambda _k: None)(content["kernel_id"])
                await wait_until_quiet(pid)
            finally:
                self._nzc_warming_now -= 1
                warming.discard(content.get("kernel_id"))
            return content

        async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:
            notebook = self._get_notebook_from_kernel(kernel_id)
            await super().shutdown_kernel(kernel_id, *args, **kwargs)
            if notebook is not None and not self._nzc_stopping:
                self.fill_if_needed(delay=None, notebook_name=notebook)

        async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:
            """Kernels still waiting to warm are not started at all when the server stops."""
            self._nzc_stopping = True
            for pool in self._pools.values():
                for task in [t for t in pool if not t.done()]:
                    task.cancel()
                    pool.remove(task)
            await super().shutdown_all(*args, **kwargs)

        def ready_pool_size(self, notebook_name: str) -> int:
            """Warm kernels waiting for a visitor of ``notebook_name``."""
            return len(ready_tasks(self._pools.get(notebook_name, [])))

        def put_ready_first(self, notebook_name: str) -> None:
            """Move a warm kernel to the head of the pool, where Voila takes one."""
            pool = self._pools.get(notebook_name, [])
            ready = ready_tasks(pool)
            if ready and pool[0] is not ready[0]:
                pool.remove(ready[0])
                pool.insert(0, ready[0])

    MeetingKernelManager.__name__ = MeetingKernelManager.__qualname__ = base.__name__
    return MeetingKernelManager
