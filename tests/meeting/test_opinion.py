"""The panel review opinion: consensus text, aggregation, HTML fragments, the session
summary, and the report notebook rendered to HTML and PDF (escaping, Chinese text, long
opinions across pages)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.meeting.documents import import_file
from nzc_review.meeting.opinion import (
    OpinionError,
    Revision,
    collect_opinion,
    compose_consensus,
    panel_scores,
    parse_consensus,
    rank_totals,
    render_opinion_reports,
    run_reports,
    session_overview,
)
from nzc_review.meeting.opinion import html as ophtml
from nzc_review.meeting.opinion.session import session_kendall
from nzc_review.runner.jobs import read_summary
from tests.conftest import EXAMPLES, ROOT
from tests.fixtures.applications import FAST_DUMPER, read_yaml
from tests.fixtures.sessions import COMMUNITY, CRITERIA, PARK, build_panel

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


# --- the consensus text --------------------------------------------------------------------------


def test_parse_consensus_parts_items_and_sections():
    text = """总体意见：该园区基础扎实。
第二段综合意见。

一、【主要优点】
1. 产业基础好。
2. 重点项目清单完整，
   投资明确。
存在问题：部分项目投资测算依据不足。
[修改意见]
1. 【五、重点项目】补充余热利用项目的可研报告。
2. [三] 将 YQ-03 目标提高到 15%。
（3）【附件2 七】落实配套资金。
4. 【保障措施】纳入年度计划。
5. 【另见会议纪要】补充说明。
6. 进一步完善碳排放核算过程。
"""
    c = parse_consensus(text)
    assert c.structured
    assert c.general == ("总体意见：该园区基础扎实。", "第二段综合意见。")
    assert c.strengths == ("产业基础好。", "重点项目清单完整，\n投资明确。")
    assert c.problems == ("部分项目投资测算依据不足。",)
    assert [(r.section, r.text) for r in c.revisions] == [
        ("五", "补充余热利用项目的可研报告。"),
        ("三", "将 YQ-03 目标提高到 15%。"),
        ("七", "落实配套资金。"),
        ("七", "纳入年度计划。"),
        (None, "【另见会议纪要】补充说明。"),
        (None, "进一步完善碳排放核算过程。"),
    ]
    groups = c.by_section()
    assert list(groups) == ["三", "五", "七", None]
    assert c.revisions[0].section_label == "五、重点项目"


def test_unstructured_text_is_general_opinion():
    c = parse_consensus("同意推荐。\n存在问题较多的部分已在会上说明。")
    assert not c.structured  # 存在问题较多… is a sentence, not a heading
    assert c.general == ("同意推荐。", "存在问题较多的部分已在会上说明。")
    assert parse_consensus("") == parse_consensus(None) == parse_consensus("  \n")


def test_unenumerated_lines_are_items():
    c = parse_consensus("【修改意见】\n【六】细化年度计划\n补充证明材料")
    assert [(r.section, r.text) for r in c.revisions] == [
        ("六", "细化年度计划"),
        (None, "补充证明材料"),
    ]


def test_compose_round_trips():
    revisions = [
        Revision("补充可研。", "五"),
        {"section": "三", "text": "提高目标。"},
        "完善核算。",
    ]
    text = compose_consensus(
        general=["第一段。", "第二段。"],
        strengths=["基础好。"],
        problems=["测算不足。", "  "],
        revisions=revisions,
    )
    assert (
        "【修改意见】\n1. 【五、重点项目】补充可研。\n2. 【三、建设目标】提高目标。\n3. 完善核算。"
        in text
    )
    c = parse_consensus(text)
    assert c.general == ("第一段。", "第二段。")
    assert c.problems == ("测算不足。",)
    assert [r.section for r in c.revisions] == ["五", "三", None]
    again = compose_consensus(
        general=c.general, strengths=c.strengths, problems=c.problems, revisions=c.revisions
    )
    assert again == text
    with pytest.raises(ValueError, match="section"):
        Revision("x", "九")


# --- aggregation ---------------------------------------------------------------------------------


@pytest.fixture
def panel(tmp_path):
    p = build_panel(tmp_path / "meeting", examples=("park-pass", "community-fail"))
    yield p
    p.store.close()


def _finish_park(p, **consensus):
    p.score("a", PARK, [80, 82, 78, 85, 75, 80], strengths=f"基础好{SCRIPT}")
    p.score("b", PARK, [70, 72, 75, 70, 68, 71], recommendation="recommend_after_revision")
    p.score("c", PARK, [90, 88, 92, 86, 85, 90])
    p.score("chair", PARK, [85, 84, 80, 83, 82, 86])
    p.store.set_consensus(
        p.chair,
        PARK,
        opinion=consensus.pop("opinion", "同意推荐。"),
        recommendation=consensus.pop("recommendation", "recommend"),
        **consensus,
    )


def test_panel_scores_match_numpy_and_the_store(panel):
    weights = {
        "method": "direct",
        "points": dict(zip(CRITERIA, [30, 20, 20, 10, 10, 10], strict=True)),
    }
    panel.score("a", PARK, [80, 82, 78, 85, 75, 80], weights=weights)
    panel.score("b", PARK, [70, 72, 75, 70, 68, 71])
    panel.score("c", PARK, [90, 88, 92, 86, 85, 90])
    reviews = panel.store.reviews(panel.op, PARK)
    session = panel.store.session(panel.op)
    sc = panel_scores(session.criteria, reviews, trim=1)
    assert sc.n_experts == 3 and sc.experts == ("专家A", "专家B", "专家C")
    assert sc.totals == pytest.approx([r.total for r in reviews])
    assert sc.totals[0] == pytest.approx(0.3 * 80 + 0.2 * (82 + 78) + 0.1 * (85 + 75 + 80))
    s = np.array([[r.scores[c] for c in CRITERIA] for r in reviews])
    for j, c in enumerate(sc.criteria):
        col = np.sort(s[:, j])
        assert c.mean == pytest.approx(col.mean())
        assert c.median == pytest.approx(np.median(col))
        assert c.trimmed_mean == pytest.approx(col[1])  # 3 experts: the middle one
        assert c.spread == pytest.approx(col[-1] - col[0])
        assert c.std == pytest.approx(col.std(ddof=1))
    assert sc.panel_total == pytest.approx(sorted(sc.totals)[1])
    assert "去掉 1 个最高分" in sc.panel_total_basis
    assert sc.kendall is not None and 0 <= sc.kendall.w <= 1
    two = panel_scores(session.criteria, reviews[:2], trim=1)
    assert two.total.trimmed_mean is None
    assert two.panel_total == pytest.approx(np.mean(two.totals))
    assert "不足 3 位专家" in two.panel_total_basis
    assert panel_scores(session.criteria, [], trim=1) is None


def test_kendall_undefined_is_explained(panel):
    panel.score("a", PARK, [80] * 6)
    panel.score("b", PARK, [70] * 6)
    sc = panel_scores(panel.store.session(panel.op).criteria, panel.store.reviews(panel.op, PARK))
    assert sc.kendall is None and "W 无定义" in sc.kendall_note
    one = panel_scores(
        panel.store.session(panel.op).criteria, panel.store.reviews(panel.op, PARK)[:1]
    )
    assert one.kendall is None and "仅 1 位专家" in one.kendall_note


def test_collect_opinion_counts_submitted_unrecused_reviews(panel):
    p = panel
    p.store.declare_conflict(p.sec, COMMUNITY, "曾为该社区提供咨询", expert_id=p.c.expert_id)
    p.score("a", COMMUNITY, [60, 50, 55, 58, 52, 50], recommendation="do_not_recommend")
    p.score("b", COMMUNITY, [65, 60, 62, 60, 58, 61], recommendation="do_not_recommend")
    p.score("chair", COMMUNITY, [70, 40, 60, 62, 60, 55], submit=False)  # a draft
    op = collect_opinion(p.store, p.op, COMMUNITY)
    assert [r.expert_label for r in op.reviews] == ["专家A", "专家B"]
    assert op.recused == ("专家C",) and op.missing == ("专家D",)
    assert op.vetoed and op.core_gate == "fail"
    assert op.total == pytest.approx(np.mean([r.total for r in op.reviews]))
    assert op.total_source == "computed"
    assert op.rules_result.outcome == "do_not_recommend" and op.rules_result.vetoed
    assert op.consensus is None and op.recommendation is None
    assert op.votes == {"do_not_recommend": ("专家A", "专家B")}
    signers = {m.name: m for m in op.panel}
    assert signers["王五"].recused and signers["赵六"].missing
    assert op.panel[0].role == "chair"
    html = ophtml.opinion_html(op)
    assert "草稿：该申报尚未定稿" in html and "组长尚未填写专家组评审意见" in html
    assert "回避（利益冲突）：专家C" in html and "未提交评分：专家D" in html


def test_the_total_is_computed_and_disagreement_is_noted(panel):
    _finish_park(
        panel, recommendation="do_not_recommend", minority="专家B认为应修改完善后推荐。"
    )
    op = collect_opinion(panel.store, panel.op, PARK, evaluated_on="2024-07-01")
    totals = sorted(np.mean(x) for x in (
        [80, 82, 78, 85, 75, 80], [70, 72, 75, 70, 68, 71], [90, 88, 92, 86, 85, 90],
        [85, 84, 80, 83, 82, 86]))
    assert op.total == pytest.approx((totals[1] + totals[2]) / 2)
    assert op.total_source == "computed"
    assert op.rules_result.outcome == "recommend"
    html = ophtml.recommendation_block(op) + ophtml.aggregate_block(op)
    assert "组长确认" not in html
    assert "按评分规则计算的结论为“推荐”，与专家组结论“不推荐”不一致" in html
    assert "2024年7月1日" in ophtml.title_block(op)
    consensus = ophtml.consensus_block(op)
    assert "<h3>少数意见</h3><p>专家B认为应修改完善后推荐。</p>" in consensus
    assert "推荐 3 人（专家A、专家C、专家D）；修改完善后推荐 1 人（专家B）" in consensus


def test_names_display_and_signature_order(tmp_path):
    p = build_panel(tmp_path / "named", display="names")
    try:
        _finish_park(p)
        op = collect_opinion(p.store, p.op, PARK)
        assert op.scores.experts == ("张三", "李四", "王五", "赵六")
        assert "专家以姓名显示" in ophtml.scores_block(op)
    finally:
        p.store.close()
    p = build_panel(tmp_path / "letters")
    try:
        _finish_park(p)
        op = collect_opinion(p.store, p.op, PARK)
        block = ophtml.signature_block(op)
        assert "专家A" not in block  # the signature list does not reveal who is 专家A
        assert [m.name for m in op.panel] == ["赵六", "张三", "李四", "王五"]
    finally:
        p.store.close()


def test_every_fragment_escapes_expert_and_applicant_text(panel):
    opinion = compose_consensus(
        general=f"总体{IMG}", strengths=[SCRIPT], problems=[IMG], revisions=[("五", SCRIPT)]
    )
    _finish_park(panel, opinion=opinion, majority=SCRIPT, minority=IMG)
    op = collect_opinion(panel.store, panel.op, PARK)
    html = ophtml.opinion_html(op)
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    for heading in ophtml.SECTIONS:
        assert heading in html
    bundle = ophtml.summary_bundle(op)
    data = next(v for k, v in bundle.items() if k != "text/plain")
    assert data["id"] == PARK and data["n_experts"] == 4


# --- the session's results -----------------------------------------------------------------------


def test_rank_totals_ties():
    assert rank_totals([80.0, 90.0, 80.004, None, 70.0]) == [
        (2, True),
        (1, False),
        (2, True),
        (None, False),
        (4, False),
    ]


def test_session_kendall():
    w, note = session_kendall({"A": {"x": 1, "y": 2, "z": 3}, "B": {"x": 1, "y": 2, "z": 3}})
    assert w.w == pytest.approx(1.0) and "2 位专家 × 3 项申报" in note
    w, note = session_kendall({"A": {"x": 1, "y": 2}, "B": {"x": 1}})
    assert w is None and "不足 2 位" in note
    assert session_kendall({"A": {"x": 1}})[0] is None


def test_a_vetoed_application_the_panel_recommended_stays_on_the_notice_flagged(panel):
    """The plan publishes the pilots that passed the expert review (三、(一)3); the veto is the
    tool's rule, shown as a flag with its rule, never a silent removal (the default rules)."""
    p = panel
    _finish_park(p)
    p.store.finalize(p.chair, PARK)
    for who in ("a", "b", "c", "chair"):
        p.score(who, COMMUNITY, [70] * 6)
    p.store.set_consensus(p.chair, COMMUNITY, opinion="x", recommendation="recommend")
    p.store.finalize(p.chair, COMMUNITY)
    ov = session_overview(p.store, p.op)
    assert {r.app_id for r in ov.notice} == {PARK, COMMUNITY}
    assert [r.app_id for r in ov.vetoed_but_recommended] == [COMMUNITY]
    flagged = next(r for r in ov.notice if r.app_id == COMMUNITY)
    assert flagged.veto_note.startswith("核心指标SQ-02目标未达到参考值，一票否决提示（本工具默认规则）")
    assert next(r for r in ov.notice if r.app_id == PARK).veto_note == ""


