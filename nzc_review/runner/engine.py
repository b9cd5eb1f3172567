"""The papermill engine for pooled kernels: ``nzc-warm`` (papermill's engine registry).

papermill's own engine connects a new client to the kernel before every notebook and waits
for it with jupyter_client's ``wait_for_ready``, which ends by draining IOPub until 0.2 s pass
without a message: 0.2 s of idling per notebook, on a kernel the pool ran code on moments
before (:mod:`nzc_review.runner.kernels`). This engine connects the same way but waits only
until the connection is proven — the kernel answers a ``kernel_info`` request on the shell
channel and its ``idle`` status for that request arrives on IOPub, so the subscription is live
and no output of the notebook can be lost — and it closes the client's channels when the
notebook ends (papermill leaves them open when the caller owns the kernel).
"""

from __future__ import annotations

import time
from queue import Empty

from nbclient.util import ensure_async, run_hook, run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

#: The name to pass to ``papermill.execute_notebook(engine_name=...)``.
ENGINE_NAME = "nzc-warm"
#: How long each round of the handshake waits for IOPub before it asks again (seconds; the
#: last one for every further round). A fresh subscription can miss the first round's status
#: (ZeroMQ's subscription reaches the kernel a moment after the connection), so the first
#: wait is short; later ones allow a busy machine more time.
IOPUB_WAITS = (0.02, 0.05, 0.1, 0.2)


async def wait_connected(kc, timeout: float) -> None:
    """Return once ``kc`` gets both the shell reply and the IOPub ``idle`` status of one
    ``kernel_info`` request; ask again when IOPub was not yet subscribed (the status was
    missed).

    Raises
    ------
    RuntimeError
        The kernel died, or no round succeeded within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    rounds = 0
    while True:
        msg_id = kc.kernel_info()
        wait = IOPUB_WAITS[min(rounds, len(IOPUB_WAITS) - 1)]
        rounds += 1
        if await _round(kc, msg_id, wait):
            return
        if not await ensure_async(kc.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


async def _round(kc, msg_id: str, iopub_wait: float) -> bool:
    replied = idle = False
    started = time.monotonic()
    while not replied:
        if time.monotonic() - started > 1.0:
            return False
        try:
            msg = await ensure_async(kc.shell_channel.get_msg(timeout=1.0))
        except Empty:
            return False
        replied = msg.get("parent_header", {}).get("msg_id") == msg_id
    while not idle:
        try:
            msg = await ensure_async(kc.iopub_channel.get_msg(timeout=iopub_wait))
        except Empty:
            return False
        idle = (msg.get("parent_header", {}).get("msg_id") == msg_id
                and msg.get("msg_type") == "status"
                and msg.get("content", {}).get("execution_state") == "idle")
    return True


class WarmKernelClient(PapermillNotebookClient):
    """papermill's notebook client, connecting with :func:`wait_connected`."""

    async def async_start_new_kernel_client(self):
        assert self.km is not None
        try:
            self.kc = self.km.client()
            # no heartbeat channel: nbclient asks the manager whether the kernel lives
            await ensure_async(self.kc.start_channels(hb=False))
            await wait_connected(self.kc, self.startup_timeout)
        except Exception:
            await self._async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return self.kc

    # papermill runs the blocking form, which nbclient binds to its own coroutine
    start_new_kernel_client = run_sync(async_start_new_kernel_client)


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine with :class:`WarmKernelClient`; the client's channels are
    closed when the notebook ends."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 **kwargs):
        # as papermill's engine does (papermill.engines.NBClientEngine)
        kwargs = remove_args(["input_path"], **kwargs)
        final = merge_kwargs(remove_args(["timeout", "startup_timeout"], **kwargs),
                             timeout=execution_timeout or kwargs.get("timeout"),
                             startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                             log_output=log_output, stdout_file=stdout_file,
                             stderr_file=stderr_file)
        client = WarmKernelClient(nb_man, **final)
        try:
            return client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
