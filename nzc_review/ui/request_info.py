"""In a pre-heated kernel: wait for the visitor's request, proving to the server that this is
the kernel (``nzc-review serve``).

Voila's :func:`voila.utils.wait_for_request` fetches the page's request info (its query
string, with the visitor's personal token) from ``/voila/query/<kernel id>``, which answers
anyone who knows the kernel id. The server of ``nzc-review serve``
(:mod:`nzc_review.server.app`) answers only the kernel: it gives each kernel a random key in
its environment (``NZC_KERNEL_KEY``) and wants it back in a header (OWASP WebSocket Security
Cheat Sheet: authenticate the handshake).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading

#: Environment variable holding a kernel's own key (set by the server at the kernel's start).
KERNEL_KEY_ENV = "NZC_KERNEL_KEY"
#: Header in which the kernel sends that key back.
KERNEL_KEY_HEADER = "X-NZC-Kernel-Key"


def request_info_url() -> str:
    """``ws://…/voila/query/<kernel id>``, from the environment Voila gives the kernel."""
    protocol = os.getenv("VOILA_WS_PROTOCOL", "ws")
    ip = os.getenv("VOILA_APP_IP", "127.0.0.1")
    port = os.getenv("VOILA_APP_PORT", "8866")
    base = os.getenv("VOILA_WS_BASE_URL", os.getenv("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{ip}:{port}{base}voila/query/{os.getenv('VOILA_KERNEL_ID')}"


async def _receive(url: str, key: str) -> str | None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    try:
        async with connect(url, open_timeout=5,
                           additional_headers={KERNEL_KEY_HEADER: key}) as socket:
            message = await socket.recv()
    except (OSError, TimeoutError, WebSocketException):
        return None  # the panel then says the link lacks its token
    return message if isinstance(message, str) else message.decode("utf-8")


def wait_for_request() -> None:
    """Block until a visitor opens the page, then put the request info (``QUERY_STRING``
    and the others) into ``os.environ``; returns at once outside a pre-heated kernel.

    Without a key (a plain ``voila`` server), Voila's own function is used.
    """
    if os.getenv("VOILA_PREHEAT", "False") == "False":
        return
    key = os.getenv(KERNEL_KEY_ENV)
    if not key:
        from voila.utils import wait_for_request as voila_wait

        voila_wait()
        return
    received: list[str | None] = []
    # the kernel's own event loop is running: wait in a thread with a loop of its own
    thread = threading.Thread(
        target=lambda: received.append(asyncio.run(_receive(request_info_url(), key))))
    thread.start()
    thread.join()
    if received and received[0]:
        for name, value in json.loads(received[0]).items():
            os.environ[name] = value
