"""The programme overview from status rows built by hand: counts, steps, days in a status,
stalled applications, filters, and the workbook read back."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from nzc_review.errors import FieldError, InputError
from nzc_review.present.programme_overview import (
    APPLICATION_HEADERS,
    DISCLOSURE_HEADERS,
    STATUS_ZH,
    OverviewRules,
    disclosure_links,
    entered_on,
    overview_workbook,
    programme_overview,
    write_overview,
)

TODAY = dt.date(2024, 8, 1)
ENV = "市生态环境局会同市发展改革委"


def row(app_id: str, pilot_type: str, county: str, department: str, status: str, since: str,
        **extra) -> dict:
    return {"id": app_id, "name": f"{app_id} 名称", "pilot_type": pilot_type, "county": county,
            "department": department, "status": status, "status_label": STATUS_ZH[status],
            "since": since, "history": [], "disclosures": [], "sessions": [], "title": None,
            **extra}


#: 2024-06-01 in China time is 61 days before TODAY; 2024-06-02 is 60.
ROWS = [
    # 2024-05-31 17:00 UTC is 2024-06-01 01:00 in China: 61 days → stalled
    row("HC-YQ-1", "park", "宜州区", "市工业和信息化局", "under_review", "2024-05-31T17:00:00Z"),
    # 2024-06-01 15:59 UTC is still 2024-06-01 in China (23:59): 61 days → stalled
    row("HC-YQ-2", "park", "金城江区", "市工业和信息化局", "received", "2024-06-01T15:59:00Z"),
    # 2024-06-01 16:00 UTC is 2024-06-02 in China: exactly 60 days → not stalled (more than 60)
    row("HC-SQ-1", "community", "宜州区", ENV, "submitted", "2024-06-01T16:00:00Z"),
    # a year under construction is not stalled: construction is not a step that waits
    row("HC-QY-1", "region", "宜州区", ENV, "under_construction", "2023-07-01T00:00:00Z",
        disclosures=["disclosures/HC-QY-1/1-2023.yaml"]),
    # an end before confirmation never stalls
    row("HC-XY-1", "campus", "都安瑶族自治县", "市教育局", "not_recommended",
        "2024-01-02T00:00:00Z"),
    row("HC-YQ-3", "park", "宜州区", "市工业和信息化局", "titled", "2024-07-31T16:30:00Z",
        title={"name": "近零碳排放园区", "date": "2024-08-01", "doc": "河环函〔2024〕8号"}),
]


@pytest.fixture
def overview():
    return programme_overview(ROWS, TODAY)


def test_days_in_status_count_calendar_days_in_china_time(overview):
    days = {a.id: a.days for a in overview.applications}
    assert days == {"HC-YQ-1": 61, "HC-YQ-2": 61, "HC-SQ-1": 60, "HC-QY-1": 397,
                    "HC-XY-1": 212, "HC-YQ-3": 0}
    assert entered_on("2024-05-31T17:00:00Z") == dt.date(2024, 6, 1)
    assert entered_on("2024-06-30") == dt.date(2024, 6, 30)
    assert entered_on("昨天") is None


def test_stalled_means_more_than_the_threshold_in_a_status_before_confirmation(overview):
    assert [a.id for a in overview.stalled] == ["HC-YQ-1", "HC-YQ-2"]
    # the threshold is configurable (本工具默认规则)
    strict = programme_overview(ROWS, TODAY, rules=OverviewRules(stall_days=59))
    assert [a.id for a in strict.stalled] == ["HC-YQ-1", "HC-YQ-2", "HC-SQ-1"]
    # and so are the statuses watched
    watched = OverviewRules(watched=("under_construction",))
    assert [a.id for a in programme_overview(ROWS, TODAY, rules=watched).stalled] == ["HC-QY-1"]
    assert "本工具默认规则" in OverviewRules().describe()


def test_counts_by_type_county_department_status_and_step(overview):
    assert overview.total == 6
    assert overview.by_type == (("近零碳排放区域", 1), ("近零碳排放园区", 3), ("近零碳排放社区", 1),
                                ("近零碳排放校园", 1), ("近零碳排放商业场所", 0))
    assert overview.by_county == (("宜州区", 4), ("都安瑶族自治县", 1), ("金城江区", 1))
    assert overview.by_department == (("市工业和信息化局", 3), (ENV, 2), ("市教育局", 1))
    assert overview.by_status == (("已报送（待县级审核）", 1), ("市级主管部门已受理", 1),
                                  ("专家评审中", 1), ("评审不推荐", 1), ("建设实施中", 1),
                                  ("已授予称号", 1))
    assert overview.by_stage == (("组织申报", 2), ("项目遴选（专家评审）", 2),
                                 ("项目确定（公示）", 0), ("试点建设", 1), ("验收评价", 1),
                                 ("复核提升、动态退出", 0))
    park = dict(overview.by_type_and_stage())["近零碳排放园区"]
    assert dict(park) == {"组织申报": 1, "项目遴选（专家评审）": 1, "项目确定（公示）": 0,
                          "试点建设": 0, "验收评价": 1, "复核提升、动态退出": 0}


def test_filters_recount_the_lines_kept(overview):
    parks = overview.filtered(pilot_type="park")
    assert [a.id for a in parks.applications] == ["HC-YQ-1", "HC-YQ-2", "HC-YQ-3"]
    assert parks.by_county == (("宜州区", 2), ("金城江区", 1))
    assert parks.filters == (("试点类型", "近零碳排放园区"),)
    both = parks.filtered(county="宜州区")
    assert [a.id for a in both.applications] == ["HC-YQ-1", "HC-YQ-3"]
    assert both.filters == (("试点类型", "近零碳排放园区"), ("县（市、区）", "宜州区"))
    assert overview.filtered(status="titled").by_status == (("已授予称号", 1),)
    assert overview.filtered(department="市教育局").total == 1
    choices = overview.choices()
    assert choices["pilot_type"] == [("近零碳排放区域", "region"), ("近零碳排放园区", "park"),
                                     ("近零碳排放社区", "community"), ("近零碳排放校园", "campus")]
    assert ("专家评审中", "under_review") in choices["status"]


def test_unknown_status_and_missing_fields():
    odd = programme_overview([row("X-1", "park", "", "市工业和信息化局", "submitted",
                                  "2024-07-01T00:00:00Z") | {"status": "archived",
                                                             "status_label": "已归档"}], TODAY)
    line = odd.applications[0]
    assert (line.stage, line.status_label, line.county, line.stalled) == \
        ("其他", "已归档", "（未填）", False)
    assert odd.by_stage[-1] == ("其他", 1)
    with pytest.raises(InputError) as caught:
        programme_overview([{"id": "X-2", "pilot_type": "park"}], TODAY)
    assert "[0].status" in str(caught.value)


def test_rules_are_checked():
    with pytest.raises(FieldError, match="stall_days"):
        OverviewRules(stall_days=0)
    with pytest.raises(FieldError, match="watched"):
        OverviewRules(watched=("waiting",))


def test_disclosure_links_are_those_of_pilots_under_construction_or_later():
    assert disclosure_links(ROWS) == {"HC-QY-1": ["disclosures/HC-QY-1/1-2023.yaml"],
                                      "HC-YQ-3": []}


def test_the_workbook_has_a_sheet_per_view_with_chinese_headers(overview, tmp_path):
    evil = row("HC-SY-1", "commercial", "=1+1", "市商务局", "submitted", "2024-07-01T00:00:00Z")
    evil["name"] = '=HYPERLINK("http://example.com","点此")'
    path = write_overview(programme_overview([*ROWS, evil], TODAY), tmp_path / "总览.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["说明", "申报项目", "按试点类型", "按县（市、区）", "按主管部门",
                             "按状态", "按阶段", "停滞项目", "信息披露与复核"]
    apps = [[c.value for c in r] for r in wb["申报项目"].iter_rows()]
    assert tuple(apps[0]) == APPLICATION_HEADERS
    by_id = {r[0]: r for r in apps[1:]}
    assert by_id["HC-YQ-1"][5:10] == ["项目遴选（专家评审）", "专家评审中", "2024年6月1日", 61, "停滞"]
    assert by_id["HC-YQ-3"][10] == "近零碳排放园区（河环函〔2024〕8号，2024年8月1日）"
    types = [[c.value for c in r] for r in wb["按试点类型"].iter_rows()]
    assert types[0] == ["试点类型", "数量"]
    assert types[-1] == ["合计", 7] and ["近零碳排放商业场所", 1] in types
    stalled = [r[0].value for r in wb["停滞项目"].iter_rows(min_row=2)]
    assert stalled == ["HC-YQ-1", "HC-YQ-2"]
    disclosures = [[c.value for c in r] for r in wb["信息披露与复核"].iter_rows()]
    assert tuple(disclosures[0]) == DISCLOSURE_HEADERS
    assert [r[0] for r in disclosures[1:]] == ["HC-QY-1", "HC-YQ-3"]
    assert disclosures[1][8] == "未关联披露"
    about = dict((r[0].value, r[1].value) for r in wb["说明"].iter_rows(min_row=2))
    assert about["统计日期"] == "2024年8月1日" and about["申报项目数"] == 7
    # text typed by people stays text (OWASP CSV Injection)
    name = wb["申报项目"]["B8"]
    assert name.value == evil["name"] and name.data_type == "s" and name.quotePrefix
    assert wb["申报项目"]["D8"].value == "=1+1" and wb["申报项目"]["D8"].data_type == "s"


def test_a_filtered_export_says_so(overview):
    wb = load_workbook(io.BytesIO(overview_workbook(overview.filtered(county="金城江区"))))
    about = dict((r[0].value, r[1].value) for r in wb["说明"].iter_rows(min_row=2))
    assert about["筛选条件"] == "县（市、区）：金城江区" and about["申报项目数"] == 1


def test_write_overview_never_leaves_half_a_file(overview, tmp_path):
    target = tmp_path / "总览.xlsx"
    target.mkdir()  # a folder where the file should go: refused, nothing written beside it
    with pytest.raises(InputError, match="is a folder"):
        write_overview(overview, target)
    assert [p.name for p in tmp_path.iterdir()] == ["总览.xlsx"]


def test_status_labels_are_the_registers():
    from nzc_review.programme.catalog import programme_rules

    rules = programme_rules()
    assert STATUS_ZH == {code: rules.label(code) for code in STATUS_ZH}
    assert tuple(STATUS_ZH) == tuple(s.code for s in rules.statuses)
