"""``nzc-review serve`` and its Voila server, attacked and stopped the way a meeting network
and its operators would: ``--demo`` never destroys a folder it did not make, a busy port is
refused in one sentence, pages need a personal token, a kernel answers only its page and is
released when the page closes, a widget-control flood leaves the server's memory flat, a
kernel above its memory limit is shut down, and SIGTERM to ``serve`` alone stops Voila and
every kernel.

The server tests start real servers on free ports, loopback only; every one is killed by its
fixture, whatever happens.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

from nzc_review.cli.commands.serve import confirm_replace, demo_folder_plan
from nzc_review.errors import InputError
from nzc_review.server.app import (
    ConnectionPolicy,
    Guard,
    Limits,
    Message,
    outgoing_msg_type,
    parse_browser_message,
)
from nzc_review.ui.demo import DEMO_MARKER, create_demo_session, remove_demo_session
from tests.conftest import ROOT
from tests.fixtures.serving import SERVE, Serve, descendants, free_port

V1 = "v1.kernel.websocket.jupyter.org"


def _kill_all(processes) -> None:
    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(list(processes), timeout=10)


def _run_serve(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess:
    """``nzc-review serve ARGS`` expected to end by itself; killed with all it started if not."""
    process = subprocess.Popen([*SERVE, *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_all(descendants(process.pid))
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
        out, err = process.communicate()
        pytest.fail(f"serve did not end by itself: {err[-2000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


# --- the demo folder and the port: no server needed ------------------------------------------


def test_demo_never_touches_a_folder_it_did_not_make(tmp_path):
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    (meeting / "review.sqlite").write_bytes(b"the real meeting's database")
    (meeting / "minutes-2024.docx").write_bytes(b"minutes")
    for extra in ([], ["--replace-demo"]):
        result = _run_serve([str(meeting), "--demo", "--port", str(free_port()), *extra])
        assert result.returncode == 2, result.stderr
        assert "is not a demo session made by nzc-review serve --demo" in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (meeting / "review.sqlite").read_bytes() == b"the real meeting's database"
    assert (meeting / "minutes-2024.docx").read_bytes() == b"minutes"
    assert sorted(p.name for p in meeting.iterdir()) == ["minutes-2024.docx", "review.sqlite"]


def test_an_earlier_demo_is_replaced_only_when_asked(tmp_path):
    folder = tmp_path / "demo"
    create_demo_session(folder)
    database = (folder / "review.sqlite").read_bytes()
    assert (folder / DEMO_MARKER).is_file()
    result = _run_serve([str(folder), "--demo", "--port", str(free_port())])
    assert result.returncode == 2 and "add --replace-demo to replace it" in result.stderr
    assert (folder / "review.sqlite").read_bytes() == database
    assert demo_folder_plan(folder) == "replace"
    with pytest.raises(InputError, match="kept"):
        confirm_replace(folder, False, ask=lambda question: "n")
    def end_of_input(question):
        raise EOFError

    with pytest.raises(InputError, match="kept"):
        confirm_replace(folder, False, ask=end_of_input)
    confirm_replace(folder, False, ask=lambda question: "y")  # a yes at the terminal
    confirm_replace(folder, True, ask=None)  # --replace-demo


def test_replacing_a_demo_deletes_only_what_the_demo_made(tmp_path):
    folder = tmp_path / "demo"
    create_demo_session(folder)
    (folder / "notes.txt").write_text("my notes", encoding="utf-8")
    with pytest.raises(InputError, match="notes.txt"):
        demo_folder_plan(folder)
    with pytest.raises(InputError, match="notes.txt"):
        remove_demo_session(folder)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert (folder / "review.sqlite").exists()
    (folder / "notes.txt").unlink()
    (folder / "reports").mkdir()  # what the chair's finalisation writes
    (folder / "reports" / "opinion.html").write_text("x", encoding="utf-8")
    remove_demo_session(folder)
    assert not folder.exists()
    # a marker naming a path outside the folder does not make a demo session
    folder.mkdir()
    (folder / DEMO_MARKER).write_text(json.dumps(
        {"format": "nzc-demo-session/1", "made": ["../elsewhere"]}), encoding="utf-8")
    with pytest.raises(InputError, match="not a demo session"):
        remove_demo_session(folder)


def test_a_busy_port_is_refused_in_one_sentence(tmp_path):
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = _run_serve([str(tmp_path / "demo"), "--demo", "--port", str(port)])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0] and "already in use" in lines[0]
    assert not (tmp_path / "demo").exists()  # refused before anything was made


# --- the message policy (pure) ---------------------------------------------------------------


def _msg(msg_type: str, **content) -> Message:
    return Message(200, msg_type, content)


def test_policy_allows_one_control_channel_and_one_state_request():
    policy = ConnectionPolicy(Limits())
    assert policy.admit(_msg("kernel_info_request")) is None
    assert policy.admit(_msg("comm_open", comm_id="c", target_name="jupyter.widget.control")) \
        is None
    assert policy.admit(_msg("comm_msg", comm_id="c", data={"method": "request_states"})) is None
    assert policy.admit(_msg("comm_msg", comm_id="c", data={"method": "request_states"}))
    assert policy.admit(_msg("comm_open", comm_id="d", target_name="jupyter.widget.control"))
    assert policy.admit(_msg("comm_open", comm_id="e", target_name="jupyter.widget"))
    assert policy.admit(_msg("execute_request", code="import os"))
    # widget updates go through
    assert policy.admit(_msg("comm_msg", comm_id="w1", data={"method": "update"})) is None


def test_policy_limits_rate_and_size():
    now = [0.0]
    limits = Limits(messages_per_second=10, message_burst=20, violations=1000)
    policy = ConnectionPolicy(limits, clock=lambda: now[0])
    update = _msg("comm_msg", comm_id="w", data={"method": "update"})
    assert [policy.admit(update) for _ in range(20)] == [None] * 20
    assert policy.admit(update) == "rate"
    now[0] = 1.0  # a second later: 10 more
    assert [policy.admit(update) for _ in range(10)] == [None] * 10
    assert policy.admit(update) == "rate"
    now[0] = 10.0
    assert policy.admit(Message(limits.message_bytes + 1, "comm_msg", {})) == "size"
    strict = ConnectionPolicy(Limits(violations=3))
    for _ in range(3):
        strict.admit(_msg("execute_request"))
    assert strict.exhausted


def test_one_person_keeps_at_most_three_kernels():
    guard = Guard(Limits(pages_per_person=3))
    assert [guard.claim(k, "browser-1", person=7) for k in "abc"] == [[], [], []]
    assert guard.claim("x", "browser-2", person=8) == []  # someone else
    assert guard.claim("d", "browser-2", person=7) == ["a"]  # the oldest of person 7 goes
    assert guard.owns("d", "browser-2") and not guard.owns("d", "browser-1")
    assert not guard.owns("d", None) and not guard.owns(None, "browser-2")
    guard.release("d")
    assert not guard.owns("d", "browser-2")


def test_frames_announcing_huge_part_counts_are_refused_at_once():
    from jupyter_server.services.kernels.connection.base import (
        serialize_binary_message,
        serialize_msg_to_ws_v1,
    )

    header = {"msg_id": "1", "msg_type": "comm_msg", "session": "s", "username": "",
              "date": "", "version": "5.3"}
    parts = [json.dumps(x).encode() for x in (header, {}, {}, {"comm_id": "c", "data": {}})]
    frame = serialize_msg_to_ws_v1(parts, "shell")
    assert parse_browser_message(frame, V1).msg_type == "comm_msg"
    legacy = serialize_binary_message({"header": header, "parent_header": {}, "metadata": {},
                                       "content": {}, "buffers": [b"\0" * 10]})
    assert outgoing_msg_type(legacy, None) == "comm_msg"
    started = time.perf_counter()
    for evil in ((2 ** 60).to_bytes(8, "little") + frame[8:],
                 (2 ** 31 - 1).to_bytes(4, "big") + legacy[4:],
                 legacy[:2], frame[:12]):
        assert parse_browser_message(evil, V1) is None
        assert parse_browser_message(evil, None) is None
        assert outgoing_msg_type(evil, V1) is None and outgoing_msg_type(evil, None) is None
    assert time.perf_counter() - started < 0.5


# --- real servers ----------------------------------------------------------------------------


class Served(Serve):
    """``nzc-review serve --demo`` on a free port, started; :meth:`stop` kills all."""

    def __init__(self, folder: Path, *extra: str) -> None:
        super().__init__(folder, "--demo", *extra)
        try:
            self.start()  # generous timeout: the test machine may be busy
        except RuntimeError as exc:
            pytest.fail(str(exc))
        self.chair_token = self.link("赵立").split("token=", 1)[1]
        self.expert_link = next(v for v in self.links.values() if "expert_review" in v)

    def voila(self) -> psutil.Process:
        self.processes()
        return psutil.Process(self.process.pid).children()[0]  # serve's only child


class Page:
    """A page opened the way a browser does: its cookies, its kernel."""

    def __init__(self, server: Served, path: str, timeout: float = 120) -> None:
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.html = self.opener.open(server.url(path), timeout=timeout).read().decode("utf-8")
        self.kernel_id = re.search(r'"kernelId": *"([^"]+)"', self.html).group(1)

    def cookie(self, name: str) -> str:
        """A cookie's value, "" when unset (what the page's script then sends)."""
        return next((c.value for c in self.jar if c.name == name), "")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def _path(links: dict[str, str], name: str) -> str:
    """The path and query of a person's link."""
    url = next(v for k, v in links.items() if k.startswith(name))
    return "/" + url.split("/", 3)[3]


