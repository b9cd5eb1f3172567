"""The Voila server of ``nzc-review serve``, guarded for a meeting network.

``python -m nzc_review.server.app`` takes Voila's command line (``nzc-review serve`` builds
it) and runs Voila with these guards (OWASP WebSocket Security Cheat Sheet: authenticate the
handshake, authorise every channel, limit message size and rate; OWASP ASVS 5.0 V15.2
resource limits; CWE-400 uncontrolled resource consumption, CWE-639 access through a
user-controlled key):

* **pages need a personal token.** ``/voila/render/…`` answers 403 with a Chinese message and
  starts no kernel unless ``?token=`` is the token of an active person of the session; the
  explorer (``explorer.ipynb``) only for the chair or an analyst (:data:`PAGE_ROLES`); the
  programme dashboard (``programme_dashboard.ipynb``) only with the bureau's token of
  ``serve --programme`` (:mod:`nzc_review.ui.programme_access`).
* **a kernel belongs to the browser that opened its page.** The page's response sets a signed,
  HttpOnly, SameSite=Strict visitor cookie; the kernel API (``/api/kernels/<id>``), its
  websocket (``…/channels``) and the page-close shutdown (``/voila/api/shutdown/<id>``) answer
  403 to anyone else. The page also gets its ``_xsrf`` cookie, which the shutdown beacon of
  Voila's page sends back: without it every shutdown was refused and each visit left a kernel.
* **the request info goes to the kernel only.** ``/voila/query/<id>`` (the page's query string,
  personal token included, handed to a pre-heated kernel) needs the kernel's own random key,
  given to the kernel in its environment (:data:`KERNEL_KEY_ENV`) and sent back as the
  :data:`KERNEL_KEY_HEADER` header by :func:`nzc_review.ui.request_info.wait_for_request`.
* **browser messages are policed** (:class:`ConnectionPolicy`): size, rate, the message types
  a panel uses, one widget-control channel and one ``request_states`` per connection (what
  the page's first load needs), a bounded number of connections per kernel. Binary frames are
  parsed with bounds checks: a frame announcing 2**60 parts made Voila's and jupyter_server's
  parsers build a list of that length (gigabytes, the event loop blocked, SIGTERM ignored).
* **what the server buffers is bounded**: a client that does not read has its connection
  closed once :attr:`Limits.write_buffer_bytes` wait to be sent; messages of closed pages are
  not kept for a reconnection.
* **kernels are bounded**: a page's kernel whose memory (RSS) exceeds
  :attr:`Limits.kernel_memory_mb` is shut down; one person keeps at most
  :attr:`Limits.pages_per_person` kernels (opening one more closes their oldest); kernels
  without a page are culled after :attr:`Limits.idle_cull_seconds`.
* **the self-check mode** (``--PanelServer.self_check=True``, ``serve --self-check``) serves
  the public page 申报自查 alone, without a token, and refuses every review panel; its upload
  limit and page cap are in :mod:`nzc_review.server.self_check`.

Every figure is a default of this tool (本工具默认规则), set in :class:`Limits` and on the
command line (``--PanelServer.kernel_memory_mb=…``; ``nzc-review serve --kernel-memory-mb``).
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import PurePosixPath
from typing import Any

from jupyter_server.services.kernels.handlers import KernelHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.ioloop import IOLoop, PeriodicCallback
from tornado.iostream import StreamBufferFullError
from tornado.websocket import WebSocketClosedError, WebSocketHandler
from traitlets import Bool, Integer
from voila import app as voila_app
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from nzc_review.server import self_check
from nzc_review.server.pool import meeting_manager_class
from nzc_review.ui.request_info import KERNEL_KEY_ENV, KERNEL_KEY_HEADER

#: Roles that may open a page, by notebook name; other pages: any active person (the panel
#: itself then applies the store's access rules).
PAGE_ROLES: dict[str, frozenset[str]] = {"explorer.ipynb": frozenset({"chair", "analyst"})}
#: Message types a panel page sends (jupyterlab services and the ipywidgets manager).
BROWSER_MESSAGE_TYPES = frozenset({"comm_open", "comm_msg", "comm_close", "comm_info_request",
                                   "kernel_info_request", "shutdown_request"})
CONTROL_TARGET = "jupyter.widget.control"
V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
EXPLORER_REFUSED = "候选项目分析页面仅向组长和分析人员开放，请使用组长或分析人员的个人链接。"


@dataclass(frozen=True)
class Limits:
    """The server's limits (本工具默认规则). Measured in Chromium on the demo meeting: a page
    sends at most a few hundred bytes a message and 14 messages a second while a person drags
    a slider and types, asks ``request_states`` once, receives a full state of 186 KB (expert
    panel) or 91 KB (explorer); a page's kernel peaks at 130–210 MB (RSS).

    ==========================  ========  ====================================================
    limit                       default   why this figure
    ==========================  ========  ====================================================
    ``message_bytes``           1 MiB     one message from a page: room for an opinion of
                                          300,000 characters
    ``messages_per_second``     50        sustained rate from one connection (3.5 times the
                                          fastest measured)
    ``message_burst``           300       messages allowed at once above that rate
    ``control_opens``           1         widget-control channels per connection
    ``state_requests``          1         ``request_states`` per connection: the page asks
                                          once, when it loads
    ``violations``              20        refused messages before the connection is closed
    ``connections_per_kernel``  4         websockets open at once on one kernel (a page uses
                                          one; reconnections overlap briefly)
    ``write_buffer_bytes``      32 MiB    data waiting for a page that does not read (170
                                          times the largest full state)
    ``kernel_memory_mb``        1024      RSS of a page's kernel: five times the largest
                                          measured
    ``memory_check_seconds``    2         how often kernels' memory is measured
    ``pages_per_person``        3         kernels one person keeps (a laptop, a second tab, a
                                          reload in flight)
    ``idle_cull_seconds``       120       a kernel whose page is gone (no connection) and idle
                                          this long is shut down (checked every 30 s): a page
                                          closed without its shutdown beacon (a browser
                                          killed, a laptop shut) frees its kernel within
                                          2.5 minutes; an open page keeps its kernel however
                                          long the expert reads, and a page whose network
                                          drops for less than 2 minutes reconnects to it
    ==========================  ========  ====================================================
    """

    message_bytes: int = 1 << 20
    messages_per_second: float = 50.0
    message_burst: int = 300
    control_opens: int = 1
    state_requests: int = 1
    violations: int = 20
    connections_per_kernel: int = 4
    write_buffer_bytes: int = 32 << 20
    kernel_memory_mb: int = 1024
    memory_check_seconds: float = 2.0
    pages_per_person: int = 3
    idle_cull_seconds: int = 120


# --- parsing what a page sends (pure) ---------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """What the policy looks at in one websocket message."""

    size: int
    msg_type: str | None
    content: dict | None


def _v1_parts(frame: bytes, limit: int = 64) -> list[bytes] | None:
    """The parts of a v1 binary frame (channel, header, parent, metadata, content, buffers),
    or ``None`` when malformed: ``offset_number`` and every offset are bounds-checked first
    (the unchecked parsers allocate a list as long as the number the frame announces)."""
    if len(frame) < 8:
        return None
    count = int.from_bytes(frame[:8], "little")
    if count < 6 or count > limit or 8 * (count + 1) > len(frame):
        return None
    offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    ordered = all(offsets[i] <= offsets[i + 1] for i in range(count - 1))
    if not ordered or offsets[0] < 8 * (count + 1) or offsets[-1] > len(frame):
        return None
    bounds = [*offsets, len(frame)]
    return [frame[bounds[i]:bounds[i + 1]] for i in range(count)]


def _legacy_binary_json(frame: bytes, limit: int = 64) -> dict | None:
    """The JSON part of a legacy binary frame (``nbufs`` big-endian, offsets, JSON, buffers),
    bounds-checked, or ``None``."""
    if len(frame) < 4:
        return None
    count = struct.unpack("!I", frame[:4])[0]
    if count < 1 or count > limit or 4 * (count + 1) > len(frame):
        return None
    offsets = list(struct.unpack("!" + "I" * count, frame[4:4 * (count + 1)]))
    end = offsets[1] if count > 1 else len(frame)
    if not 4 * (count + 1) <= offsets[0] <= end <= len(frame):
        return None
    try:
        value = json.loads(frame[offsets[0]:end])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _json_dict(data: bytes | str) -> dict | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_browser_message(raw: bytes | str, subprotocol: str | None) -> Message | None:
    """The type and content of a message a page sent, or ``None`` when it is malformed."""
    size = len(raw)
    if isinstance(raw, str):
        msg = _json_dict(raw)
        header, content = (msg or {}).get("header"), (msg or {}).get("content")
    elif subprotocol == V1_PROTOCOL:
        parts = _v1_parts(raw)
        if parts is None:
            return None
        header, content = _json_dict(parts[1]), _json_dict(parts[4])
    else:
        msg = _legacy_binary_json(raw)
        header, content = (msg or {}).get("header"), (msg or {}).get("content")
    if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
        return None
    return Message(size, header["msg_type"], content if isinstance(content, dict) else {})


def outgoing_msg_type(message: bytes | str | dict, subprotocol: str | None) -> str | None:
    """The type of a message the server sends to a page (bounds-checked, for filtering)."""
    if isinstance(message, dict):
        header = message.get("header")
    elif isinstance(message, bytes):
        if subprotocol == V1_PROTOCOL:
            parts = _v1_parts(message, limit=1 << 16)
            header = _json_dict(parts[1]) if parts else None
        else:
            header = (_legacy_binary_json(message, limit=1 << 16) or {}).get("header")
    else:
        return None  # JSON text: Voila does not filter it either
    return header.get("msg_type") if isinstance(header, dict) else None


# --- the policy of one connection (pure) -------------------------------------------------------


@dataclass
class ConnectionPolicy:
    """Decides, message by message, what a page's websocket connection may send.

    A token bucket (``messages_per_second``, ``message_burst``) bounds the rate; the widget
    control channel may be opened ``control_opens`` times and asked for every widget's state
    (``request_states``) ``state_requests`` times; other comms may not be opened from the
    page (a panel's widgets are all created by its kernel).
    """

    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.monotonic
    tokens: float = -1.0
    last: float = 0.0
    control_comms: set = field(default_factory=set)
    opens: int = 0
    state_requests: int = 0
    refused: int = 0

    def admit(self, message: Message | None) -> str | None:
        """``None`` when ``message`` may go to the kernel, else why not (for the log)."""
        reason = self._reason(message)
        if reason:
            self.refused += 1
        return reason

    @property
    def exhausted(self) -> bool:
        """Too many refused messages: the connection is to be closed."""
        return self.refused >= self.limits.violations

    def _reason(self, message: Message | None) -> str | None:
        now = self.clock()
        if self.tokens < 0:
            self.tokens, self.last = float(self.limits.message_burst), now
        self.tokens = min(float(self.limits.message_burst),
                          self.tokens + (now - self.last) * self.limits.messages_per_second)
        self.last = now
        if self.tokens < 1:
            return "rate"
        self.tokens -= 1
        if message is None:
            return "malformed"
        if message.size > self.limits.message_bytes:
            return "size"
        if message.msg_type not in BROWSER_MESSAGE_TYPES:
            return f"type {message.msg_type}"
        content = message.content or {}
        comm_id = content.get("comm_id")
        if message.msg_type == "comm_open":
            if content.get("target_name") != CONTROL_TARGET:
                return f"comm_open {content.get('target_name')}"
            if self.opens >= self.limits.control_opens:
                return "control comm opened again"
            self.opens += 1
            self.control_comms.add(comm_id)
            return None
        if message.msg_type == "comm_msg" and comm_id in self.control_comms:
            data = content.get("data")
            method = data.get("method") if isinstance(data, dict) else None
            if method != "request_states":
                return f"control {method}"
            if self.state_requests >= self.limits.state_requests:
                return "request_states again"
            self.state_requests += 1
        return None


# --- who owns which kernel -------------------------------------------------------------------


@dataclass
class Owner:
    visitor: str
    person: int | None
    since: float


class Guard:
    """The server's record of pages: which visitor (browser) and person own which kernel,
    and how many connections each kernel has."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.owners: dict[str, Owner] = {}
        self.connections: dict[str, int] = {}

    def owns(self, kernel_id: str | None, visitor: str | None) -> bool:
        owner = self.owners.get(kernel_id or "")
        return bool(owner and visitor and hmac.compare_digest(owner.visitor, visitor))

    def claim(self, kernel_id: str, visitor: str, person: int | None) -> list[str]:
        """Record that ``visitor`` opened ``kernel_id``; returns the same person's oldest
        kernels beyond :attr:`Limits.pages_per_person`, to be shut down."""
        self.owners[kernel_id] = Owner(visitor, person, time.monotonic())
        if person is None:
            return []
        mine = sorted((o.since, k) for k, o in self.owners.items() if o.person == person)
        excess = len(mine) - self.limits.pages_per_person
        return [k for _, k in mine[:excess]] if excess > 0 else []

    def release(self, kernel_id: str) -> None:
        self.owners.pop(kernel_id, None)
        self.connections.pop(kernel_id, None)


def admit_page(path: str | None, token: str | None) -> tuple[int | None, str | None]:
    """``(person id, None)`` when ``token`` may open the page at ``path``, else
    ``(None, message)`` with the Chinese message to show (no data of the session). The
    programme dashboard takes the bureau's token of ``serve --programme`` instead
    (:mod:`nzc_review.ui.programme_access`)."""
    from nzc_review.ui.common import open_session
    from nzc_review.ui.programme_access import PROGRAMME_PAGE, bureau_refusal

    if PurePosixPath(path or "").name == PROGRAMME_PAGE:
        return None, bureau_refusal(token)
    store, actor = open_session(token)
    if store is None:
        return None, actor
    try:
        roles = PAGE_ROLES.get(PurePosixPath(path or "").name)
        if roles is not None and actor.role not in roles:
            return None, EXPLORER_REFUSED
        return actor.expert_id, None
    finally:
        store.close()


def refusal_page(text: str) -> str:
    """A small self-contained page with ``text`` (nothing loaded from the network)."""
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            "<title>无法打开评审页面</title></head>"
            "<body style='font-family: \"Noto Sans CJK SC\", \"Microsoft YaHei\", sans-serif;"
            " margin: 40px'><div style='padding: 12px 16px; border-radius: 6px;"
            " background: #fdecea; color: #b71c1c; border: 1px solid #f5c2c0; font-size: 15px'>"
            f"{escape(text)}</div></body></html>")


