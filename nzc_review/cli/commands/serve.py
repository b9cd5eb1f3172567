"""``nzc-review serve``: the review meeting's panels, served by Voila on this machine.

``serve`` owns its server: Voila (:mod:`nzc_review.server.app`) runs in a session of its
own, every signal that ends ``serve`` (SIGTERM from ``kill``, ``timeout`` or a service
manager, SIGINT, SIGHUP) is passed on to it, and whatever way ``serve`` ends, Voila and every
kernel it started are stopped: asked first, killed after :data:`GRACE_SECONDS`. Kernels run in
sessions of their own, so ``serve`` keeps track of the server's processes rather than relying
on a process group. On Linux Voila also receives SIGTERM should ``serve`` itself be killed.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from nzc_review.cli.args import non_negative_int, positive_int
from nzc_review.errors import InputError, NzcError
from nzc_review.files.resources import panels_dir

#: The Voila panels (package data of a wheel, a real folder; ``$NZC_PANELS_DIR`` overrides:
#: :mod:`nzc_review.files.resources`).
PANELS_DIR = panels_dir()
PANEL_OF_ROLE = {"expert": "expert_review.ipynb", "chair": "chair_dashboard.ipynb",
                 "secretary": "chair_dashboard.ipynb", "analyst": "explorer.ipynb"}
DEFAULT_DEMO_DIR = Path("out/demo-session")
#: Seconds Voila has to stop its kernels before everything left is killed (本工具默认规则).
GRACE_SECONDS = 10.0
#: Seconds to wait for Voila to accept connections.
READY_SECONDS = 120.0
#: Seconds a page's rendering waits for a kernel's output after its cell finished.
IOPUB_SECONDS = 60
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def panel_url(ip: str, port: int, notebook: str, token: str | None = None) -> str:
    host = "127.0.0.1" if ip in {"0.0.0.0", ""} else ip
    query = f"?token={token}" if token else ""
    return f"http://{host}:{port}/voila/render/{notebook}{query}"


def voila_command(session_dir: Path, *, ip: str, port: int, pools: Mapping[str, int],
                  kernel_memory_mb: int | None = None,
                  extra_env: Mapping[str, str] | None = None) -> list[str]:
    """The command line of the panels' server: Voila with the guards of
    :mod:`nzc_review.server.app`, the lab template, no source shown, bound to ``ip``, with
    ``pools`` pre-heated kernels per panel notebook (none: kernels start on demand).

    A page waits for no kernel output longer than :data:`IOPUB_SECONDS` (nbclient's default,
    4 s, lost the panel of a page opened while the server was busy: it stayed blank).
    ``extra_env`` is added to the kernels' environment (``serve --programme``)."""
    import json

    from nzc_review.server.pool import REFILL_DELAY_SECONDS, kernel_pools_config

    env = {"NZC_SESSION_DIR": str(session_dir), "VOILA_APP_IP": "127.0.0.1" if ip in
           {"0.0.0.0", ""} else ip, "VOILA_APP_PORT": str(port), "MPLBACKEND": "Agg",
           **(extra_env or {})}
    preheat = any(size > 0 for size in pools.values())
    command = [
        sys.executable, "-m", "nzc_review.server.app", str(PANELS_DIR), "--no-browser",
        f"--port={port}", f"--Voila.ip={ip}", "--Voila.port_retries=0",
        "--template=nzc", "--strip_sources=True", "--show_tracebacks=False",
        f"--preheat_kernel={preheat}", f"--pool_size={max(pools.values(), default=0)}",
        f"--VoilaKernelManager.default_env_variables={json.dumps(env)}",
        f"--VoilaExecutor.iopub_timeout={IOPUB_SECONDS}",
    ]
    if preheat:
        command += [
            "--VoilaKernelManager.kernel_pools_config="
            + json.dumps(kernel_pools_config(pools, env)),
            f"--VoilaKernelManager.fill_delay={REFILL_DELAY_SECONDS}",
        ]
    if kernel_memory_mb is not None:
        command.append(f"--PanelServer.kernel_memory_mb={kernel_memory_mb}")
    return command