def _status(opener, url: str, data: bytes | None = None, headers=None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Served(tmp_path_factory.mktemp("serve") / "session", "--pool-size", "1")
    try:
        served.wait_for(r"Kernel pool of \S+ is filled", count=3)  # the three panels
    except AssertionError:
        served.stop()
        raise
    yield served
    served.stop()


@pytest.mark.slow
def test_pages_need_a_personal_token(server):
    before = {p.pid for p in server.kernels()}
    plain = urllib.request.build_opener()
    for query, text in (("", "链接缺少个人访问令牌"), ("?token=not-a-token", "个人链接无效"),
                        ("?token=" + server.expert_link.split("token=")[1], "仅向组长和分析人员开放")):
        with pytest.raises(urllib.error.HTTPError) as refused:
            plain.open(server.url("/voila/render/explorer.ipynb" + query), timeout=30)
        assert refused.value.code == 403
        assert text in refused.value.read().decode("utf-8")
    assert {p.pid for p in server.kernels()} == before  # nobody got a kernel
    # kernels whose page is gone are culled after 2 minutes, checked every 30 s
    assert "Culling kernels with idle durations > 120 seconds" in server.output()
    assert "at 30 second intervals" in server.output()
    page = Page(server, f"/voila/render/explorer.ipynb?token={server.chair_token}")
    assert any(page.kernel_id in " ".join(p.cmdline()) for p in server.processes())
    names = {c.name: c for c in page.jar}
    visitor = next(c for n, c in names.items() if n.startswith("nzc-visitor-"))
    assert visitor.has_nonstandard_attr("HttpOnly") and "_xsrf" in names


@pytest.mark.slow
def test_a_kernel_answers_only_its_page(server):
    import websocket

    page = Page(server, _path(server.links, "钱静"))  # the secretary's dashboard
    stranger = urllib.request.build_opener()
    assert _status(stranger, server.url(f"/api/kernels/{page.kernel_id}")) == 403
    assert _status(page.opener, server.url(f"/api/kernels/{page.kernel_id}")) == 200
    ws_url = f"ws://127.0.0.1:{server.port}"
    for path in (f"/voila/query/{page.kernel_id}",
                 f"/api/kernels/{page.kernel_id}/channels?session_id=x"):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(ws_url + path, timeout=10)
        assert refused.value.status_code == 403
    # not even the page itself reads the request info (the token) back
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(f"{ws_url}/voila/query/{page.kernel_id}", timeout=10,
                                    cookie=page.cookie_header())


@pytest.mark.slow
def test_closing_the_page_releases_its_kernel(server):
    page = Page(server, _path(server.links, "张明"))  # an expert's page
    mine = {p.pid for p in server.processes() if page.kernel_id in " ".join(p.cmdline())}
    assert mine
    # the beacon Voila's page sends on unload: a form with _xsrf from the page's cookie
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_xsrf\"\r\n\r\n"
            f"{page.cookie('_xsrf')}\r\n--{boundary}--\r\n").encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Origin": f"http://127.0.0.1:{server.port}"}
    url = server.url(f"/voila/api/shutdown/{page.kernel_id}")
    stranger = urllib.request.build_opener()
    assert _status(stranger, url, body, headers) == 403
    assert all(psutil.pid_exists(pid) for pid in mine)
    assert _status(page.opener, url, body, headers) == 204
    deadline = time.monotonic() + 20
    while any(psutil.pid_exists(pid) for pid in mine) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                   for p in server.seen.values() if p.pid in mine)


