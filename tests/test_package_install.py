"""The wheel works on its own: built, installed into a fresh virtual environment, and used from a
folder outside the source checkout (batch with PDF, panel opinion report, acceptance report,
``serve --demo`` with a panel rendered in Chromium).

Only nzc-review is installed into the new environment; its dependencies are those of the
running one, made visible by a ``.pth`` file listing the running environment's
``site-packages`` (a ``.pth`` file *listed* that way is not processed, so the editable install
of the checkout stays out), and their data files (nbconvert's and Voila's templates, the kernel
spec) by ``JUPYTER_PATH``. ``PYTHONPATH`` is removed, so nothing of the checkout is importable.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from nzc_review.evaluation.cache import code_fingerprint
from tests.conftest import CHROMIUM, EXAMPLES, ROOT
from tests.fixtures.serving import Serve

pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]

PARK = "DEMO-2024-YQ-001"
#: What the wheel must carry besides the code (nzc_review.files.resources).
SHIPPED = (
    "nzc_review/_data/notebooks/evaluate_application.ipynb",
    "nzc_review/_data/notebooks/panel_opinion.ipynb",
    "nzc_review/_data/notebooks/acceptance_report.ipynb",
    "nzc_review/_data/reports/nzc_report/index.html.j2",
    "nzc_review/_data/reports/nzc_report/report.css",
    "nzc_review/_data/panels/expert_review.ipynb",
    "nzc_review/_data/panels/chair_dashboard.ipynb",
    "nzc_review/_data/panels/jupyter/voila/templates/nzc/index.html.j2",
    "nzc_review/_data/examples/applications/park-pass.yaml",
    "nzc_review/policy/catalog/indicators_park.yaml",
    "nzc_review/policy/catalog/emission_factors.csv",
)


def _from_shipped_template(html: str) -> bool:
    """The page was rendered with ``reports/nzc_report`` (its generator tag and print layout)."""
    return ('<meta content="nzc-review" name="generator"/>' in html
            and '<main class="report">' in html)


def _run(command: list, cwd: Path, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{command[:3]} exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The wheel, a fresh venv with it installed, the environment to run it in, a work folder
    outside the checkout."""
    base = tmp_path_factory.mktemp("install")
    wheels = base / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
             "--disable-pip-version-check", "-w", str(wheels), str(ROOT)]
    if importlib.util.find_spec("hatchling"):  # the backend is here: no download
        build.insert(5, "--no-build-isolation")
    _run(build, base, dict(os.environ))
    (wheel,) = wheels.glob("nzc_review-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not [n for n in SHIPPED if n not in names]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], base, dict(os.environ))
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     base, dict(os.environ)).stdout.strip())
    deps = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    (site / "_nzc_test_dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
          "--no-index", "--disable-pip-version-check", wheel], base, dict(os.environ))

    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "JUPYTER_PATH"}}
    env.update(JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"), MPLBACKEND="Agg",
               PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    work = base / "work"
    work.mkdir()
    return {"venv": venv, "python": python, "cli": venv / "bin" / "nzc-review", "site": site,
            "env": env, "work": work}


def test_the_installed_package_is_the_wheel_with_its_data(installed):
    probe = ("import json, nzc_review\n"
             "from nzc_review.files import resources as r\n"
             "from nzc_review.evaluation.cache import code_fingerprint\n"
             "print(json.dumps({'module': nzc_review.__file__, 'checkout': str(r.source_checkout()),"
             " 'notebooks': str(r.notebooks_dir()), 'reports': str(r.reports_dir()),"
             " 'panels': str(r.panels_dir()), 'examples': str(r.examples_dir()),"
             " 'fingerprint': code_fingerprint()}))")
    seen = json.loads(_run([installed["python"], "-c", probe], installed["work"],
                           installed["env"]).stdout)
    package = installed["site"] / "nzc_review"
    assert Path(seen["module"]) == package / "__init__.py"
    assert seen["checkout"] == "None"
    for kind in ("notebooks", "reports", "panels", "examples"):
        assert Path(seen[kind]) == package / "_data" / kind and Path(seen[kind]).is_dir()
    # the evaluation cache's key: the same code gives the same key, installed or not
    assert seen["fingerprint"] == code_fingerprint()


def test_batch_with_pdf_from_another_folder(installed):
    work = installed["work"] / "batch"
    work.mkdir()
    shutil.copy(EXAMPLES / "park-pass.yaml", work / "park-pass.yaml")
    _run([installed["cli"], "batch", "park-pass.yaml", "--out", "out", "--workers", "1"], work,
         installed["env"])
    report = work / "out" / PARK
    html = (report / "evaluation.html").read_text(encoding="utf-8")
    assert _from_shipped_template(html) and "申报" in html
    assert (report / "evaluation.pdf").read_bytes().startswith(b"%PDF")


def test_report_on_a_session(installed):
    from tests.fixtures.sessions import build_panel

    work = installed["work"] / "report"
    work.mkdir()
    panel = build_panel(work / "meeting")
    try:
        for who in ("a", "b", "c", "chair"):
            panel.score(who, PARK, [80, 82, 84, 86, 88, 90])
        panel.store.set_consensus(panel.chair, PARK, opinion="建设基础较好，指标设置科学。",
                                  recommendation="recommend")
        panel.store.finalize(panel.chair, PARK)
    finally:
        panel.store.close()
    _run([installed["cli"], "report", "meeting", "--out", "opinions", "--workers", "1"], work,
         installed["env"])
    report = work / "opinions" / PARK
    assert _from_shipped_template((report / "opinion.html").read_text(encoding="utf-8"))
    assert (report / "opinion.pdf").read_bytes().startswith(b"%PDF")
    assert (work / "opinions" / "public_notice.html").is_file()


def test_accept_with_report(installed):
    work = installed["work"] / "accept"
    shutil.copytree(ROOT / "examples", work / "examples")
    _run([installed["cli"], "accept", "examples/lifecycle/acceptance/park-accepted.yaml",
          "--report", "--out", "accepted", "--workers", "1"], work, installed["env"])
    report = work / "accepted" / f"{PARK}-acceptance"
    assert _from_shipped_template((report / "acceptance.html").read_text(encoding="utf-8"))
    assert (report / "acceptance.pdf").read_bytes().startswith(b"%PDF")


def test_serve_demo_renders_a_panel(installed):
    from playwright.sync_api import sync_playwright

    from nzc_review.runner.pdf import CHROMIUM_ARGS

    work = installed["work"] / "serve"
    work.mkdir()
    server = Serve(None, "--demo", "--no-preheat", command=[str(installed["cli"]), "serve"],
                   cwd=work, env=installed["env"], log=installed["work"] / "serve.log")
    with server.start(timeout=90):
        link = next(v for v in server.links.values() if "/expert_review.ipynb?token=" in v)
        # the demo imported the example applications shipped in the wheel
        assert len(list((work / "out" / "demo-session" / "cache" / "evaluations")
                        .glob("*.json"))) == len(list(EXAMPLES.glob("*.yaml")))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(locale="zh-CN")
                response = page.goto(link, timeout=90_000)
                assert response is not None and response.status == 200
                assert "正在加载评审面板" in response.text()  # the shipped Voila template
                page.get_by_text("已载入").wait_for(timeout=90_000)  # the expert panel, live
            finally:
                browser.close()