# --- the kernel manager ----------------------------------------------------------------------


class GuardedKernelManager(AsyncMappingKernelManager):
    """Gives each kernel a random key (its environment's :data:`KERNEL_KEY_ENV`) and forgets
    a kernel's page when the kernel goes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kernel_keys: dict[str, str] = {}
        self.guard: Guard | None = None

    async def start_kernel(self, *, kernel_id: str | None = None, **kwargs: Any) -> str:
        kernel_id = kernel_id or self.new_kernel_id(**kwargs)
        key = secrets.token_urlsafe(32)
        kwargs["env"] = {**(kwargs.get("env") or os.environ), KERNEL_KEY_ENV: key}
        self.kernel_keys[kernel_id] = key
        try:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        except BaseException:
            self.kernel_keys.pop(kernel_id, None)
            raise

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        self.kernel_keys.pop(kernel_id, None)
        if self.guard is not None:
            self.guard.release(kernel_id)
        RequestInfoSocketHandler._cache.pop(kernel_id, None)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)

    def kernel_pid(self, kernel_id: str) -> int | None:
        """The process id of a running kernel, or ``None``."""
        try:
            process = getattr(self.get_kernel(kernel_id).provisioner, "process", None)
        except KeyError:
            return None
        return getattr(process, "pid", None)


class _ClaimingKernelManager:
    """The kernel manager as Voila's page handler sees it: every kernel handed to the page
    (pre-heated or started for it) is claimed for the page's visitor as soon as it is chosen,
    before the page can name it to the browser."""

    def __init__(self, manager: GuardedKernelManager, claim: Callable[[str], None]) -> None:
        self._manager, self._claim = manager, claim

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    def get_pool_size(self, notebook_name: str) -> int:
        """Warm kernels only: with none ready, the page starts its own kernel and shows it is
        loading, rather than waiting in silence for one still starting
        (:mod:`nzc_review.server.pool`)."""
        ready = getattr(self._manager, "ready_pool_size", None)
        return ready(notebook_name) if ready else self._manager.get_pool_size(notebook_name)

    async def get_rendered_notebook(self, *args: Any, **kwargs: Any):
        put_ready_first = getattr(self._manager, "put_ready_first", None)
        if put_ready_first is not None:
            put_ready_first(kwargs.get("notebook_name") or args[0])
        result = await self._manager.get_rendered_notebook(*args, **kwargs)
        self._claim(result[2])
        return result

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        kernel_id = await self._manager.start_kernel(*args, **kwargs)
        self._claim(kernel_id)
        return kernel_id


# --- handlers --------------------------------------------------------------------------------


def _cookie_name(handler: web.RequestHandler) -> str:
    """Per port: browsers share cookies between the ports of a host."""
    return f"nzc-visitor-{handler.settings['voila'].port}"


def _visitor(handler: web.RequestHandler) -> str | None:
    value = handler.get_signed_cookie(_cookie_name(handler), max_age_days=2)
    return value.decode("ascii", "replace") if value else None


def _kernel_id(handler: web.RequestHandler) -> str | None:
    """The kernel id of the request's path (named in some routes, positional in others)."""
    return handler.path_kwargs.get("kernel_id") or next(iter(handler.path_args), None)