def _frame(msg_type: str, content: dict, session: str, metadata=None) -> bytes:
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session,
              "username": "", "date": "", "version": "5.3"}
    parts = [json.dumps(x).encode() for x in (header, {}, metadata or {}, content)]
    return serialize_msg_to_ws_v1(parts, "shell")


def _legacy(msg_type: str, content: dict, session: str, metadata=None) -> str:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session,
              "username": "", "date": "", "version": "5.3"}
    return json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {},
                       "content": content, "channel": "shell", "buffers": []})


@pytest.mark.slow
def test_widget_control_flood_leaves_the_server_flat(server):
    """What grew the server from 96 MB to 3 GB in a minute: the widget-control channel opened
    and ``request_states`` sent again and again, by the page's protocol (v1) and the legacy
    one, without reading the answers."""
    import websocket

    page = Page(server, f"/voila/render/explorer.ipynb?token={server.chair_token}")
    voila = server.voila()
    start = voila.memory_info().rss
    peak = start
    answered = {}
    for protocol in (V1, None):
        session = uuid.uuid4().hex
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/api/kernels/{page.kernel_id}/channels"
            f"?session_id={session}", timeout=10, cookie=page.cookie_header(),
            subprotocols=[V1] if protocol else None)
        make = _frame if protocol else _legacy
        ws.send(make("comm_open", {"comm_id": "ctl", "target_name": "jupyter.widget.control",
                                   "data": {}}, session, {"version": "1.0.0"}),
                opcode=websocket.ABNF.OPCODE_BINARY if protocol else websocket.ABNF.OPCODE_TEXT)
        try:
            for i in range(150):
                ws.send(make("comm_msg", {"comm_id": "ctl", "data": {"method": "request_states"}},
                             session),
                        opcode=websocket.ABNF.OPCODE_BINARY if protocol
                        else websocket.ABNF.OPCODE_TEXT)
                if i % 25 == 0:
                    peak = max(peak, voila.memory_info().rss)
                    if peak - start > 300 << 20:
                        break
                time.sleep(0.02)
        except (websocket.WebSocketException, OSError):
            pass  # the server closed the connection: fine
        time.sleep(3)
        count, ws_deadline = 0, time.monotonic() + 8
        ws.settimeout(1)
        while time.monotonic() < ws_deadline:
            try:
                data = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketException, OSError):
                break
            raw = data if isinstance(data, bytes) else data.encode()
            count += raw.count(b'"update_states"')
            peak = max(peak, voila.memory_info().rss)
        answered[protocol] = count
        ws.close()
    peak = max(peak, voila.memory_info().rss)
    assert peak - start < 100 << 20, f"the server grew by {(peak - start) >> 20} MB"
    # the first request was answered (what the page needs), the rest refused
    assert answered == {V1: 1, None: 1}, answered
    assert _status(urllib.request.build_opener(), server.url("/")) == 200


