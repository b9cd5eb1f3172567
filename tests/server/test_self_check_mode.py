"""``nzc-review serve --self-check`` before the server starts, and the server's rules for the
public page (nzc_review.server.self_check, nzc_review.cli.self_check)."""

from __future__ import annotations

import argparse
import json

import pytest

from nzc_review.cli.commands.serve import PANELS_DIR
from nzc_review.cli.main import main
from nzc_review.cli.self_check import keep_folder, self_check_command, upload_limit
from nzc_review.errors import InputError
from nzc_review.limits import MiB
from nzc_review.server import self_check as mode


def test_only_the_self_check_page_opens_and_pages_are_bounded():
    assert mode.page_refusal("self_check.ipynb", 0, 10) is None
    assert mode.page_refusal("sub/self_check.ipynb", 9, 10) is None
    for page in ("expert_review.ipynb", "chair_dashboard.ipynb", "explorer.ipynb", "", None,
                 "../self_check.ipynb.bak"):
        assert mode.page_refusal(page, 0, 10) == (403, mode.ONLY_SELF_CHECK)
    assert mode.page_refusal("self_check.ipynb", 10, 10) == (503, mode.BUSY)
    assert mode.page_refusal("self_check.ipynb", 500, 0) is None  # 0: no limit


def test_pages_at_once_follow_the_memory_available():
    assert mode.max_pages(24_000) == 16  # half of 24 GB at 750 MB a page
    assert mode.max_pages(100) == mode.MIN_PAGES


def _run(capsys, *argv: str) -> tuple[int, str]:
    status = main(["serve", *argv])
    return status, capsys.readouterr().err


def test_the_self_check_page_serves_alone(capsys, tmp_path):
    for extra, named in ((["--demo"], "--demo"), ([str(tmp_path)], "SESSION_DIR")):
        status, err = _run(capsys, "--self-check", *extra)
        assert status == 2 and named in err and "Traceback" not in err
    status, err = _run(capsys, str(tmp_path), "--keep-dir", str(tmp_path / "k"))
    assert status == 2 and "--keep-dir, --max-upload-mb and --max-pages go with --self-check" in err
    assert not (tmp_path / "k").exists()


def test_a_keep_dir_that_cannot_hold_uploads_is_refused_before_the_server_starts(capsys,
                                                                                 tmp_path):
    file = tmp_path / "a-file"
    file.write_text("x")
    status, err = _run(capsys, "--self-check", "--keep-dir", str(file), "--port", "1")
    assert status == 2 and "a-file: --keep-dir: exists and is not a folder" in err
    with pytest.raises(InputError, match="served panels"):
        keep_folder(str(PANELS_DIR / "uploads"), PANELS_DIR)
    assert not (PANELS_DIR / "uploads").exists()
    made = keep_folder(str(tmp_path / "new" / "keep"), PANELS_DIR)
    assert made.is_dir() and not any(made.iterdir())  # the write test leaves nothing


def test_the_upload_limit_is_the_option_within_the_readers_limit():
    def limit(mb):
        return upload_limit(argparse.Namespace(max_upload_mb=mb))

    assert limit(None) == 10 * MiB
    assert limit(2) == 2 * MiB
    assert limit(500) == 20 * MiB  # an .xlsx above 20 MiB could not be read anyway



def test_a_bad_upload_limit_is_refused_by_the_parser(capsys):
    for value in ("0", "-1", "ten"):
        with pytest.raises(SystemExit) as info:
            main(["serve", "--self-check", "--max-upload-mb", value])
        assert info.value.code == 2
        assert "--max-upload-mb" in capsys.readouterr().err


def test_the_server_command_is_in_self_check_mode_with_room_for_an_upload():
    env = {"NZC_SELF_CHECK_WORK": "/tmp/w", "NZC_SELF_CHECK_MAX_BYTES": str(10 * MiB)}
    command = self_check_command(ip="127.0.0.1", port=8866, pool=1, env=env,
                                 message_bytes=11 * MiB, max_pages=8)
    assert "--PanelServer.self_check=True" in command
    assert f"--PanelServer.message_bytes={11 * MiB}" in command
    assert "--PanelServer.max_pages=8" in command and "--show_tracebacks=False" in command
    pools = next(c for c in command if c.startswith("--VoilaKernelManager.kernel_pools_config="))
    config = json.loads(pools.split("=", 1)[1])
    assert config["self_check.ipynb"] == {"pool_size": 1}
    assert config["default"]["kernel_env_variables"] == env
    assert "NZC_SESSION_DIR" not in " ".join(command)
    cold = self_check_command(ip="127.0.0.1", port=8866, pool=0, env=env,
                              message_bytes=11 * MiB, max_pages=8)
    assert "--preheat_kernel=False" in cold and not any("kernel_pools" in c for c in cold)


@pytest.mark.slow
def test_the_meeting_server_refuses_the_self_check_page(tmp_path):
    import urllib.error
    import urllib.request

    from tests.fixtures.serving import Serve

    with Serve(tmp_path / "session", "--demo", "--no-preheat").start(timeout=180) as served:
        link = next(iter(served.links.values()))  # a valid personal token
        token = link.split("token=", 1)[1]
        url = served.url(f"/voila/render/{mode.SELF_CHECK_PANEL}?token={token}")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url, timeout=30)
        assert info.value.code == 403
        assert mode.NOT_IN_MEETING in info.value.read().decode("utf-8")
        assert served.kernels() == []  # refused before any kernel started
