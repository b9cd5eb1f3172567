"""A whole review meeting, end to end: the session is created, three experts and the chair
join, the bundled examples are imported, a conflict of interest is detected and decided, the
experts score through the library, the chair writes the consensus and finalizes, and
``nzc-review report`` renders the panel review opinions and the session summary. The numbers
in the reports are checked against the store."""

from __future__ import annotations

import re
import subprocess

import nbformat
import openpyxl
import pytest

from nzc_review.cli.main import main
from nzc_review.meeting.opinion import compose_consensus
from nzc_review.runner.jobs import read_summary
from nzc_review.store import RECOMMENDATION_ZH, open_store
from tests.fixtures.sessions import (
    ALL_EXAMPLES,
    CAMPUS,
    COMMERCIAL,
    COMMUNITY,
    CRITERIA,
    PARK,
    REGION,
    build_panel,
)

pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]

#: Expert → application → six criterion scores (建设基础 … 保障措施).
SCORES = {
    "a": {
        PARK: [88, 85, 90, 86, 84, 88],
        COMMUNITY: [62, 55, 60, 58, 57, 60],
        REGION: [80, 78, 82, 79, 77, 80],
        CAMPUS: [75, 70, 72, 74, 70, 73],
        COMMERCIAL: [80, 78, 82, 79, 77, 80],
    },
    "b": {
        PARK: [82, 80, 84, 83, 80, 81],
        COMMUNITY: [58, 50, 55, 60, 52, 54],
        REGION: [76, 74, 75, 73, 72, 74],
        CAMPUS: [70, 68, 66, 70, 69, 71],
        COMMERCIAL: [76, 74, 75, 73, 72, 74],
    },
    "c": {
        PARK: [92, 90, 91, 93, 90, 92],
        COMMUNITY: [66, 60, 62, 61, 63, 65],
        REGION: [85, 83, 86, 84, 82, 85],
        COMMERCIAL: [85, 83, 86, 84, 82, 85],
    },  # recused from the campus (same county)
    "chair": {
        PARK: [86, 84, 85, 87, 83, 85],
        COMMUNITY: [60, 52, 58, 57, 55, 56],
        REGION: [78, 80, 79, 81, 76, 78],
        CAMPUS: [72, 71, 70, 73, 70, 72],
        COMMERCIAL: [78, 80, 79, 81, 76, 78],
    },
}
#: Expert A weights the criteria directly (points adding up to 100).
WEIGHTS_A = {
    "method": "direct",
    "points": dict(zip(CRITERIA, [25, 25, 20, 10, 10, 10], strict=True)),
}
#: The chair's decisions.
DECISIONS = {
    PARK: "recommend",
    COMMUNITY: "do_not_recommend",
    REGION: "recommend",
    CAMPUS: "recommend_after_revision",
    COMMERCIAL: "recommend_after_revision",
}
NAMES = {
    PARK: "示例工业园区近零碳排放园区试点（示例）",
    COMMUNITY: "示例社区近零碳排放社区试点（示例）",
    REGION: "示例新区近零碳排放区域试点（示例）",
    CAMPUS: "示例职业技术学院近零碳排放校园试点（示例）",
    COMMERCIAL: "示例商贸城近零碳排放商业场所试点（示例）",
}


@pytest.fixture(scope="module")
def meeting(tmp_path_factory):
    root = tmp_path_factory.mktemp("meeting")
    p = build_panel(root / "session", examples=ALL_EXAMPLES, counties={"c": "金城江区"})
    store = p.store
    # 王五 is in the same county as the region and the campus: detected, pending
    pending = store.conflicts(p.sec, status="pending")
    assert {c.app_id for c in pending} == {REGION, CAMPUS}
    for c in pending:
        if c.app_id == CAMPUS:
            store.decide_conflict(p.sec, c.id, "confirm", "曾参与该校园节能改造咨询")
        else:
            store.decide_conflict(p.sec, c.id, "waive", "仅同一县，无业务往来")
    for who, apps in SCORES.items():
        for app_id, scores in apps.items():
            p.score(
                who,
                app_id,
                scores,
                weights=WEIGHTS_A if who == "a" else None,
                recommendation=DECISIONS[app_id],
                strengths="基础较好。",
            )
    for app_id, decision in DECISIONS.items():
        store.set_consensus(
            p.chair,
            app_id,
            opinion=compose_consensus(
                general="专家组听取了申报单位汇报，审阅了申报材料，经质询和讨论，形成意见如下。",
                strengths=["建设基础较好。"],
                problems=["部分重点项目投资测算依据不足。"],
                revisions=[("五", "补充重点项目可研材料。"), ("三", "复核建设目标。")],
            ),
            recommendation=decision,
            majority="同意专家组结论。",
        )
        store.finalize(p.chair, app_id)
    store.close()
    out = root / "out"
    code = main(["report", str(p.dir), "--out", str(out), "--workers", "3", "--quiet"])
    return p, out, code


def _expected(p, app_id):
    """Mean and trimmed mean of the experts' totals, straight from the store."""
    store = open_store(p.dir)
    try:
        reviews = [
            r for r in store.reviews(p.op, app_id) if r.status == "submitted" and not r.recused
        ]
        consensus = store.consensus(p.op, app_id)
    finally:
        store.close()
    totals = sorted(r.total for r in reviews)
    mean = sum(totals) / len(totals)
    trimmed = sum(totals[1:-1]) / (len(totals) - 2)
    return reviews, mean, trimmed, consensus


