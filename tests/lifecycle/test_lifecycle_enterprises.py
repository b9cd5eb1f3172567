"""A park's enterprises in its yearly disclosure (园区企业碳排放情况, 附件1 表2 YQ-18 碳披露):
validation, the public report's table, and the workbook sheet 园区企业."""

from __future__ import annotations

import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.lifecycle.disclosure import disclosure_view, enterprise_table
from nzc_review.lifecycle.excel import ENTERPRISES, FUELS, read_workbook, write_workbook
from nzc_review.lifecycle.intake import (
    PilotHistory,
    check_disclosure,
    load_disclosure,
    load_histories,
    validate_disclosure,
)
from nzc_review.lifecycle.model import Disclosure
from nzc_review.lifecycle.report import disclosure_enterprises
from tests.conftest import ROOT
from tests.fixtures.applications import FAST_DUMPER

PARK = ROOT / "examples" / "lifecycle" / "monitoring" / "park-steady"
ENTERPRISES_2025 = [
    {"name": "甲铝业有限公司", "emissions_tco2": 600, "energy_tce": 250},
    {"name": "乙电子有限公司", "emissions_tco2": 150},
    {"name": "丙物流有限公司", "emissions_tco2": 50, "energy_tce": 20, "note": "含自有车队"},
]


def _data(enterprises=ENTERPRISES_2025, pilot_type="park", emissions=1000, **year) -> dict:
    return {"format": "nzc-disclosure/1",
            "pilot": {"id": "T-1", "name": "测试园区", "pilot_type": pilot_type,
                      "base_emissions_tco2": 1200},
            "years": {2025: {"emissions_tco2": emissions, "enterprises": enterprises,
                             "energy": {"electricity_mwh": 1000, "carbon_sink_tco2": 80,
                                        "carbon_sink_method": "园区绿地碳汇"}, **year}}}


def _history(data: dict) -> PilotHistory:
    d = Disclosure.model_validate(data)
    return PilotHistory(pilot=d.pilot, years=dict(d.years))


def test_enterprises_with_their_shares_by_hand():
    table = enterprise_table(Disclosure.model_validate(_data()).years[2025])
    # 600 + 150 + 50 = 800 t of the park's 1000 t: 80 %; shares 60 %, 15 %, 5 %
    assert [(r.name, r.share_pct) for r in table.rows] == [
        ("甲铝业有限公司", pytest.approx(60)), ("乙电子有限公司", pytest.approx(15)),
        ("丙物流有限公司", pytest.approx(5))]
    assert table.total_tco2 == 800 and table.coverage_pct == pytest.approx(80)
    assert table.energy_tce == 270 and table.notes == []  # energy where given: 250 + 20


def test_enterprises_above_the_park_total_get_a_note():
    view = disclosure_view(_history(_data(emissions=700)), 2025)
    # 800 t against 700 t: 14.3 % more
    (note,) = view.enterprises.notes
    assert note.startswith("园区企业碳排放合计 800 吨，超过园区碳排放总量 700 吨（高 14.3%）")
    html = disclosure_enterprises(view)
    assert "<p class='note blocking'>园区企业碳排放合计 800 吨" in html
    assert "占园区排放总量" not in "".join(view.sentences)  # no coverage above 100 %


def test_the_report_table_and_sentences():
    view = disclosure_view(_history(_data()), 2025)
    html = disclosure_enterprises(view)
    assert "依据附件1 表2 YQ-18 碳披露" in html
    assert ("<tr><td>甲铝业有限公司</td><td class='num'>600</td><td class='num'>60.0%</td>"
            "<td class='num'>250</td>") in html
    assert "<th>合计（3家）</th><th class='num'>800</th><th class='num'>80.0%</th>" in html
    text = "".join(view.sentences)
    assert "园区公开了3家企业的碳排放情况，合计800吨，占园区排放总量的80%。" in text
    # carbon sinks: their own sentence, not netted from the total
    assert "另有碳汇（植树造林等）吸收约80吨二氧化碳，单独列示，未从排放总量中扣除。" in text
    # 1000 MWh × 0.4476 (Guangxi 2023, the latest published for 2025) = 447.6 t, sinks not
    # taken off
    assert view.sink_tco2 == 80 and view.accounted_tco2 == pytest.approx(447.6)
    assert disclosure_enterprises(disclosure_view(_history(_data(enterprises=[])), 2025)) == ""


def test_an_enterprise_twice_is_an_error(tmp_path):
    twice = [*ENTERPRISES_2025, {"name": " 甲铝业有限公司 ", "emissions_tco2": 10}]
    with pytest.raises(InputError) as info:
        validate_disclosure(_data(enterprises=twice), "d.yaml", tmp_path / "d.yaml")
    assert ("d.yaml: years.2025.enterprises[3].name: the enterprise '甲铝业有限公司' is listed "
            "twice (also years.2025.enterprises[0])") in str(info.value)


def test_only_a_park_lists_enterprises():
    problems = check_disclosure(Disclosure.model_validate(_data(pilot_type="commercial")))
    assert problems == [("years.2025.enterprises",
                         "only a park (pilot_type park) lists its enterprises (园区企业碳排放情况, "
                         "YQ-18); this pilot is of type commercial")]


def test_an_enterprise_without_emissions_exits_2_naming_the_field(tmp_path, capsys):
    path = tmp_path / "d.yaml"
    path.write_text(yaml.dump(_data(enterprises=[{"name": "甲"}]), allow_unicode=True,
                              Dumper=FAST_DUMPER),
                    encoding="utf-8")
    assert main(["disclose", str(path), "--out", str(tmp_path / "out"), "--no-pdf"]) == 2
    err = capsys.readouterr().err
    assert "d.yaml: years.2025.enterprises[0].emissions_tco2: required field is missing" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_the_workbook_carries_enterprises_and_other_fuels(tmp_path):
    data = _data()
    data["years"][2025]["energy"]["other_fuels"] = [
        {"name": "兰炭", "amount": 10, "unit": "t", "tce_per_unit": 0.9, "tco2_per_unit": 2.7,
         "source": "检测报告"}]
    path = write_workbook(data, tmp_path / "d.xlsx")
    back = read_workbook(path)
    assert Disclosure.model_validate(back) == Disclosure.model_validate(data)
    import openpyxl

    wb = openpyxl.load_workbook(path)
    assert wb[ENTERPRISES]["B2"].value == "甲铝业有限公司" and wb[FUELS]["B2"].value == "兰炭"
    assert load_disclosure(path).disclosure.years[2025].enterprises[2].note == "含自有车队"


def test_example_park_discloses_its_enterprises():
    (h,) = load_histories([PARK])
    view = disclosure_view(h, 2027)
    # 50 900 + 30 100 + 24 200 + 9 400 + 5 900 = 120 500 t of 162 500 t: 74.2 %
    assert view.enterprises.total_tco2 == 120500
    assert view.enterprises.coverage_pct == pytest.approx(120500 / 162500 * 100)
    assert view.enterprises.rows[0].name == "示例铝型材有限公司（示例）"