@pytest.fixture
def cold_server(tmp_path, request):
    served = Served(tmp_path / "session", "--no-preheat", *request.param)
    yield served
    served.stop()


@pytest.mark.slow
@pytest.mark.parametrize("cold_server", [("--kernel-memory-mb", "64")], indirect=True)
def test_a_kernel_above_its_memory_limit_is_shut_down(cold_server):
    server = cold_server
    try:  # the page may be cut short: its kernel goes while it renders
        Page(server, f"/voila/render/explorer.ipynb?token={server.chair_token}", timeout=90)
    except (OSError, AttributeError):
        pass
    deadline = time.monotonic() + 30
    while "shutting it down" not in server.output() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert re.search(r"kernel \S+ uses \d+ MB \(limit 64 MB\); shutting it down",
                     server.output())
    deadline = time.monotonic() + 20
    while server.kernels() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not server.kernels()


@pytest.fixture
def pooled_server(tmp_path):
    served = Served(tmp_path / "session", "--pool-size", "1")
    yield served
    served.stop()


@pytest.mark.slow
def test_sigterm_to_serve_alone_stops_voila_and_every_kernel(pooled_server):
    server = pooled_server
    server.wait_for(r"Kernel started", count=3)  # a pre-heated kernel per panel
    family = server.processes()
    assert len(server.kernels()) >= 3 and server.voila()
    os.kill(server.process.pid, signal.SIGTERM)  # serve only, as kill, timeout or systemd do
    assert server.process.wait(timeout=60) == 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(
            p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in family):
        time.sleep(0.3)
    left = [p.pid for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], f"still running after serve ended: {left}"
    with socket.socket() as probe:  # and nobody listens on the port any more
        assert probe.connect_ex(("127.0.0.1", server.port)) != 0