def _subprotocol(handler: WebSocketHandler) -> str | None:
    connection = handler.ws_connection
    return connection.selected_subprotocol if connection is not None else None


def _guard(handler: web.RequestHandler) -> Guard:
    return handler.settings["nzc_guard"]


class GuardedPageHandler(TornadoVoilaHandler):
    """``/voila/render/<page>``: the personal token first, then Voila."""

    async def get(self, path: str | None = None) -> None:
        status = 403
        if self.settings.get("nzc_self_check"):  # the public page alone, no token
            person, refusal = None, None
            refused = self_check.page_refusal(path, len(_guard(self).owners),
                                              self.settings.get("nzc_max_pages", 0))
            if refused is not None:
                status, refusal = refused
        elif PurePosixPath(path or "").name == self_check.SELF_CHECK_PANEL:
            person, refusal = None, self_check.NOT_IN_MEETING
        else:
            person, refusal = admit_page(path, self.get_argument("token", None))
        if refusal is not None:
            self.set_status(status)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(refusal_page(refusal))
            return
        visitor = _visitor(self)
        if visitor is None:
            visitor = secrets.token_urlsafe(32)
            self.set_signed_cookie(_cookie_name(self), visitor, expires_days=1, httponly=True,
                                   samesite="Strict", path=self.base_url)
        self._nzc_visitor, self._nzc_person = visitor, person
        self.xsrf_token  # noqa: B018 - sets the _xsrf cookie the page's shutdown beacon returns
        await super().get(path)

    @property
    def kernel_manager(self) -> Any:
        return _ClaimingKernelManager(self.settings["kernel_manager"], self._claim)

    def _claim(self, kernel_id: str) -> None:
        manager = self.settings["kernel_manager"]
        for old in _guard(self).claim(kernel_id, self._nzc_visitor, self._nzc_person):
            self.log.info("nzc: closing kernel %s (more than %d pages of one person)", old,
                          _guard(self).limits.pages_per_person)
            IOLoop.current().spawn_callback(manager.shutdown_kernel, old)