def test_the_command_renders_every_finalized_application(meeting):
    _, out, code = meeting
    assert code == 0
    for app_id in DECISIONS:
        for kind in ("ipynb", "html", "pdf"):
            assert (out / app_id / f"opinion.{kind}").stat().st_size > 1000, (app_id, kind)


def test_report_numbers_match_the_store(meeting):
    p, out, _ = meeting
    for app_id, decision in DECISIONS.items():
        reviews, mean, trimmed, consensus = _expected(p, app_id)
        assert consensus.recommendation == decision
        figures = read_summary(nbformat.read(out / app_id / "opinion.ipynb", as_version=4))
        assert figures["n_experts"] == len(reviews)
        assert figures["total_mean"] == pytest.approx(mean)
        assert figures["total_trimmed_mean"] == pytest.approx(trimmed)
        assert figures["total"] == pytest.approx(trimmed)
        assert figures["recommendation"] == decision
        html = (out / app_id / "opinion.html").read_text(encoding="utf-8")
        assert f"专家组评分 <b>{trimmed:.2f}</b> 分" in html
        rows = [
            re.findall(r"<td[^>]*>([^<]*)</td>", row)
            for row in re.findall(r"<tr><th>加权总分</th>(.*?)</tr>", html)
        ]
        mean_cell, _median, trimmed_cell = next(r for r in rows if r and r[0])[:3]
        assert (mean_cell, trimmed_cell) == (f"{mean:.2f}", f"{trimmed:.2f}")
        for r in reviews:
            assert f"<b>{r.total:.2f}</b>" in html
        assert f"专家组推荐结论：{RECOMMENDATION_ZH[decision]}" in html


def test_expert_weights_and_recusal_show_in_the_report(meeting):
    p, out, _ = meeting
    reviews, *_ = _expected(p, PARK)
    a = next(r for r in reviews if r.expert_label == "专家A")
    w = [0.25, 0.25, 0.20, 0.10, 0.10, 0.10]
    assert a.total == pytest.approx(sum(x * y for x, y in zip(w, SCORES["a"][PARK], strict=True)))
    campus, mean, trimmed, _ = _expected(p, CAMPUS)
    assert len(campus) == 3 and trimmed == pytest.approx(sorted(r.total for r in campus)[1])
    html = (out / CAMPUS / "opinion.html").read_text(encoding="utf-8")
    assert "回避（利益冲突）：专家C" in html
    assert re.search(r"<td>王五</td>.*?<td class=.sign.>回避</td>", html)
    assert "去掉 1 个最高分和 1 个最低分后的平均分" in html
    community = (out / COMMUNITY / "opinion.html").read_text(encoding="utf-8")
    assert "一票否决" in community and "SQ-02" in community


def test_ranking_ties_and_public_notice(meeting):
    p, out, _ = meeting
    ws = openpyxl.load_workbook(out / "summary.xlsx")["排名"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    expected = {app_id: _expected(p, app_id)[2] for app_id in DECISIONS}
    order = sorted(DECISIONS, key=lambda a: (-round(expected[a], 2), a))
    assert [r[1] for r in rows] == order
    by_id = {r[1]: r for r in rows}
    for app_id, total in expected.items():
        assert by_id[app_id][5] == pytest.approx(round(total, 2))
    # region and commercial got identical scores: a tie, noted
    assert expected[REGION] == pytest.approx(expected[COMMERCIAL])
    assert by_id[REGION][0] == by_id[COMMERCIAL][0] and by_id[REGION][0].endswith("（并列）")
    assert by_id[PARK][0] == "1"
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "并列第" in summary and "专家对各申报排序的一致性" in summary
    notice = openpyxl.load_workbook(out / "public_notice.xlsx")["公示名单"]
    listed = [r[1] for r in notice.iter_rows(min_row=2, values_only=True)]
    assert set(listed) == {NAMES[a] for a in (PARK, REGION, CAMPUS, COMMERCIAL)}
    assert listed[0] == NAMES[PARK]
    row = next(r for r in notice.iter_rows(min_row=2, values_only=True) if r[1] == NAMES[CAMPUS])
    assert row[2:] == (
        "示例职业技术学院（示例）",
        "金城江区",
        "近零碳排放校园",
        "修改完善后推荐",
        round(expected[CAMPUS], 2),
        None,  # 备注: no veto flag
    )
    assert NAMES[COMMUNITY] not in (out / "public_notice.html").read_text(encoding="utf-8")
    scores = openpyxl.load_workbook(out / "scores.xlsx")["评分"]
    assert scores.max_row - 1 == sum(len(v) for v in SCORES.values())


def test_pdf_text(meeting):
    _, out, _ = meeting
    text = subprocess.run(
        ["pdftotext", str(out / PARK / "opinion.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = re.sub(r"\s+", "", text)
    for marker in ("专家组评审意见", NAMES[PARK], "专家组推荐结论：推荐", "专家组成员签字", "赵六"):
        assert marker in flat
