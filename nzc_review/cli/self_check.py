"""``nzc-review serve --self-check``: the applicants' self-check page (申报自查), alone.

The page is public (no token); the server serves it and nothing else
(:mod:`nzc_review.server.self_check`). Uploads are kept only with ``--keep-dir DIR``; the
visitors' work folders live in one temporary folder made here and removed when ``serve``
stops, whatever way it stops (:func:`nzc_review.cli.commands.serve.run_server` stops Voila and
every kernel first).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from nzc_review.errors import InputError, NzcError
from nzc_review.limits import MiB

#: Pre-heated kernels of the self-check page by default (本工具默认规则): the first visitor
#: finds one ready; the pool refills as pages take them.
DEFAULT_POOL = 1


def keep_folder(value: str, panels_dir: Path) -> Path:
    """``--keep-dir``: the folder, resolved and created; refused when it exists and is not a
    folder, cannot be written, or lies in the served panels' folder."""
    folder = Path(value).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise InputError(value, "--keep-dir: exists and is not a folder")
    if folder == panels_dir.resolve() or panels_dir.resolve() in folder.parents:
        raise InputError(value, "--keep-dir: lies inside the folder of the served panels; choose "
                                "a folder outside it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".nzc-write-test-")
        probe.close()
    except OSError as exc:
        raise InputError(value, f"--keep-dir: cannot write there ({exc.strerror or exc})") from None
    return folder


def megabytes(text: str) -> float:
    """``--max-upload-mb``: a number of megabytes above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of megabytes, got {text!r}") from None
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError(f"expected more than 0 megabytes, got {value:g}")
    return value


def upload_limit(args: argparse.Namespace) -> int:
    """``--max-upload-mb`` in bytes (default: :class:`nzc_review.intake.upload.UploadRules`),
    at most the readers' own input limit (:mod:`nzc_review.limits`: a larger upload could not
    be read anyway)."""
    from nzc_review.intake.upload import UploadRules
    from nzc_review.limits import active

    mb = getattr(args, "max_upload_mb", None)
    wanted = UploadRules().max_bytes if mb is None else int(mb * MiB)
    return max(1, min(wanted, max(active().xlsx_file_bytes, active().text_file_bytes)))


def self_check_command(*, ip: str, port: int, pool: int, env: dict[str, str],
                       message_bytes: int, max_pages: int,
                       kernel_memory_mb: int | None = None) -> list[str]:
    """The command line of the self-check server: the panels' server
    (:mod:`nzc_review.server.app`) in self-check mode, ``pool`` pre-heated kernels of the page,
    the kernels' environment ``env``."""
    from nzc_review.cli.commands.serve import IOPUB_SECONDS, PANELS_DIR
    from nzc_review.server.pool import REFILL_DELAY_SECONDS, kernel_pools_config
    from nzc_review.server.self_check import SELF_CHECK_PANEL

    command = [
        sys.executable, "-m", "nzc_review.server.app", str(PANELS_DIR), "--no-browser",
        f"--port={port}", f"--Voila.ip={ip}", "--Voila.port_retries=0",
        "--template=nzc", "--strip_sources=True", "--show_tracebacks=False",
        f"--preheat_kernel={pool > 0}", f"--pool_size={pool}",
        f"--VoilaKernelManager.default_env_variables={json.dumps(env)}",
        f"--VoilaExecutor.iopub_timeout={IOPUB_SECONDS}",
        "--PanelServer.self_check=True", f"--PanelServer.message_bytes={message_bytes}",
        f"--PanelServer.max_pages={max_pages}",
    ]
    if pool > 0:
        command += [
            "--VoilaKernelManager.kernel_pools_config="
            + json.dumps(kernel_pools_config({SELF_CHECK_PANEL: pool}, env)),
            f"--VoilaKernelManager.fill_delay={REFILL_DELAY_SECONDS}",
        ]
    if kernel_memory_mb is not None:
        command.append(f"--PanelServer.kernel_memory_mb={kernel_memory_mb}")
    return command


def cmd_self_check(args: argparse.Namespace) -> int:
    """``serve --self-check``: check the options, print the page's address, run the server."""
    import psutil

    from nzc_review.cli.commands.serve import PANELS_DIR, check_port_free, panel_url, run_server
    from nzc_review.server import self_check as mode

    others = [flag for flag, given in (("SESSION_DIR", args.session_dir), ("--demo", args.demo),
                                       ("--replace-demo", args.replace_demo),
                                       ("--programme", getattr(args, "programme", None)))
              if given]
    if others:
        raise NzcError(f"--self-check serves the applicants' page alone; leave out "
                       f"{', '.join(others)}")
    keep = keep_folder(args.keep_dir, PANELS_DIR) if args.keep_dir else None
    limit = upload_limit(args)
    check_port_free(args.ip, args.port)
    pool = 0 if args.no_preheat else (DEFAULT_POOL if args.pool_size is None else args.pool_size)
    pages = (args.max_pages if getattr(args, "max_pages", None)
             else mode.max_pages(psutil.virtual_memory().available / MiB))
    host = "127.0.0.1" if args.ip in {"0.0.0.0", ""} else args.ip
    work = Path(tempfile.mkdtemp(prefix="nzc-self-check-"))
    try:
        env = {"VOILA_APP_IP": host, "VOILA_APP_PORT": str(args.port), "MPLBACKEND": "Agg",
               mode.WORK_ENV: str(work), mode.MAX_BYTES_ENV: str(limit)}
        if keep is not None:
            env[mode.KEEP_ENV] = str(keep)
        command = self_check_command(ip=args.ip, port=args.port, pool=pool, env=env,
                                     message_bytes=limit + mode.MESSAGE_MARGIN_BYTES,
                                     max_pages=pages, kernel_memory_mb=args.kernel_memory_mb)
        from nzc_review.intake.upload import size_zh

        print("申报自查 self-check page (public, no token): "
              + panel_url(args.ip, args.port, mode.SELF_CHECK_PANEL))
        print("上传文件 uploads: " + (f"每份另存一份副本到 kept in {keep}" if keep else
                                   "不保存，检查完即随页面删除 not kept"))
        print(f"上传上限 upload limit: {size_zh(limit)}；同时打开的页面 pages at once: 至多 {pages}；"
              f"预热内核 pre-heated kernels: {pool}")
        print("评审会面板不在此服务器开放 (the review panels are not served in this mode)")
        jupyter_path = os.pathsep.join(filter(None, [str(PANELS_DIR / "jupyter"),
                                                     os.environ.get("JUPYTER_PATH")]))
        server_env = {**os.environ, **env, "JUPYTER_PATH": jupyter_path}
        server_env.pop("NZC_SESSION_DIR", None)
        sys.stdout.flush()

        def ready() -> None:
            print(f"Voila: http://{args.ip}:{args.port}/  (Ctrl+C to stop)", flush=True)

        return run_server(command, server_env, host, args.port, ready)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def register_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``serve --self-check``."""
    from nzc_review.cli.args import positive_int

    parser.add_argument("--self-check", action="store_true",
                        help="serve the applicants' self-check page 申报自查 alone (public, no "
                             "token; the review panels are not served)")
    parser.add_argument("--keep-dir", metavar="DIR", default=None,
                        help="with --self-check: keep a copy of every upload in DIR "
                             "(default: nothing is kept)")
    parser.add_argument("--max-upload-mb", type=megabytes, default=None, metavar="MB",
                        help="with --self-check: largest upload accepted (default 10)")
    parser.add_argument("--max-pages", type=positive_int, default=None, metavar="N",
                        help="with --self-check: pages open at once (default: from the memory "
                             "available, 750 MB a page)")