def test_invalid_input_is_refused_before_any_kernel(panel, tmp_path, capsys):
    with pytest.raises(OpinionError, match="no finalized application"):
        run_reports(panel.dir, tmp_path / "out")
    with pytest.raises(OpinionError, match="not finalized yet"):
        render_opinion_reports(panel.dir, [PARK], tmp_path / "out")
    with pytest.raises(OpinionError, match="no application 'NOPE'"):
        render_opinion_reports(panel.dir, ["NOPE"], tmp_path / "out")
    with pytest.raises(OpinionError, match="no such review session"):
        render_opinion_reports(tmp_path / "missing", [PARK], tmp_path / "out")
    assert main(["report", str(panel.dir), "--app", PARK, "--out", str(tmp_path / "o")]) == 2
    assert "not finalized yet" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert "no such review session folder" in capsys.readouterr().err
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "not a review session folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


# --- rendered through the notebook: HTML and PDF ------------------------------------------------

LAST_SENTENCE = "全文最后一句：请申报单位于三十日内提交修改稿并附修改说明。"


def _long_opinion() -> str:
    """Eight paragraphs (the third one longer than a page's worth of lines), > 3,000
    characters of Chinese."""
    paragraphs = []
    for i in range(1, 9):
        sentences = [
            f"第{i}段第{j}句，园区应结合碳排放核算结果进一步细化重点项目的实施计划，明确资金来源、责任主体和进度节点。"
            for j in range(1, 41 if i == 3 else 9)
        ]
        paragraphs.append("".join(sentences))
    return compose_consensus(
        general=paragraphs,
        strengths=["产业基础较好。"],
        problems=["部分项目投资测算依据不足。"],
        revisions=[("五", "补充余热利用项目的可研报告。"), (None, LAST_SENTENCE)],
    )


