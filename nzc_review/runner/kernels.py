"""A pool of pre-started ("warm") Jupyter kernels for running many notebooks.

Starting a kernel and importing the libraries a notebook needs is most of the cost of running
a small notebook. The pool starts kernels ahead of time in a background thread — one at a
time, so two kernels never race for the same ports — over the IPC transport (Unix sockets in a
private temporary folder: no TCP ports at all), runs an import snippet in each, and hands them
to notebooks. The managers are asynchronous (as nbclient's own): with a blocking client, nbclient
could not notice a kernel that died mid-cell. A kernel serves at most ``max_uses`` notebooks: between two, its user namespace
is reset (``%reset -f``) and every figure closed — the library keeps no mutable state, so
nothing of one application reaches the next — and a kernel that failed, timed out or reached
``max_uses`` is shut down and replaced by a fresh one. ``max_uses=1`` gives every notebook a
brand-new kernel.
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

RESET_CODE = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import matplotlib.pyplot as _plt; _plt.close('all'); del _plt\n"
    "import gc as _gc; _gc.collect(); del _gc\n"
)
WARM_CODE = (
    "import nzc_review.present.evaluation_report, nzc_review.present.charts, nzc_review.evaluation.pipeline, IPython.display\n"
    "nzc_review.present.charts.cjk_font()\n"
)


class KernelPool:
    """Keep ``size`` warm kernels ready; :meth:`acquire` one, :meth:`release` it when done."""

    def __init__(self, size: int, kernel_name: str = "python3", warm_code: str = WARM_CODE,
                 cwd: str | os.PathLike | None = None, startup_timeout: float = 120.0,
                 max_uses: int = 8):
        self.size = max(1, size)
        self.max_uses = max(1, max_uses)
        self._uses: dict[KernelManager, int] = {}
        self._to_reset: queue.Queue[KernelManager] = queue.Queue()
        self.kernel_name = kernel_name
        self.warm_code = warm_code
        self.cwd = str(cwd) if cwd else None
        self.startup_timeout = startup_timeout
        self._ready: queue.Queue[KernelManager | BaseException] = queue.Queue()
        self._slots = threading.Semaphore(self.size)
        self._stop = threading.Event()
        self._dir = tempfile.mkdtemp(prefix="nzc-kernels-")
        self._count = 0
        self._live: set[KernelManager] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._starter, name="kernel-starter", daemon=True)
        self._thread.start()

    def _run(self, km: KernelManager, code: str, fresh: bool = False) -> None:
        # A short-lived client: clients of one kernel manager share a session, hence a ZMQ
        # identity, so none may stay connected while papermill's client runs the notebook.
        run_sync(self._arun)(km, code, fresh)

    async def _arun(self, km: KernelManager, code: str, fresh: bool) -> None:
        client = km.client()
        client.start_channels()
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

    def _start_one(self) -> KernelManager:
        self._count += 1
        km = KernelManager(kernel_name=self.kernel_name, transport="ipc",
                           ip=str(Path(self._dir) / f"k{self._count}"))
        run_sync(km.start_kernel)(cwd=self.cwd, env={**os.environ, "MPLBACKEND": "Agg"})
        with self._lock:
            self._live.add(km)
            self._uses[km] = 0
        self._run(km, self.warm_code, fresh=True)
        return km

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

    def acquire(self, timeout: float | None = None) -> KernelManager:
        """A warm kernel, waiting for one to be ready."""
        item = self._ready.get(timeout=timeout)
        if isinstance(item, BaseException):
            raise RuntimeError(f"kernel failed to start: {item}") from item
        return item

    def release(self, km: KernelManager, healthy: bool = True) -> None:
        """Give a used kernel back: reset and reused while ``healthy`` and under ``max_uses``,
        else shut down (the pool then starts a fresh one in its place)."""
        with self._lock:
            self._uses[km] = self._uses.get(km, 0) + 1
            reuse = healthy and self._uses[km] < self.max_uses and not self._stop.is_set()
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
        """Stop starting kernels and shut down every kernel still alive."""
        self._stop.set()
        self._thread.join(timeout=self.startup_timeout)
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
