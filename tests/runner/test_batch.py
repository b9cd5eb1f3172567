"""The evaluation notebook through papermill, the report HTML and PDF, and the batch runner.

These run real kernels and Debian's Chromium (installed by ``make test``); under CI they
must run, not skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from nzc_review.runner.batch import BatchOptions, run_batch
from tests.conftest import EXAMPLES, ROOT

pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    """One batch over two examples, a broken file and two different files with one id."""
    inputs = tmp_path_factory.mktemp("inputs")
    for name in ("park-pass.yaml", "community-fail.yaml", "region-pass.yaml"):
        shutil.copy(EXAMPLES / name, inputs / name)
    (inputs / "broken.yaml").write_text("format: nzc-application/1\nid: [oops\n", encoding="utf-8")
    duplicate = yaml.safe_load((EXAMPLES / "region-pass.yaml").read_text(encoding="utf-8"))
    duplicate["name"] = "另一份申报，编号却相同"
    (inputs / "zz-duplicate.json").write_text(__import__("json").dumps(duplicate), encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    report = run_batch([inputs], BatchOptions(out_dir=out, workers=2, draws=1000, progress=False,
                                              evaluated_on="2024-06-30"))
    return report, Path(report.out_dir)


def test_every_good_application_gets_its_reports(batch_run):
    report, out = batch_run
    ok = {r.id: r for r in report.results if r.status == "ok"}
    assert set(ok) == {"DEMO-2024-YQ-001", "DEMO-2024-SQ-001"}
    for app_id in ok:
        for kind in ("ipynb", "html", "pdf"):
            assert (out / app_id / f"evaluation.{kind}").stat().st_size > 1000
    assert not list(out.glob(".work-*")), "no half-written work folders"


def test_report_html_sections_verdict_and_no_network(batch_run):
    _, out = batch_run
    html = (out / "DEMO-2024-YQ-001" / "evaluation.html").read_text(encoding="utf-8")
    for heading in ("一、评估结论", "二、指标达标情况", "三、遴选条件与申报材料完整性",
                    "四、碳排放核算", "五、情景预测", "六、重点项目与减排成本",
                    "七、自动评审意见（草稿）"):
        assert heading in html
    assert "建设可行性：基本可行" in html  # location basis: the park's 绿电交易 reduces nothing
    assert "评估日期</b></td><td>2024年6月30日" in html
    assert html.count("<img") == 3  # emissions, forecast, abatement cost curve
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "no CDN"
    assert "<pre" not in html and "In&nbsp;[" not in html  # no code, no prompts
    failing = (out / "DEMO-2024-SQ-001" / "evaluation.html").read_text(encoding="utf-8")
    assert "建设可行性：不可行" in failing and "SQ-02" in failing


def test_pdf_has_pages_and_chinese_text(batch_run):
    _, out = batch_run
    pdf = out / "DEMO-2024-YQ-001" / "evaluation.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    assert pages >= 5
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "近零碳排放区试点申报评估报告" in text
    assert "示例工业园区近零碳排放园区试点" in text


def test_summary_names_the_broken_ones_with_reasons(batch_run):
    report, out = batch_run
    failed = {Path(r.source).name: r.reason for r in report.failed}
    assert set(failed) == {"broken.yaml", "region-pass.yaml", "zz-duplicate.json"}
    assert "invalid YAML" in failed["broken.yaml"]
    for name in ("region-pass.yaml", "zz-duplicate.json"):  # neither is taken for the genuine
        assert "重复" in failed[name] and "region-pass.yaml、zz-duplicate.json" in failed[name]
    assert not (out / "DEMO-2024-QY-001").exists()
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "broken.yaml" in html and "invalid YAML" in html
    assert "DEMO-2024-YQ-001/evaluation.pdf" in html
    ws = openpyxl.load_workbook(out / "summary.xlsx").active
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["park-pass.yaml"][4] == "成功" and rows["park-pass.yaml"][6] == "基本可行"
    assert rows["community-fail.yaml"][5] == "不通过（一票否决）"
    assert rows["broken.yaml"][4] == "失败" and "invalid YAML" in rows["broken.yaml"][-1]


def test_timeout_is_recorded_and_leaves_nothing(tmp_path):
    report = run_batch([EXAMPLES / "park-pass.yaml"],
                       BatchOptions(out_dir=tmp_path, workers=1, pdf=False, timeout=0.05,
                                    progress=False))
    assert report.results[0].status == "failed"
    assert "超时" in report.results[0].reason
    assert not (tmp_path / "DEMO-2024-YQ-001").exists()
    assert not list(tmp_path.glob(".work-*"))


def test_batch_command_exit_status_names_failures(tmp_path):
    broken = tmp_path / "in" / "bad.json"
    broken.parent.mkdir()
    broken.write_text("{", encoding="utf-8")
    shutil.copy(EXAMPLES / "region-pass.yaml", tmp_path / "in" / "region-pass.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "nzc_review.cli.main", "batch", str(tmp_path / "in"), "--out",
         str(tmp_path / "out"), "--no-pdf", "--draws", "500", "--quiet"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 1
    assert "bad.json" in result.stderr and "Traceback" not in result.stderr
    assert "1/2 份成功" in result.stdout
    assert (tmp_path / "out" / "DEMO-2024-QY-001" / "evaluation.html").exists()


def test_no_applications_found(tmp_path):
    (tmp_path / "in").mkdir()
    result = subprocess.run([sys.executable, "-m", "nzc_review.cli.main", "batch", str(tmp_path / "in"),
                             "--out", str(tmp_path / "o")], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 2 and "no application files found" in result.stderr


def test_same_application_in_two_formats_is_skipped_not_failed(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(EXAMPLES / "region-pass.yaml", inputs / "a.yaml")
    data = yaml.safe_load((EXAMPLES / "region-pass.yaml").read_text(encoding="utf-8"))
    (inputs / "b.json").write_text(__import__("json").dumps(data, ensure_ascii=False),
                                   encoding="utf-8")
    report = run_batch([inputs], BatchOptions(out_dir=tmp_path / "out", workers=1, pdf=False,
                                              draws=500, progress=False))
    assert [r.status for r in report.results] == ["ok", "skipped"]
    assert report.failed == []


def test_the_report_says_where_the_time_went(batch_run):
    from nzc_review.runner.batch import BATCH_STAGES

    report, _ = batch_run
    profile = report.profile()
    assert list(profile) == list(BATCH_STAGES)
    ok = [r for r in report.results if r.status == "ok"]
    for r in ok:  # the notebook's tagged cells, the HTML and the PDF of each report
        assert r.stages["evaluate"] > 0 and r.stages["charts"] > 0
        assert r.stages["html"] > 0 and r.stages["pdf"] > 0
        assert r.kernel_mb and r.kernel_mb > 50
    assert profile["charts"] == pytest.approx(sum(r.stages["charts"] for r in ok))
    assert profile["intake"] > 0 and profile["summary"] > 0
    assert report.kernels_started == 2  # a kernel per worker, no spare, none replaced


def test_a_batch_runs_under_a_temporary_folder_too_long_for_sockets(tmp_path):
    """The kernels' IPC sockets and Chromium's socket need a short folder (a socket path is at
    most 107 bytes): under a ``$TMPDIR`` of some 150 characters the batch still writes its
    report and PDF, and leaves nothing in that folder."""
    deep = tmp_path / ("a-temporary-folder-far-too-long-for-unix-sockets-" * 3)
    deep.mkdir()
    out = tmp_path / "out"
    code = ("import sys\n"
            "from pathlib import Path\n"
            "from nzc_review.runner.batch import BatchOptions, run_batch\n"
            "report = run_batch([Path(sys.argv[1])], BatchOptions(out_dir=Path(sys.argv[2]), "
            "workers=1, progress=False))\n"
            "print(report.results[0].status, report.results[0].reason)\n")
    done = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "park-pass.yaml"),
                           str(out)], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "TMPDIR": str(deep)})
    assert done.stdout.split()[:1] == ["ok"], done.stdout + done.stderr[-2000:]
    assert (out / "DEMO-2024-YQ-001" / "evaluation.pdf").stat().st_size > 10_000
    assert list(deep.iterdir()) == []
