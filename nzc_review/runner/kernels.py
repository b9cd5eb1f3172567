"""A pool of pre-started ("warm") Jupyter kernels for running many notebooks.

Starting a kernel and importing the libraries a notebook needs is most of the cost of running
a small notebook. The pool starts kernels ahead of time in background threads (``starters``
at once) over the IPC transport (Unix sockets in a private temporary folder, one name prefix
per kernel: no TCP ports, so kernels started together never race for one), warms each one
(:func:`nzc_review.runner.warmup.warm_kernel`: imports, the CJK font, the plan's tables) and
hands them to notebooks. The managers are asynchronous (as nbclient's own): with a blocking
client, nbclient could not notice a kernel that died mid-cell.

Between two notebooks a kernel's user namespace is reset (``%reset -f``) and every figure
closed — the library keeps no mutable state, so nothing of one application reaches the next.
A kernel that failed or timed out is shut down and replaced by a fresh one, and so is a kernel
whose resident memory grew more than ``max_growth_mb`` above what it held when warm, or that
ran ``max_uses`` notebooks (本工具默认规则, :data:`MAX_GROWTH_MB`, :data:`MAX_USES`): memory
stays flat over long batches without paying a kernel start every few notebooks.
``max_uses=1`` gives every notebook a brand-new kernel.
"""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager as KernelManager
from jupyter_core.utils import run_sync

from nzc_review.errors import NzcError
from nzc_review.files.short_tmp import short_tmpdir

RESET_CODE = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import matplotlib.pyplot as _plt; _plt.close('all'); del _plt\n"
    "import gc as _gc; _gc.collect(); del _gc\n"
)
WARM_CODE = (
    "import nzc_review.runner.warmup as _warmup\n"
    "_warmup.warm_kernel()\n"
    "del _warmup\n"
)
#: Seconds the pool waits after a kernel failed to start before it starts another.
RETRY_DELAY = 1.0


class KernelStartError(NzcError):
    """A pooled kernel failed to start or to warm up."""


#: Options of every pooled kernel: the input history in memory, not in the SQLite file of the
#: user's IPython profile, which every kernel would write after every cell (IPython's
#: ``HistoryManager.enabled``).
KERNEL_ARGS = ["--HistoryManager.enabled=False"]
#: A kernel is replaced after this many notebooks (本工具默认规则; a safety net: memory
#: growth, below, is what normally retires a kernel).
MAX_USES = 200
#: A kernel whose resident memory grew more than this above its warm size is replaced
#: (本工具默认规则).
MAX_GROWTH_MB = 150.0


def process_memory_mb(pid: int | None) -> float | None:
    """Resident memory of process ``pid`` in MB, or ``None`` if it cannot be read."""
    if pid is None:
        return None
    import psutil

    try:
        return psutil.Process(pid).memory_info().rss / (1 << 20)
    except (psutil.Error, OSError):
        return None