# --- before starting -------------------------------------------------------------------------


def check_port_free(ip: str, port: int) -> None:
    """Raise :class:`NzcError` when another program listens on ``ip:port``.

    Binds the way the server will (``SO_REUSEADDR``, as Tornado does), so connections left in
    TIME_WAIT by an earlier server do not count as busy.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            ip or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise NzcError(f"--ip {ip}: not an address of this machine ({exc.strerror})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise NzcError(f"--port {port}: port {port} on {ip or '*'} is already in use "
                               "(another nzc-review serve?); stop that server or choose another "
                               "--port") from None
            raise NzcError(f"--ip {ip} --port {port}: cannot listen there "
                           f"({exc.strerror})") from None


def demo_folder_plan(folder: Path) -> str:
    """``"create"`` for a new folder, ``"replace"`` for a demo session made earlier by this
    command; raises :class:`InputError` for any other existing folder, which ``--demo`` never
    changes."""
    from nzc_review.ui.demo import DEMO_MARKER, demo_entries, foreign_entries

    if not folder.exists() and not folder.is_symlink():
        return "create"
    if folder.is_symlink() or not folder.is_dir() or demo_entries(folder) is None:
        raise InputError(str(folder), f"exists and is not a demo session made by nzc-review "
                                      f"serve --demo (no {DEMO_MARKER} marker), so --demo leaves "
                                      "it alone: name a new folder, or serve it without --demo")
    others = foreign_entries(folder)
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5
                                         else "")
        raise InputError(str(folder), f"is a demo session but also holds files the demo did not "
                                      f"make ({shown}); move them out or name a new folder")
    return "replace"


def confirm_replace(folder: Path, replace: bool, ask: Callable[[str], str] | None) -> None:
    """Allow replacing the demo session in ``folder``: ``--replace-demo``, or a yes at the
    terminal (``ask``, ``None`` when there is no terminal); raise :class:`InputError` else."""
    if replace:
        return
    if ask is not None:
        try:
            answer = ask(f"{folder} 中已有一个演示评审会，重新创建将删除其中的评分和意见。"
                         "替换吗？[y/N] ")
        except EOFError:  # Ctrl+D: no
            answer = ""
        if answer.strip().lower() in {"y", "yes", "是"}:
            return
        raise InputError(str(folder), "holds a demo session; it was kept (not replaced)")
    raise InputError(str(folder), "holds a demo session made earlier; add --replace-demo to "
                                  "replace it (its scores and opinions are deleted)")


def _ask_at_terminal() -> Callable[[str], str] | None:
    if sys.stdin.isatty() and sys.stdout.isatty():
        return input
    return None


# --- running the server ----------------------------------------------------------------------


class ProcessTree:
    """The server's processes as last seen: the server and every descendant (kernels run in
    sessions of their own, so a process group does not hold them)."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.seen: dict[int, psutil.Process] = {pid: self.root}

    def refresh(self) -> None:
        import psutil

        try:
            for child in self.root.children(recursive=True):
                self.seen.setdefault(child.pid, child)
        except psutil.Error:
            pass

    def alive(self) -> list:
        """Processes seen that still run (the same processes: psutil checks start times)."""
        import psutil

        out = []
        for process in self.seen.values():
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    out.append(process)
            except psutil.Error:
                pass
        return out


