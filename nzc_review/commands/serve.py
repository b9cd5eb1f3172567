"""``nzc-review serve``: the review meeting's panels, served by Voila on this machine."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from nzc_review.errors import NzcError
from nzc_review.render import PROJECT_ROOT

PANELS_DIR = Path(os.environ.get("NZC_PANELS_DIR", PROJECT_ROOT / "panels"))
PANEL_OF_ROLE = {"expert": "expert_review.ipynb", "chair": "chair_dashboard.ipynb",
                 "secretary": "chair_dashboard.ipynb"}


def panel_url(ip: str, port: int, notebook: str, token: str | None = None) -> str:
    host = "127.0.0.1" if ip in {"0.0.0.0", ""} else ip
    query = f"?token={token}" if token else ""
    return f"http://{host}:{port}/voila/render/{notebook}{query}"


def voila_command(session_dir: Path, *, ip: str, port: int, pool_size: int,
                  preheat: bool = True) -> list[str]:
    """The Voila command line: lab template, no source shown, pre-heated kernels, idle
    kernels culled after an hour, bound to ``ip``."""
    env = {"NZC_SESSION_DIR": str(session_dir), "VOILA_APP_IP": "127.0.0.1" if ip in
           {"0.0.0.0", ""} else ip, "VOILA_APP_PORT": str(port), "MPLBACKEND": "Agg"}
    return [
        sys.executable, "-m", "voila", str(PANELS_DIR), "--no-browser",
        f"--port={port}", f"--Voila.ip={ip}", "--Voila.port_retries=0",
        "--template=nzc", "--strip_sources=True", "--show_tracebacks=False",
        f"--preheat_kernel={preheat}", f"--pool_size={pool_size if preheat else 0}",
        f"--VoilaKernelManager.default_env_variables={json.dumps(env)}",
        "--MappingKernelManager.cull_idle_timeout=3600",
        "--MappingKernelManager.cull_interval=300",
    ]


def cmd_serve(args: argparse.Namespace) -> int:
    from nzc_review.store import open_store

    if args.demo:
        from nzc_review.ui.demo import create_demo_session

        folder = Path(args.session_dir or "out/demo-session")
        if folder.exists():
            shutil.rmtree(folder)
        demo = create_demo_session(folder)
        print(f"演示评审会 demo session: {folder.resolve()}")
        print("各参会人员的个人链接 personal links (illustrative people):")
        roles = {"expert_a": "expert", "expert_b": "expert", "expert_c": "expert",
                 "chair": "chair", "secretary": "secretary"}
        for key, token in demo.tokens.items():
            url = panel_url(args.ip, args.port, PANEL_OF_ROLE[roles[key]], token)
            print(f"  {demo.names[key]:<10} {url}")
        print("候选项目分析 explorer: " + panel_url(args.ip, args.port, "explorer.ipynb"))
    else:
        if not args.session_dir:
            raise NzcError("give a review session folder, or --demo for a demonstration")
        folder = Path(args.session_dir)
        open_store(folder).close()  # a clear error now if it is not a session
        print(f"评审会 session: {folder.resolve()}")
        print("专家链接 expert panel: " + panel_url(args.ip, args.port, PANEL_OF_ROLE["expert"])
              + "?token=<个人令牌>")
        print("组长看板 chair dashboard: "
              + panel_url(args.ip, args.port, PANEL_OF_ROLE["chair"]) + "?token=<个人令牌>")
        print("候选项目分析 explorer: " + panel_url(args.ip, args.port, "explorer.ipynb"))
        print("（个人令牌只在 `nzc-review expert add` 时显示一次；遗失可用 `nzc-review expert token` 重新签发）")
    command = voila_command(folder.resolve(), ip=args.ip, port=args.port,
                            pool_size=args.pool_size, preheat=not args.no_preheat)
    # our Voila template (panels/jupyter/voila/templates/nzc) is found through JUPYTER_PATH
    jupyter_path = os.pathsep.join(filter(None, [str(PANELS_DIR / "jupyter"),
                                                 os.environ.get("JUPYTER_PATH")]))
    env = {**os.environ, "NZC_SESSION_DIR": str(folder.resolve()), "MPLBACKEND": "Agg",
           "JUPYTER_PATH": jupyter_path}
    print(f"Voila: http://{args.ip}:{args.port}/  (Ctrl+C to stop)", flush=True)
    process = subprocess.Popen(command, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the review-meeting panels with Voila (评审会面板)")
    p.add_argument("session_dir", nargs="?", metavar="SESSION_DIR")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--ip", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--demo", action="store_true",
                   help="create a demo session (example applications, 3 experts, a chair)")
    p.add_argument("--pool-size", type=int, default=2, help="pre-heated kernels per panel")
    p.add_argument("--no-preheat", action="store_true", help="start kernels on demand")
    p.set_defaults(func=cmd_serve)