class _OwnerOnly:
    """Answer 403 unless the request carries the visitor cookie of the kernel's page."""

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        result = super().prepare(*args, **kwargs)  # type: ignore[misc]
        if result is not None:
            await result
        if not _guard(self).owns(_kernel_id(self), _visitor(self)):  # type: ignore[arg-type]
            raise web.HTTPError(403, "not the page of this kernel")


class GuardedKernelHandler(_OwnerOnly, KernelHandler):
    """``/api/kernels/<id>``: the kernel's model, for its page only."""


class GuardedShutdownHandler(_OwnerOnly, VoilaShutdownKernelHandler):
    """``/voila/api/shutdown/<id>``: the page's beacon when it closes."""


class GuardedKernelWebsocketHandler(_OwnerOnly, VoilaKernelWebsocketHandler):
    """``/api/kernels/<id>/channels``: the page's websocket, policed by
    :class:`ConnectionPolicy`; outgoing frames parsed with bounds checks."""

    _nzc_policy: ConnectionPolicy | None = None
    _nzc_counted = False

    async def get(self, kernel_id: str) -> None:
        guard = _guard(self)
        if guard.connections.get(kernel_id, 0) >= guard.limits.connections_per_kernel:
            raise web.HTTPError(429, "too many connections to this kernel")
        self._nzc_policy = ConnectionPolicy(guard.limits)
        await super().get(kernel_id)

    async def open(self, kernel_id: str) -> None:  # type: ignore[override]
        guard = _guard(self)
        guard.connections[kernel_id] = guard.connections.get(kernel_id, 0) + 1
        self._nzc_counted = True
        stream = getattr(self.ws_connection, "stream", None)
        if stream is not None:
            stream.max_write_buffer_size = guard.limits.write_buffer_bytes
        await super().open(kernel_id)

    def on_message(self, message: bytes | str) -> None:
        policy = self._nzc_policy or ConnectionPolicy(_guard(self).limits)
        self._nzc_policy = policy
        reason = policy.admit(parse_browser_message(message, _subprotocol(self)))
        if reason is None:
            super().on_message(message)
            return
        if policy.refused in (1, policy.limits.violations):
            self.log.warning("nzc: refused a message on kernel %s (%s); %d refused so far",
                             self.kernel_id, reason, policy.refused)
        if policy.exhausted:
            self.close(1008, "policy violation")

    def write_message(self, message: Any, binary: bool = False):
        if outgoing_msg_type(message, _subprotocol(self)) == "execute_input":
            return None  # as Voila: the page never sees the source
        try:
            return WebSocketHandler.write_message(self, message, binary)
        except StreamBufferFullError:
            self.log.warning("nzc: the page of kernel %s does not read; closing its connection",
                             self.kernel_id)
            if self.ws_connection is not None:
                self.ws_connection._abort()
        except WebSocketClosedError:
            pass  # the page is gone; what it would have received is dropped
        return None

    def on_close(self) -> None:
        if self._nzc_counted:
            self._nzc_counted = False
            guard = _guard(self)
            kernel_id = _kernel_id(self) or ""
            if kernel_id in guard.connections:
                guard.connections[kernel_id] = max(0, guard.connections[kernel_id] - 1)
        super().on_close()


