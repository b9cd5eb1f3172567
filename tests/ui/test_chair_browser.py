"""The chair's side of the meeting in a real browser: Debian's Chromium driven by Playwright
against ``nzc-review serve`` of a session made with the command line. The chair's link (as
``expert add --role chair`` prints it) opens the dashboard, which follows a submission without
a reload; finalizing asks for confirmation, then the dashboard is read-only and offers the
panel review opinion as a PDF download once rendered; the revision round runs on the command
line (修改完善后推荐 → the revised file as version 2 → ``revision`` lists the changes) and the
dashboard follows it; the chair's explorer link compares the session's applications. Under CI
these run, not skip. Screenshots go to ``out/screenshots/``.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.store import Actor, open_store
from tests.conftest import EXAMPLES, ROOT
from tests.fixtures.serving import Serve

SHOTS = ROOT / "out" / "screenshots"
PARK = "DEMO-2024-YQ-001"
PARK_NAME = "示例工业园区近零碳排放园区试点（示例）"
pytestmark = [pytest.mark.slow, pytest.mark.requires_chromium]


def _run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _links(output: str) -> dict[str, str]:
    """The page → link lines ``expert add`` printed."""
    return {m.group(1): m.group(2)
            for m in re.finditer(r"^\s+(\S+) [^:]*: (http://\S+token=\S+)$", output, re.M)}


def _score(store, actor, recommendation: str = "recommend_after_revision") -> None:
    crit = [c.id for c in store.session(Actor.operator()).criteria]
    store.save_draft(actor, PARK, scores=dict(zip(crit, [80, 82, 84, 86, 88, 90], strict=True)),
                     opinion={"strengths": "基础扎实，重点项目明确。",
                              "problems": "部分重点项目投资测算依据不足。",
                              "revisions": "【五、重点项目】补充余热利用项目可研。",
                              "recommendation": recommendation})
    store.submit(actor, PARK)


@pytest.fixture(scope="module")
def meeting(tmp_path_factory):
    """A session made on the command line — three experts, the chair, the secretary, the park
    example; experts A and B have submitted — served by ``nzc-review serve``."""
    folder = tmp_path_factory.mktemp("chair") / "session"
    server = Serve(folder, "--no-preheat")
    base = server.url("")
    outputs = {}

    def run(*argv: str) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(list(argv)) == 0
        return out.getvalue()

    run("session", "create", str(folder), "--name", "近零碳排放区试点评审会（浏览器测试）")
    for key, name, org, role in (("a", "张明", "广西大学", "expert"),
                                 ("b", "李华", "河池学院", "expert"),
                                 ("c", "王强", "自治区环科院", "expert"),
                                 ("chair", "赵立", "广西科学院", "chair"),
                                 ("sec", "钱静", "河池市生态环境局", "secretary")):
        outputs[key] = run("expert", "add", str(folder), "--name", name, "--org", org,
                           "--role", role, "--base-url", base)
    run("session", "import", str(folder), str(EXAMPLES / "park-pass.yaml"))
    run("session", "assign", str(folder), "--all")
    tokens = {k: out.split("token: ")[1].split()[0] for k, out in outputs.items()}
    with open_store(folder) as store:
        for key in ("a", "b"):
            _score(store, store.authenticate(tokens[key]))
    with server.start():
        yield {"dir": folder, "tokens": tokens, "outputs": outputs, "base": base}


def _revised(tmp_path: Path) -> Path:
    data = yaml.safe_load((EXAMPLES / "park-pass.yaml").read_text(encoding="utf-8"))
    data["indicators"]["YQ-03"]["target"] = 18
    data["key_projects"].append({
        "name": "余热余压回收利用二期", "content": "回收余热发电", "owner": "园区管委会",
        "start_year": 2025, "end_year": 2026, "investment_10k_cny": 1800,
        "expected_reduction_tco2_per_year": 6000})
    path = tmp_path / "park-v2.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_chair_finalizes_and_the_revision_round_follows(meeting, pages, tmp_path, capsys):
    SHOTS.mkdir(parents=True, exist_ok=True)
    chair_links = _links(meeting["outputs"]["chair"])
    assert list(chair_links) == ["组长看板", "候选项目分析"]  # the dashboard, not the expert form
    dashboard = chair_links["组长看板"]
    assert "/voila/render/chair_dashboard.ipynb?token=" in dashboard
    assert "chair_dashboard.ipynb" in _links(meeting["outputs"]["sec"])["评审进度看板"]

    chair = pages.open(dashboard)
    chair.get_by_text("组长看板 — 近零碳排放区试点评审会").wait_for(timeout=90_000)
    chair.get_by_text("专家评分汇总（已提交 2 位）").wait_for(timeout=60_000)
    grid = chair.locator("table").first.inner_text()
    assert "专家A 张明" in grid and "专家C 王强" in grid
    assert "赵立" not in grid and "专家D" not in grid  # the chair is not a scoring expert

    # expert C submits while the chair looks: the dashboard follows without a reload
    with open_store(meeting["dir"]) as store:
        _score(store, store.authenticate(meeting["tokens"]["c"]))
    chair.get_by_text("专家评分汇总（已提交 3 位）").wait_for(timeout=30_000)
    consensus = chair.locator("textarea").first
    assert "（专家C）" in consensus.input_value()  # the untouched draft gathered C's opinion

    consensus.fill(consensus.input_value() + "\n\n专家组认为该项目建设基础较好，修改完善后推荐。")
    chair.locator("select").nth(1).select_option(label="修改完善后推荐")
    chair.get_by_role("button", name="定稿（锁定）").click()
    question = (f"将锁定申报 {PARK}（{PARK_NAME}）的全部评审与专家组意见，定稿后不可修改。"
                "确认定稿？")
    chair.get_by_text(question).wait_for(timeout=30_000)
    chair.screenshot(path=str(SHOTS / "chair_confirm_finalize.png"), full_page=True)
    with open_store(meeting["dir"]) as store:
        assert not store.applications(Actor.operator())[0].finalized  # asked, not locked

    chair.get_by_role("button", name="确认定稿").click()
    chair.get_by_text(f"{PARK} 已定稿并锁定").wait_for(timeout=60_000)
    chair.get_by_text("全部评审与专家组意见已锁定，不可修改").wait_for(timeout=30_000)
    assert consensus.is_disabled()
    assert chair.get_by_role("button", name="保存专家组意见").is_disabled()
    with open_store(meeting["dir"]) as store:
        op = Actor.operator()
        assert store.applications(op)[0].finalized
        assert store.consensus(op, PARK).recommendation == "recommend_after_revision"
        assert "修改完善后推荐。" in store.consensus(op, PARK).opinion

    # the report is rendered in the background; its link appears when the PDF is ready
    link = chair.get_by_text("下载专家组评审意见（PDF")
    link.wait_for(timeout=300_000)
    chair.screenshot(path=str(SHOTS / "chair_finalized_report.png"), full_page=True)
    with chair.expect_download() as download:
        link.click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf[:5] == b"%PDF-" and download.value.suggested_filename.endswith("第1版.pdf")
    assert (meeting["dir"] / "reports" / PARK / "opinion.pdf").read_bytes() == pdf

    # the revision round on the command line: the revised file becomes version 2 …
    out = _run(capsys, "session", "import", str(meeting["dir"]), str(_revised(tmp_path)))
    assert "version 2" in out and "第 2 轮评审" in out
    out = _run(capsys, "revision", str(meeting["dir"]), PARK)
    for text in ("第 1 版 → 第 2 版", "YQ-03", "目标值", "余热余压回收利用二期", "已修改",
                 "第 1 轮评审对第 1 版的专家组意见"):
        assert text in out, text
    # … and the dashboard, still open, follows: a new round, open again
    chair.get_by_text("第 2 轮评审（修改完善后的第 2 版）").wait_for(timeout=30_000)
    assert not consensus.is_disabled()
    chair.screenshot(path=str(SHOTS / "chair_second_round.png"), full_page=True)

    # the chair's explorer link compares the session's applications, not the bundled examples
    explorer = pages.open(chair_links["候选项目分析"])
    explorer.get_by_text("候选项目分析").first.wait_for(timeout=90_000)
    explorer.locator("th", has_text=PARK).first.wait_for(timeout=90_000)  # 指标对比
    body = explorer.inner_text("body")
    assert "DEMO-2024-SQ-001" not in body and "DEMO-2024-QY-001" not in body
    explorer.screenshot(path=str(SHOTS / "explorer_session.png"), full_page=True)

    assert pages.external == [], f"the panels loaded from the network: {pages.external}"
