"""The status record the chair's dashboard follows while a report is rendered: every way a
render can end is written as one record, ``failed`` with its reason or ``ready`` with the
files (:mod:`nzc_review.meeting.opinion.report_status`)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from nzc_review.meeting.opinion.report_status import read_status, start_report, status_file

APP = "HC-2024-YQ-001"


def _record(reports: Path) -> dict:
    return json.loads(status_file(reports, APP).read_text(encoding="utf-8"))


def _result(status: str = "ok", outputs: dict | None = None, reason: str | None = None):
    return SimpleNamespace(status=status, outputs=outputs or {}, reason=reason)


def _raises(exc: Exception):
    def render(session_dir, app_ids, out):
        raise exc

    return render


def _returns(*results):
    return lambda session_dir, app_ids, out: list(results)


@pytest.mark.parametrize(
    ("render", "reason", "reason_zh"),
    [
        (
            _raises(OSError("PDF printing failed")),
            "OSError: PDF printing failed",
            "专家组评审意见报告生成失败：PDF 打印失败（请检查本机的 Chromium 浏览器）。",
        ),
        (  # not an OSError: the detail stays in the record, the sentence is general
            _raises(RuntimeError("PDF printing failed")),
            "RuntimeError: PDF printing failed",
            "专家组评审意见报告生成失败。",
        ),
        (_returns(), "the renderer returned nothing", "专家组评审意见报告生成失败。"),
        (
            _returns(_result("failed", reason="运行超时（超过 300 秒）：kernel")),
            "运行超时（超过 300 秒）：kernel",
            "专家组评审意见报告生成失败：运行超时（超过 300 秒）。",
        ),
        (_returns(_result("failed")), "failed", "专家组评审意见报告生成失败。"),
        (
            _returns(_result(outputs={"html": f"{APP}/opinion.html"})),
            "no PDF was written",
            "专家组评审意见报告生成失败：PDF 打印失败（请检查本机的 Chromium 浏览器）。",
        ),
    ],
    ids=["oserror", "other-error", "nothing", "timeout", "failed", "no-pdf"],
)
def test_every_failed_render_is_one_failed_record(tmp_path, render, reason, reason_zh):
    reports = tmp_path / "reports"
    status = start_report(tmp_path, APP, 2, reports_dir=reports, render=render, background=False)
    record = _record(reports)
    assert list(record) == [
        "format", "app_id", "version", "state", "started_at", "finished_at", "reason", "reason_zh"
    ]
    assert record["state"] == "failed" and record["version"] == 2
    assert (record["reason"], record["reason_zh"]) == (reason, reason_zh)
    assert record["started_at"] <= record["finished_at"]
    assert (status.state, status.reason_zh) == ("failed", reason_zh)


def test_a_finished_render_is_a_ready_record_with_its_files(tmp_path):
    reports = tmp_path / "reports"
    (reports / APP).mkdir(parents=True)
    (reports / APP / "opinion.pdf").write_bytes(b"%PDF-1.7")
    render = _returns(
        _result(outputs={"pdf": f"{APP}/opinion.pdf", "html": f"{APP}/opinion.html"})
    )
    status = start_report(tmp_path, APP, 1, reports_dir=reports, render=render, background=False)
    record = _record(reports)
    assert list(record) == [
        "format", "app_id", "version", "state", "started_at", "finished_at", "pdf", "html"
    ]
    assert (record["pdf"], record["html"]) == (f"{APP}/opinion.pdf", f"{APP}/opinion.html")
    assert status.state == "ready"
    assert status.pdf == (reports / APP / "opinion.pdf").resolve()
    assert read_status(reports, APP, 1).state == "ready"