class GuardedRequestInfoHandler(RequestInfoSocketHandler):
    """``/voila/query/<id>``: the request info (with the visitor's token) for the kernel
    itself, which proves it with its key."""

    def prepare(self) -> None:
        expected = self.settings["kernel_manager"].kernel_keys.get(_kernel_id(self) or "")
        given = self.request.headers.get(KERNEL_KEY_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise web.HTTPError(403)

    def open(self, kernel_id: str) -> None:
        super().open(kernel_id)
        RequestInfoSocketHandler._cache.pop(kernel_id, None)


class GuardedTreeHandler(TornadoVoilaTreeHandler):
    """The folder listing; in self-check mode it sends the visitor to the self-check page."""

    async def get(self, path: str = "") -> None:
        if self.settings.get("nzc_self_check"):
            self.redirect(self.base_url.rstrip("/") + "/voila/render/"
                          + self_check.SELF_CHECK_PANEL)
            return
        await super().get(path)


class GuardedContentsHandler(VoilaContentsHandler):
    """The listing's contents API; refused in self-check mode (nothing but the page)."""

    async def get(self, path: str = "") -> None:
        if self.settings.get("nzc_self_check"):
            raise web.HTTPError(403)
        await super().get(path)


#: Voila's handler classes and their guarded replacements.
REPLACEMENTS: dict[type, type] = {
    TornadoVoilaTreeHandler: GuardedTreeHandler,
    VoilaContentsHandler: GuardedContentsHandler,
    TornadoVoilaHandler: GuardedPageHandler,
    KernelHandler: GuardedKernelHandler,
    VoilaShutdownKernelHandler: GuardedShutdownHandler,
    VoilaKernelWebsocketHandler: GuardedKernelWebsocketHandler,
    RequestInfoSocketHandler: GuardedRequestInfoHandler,
}


# --- the application -------------------------------------------------------------------------


class PanelServer(Voila):
    """Voila with the guards of this module."""

    kernel_memory_mb = Integer(Limits.kernel_memory_mb, config=True,
                               help="RSS above which a page's kernel is shut down (MB)")
    pages_per_person = Integer(Limits.pages_per_person, config=True,
                               help="kernels one person keeps; one more closes the oldest")
    idle_cull_seconds = Integer(Limits.idle_cull_seconds, config=True,
                                help="shut down kernels without a page idle this long")
    message_bytes = Integer(Limits.message_bytes, config=True,
                            help="largest message a page may send (bytes)")
    self_check = Bool(False, config=True,
                      help="serve the public self-check page alone (nzc_review.server.self_check)")
    max_pages = Integer(0, config=True, help="pages open at once (0: no limit)")

    def limits(self) -> Limits:
        return Limits(kernel_memory_mb=self.kernel_memory_mb,
                      pages_per_person=self.pages_per_person,
                      idle_cull_seconds=self.idle_cull_seconds,
                      message_bytes=self.message_bytes)

    def init_settings(self) -> dict:
        limits = self.limits()
        self.voila_configuration.multi_kernel_manager_class = GuardedKernelManager
        factory = voila_app.voila_kernel_manager_factory

        def meeting_factory(base: type, preheat: bool, pool_size: int, **kwargs: Any) -> type:
            made = factory(base, preheat, pool_size, **kwargs)
            return meeting_manager_class(made) if preheat else made

        voila_app.voila_kernel_manager_factory = meeting_factory  # pools sized for a meeting
        try:
            settings = super().init_settings()
        finally:
            voila_app.voila_kernel_manager_factory = factory
        manager = self.kernel_manager
        manager.cull_idle_timeout = limits.idle_cull_seconds
        manager.cull_interval = min(30, max(1, limits.idle_cull_seconds // 2))
        manager.cull_connected = False
        manager.buffer_offline_messages = False
        self.guard = manager.guard = Guard(limits)
        settings["nzc_guard"] = self.guard
        settings["nzc_self_check"] = self.self_check
        settings["nzc_max_pages"] = self.max_pages
        settings["websocket_max_message_size"] = limits.message_bytes
        return settings

    def init_handlers(self) -> list:
        handlers = []
        for spec in super().init_handlers():
            pattern, handler, *rest = spec
            handlers.append((pattern, REPLACEMENTS.get(handler, handler), *rest))
        return handlers

    def start(self) -> None:
        period = int(self.limits().memory_check_seconds * 1000)
        self._memory_watch = PeriodicCallback(self._check_memory, period)
        self._memory_watch.start()
        super().start()

    async def _check_memory(self) -> None:
        """Shut down every page's kernel above :attr:`Limits.kernel_memory_mb` (RSS)."""
        import psutil

        limit = self.guard.limits.kernel_memory_mb
        for kernel_id in list(self.guard.owners):
            pid = self.kernel_manager.kernel_pid(kernel_id)
            try:
                rss = psutil.Process(pid).memory_info().rss >> 20 if pid else 0
            except psutil.Error:
                continue
            if rss > limit:
                self.log.warning("nzc: kernel %s uses %d MB (limit %d MB); shutting it down",
                                 kernel_id, rss, limit)
                try:
                    await self.kernel_manager.shutdown_kernel(kernel_id, now=True)
                except Exception:  # already gone
                    self.guard.release(kernel_id)

    def stop(self) -> None:
        watch = getattr(self, "_memory_watch", None)
        if watch is not None:
            watch.stop()
        super().stop()


main = PanelServer.launch_instance

if __name__ == "__main__":
    main()
