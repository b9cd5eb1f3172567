"""The application model's fields for 附件2 二 and 四 and for innovative indicators: they follow
the seed's words, and files without them stay valid (DESIGN.md contract 2)."""

from __future__ import annotations

import re

from nzc_review.cli.commands.excel import application_data
from nzc_review.intake import load_application, validate_application
from nzc_review.policy import catalog
from nzc_review.policy.application import (
    BasisAndFeasibility,
    MainTasks,
    json_schema,
)
from tests.conftest import EXAMPLES, SEED, minimal_app


def _annex_2() -> str:
    text = SEED.read_text(encoding="utf-8")
    return text[text.index("河池市近零碳排放区试点项目创建方案（编制大纲）\n\n一"):]


def test_task_areas_are_the_outlines_words():
    annex = re.sub(r"\s+", "", _annex_2())
    four = annex[annex.index("四、主要任务"):annex.index("五、重点项目")]
    areas = "、".join(c.label_zh for c in catalog.outline().task_categories)
    assert areas == "规划建设、能源利用、资源环境、技术工艺、运营管理"
    assert f"确定{areas}等方面的主要任务" in four
    assert [c.id for c in catalog.outline().task_categories] == list(MainTasks.model_fields)


def test_texts_of_section_2_are_in_the_outline():
    two = re.sub(r"\s+", "", _annex_2())
    two = two[two.index("二、建设基础及可行性"):two.index("三、建设目标")]
    items = catalog.outline().basis_texts
    assert [b.id for b in items] == list(BasisAndFeasibility.model_fields)
    assert [b.number for b in items] == ["（一）", "（二）", "（三）"]
    assert "有利条件和面临障碍" in two and "（二）工作基础及特色亮点" in two
    assert "充分论证试点项目创建的可行性，并给出相应结论" in two
    sections = {s.number: s.fields for s in catalog.outline().sections}
    assert "basis_and_feasibility" in sections["二"] and "main_tasks" in sections["四"]


def test_innovative_codes():
    assert catalog.innovative_code("commercial", 1) == "SY-C01"
    assert catalog.is_innovative_code("YQ-C01") and catalog.is_innovative_code("QY-C99")
    for code in ("YQ-C00", "YQ-C1", "YQ-C001", "yq-c01", "YQ-01", "AB-C01"):
        assert not catalog.is_innovative_code(code), code


def test_files_without_the_new_fields_stay_valid_and_unchanged():
    app = validate_application(minimal_app("park", indicators={"YQ-03": {"target": 12}}), "a")
    assert app.main_tasks == MainTasks() and app.basis_and_feasibility == BasisAndFeasibility()
    data = application_data(app)
    assert "main_tasks" not in data and "basis_and_feasibility" not in data
    assert data["indicators"] == {"YQ-03": {"target": 12}}  # no name or direction written
    schema = json_schema()
    assert "main_tasks" not in schema.get("required", [])
    assert "basis_and_feasibility" not in schema.get("required", [])


def test_the_new_fields_survive_a_conversion():
    app = load_application(EXAMPLES / "park-pass.yaml")
    data = application_data(app)
    assert set(data["main_tasks"]) == set(MainTasks.model_fields)
    assert data["indicators"]["YQ-C03"] == {
        "current": False, "target": True, "name": "建成近零碳示范工厂", "direction": "yes"}
    assert validate_application(data, "again") == app
