"""The programme dashboard without a browser: the bureau's token, the server's refusal, and
the widgets driven in-process over a small register (tests/fixtures/programme_dashboard.py)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from openpyxl import load_workbook

from nzc_review.store.tokens import hash_token, new_token
from nzc_review.ui.programme_access import (
    BAD_TOKEN,
    BUREAU_TOKEN_ENV,
    NO_TOKEN,
    NOT_SERVED,
    PROGRAMME_DIR_ENV,
    bureau_refusal,
)
from tests.fixtures.programme_dashboard import (
    BY_COUNTY,
    BY_DEPARTMENT,
    BY_TYPE,
    DAYS,
    PILOT,
    STALLED,
    TODAY,
    build_programme,
)


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    root = tmp_path_factory.mktemp("programme")
    return build_programme(root / "register", root / "inputs")


@pytest.fixture
def served(programme, monkeypatch):
    """The environment ``serve --programme`` gives the server and its kernels."""
    token = new_token()
    monkeypatch.setenv(PROGRAMME_DIR_ENV, str(programme))
    monkeypatch.setenv(BUREAU_TOKEN_ENV, hash_token(token))
    return token


def test_only_the_bureau_token_of_this_server_opens_the_dashboard(served, monkeypatch):
    assert bureau_refusal(served) is None
    assert bureau_refusal(None) == NO_TOKEN
    assert bureau_refusal(new_token()) == BAD_TOKEN  # another start's token
    assert bureau_refusal(served + "x") == BAD_TOKEN
    monkeypatch.delenv(BUREAU_TOKEN_ENV)
    assert bureau_refusal(served) == NOT_SERVED  # a review meeting's server


def test_the_server_refuses_the_page_before_any_kernel(served, monkeypatch):
    from nzc_review.server.app import admit_page, refusal_page

    assert admit_page("programme_dashboard.ipynb", served) == (None, None)
    person, text = admit_page("programme_dashboard.ipynb", "not-a-token")
    assert person is None and text == BAD_TOKEN
    assert "访问令牌无效" in refusal_page(text) and "DEMO-" not in refusal_page(text)
    # the bureau's token opens nothing of a review meeting
    monkeypatch.setenv("NZC_SESSION_DIR", "")
    assert admit_page("chair_dashboard.ipynb", served)[1] is not None


def test_a_refused_dashboard_shows_no_data(served):
    from nzc_review.ui.programme_dashboard import programme_dashboard

    widget = programme_dashboard("nope", today=TODAY)
    assert "访问令牌无效" in widget.value and "DEMO-" not in widget.value


def _texts(widget) -> str:
    out = []
    for child in getattr(widget, "children", ()):
        out.append(_texts(child))
    value = getattr(widget, "value", None)
    if isinstance(value, str):
        out.append(value)
    return "\n".join(out)


def test_the_dashboard_shows_counts_durations_and_the_latest_disclosure(served, programme):
    from nzc_review.ui.programme_dashboard import ProgrammeDashboard, programme_dashboard

    widget = programme_dashboard(served, today=TODAY)
    text = _texts(widget)
    assert text.index("试点项目总览（主管部门）") < text.index("申报项目 <b>6</b> 个")
    assert "停滞 <b>3</b> 个" in text
    for label, n in (*BY_TYPE, *BY_COUNTY, *BY_DEPARTMENT):
        assert re.search(f"<td>{re.escape(label)}</td><td class='num'>{n}</td>", text), label
    for app_id, days in DAYS.items():
        assert re.search(f"<td>{app_id}</td>.*?<td class='num'>{days}</td>", text), app_id
    assert "QY-03 可再生能源消费比重" in text and "lv-warning'>预警" in text

    board = ProgrammeDashboard(programme, TODAY)
    assert [a.id for a in board.shown().stalled] == STALLED
    board.filters["county"].value = "金城江区"
    assert "申报项目 <b>3</b> 个" in board.summary.value
    assert "筛选：县（市、区）：金城江区" in board.summary.value
    board.filters["status"].value = "under_construction"
    assert [a.id for a in board.shown().applications] == [PILOT]
    board.filters["county"].value = ""  # 全部
    board.filters["status"].value = ""
    board.stall_days.value = 130  # the threshold on the page (本工具默认规则)
    assert [a.id for a in board.shown().stalled] == ["DEMO-2024-YQ-001", "DEMO-2024-SQ-001"]
    assert "超过 130 天" in board.summary.value


def test_the_export_is_the_view_shown_as_a_download(served, programme):
    from nzc_review.ui.programme_dashboard import ProgrammeDashboard

    board = ProgrammeDashboard(programme, TODAY)
    board.filters["pilot_type"].value = "region"
    data = board.export()
    href = re.search(r"href='data:[^;]+;base64,([^']+)'", board.download.value).group(1)
    assert base64.b64decode(href) == data
    assert "试点项目总览-2024-08-01.xlsx" in board.download.value
    wb = load_workbook(io.BytesIO(data))
    ids = [r[0].value for r in wb["申报项目"].iter_rows(min_row=2)]
    assert sorted(ids) == [PILOT, "DEMO-2024-QY-001"]
    about = dict((r[0].value, r[1].value) for r in wb["说明"].iter_rows(min_row=2))
    assert about["筛选条件"] == "试点类型：近零碳排放区域"
    disclosure = [c.value for c in next(wb["信息披露与复核"].iter_rows(min_row=2))]
    assert disclosure[:5] == [PILOT, "示例新区近零碳排放区域试点（示例）", "近零碳排放区域", "建设实施中",
                              2027]
    assert disclosure[8] == "预警"


def test_what_cannot_be_read_is_said_in_chinese(served, programme, tmp_path, monkeypatch):
    from nzc_review.ui import programme_dashboard as panel

    monkeypatch.setenv(PROGRAMME_DIR_ENV, str(tmp_path))  # not a register
    widget = panel.programme_dashboard(served, today=TODAY)
    assert "试点名录无法打开" in widget.value and "不是试点名录" in widget.value
    board = panel.ProgrammeDashboard(programme, TODAY)
    board.folder = tmp_path
    board.refresh()  # the register gone: the page keeps what it showed and says why
    assert "试点名录无法读取" in board.download.value
    assert "申报项目 <b>6</b> 个" in board.summary.value
    monkeypatch.setattr(panel, "MAX_LINK_BYTES", 10)
    board.export()
    assert "导出文件较大" in board.download.value and "href" not in board.download.value
