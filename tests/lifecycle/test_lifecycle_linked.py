"""The latest linked disclosure of each pilot, judged by the disclosure and monitor functions
(examples/lifecycle/monitoring), and shown by the programme overview."""

from __future__ import annotations

import datetime as dt
import shutil

from nzc_review.lifecycle.intake import load_histories
from nzc_review.lifecycle.linked import NONE, UNREADABLE, check_linked_disclosures
from nzc_review.lifecycle.monitor import monitor
from nzc_review.present.programme_overview import (
    DISCLOSURE_HEADERS,
    disclosure_row,
    programme_overview,
)
from tests.conftest import ROOT

MONITORING = ROOT / "examples" / "lifecycle" / "monitoring"


def files(name: str) -> list[str]:
    return [str(p) for p in sorted((MONITORING / name).glob("*.yaml"))]


LINKED = {
    "DEMO-2023-SQ-101": files("community-rising"),
    "DEMO-2023-QY-101": files("region-core-warning"),
    "DEMO-2023-SY-101": files("commercial-missing"),
    "DEMO-2023-XY-101": files("campus-exit"),
    "DEMO-2023-YQ-101": files("park-steady"),
}


def test_the_monitors_warnings_of_the_latest_disclosure():
    checks = check_linked_disclosures(LINKED)
    rising = checks["DEMO-2023-SQ-101"]
    assert (rising.level_zh, rising.year, rising.as_of, rising.emissions_tco2,
            rising.target_emissions_tco2) == ("预警", 2027, 2027, 3570.0, 3450.0)
    assert rising.reasons == ("碳排放总量连续2年上升（2025年 3,128 → 2026年 3,194 → 2027年 3,313 tCO2）",)
    core = checks["DEMO-2023-QY-101"]
    assert core.indicators_not_met == ("QY-03 可再生能源消费比重",)
    assert core.level == "warning" and "QY-03" in core.reasons[0]
    # the commercial pilot did not disclose 2027 while the others did: its latest is 2026
    missing = checks["DEMO-2023-SY-101"]
    assert (missing.year, missing.as_of, missing.reasons) == (2026, 2027, ("2027年未对外披露碳排放信息",))
    assert checks["DEMO-2023-XY-101"].level_zh == "建议取消称号"
    assert checks["DEMO-2023-YQ-101"].level_zh == "正常" and checks["DEMO-2023-YQ-101"].reasons == ()
    # the same conclusions as `nzc-review monitor` over the same files
    report = monitor(load_histories([MONITORING]))
    assert {p.id: p.status for p in report.pilots} == {k: c.level for k, c in checks.items()}
    assert {p.id: tuple(f.message for f in p.flags) for p in report.pilots} == \
        {k: c.reasons for k, c in checks.items()}


def test_review_year_and_a_pilot_alone():
    alone = check_linked_disclosures({"DEMO-2023-SY-101": files("commercial-missing")})
    assert alone["DEMO-2023-SY-101"].as_of == 2026 and alone["DEMO-2023-SY-101"].level == "ok"
    earlier = check_linked_disclosures(LINKED, as_of=2026)
    assert earlier["DEMO-2023-SQ-101"].year == 2026
    assert earlier["DEMO-2023-SY-101"].level == "ok"


def test_unreadable_or_foreign_files_are_reported_on_their_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: nzc-disclosure/1\npilot: {id: DEMO-2023-SQ-101}\n", encoding="utf-8")
    checks = check_linked_disclosures({
        "DEMO-2023-SQ-101": [str(broken)],
        "HC-OTHER": files("park-steady") + files("campus-exit"),
        "HC-NONE": [],
        "DEMO-2023-YQ-101": files("park-steady"),
    })
    assert checks["DEMO-2023-SQ-101"].level == UNREADABLE
    assert checks["DEMO-2023-SQ-101"].error.startswith("关联的披露文件无法读取：broken.yaml")
    assert checks["HC-OTHER"].level_zh == "披露文件有误"
    assert "涉及多个试点" in checks["HC-OTHER"].error
    assert checks["HC-NONE"].level == NONE and checks["HC-NONE"].level_zh == "未关联披露"
    assert checks["DEMO-2023-YQ-101"].level == "ok"  # the others go on


def test_relative_paths_are_taken_from_the_programme_folder(tmp_path):
    shutil.copytree(MONITORING / "campus-exit", tmp_path / "disclosures" / "XY")
    checks = check_linked_disclosures(
        {"DEMO-2023-XY-101": ["disclosures/XY/disclosures-2023-2027.yaml"]}, base=tmp_path)
    assert checks["DEMO-2023-XY-101"].level == "exit"


def test_the_overview_shows_a_disclosure_that_misses_its_target():
    row = {"id": "DEMO-2023-QY-101", "name": "示例生态新城", "pilot_type": "region",
           "county": "金城江区", "department": "市生态环境局会同市发展改革委",
           "status": "titled", "status_label": "已授予称号", "since": "2025-01-10T02:00:00Z",
           "disclosures": files("region-core-warning")}
    overview = programme_overview([row], dt.date(2028, 4, 1),
                                  disclosures=check_linked_disclosures({row["id"]: row["disclosures"]}))
    cells = dict(zip(DISCLOSURE_HEADERS, disclosure_row(overview.with_disclosure[0]), strict=True))
    assert cells["复核结论"] == "预警" and cells["最新披露年份"] == 2027
    assert cells["未达参考值的指标"] == "QY-03 可再生能源消费比重"
    assert cells["原因"].startswith("核心指标 QY-03 可再生能源消费比重 不再达到参考值")
    assert cells["碳排放总量（tCO2，披露值）"] == 167400.0
    assert cells["验收目标水平（tCO2）"] == 171700.0