def _pdf_text(path: Path) -> str:
    """The PDF's text without the page footers (第 n 页 / 共 m 页), which pdftotext puts in
    the middle of a paragraph that continues on the next page."""
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"第\s*\d+\s*页\s*/\s*共\s*\d+\s*页", "", text)


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Two finalized applications rendered with PDFs: one full of HTML/script in every text
    (applicant's and experts'), one with a 3,000-character opinion."""
    root = tmp_path_factory.mktemp("opinion")
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    hostile = dict(data, id="T-YQ-XSS", name=f"恶意申报{SCRIPT}")
    hostile["key_projects"] = [dict(data["key_projects"][0], name=f"项目{IMG}")] + data[
        "key_projects"
    ][1:]
    long = dict(data, id="T-YQ-LONG", name="长意见测试申报")
    p = build_panel(root / "meeting", examples=())
    for app in (hostile, long):
        path = root / f"{app['id']}.yaml"
        path.write_text(yaml.dump(app, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
        import_file(p.store, p.op, path)
    p.store.assign(p.op)
    for app_id in ("T-YQ-XSS", "T-YQ-LONG"):
        for who, base in (("a", 80), ("b", 70), ("c", 90), ("chair", 85)):
            p.score(who, app_id, [base + k for k in range(6)], strengths=f"优点{SCRIPT}{IMG}")
    p.store.set_consensus(
        p.chair,
        "T-YQ-XSS",
        opinion=compose_consensus(
            general=f"总体意见{SCRIPT}", problems=[IMG], revisions=[("五", f"修改{SCRIPT}")]
        ),
        recommendation="recommend_after_revision",
        majority=f"多数{IMG}",
        minority=f"少数{SCRIPT}",
    )
    p.store.set_consensus(p.chair, "T-YQ-LONG", opinion=_long_opinion(), recommendation="recommend")
    for app_id in ("T-YQ-XSS", "T-YQ-LONG"):
        p.store.finalize(p.chair, app_id)
    p.store.close()
    out = root / "out"
    results = render_opinion_reports(p.dir, ["T-YQ-XSS", "T-YQ-LONG"], out, workers=2)
    return p, out, {r.key: r for r in results}


pdf_only = pytest.mark.requires_chromium


@pytest.mark.slow
@pdf_only
def test_reports_and_summary_are_written(rendered):
    _, out, results = rendered
    for key in ("T-YQ-XSS", "T-YQ-LONG"):
        assert results[key].status == "ok", results[key].reason
        for kind in ("ipynb", "html", "pdf"):
            assert (out / key / f"opinion.{kind}").stat().st_size > 1000
    assert results["T-YQ-LONG"].summary["recommendation"] == "recommend"
    assert results["T-YQ-LONG"].summary["total"] == pytest.approx(85.0)  # (82.5 + 87.5) / 2
    for name in (
        "summary.html",
        "summary.xlsx",
        "public_notice.html",
        "public_notice.xlsx",
        "scores.xlsx",
    ):
        assert (out / name).is_file()
    assert not list(out.glob(".work-*"))
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "T-YQ-LONG/opinion.pdf" in summary
    assert "并列第 1" in summary  # both have the same panel total
    assert SCRIPT not in summary and "恶意申报&lt;script&gt;" in summary


@pytest.mark.slow
@pdf_only
def test_every_section_present_and_text_inert_in_html(rendered):
    _, out, _ = rendered
    html = (out / "T-YQ-XSS" / "opinion.html").read_text(encoding="utf-8")
    for heading in ophtml.SECTIONS:
        assert heading in html
    for marker in (
        "专家组评审意见",
        "主要优点",
        "存在问题",
        "修改意见",
        "【五、重点项目】",
        "多数意见",
        "少数意见",
        "专家组推荐结论：修改完善后推荐",
        "专家组成员签字",
        "2024年6月30日",
        "去掉1个最高分和最低分的平均分",
        "肯德尔协调系数",
    ):
        assert marker in html, marker
    assert SCRIPT not in html and IMG not in html
    assert "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "no CDN"
    nb = json.loads((out / "T-YQ-XSS" / "opinion.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.slow
@pdf_only
def test_pdf_shows_the_literal_characters_and_chinese(rendered):
    _, out, _ = rendered
    pdf = out / "T-YQ-XSS" / "opinion.pdf"
    text = _flat(_pdf_text(pdf))
    assert _flat(SCRIPT) in text and _flat(IMG) in text
    assert _flat(f"恶意申报{SCRIPT}") in text
    for chinese in (
        "专家组评审意见",
        "示例工业园区管理委员会（示例）",
        "专家组成员签字",
        "修改完善后推荐",
    ):
        assert chinese in text


@pytest.mark.slow
@pdf_only
def test_long_opinion_breaks_across_pages_without_loss(rendered):
    _, out, _ = rendered
    long_pdf, short_pdf = out / "T-YQ-LONG" / "opinion.pdf", out / "T-YQ-XSS" / "opinion.pdf"
    assert len(_long_opinion()) > 3000
    assert _pages(long_pdf) > _pages(short_pdf)
    text = _flat(_pdf_text(long_pdf))
    assert _flat(LAST_SENTENCE) in text
    for i in range(1, 9):  # every paragraph's last sentence is there
        assert f"第{i}段第{40 if i == 3 else 8}句" in text
    assert all(f"第3段第{j}句" in text for j in range(1, 41))
    assert "专家组成员签字" in text.split(_flat(LAST_SENTENCE))[1]


@pytest.mark.slow
@pdf_only
def test_numbers_in_the_notebook_match_the_library(rendered):
    p, out, _ = rendered
    from nzc_review.store import open_store

    nb = __import__("nbformat").read(out / "T-YQ-LONG" / "opinion.ipynb", as_version=4)
    figures = read_summary(nb)
    store = open_store(p.dir)
    try:
        op = collect_opinion(store, p.op, "T-YQ-LONG")
    finally:
        store.close()
    assert figures == json.loads(json.dumps(op.summary()))


@pytest.mark.slow
@pdf_only
def test_report_command_names_a_failed_report(rendered, tmp_path, monkeypatch, capsys):
    import nbformat

    p, _, _ = rendered
    nb = nbformat.read(ROOT / "notebooks" / "panel_opinion.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell("raise RuntimeError('模板损坏')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    monkeypatch.setattr("nzc_review.meeting.opinion.reports.NOTEBOOK", broken)
    out = tmp_path / "out"
    code = main(
        ["report", str(p.dir), "--app", "T-YQ-LONG", "--out", str(out), "--no-pdf", "--quiet"]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "T-YQ-LONG" in captured.err and "模板损坏" in captured.err
    assert "Traceback" not in captured.err
    ws = openpyxl.load_workbook(out / "summary.xlsx")["排名"]
    assert {row[1] for row in ws.iter_rows(min_row=2, values_only=True)} == {
        "T-YQ-XSS",
        "T-YQ-LONG",
    }
    assert "生成失败" in (out / "summary.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pdf_only
def test_an_output_folder_with_other_reports_is_refused(rendered, tmp_path):
    p, _, _ = rendered
    (tmp_path / "T-YQ-LONG").mkdir()
    (tmp_path / "T-YQ-LONG" / "evaluation.html").write_text("batch report", encoding="utf-8")
    with pytest.raises(OpinionError, match="evaluation.html"):
        render_opinion_reports(p.dir, ["T-YQ-LONG"], tmp_path)
    assert (tmp_path / "T-YQ-LONG" / "evaluation.html").is_file()


# --- revision tags in a pre-filled consensus; dates as printed -----------------------------------


def test_tags_after_a_prefix_and_the_closing_words(panel):
    from nzc_review.ui.chair import prefill_consensus

    p = panel
    p.score("a", PARK, [80] * 6, recommendation="recommend_after_revision",
            revisions="1. 【五、重点项目】补充余热利用项目的可研报告。\n2. 【三】提高 YQ-03 目标。")
    p.score("b", PARK, [70] * 6, recommendation="recommend_after_revision",
            revisions="进一步完善碳排放核算。")
    text = prefill_consensus(p.store.reviews(p.op, PARK)) + "\n\n专家组同意修改完善后推荐。"
    c = parse_consensus(text)
    assert [(r.section, r.text) for r in c.revisions] == [
        ("五", "（专家A）补充余热利用项目的可研报告。"),
        ("三", "（专家A）提高 YQ-03 目标。"),
        (None, "（专家B）进一步完善碳排放核算。"),
    ]
    assert c.closing == ("专家组同意修改完善后推荐。",)  # not revision item 4
    p.store.set_consensus(p.chair, PARK, opinion=text, recommendation="recommend_after_revision")
    block = ophtml.consensus_block(collect_opinion(p.store, p.op, PARK))
    assert block.count("【未标注章节】") == 1 and "<p>专家组同意修改完善后推荐。</p>" in block


def test_a_tag_is_found_after_whatever_precedes_it():
    c = parse_consensus(
        "【修改意见】\n1. 专家B认为： [六] 细化年度计划\n2. 按【三、建设目标】的要求提高目标。\n"
        "3. 【另见纪要】【五】补充可研。\n\n4. 【七】落实资金。\n\n以上意见请于30日内落实。"
    )
    assert [(r.section, r.text) for r in c.revisions] == [
        ("六", "专家B认为：细化年度计划"),
        ("三", "按【三、建设目标】的要求提高目标。"),  # inside a sentence the tag stays
        ("五", "【另见纪要】补充可研。"),
        ("七", "落实资金。"),  # an enumerated paragraph after a blank line is a revision
    ]
    assert c.closing == ("以上意见请于30日内落实。",)
    again = compose_consensus(revisions=c.revisions, closing=c.closing)
    assert parse_consensus(again).revisions == c.revisions
    assert parse_consensus(again).closing == c.closing


def test_dates_are_printed_as_chinese_days_in_china_time(panel):
    import dataclasses
    import datetime as dt

    from nzc_review.present import evaluation_report as report
    from nzc_review.present.dates import date_zh

    assert date_zh("2026-12-01T20:07:49.256869Z") == "2026年12月2日"  # 04:07 next day in China
    assert date_zh("2024-06-30") == "2024年6月30日" and date_zh(dt.date(2026, 1, 5)) == "2026年1月5日"
    _finish_park(panel)
    op = collect_opinion(panel.store, panel.op, PARK)
    app = dataclasses.replace(op.app, status="finalized",
                              finalized_at="2026-12-01T20:07:49.256869Z")
    title = ophtml.title_block(dataclasses.replace(op, app=app))
    assert "<td><b>定稿日期</b></td><td>2026年12月2日</td>" in title
    assert "T20:07" not in title and "UTC" not in title
    ev = op.evaluation
    assert "2026年12月2日" in report.title_block(ev, dt.date(2026, 12, 2))