def _parent_death_signal() -> None:  # pragma: no cover - runs in the child
    """Linux: SIGTERM to the server should ``serve`` die without cleaning up (SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def stop_tree(process: subprocess.Popen, tree: ProcessTree, grace: float = GRACE_SECONDS) -> None:
    """Stop the server and everything it started: SIGTERM to the server (Voila then shuts
    its kernels down), SIGKILL to its process group and to every process of ``tree`` still
    running after ``grace`` seconds."""
    import psutil

    if process.poll() is None:
        tree.refresh()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            # not reaped yet, so its process group id cannot have been reused
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
            process.wait()
    survivors = tree.alive()
    for leftover in survivors:
        try:
            leftover.terminate()
        except psutil.Error:
            pass
    _, still = psutil.wait_procs(survivors, timeout=min(grace, 3.0))
    for leftover in still:
        try:
            leftover.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(still, timeout=3.0)


def run_server(command: list[str], env: dict[str, str], host: str, port: int,
               on_ready: Callable[[], None]) -> int:
    """Run the server until it ends or a signal ends ``serve``; always stop it and its
    kernels. Returns 0 after a requested stop, 1 when the server ended by itself."""
    received: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: received.append(signum))
                for s in SIGNALS}
    process = subprocess.Popen(command, env=env, start_new_session=True,
                               preexec_fn=_parent_death_signal)
    tree = ProcessTree(process.pid)
    try:
        ready, deadline = False, time.monotonic() + READY_SECONDS
        while not received and process.poll() is None:
            tree.refresh()
            if not ready and _answers(host, port):
                ready = True
                on_ready()
            elif not ready and time.monotonic() > deadline:
                print(f"the panels' server did not answer on port {port} within "
                      f"{READY_SECONDS:.0f} s; stopping it", file=sys.stderr)
                return 1
            time.sleep(0.5)
        if received:
            print(f"评审会服务器正在停止 stopping the server ({signal.Signals(received[0]).name})",
                  flush=True)
            return 0
        print(f"the panels' server stopped by itself (exit status {process.returncode})",
              file=sys.stderr)
        return 1
    finally:
        for s in SIGNALS:  # a second Ctrl+C must not interrupt the cleanup
            signal.signal(s, signal.SIG_IGN)
        try:
            stop_tree(process, tree)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)


# --- kernels and evaluations ready before the meeting ----------------------------------------


def plan_pools(folder: Path, pool_size: int | None, *, preheat: bool = True) -> dict[str, int]:
    """Pre-heated kernels per panel: ``--pool-size`` for each panel, else sized from the
    session (:func:`nzc_review.server.pool.session_pool_plan`); printed."""
    from nzc_review.server.pool import (
        CHAIR_PANEL,
        EXPERT_PANEL,
        EXPLORER_PANEL,
        session_pool_plan,
        uniform_plan,
    )

    if not preheat:
        print("预热内核 pre-heated kernels: 无（每个页面打开时启动内核）", flush=True)
        return {}
    pools = (uniform_plan(pool_size) if pool_size is not None
             else session_pool_plan(folder, PANEL_OF_ROLE))
    how = "--pool-size" if pool_size is not None else "按参会人数 sized from the session"
    print(f"预热内核 pre-heated kernels: 专家评审 {pools.get(EXPERT_PANEL, 0)}，组长看板 "
          f"{pools.get(CHAIR_PANEL, 0)}，候选项目分析 {pools.get(EXPLORER_PANEL, 0)}（{how}）",
          flush=True)
    return pools


def warm_evaluations(folder: Path) -> None:
    """Evaluate every application once before the server starts, in a process of its own (the
    chart library stays out of ``serve``); a failure is reported and left to the panels."""
    done = subprocess.run([sys.executable, "-m", "nzc_review.evaluation.cache", str(folder)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    if done.returncode == 0:
        print(done.stdout.strip(), flush=True)
    else:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        print(f"评估结果未能预先计算，面板将在首次打开时计算 evaluations not cached ({last})",
              file=sys.stderr, flush=True)


# --- the command -----------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    if getattr(args, "self_check", False):  # the applicants' page alone (申报自查)
        from nzc_review.cli.self_check import cmd_self_check

        return cmd_self_check(args)
    if any(getattr(args, name, None) for name in ("keep_dir", "max_upload_mb", "max_pages")):
        raise NzcError("--keep-dir, --max-upload-mb and --max-pages go with --self-check")
    from nzc_review.store import open_store

    if getattr(args, "programme", None):
        from nzc_review.cli.commands.programme_dashboard import serve_programme

        return serve_programme(args)
    host = "127.0.0.1" if args.ip in {"0.0.0.0", ""} else args.ip
    if args.demo:
        from nzc_review.ui.demo import create_demo_session, remove_demo_session

        folder = Path(args.session_dir) if args.session_dir else DEFAULT_DEMO_DIR
        plan = demo_folder_plan(folder)
        check_port_free(args.ip, args.port)
        if plan == "replace":
            confirm_replace(folder, args.replace_demo, _ask_at_terminal())
            remove_demo_session(folder)
        demo = create_demo_session(folder)
        print(f"演示评审会 demo session: {folder.resolve()}")
        print("各参会人员的个人链接 personal links (illustrative people):")
        roles = {"expert_a": "expert", "expert_b": "expert", "expert_c": "expert",
                 "chair": "chair", "secretary": "secretary"}
        for key, token in demo.tokens.items():
            url = panel_url(args.ip, args.port, PANEL_OF_ROLE[roles[key]], token)
            print(f"  {demo.names[key]:<10} {url}")
        print("候选项目分析 explorer (组长): "
              + panel_url(args.ip, args.port, "explorer.ipynb", demo.tokens["chair"]))
    else:
        if args.replace_demo:
            raise NzcError("--replace-demo goes with --demo")
        if not args.session_dir:
            raise NzcError("give a review session folder, or --demo for a demonstration")
        folder = Path(args.session_dir)
        open_store(folder).close()  # a clear error now if it is not a session
        check_port_free(args.ip, args.port)
        print(f"评审会 session: {folder.resolve()}")
        print("专家链接 expert panel: " + panel_url(args.ip, args.port, PANEL_OF_ROLE["expert"])
              + "?token=<个人令牌>")
        print("组长看板 chair dashboard: "
              + panel_url(args.ip, args.port, PANEL_OF_ROLE["chair"]) + "?token=<个人令牌>")
        print("候选项目分析 explorer: " + panel_url(args.ip, args.port, "explorer.ipynb")
              + "?token=<组长或分析人员的个人令牌>")
        print("（个人令牌只在 `nzc-review expert add` 时显示一次；遗失可用 `nzc-review expert token` 重新签发）")
    pools = plan_pools(folder, args.pool_size, preheat=not args.no_preheat)
    warm_evaluations(folder)
    command = voila_command(folder.resolve(), ip=args.ip, port=args.port, pools=pools,
                            kernel_memory_mb=args.kernel_memory_mb)
    # our Voila template (panels/jupyter/voila/templates/nzc) is found through JUPYTER_PATH
    jupyter_path = os.pathsep.join(filter(None, [str(PANELS_DIR / "jupyter"),
                                                 os.environ.get("JUPYTER_PATH")]))
    env = {**os.environ, "NZC_SESSION_DIR": str(folder.resolve()), "MPLBACKEND": "Agg",
           "JUPYTER_PATH": jupyter_path}
    sys.stdout.flush()

    def ready() -> None:
        print(f"Voila: http://{args.ip}:{args.port}/  (Ctrl+C to stop)", flush=True)

    return run_server(command, env, host, args.port, ready)


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the review-meeting panels with Voila (评审会面板)")
    p.add_argument("session_dir", nargs="?", metavar="SESSION_DIR")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--ip", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--demo", action="store_true",
                   help="create a demo session (example applications, 3 experts, a chair) in "
                        f"a new folder (default {DEFAULT_DEMO_DIR})")
    p.add_argument("--replace-demo", action="store_true",
                   help="with --demo: replace a demo session this command made earlier in the "
                        "folder (never any other folder)")
    p.add_argument("--pool-size", type=non_negative_int, default=None, metavar="N",
                   help="pre-heated kernels per panel (default: sized from the session, one "
                        "per participant plus one spare per panel, within half the free memory)")
    p.add_argument("--no-preheat", action="store_true", help="start kernels on demand")
    p.add_argument("--programme", metavar="DIR", default=None,
                   help="serve the programme dashboard (试点项目总览) of a programme folder to "
                        "the bureau, with a new bureau token printed at start")
    p.add_argument("--kernel-memory-mb", type=positive_int, default=None, metavar="MB",
                   help="memory (RSS) above which a page's kernel is shut down (default 1024)")
    from nzc_review.cli.self_check import register_options

    register_options(p)  # --self-check, --keep-dir, --max-upload-mb, --max-pages
    p.set_defaults(func=cmd_serve)