class KernelPool:
    """Keep ``size`` warm kernels ready; :meth:`acquire` one, :meth:`release` it when done."""

    def __init__(self, size: int, kernel_name: str = "python3", warm_code: str = WARM_CODE,
                 cwd: str | os.PathLike | None = None, startup_timeout: float = 120.0,
                 max_uses: int = MAX_USES, max_growth_mb: float | None = MAX_GROWTH_MB,
                 starters: int = 1):
        self.size = max(1, size)
        self.max_uses = max(1, max_uses)
        self.max_growth_mb = max_growth_mb
        self._uses: dict[KernelManager, int] = {}
        self._warm_mb: dict[KernelManager, float] = {}
        #: kernels started so far, and kernels retired for their memory growth
        self.started = 0
        self.retired_for_memory = 0
        self._to_reset: queue.Queue[KernelManager] = queue.Queue()
        self.kernel_name = kernel_name
        self.warm_code = warm_code
        self.cwd = str(cwd) if cwd else None
        self.startup_timeout = startup_timeout
        self._ready: queue.Queue[KernelManager | BaseException] = queue.Queue()
        self._slots = threading.Semaphore(self.size)
        self._stop = threading.Event()
        # the kernels' IPC sockets live here: a folder short enough for a socket's path
        self._dir = tempfile.mkdtemp(prefix="nzc-kernels-", dir=short_tmpdir())
        self._count = 0
        self._live: set[KernelManager] = set()
        self._lock = threading.Lock()
        self._closing = threading.Lock()
        self._threads = [threading.Thread(target=self._starter, name=f"kernel-starter-{i}",
                                          daemon=True)
                         for i in range(max(1, min(starters, self.size)))]
        for thread in self._threads:
            thread.start()

    def _run(self, km: KernelManager, code: str, fresh: bool = False) -> None:
        # A short-lived client: clients of one kernel manager share a session, hence a ZMQ
        # identity, so none may stay connected while papermill's client runs the notebook.
        run_sync(self._arun)(km, code, fresh)

    async def _arun(self, km: KernelManager, code: str, fresh: bool) -> None:
        client = km.client()
        client.start_channels(hb=False)  # the manager watches the process; no heartbeat thread
        try:
            if fresh:  # a running kernel needs no readiness handshake (it costs ≥ 0.2 s)
                await client.wait_for_ready(timeout=self.startup_timeout)
            if code:
                reply = await client.execute_interactive(
                    code, timeout=self.startup_timeout, output_hook=lambda msg: None
                )
                if reply["content"]["status"] != "ok":
                    raise RuntimeError(
                        f"kernel set-up failed: {reply['content'].get('evalue')}")
        finally:
            client.stop_channels()

    def _forget(self, km: KernelManager) -> None:
        with contextlib.suppress(Exception):
            run_sync(km.shutdown_kernel)(now=True)
        with self._lock:
            self._live.discard(km)
            self._uses.pop(km, None)
            self._warm_mb.pop(km, None)

    def _start_one(self) -> KernelManager:
        with self._lock:
            self._count += 1
            prefix = str(Path(self._dir) / f"k{self._count}")
        km = KernelManager(kernel_name=self.kernel_name, transport="ipc", ip=prefix)
        run_sync(km.start_kernel)(cwd=self.cwd, env={**os.environ, "MPLBACKEND": "Agg"},
                                  extra_arguments=KERNEL_ARGS)
        with self._lock:
            self._live.add(km)
            self._uses[km] = 0
            self.started += 1
        try:
            self._run(km, self.warm_code, fresh=True)
        except BaseException:
            self._forget(km)  # never left running unused
            raise
        warm = self.memory_mb(km)
        if warm is not None:
            with self._lock:
                self._warm_mb[km] = warm
        return km

    @staticmethod
    def memory_mb(km: KernelManager) -> float | None:
        """Resident memory of the kernel's process in MB (``None`` if unknown)."""
        process = getattr(km.provisioner, "process", None)
        return process_memory_mb(getattr(process, "pid", None))

    def _grown(self, km: KernelManager) -> bool:
        """Whether ``km`` grew more than ``max_growth_mb`` above its warm size."""
        if self.max_growth_mb is None:
            return False
        warm = self._warm_mb.get(km)
        now = self.memory_mb(km)
        return warm is not None and now is not None and now - warm > self.max_growth_mb

    def _starter(self) -> None:
        while not self._stop.is_set():
            try:  # resetting used kernels comes first: it is quicker than starting new ones
                km = self._to_reset.get_nowait()
            except queue.Empty:
                pass
            else:
                try:
                    if not run_sync(km.is_alive)():
                        raise RuntimeError("kernel died")
                    self._run(km, RESET_CODE)
                except Exception:  # noqa: BLE001 - a kernel that cannot be reset is replaced
                    self._forget(km)
                    self._slots.release()
                else:
                    self._ready.put(km)
                continue
            if not self._slots.acquire(timeout=0.05):
                continue
            if self._stop.is_set():
                self._slots.release()
                break
            try:
                self._ready.put(self._start_one())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller of acquire
                self._slots.release()
                self._ready.put(exc)
                self._stop.wait(RETRY_DELAY)  # a kernel that cannot start: no busy retrying

    def acquire(self, timeout: float | None = None) -> KernelManager:
        """A warm kernel, waiting for one to be ready.

        Raises
        ------
        KernelStartError
            The kernel the pool started for this call failed to start or to warm up.
        """
        item = self._ready.get(timeout=timeout)
        if isinstance(item, BaseException):
            raise KernelStartError(f"Python 内核无法启动（{type(item).__name__}: {item}）") from item
        return item

    def release(self, km: KernelManager, healthy: bool = True) -> None:
        """Give a used kernel back: reset and reused while ``healthy`` and under ``max_uses``,
        else shut down (the pool then starts a fresh one in its place)."""
        with self._lock:
            self._uses[km] = self._uses.get(km, 0) + 1
            reuse = healthy and self._uses[km] < self.max_uses and not self._stop.is_set()
        if reuse and self._grown(km):
            reuse = False
            with self._lock:
                self.retired_for_memory += 1
        if reuse:
            self._to_reset.put(km)  # reset in the background thread, then ready again
            return
        self._forget(km)
        self._slots.release()

    @staticmethod
    def kill(km: KernelManager) -> None:
        """Kill a kernel at once (from any thread), e.g. when its notebook timed out."""
        process = getattr(km.provisioner, "process", None)
        if process is not None:
            with contextlib.suppress(Exception):
                process.kill()

    def close(self) -> None:
        """Stop starting kernels and shut down every kernel still alive. Safe to call again,
        from any thread: a second call waits for the first."""
        with self._closing:
            self._close()

    def _close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.startup_timeout)
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, KernelManager):
                self._forget(item)
        with self._lock:
            live = list(self._live)
        for km in live:
            self._forget(km)
        with contextlib.suppress(OSError):
            for name in os.listdir(self._dir):
                os.unlink(os.path.join(self._dir, name))
            os.rmdir(self._dir)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
