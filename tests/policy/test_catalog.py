"""The catalog against the seed document itself (docs/policy/hechi-2023-23.txt).

The seed's tables are parsed here independently of the catalog files: every printed row of
表1–表5 must be one indicator, in order, with the reference value verbatim and the type as
printed (blank type cell → unspecified).
"""

from __future__ import annotations

import re

import pytest

from nzc_review.errors import CatalogError
from nzc_review.policy import catalog
from tests.conftest import SEED

TYPE_CELLS = {"核心指标": "core", "一般指标": "general", "引导指标": "guidance"}


def seed_tables() -> dict[str, list[list[str]]]:
    """Rows of 表1–表5 as printed: tab-separated lines after each table's header line."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    order = ["region", "park", "community", "campus", "commercial"]
    tables: dict[str, list[list[str]]] = {}
    current = None
    for line in lines:
        match = re.match(r"表\s*(\d)\s", line)
        if match:
            current = order[int(match.group(1)) - 1]
            tables[current] = []
            continue
        if current and "\t" in line:
            cells = line.split("\t")
            if cells[0] == "一级指标":
                continue
            tables[current].append(cells)
        elif current and tables[current] and line.strip():
            current = None
    return tables


def test_counts_per_type_match_contract():
    counts = {t: len(catalog.indicator_table(t).indicators) for t in catalog.PILOT_TYPES}
    assert counts == {"region": 13, "park": 20, "community": 19, "campus": 20, "commercial": 15}
    assert len(catalog.indicators()) == 87


@pytest.mark.parametrize("pilot_type", catalog.PILOT_TYPES)
def test_rows_match_seed(pilot_type):
    rows = seed_tables()[pilot_type]
    table = catalog.indicator_table(pilot_type)
    assert len(rows) == len(table.indicators)
    for cells, ind in zip(rows, table.indicators, strict=True):
        printed_type = next((TYPE_CELLS[c] for c in cells if c in TYPE_CELLS), "unspecified")
        assert ind.type == printed_type, ind.code
        assert ind.reference in cells, f"{ind.code}: reference not verbatim"
        named = [c for c in cells if c and c not in {"-"}]
        if ind.name_zh in named:
            continue
        # a row without its own name cell inherits the indicator above; the catalog says so
        assert ind.note and "name" in ind.note.lower() or "no separate name" in (ind.note or ""), (
            ind.code
        )


def test_types_as_printed():
    types = [i.type for i in catalog.indicators()]
    assert types.count("core") == 53
    assert types.count("general") == 18
    assert types.count("guidance") == 14
    assert [i.code for i in catalog.indicators() if i.type == "unspecified"] == ["XY-08", "SY-06"]


def test_codes_follow_contract():
    for pilot_type, prefix in catalog.PREFIXES.items():
        codes = [i.code for i in catalog.indicators(pilot_type)]
        assert codes == [f"{prefix}-{n:02d}" for n in range(1, len(codes) + 1)]


def test_every_rule_kind_is_used():
    used = {i.rule.kind for i in catalog.indicators()}
    assert used == set(catalog.RULE_KINDS)


@pytest.mark.parametrize(
    "code, kind, params",
    [
        # 表1
        ("QY-01", "reduction", {"min": 30, "basis": ["total"]}),
        ("QY-02", "at_most", {"max": 3.5}),
        ("QY-12", "at_most", {"max": 160}),
        ("QY-13", "qualitative", {}),
        # 表2
        ("YQ-01", "reduction", {"min": 40, "basis": ["total"]}),
        ("YQ-02", "reduction", {"min": 40, "basis": ["per_output_value", "per_industrial_value_added"]}),
        ("YQ-07", "full", {}),
        ("YQ-10", "at_least", {"min": 92}),
        # 表3
        ("SQ-02", "range", {"min": 1.5, "max": 2.5}),
        ("SQ-04", "count", {"min": 2}),
        ("SQ-09", "ratio", {"min": 20}),
        ("SQ-13", "at_least", {"min": 30}),
        # 表4
        ("XY-02", "reduction", {"min": 30, "basis": ["per_floor_area", "per_capita"]}),
        ("XY-03", "benchmark", {"better": "lower"}),
        ("XY-09", "qualitative", {}),
        ("XY-10", "full", {}),
        # 表5
        ("SY-04", "count", {"min": 5}),
        ("SY-05", "at_least", {"min": 90}),
        ("SY-10", "prohibited", {}),
    ],
)
def test_sample_rules(code, kind, params):
    rule = catalog.indicator_index()[code].rule
    assert rule.kind == kind
    for key, value in params.items():
        assert getattr(rule, key) == value


def test_blank_category_belongs_to_category_above():
    index = catalog.indicator_index()
    assert index["QY-12"].category == "废弃物"  # 人均用水量, blank cell under 废弃物
    assert index["YQ-20"].category == "管理"
    assert index["XY-20"].category == "运营管理"
    assert index["QY-01"].category == "碳排放" and index["QY-01"].note


def test_ambiguous_rows_carry_notes():
    index = catalog.indicator_index()
    for code in ("XY-09", "XY-11", "SQ-13", "SQ-18", "SQ-19", "XY-17", "XY-20", "SY-15", "YQ-20",
                 "XY-08", "SY-06"):
        assert index[code].note, code


def test_selection_conditions_and_outline():
    park = {c.id: c for c in catalog.selection_conditions("park")}
    assert park["key_park_list"].kind == "hard"
    assert park["clean_energy_structure"].kind == "hard"
    community = catalog.selection_conditions("community")
    assert any(c.kind == "preference" for c in community)
    outline = catalog.outline()
    assert [s.number for s in outline.sections] == list("一二三四五六七八")
    assert len(outline.proofs) == 5
    fields = [f.label_zh for f in outline.key_project_fields]
    for needed in ("名称", "建设内容", "实施计划", "建设主体", "投资规模"):
        assert any(label.startswith(needed) for label in fields)


def test_unknown_pilot_type_is_a_catalog_error():
    with pytest.raises(CatalogError, match="unknown pilot type"):
        catalog.indicator_table("factory")


def test_malformed_catalog_file_is_reported(monkeypatch):
    bad = {"pilot_type": "park", "prefix": "YQ", "name_zh": "x", "name_en": "x", "source": "x",
           "indicators": [{"code": "YQ-02", "category": "c", "category_en": "c", "name_zh": "n",
                           "name_en": "n", "unit": "%", "reference": "≥1", "type": "core",
                           "rule": {"kind": "at_least", "min": 1}}]}
    monkeypatch.setattr(catalog, "_read_yaml", lambda name: bad)
    catalog.indicator_table.cache_clear()
    try:
        with pytest.raises(CatalogError, match="expected YQ-01"):
            catalog.indicator_table("park")
    finally:
        catalog.indicator_table.cache_clear()


def test_display_reference_tidies_latex():
    assert catalog.display_reference("\\geq 95") == "≥ 95"


def test_every_rule_kind_has_a_chinese_label():
    assert set(catalog.RULE_ZH) == set(catalog.RULE_KINDS)


@pytest.mark.parametrize("pilot_type, heading", [
    ("region", "（一）近零碳排放区域试点"), ("park", "（二）近零碳排放园区试点"),
    ("community", "（三）近零碳排放社区试点"), ("campus", "（四）近零碳排放校园试点"),
    ("commercial", "（五）近零碳排放商业场所试点"),
])
def test_every_sentence_of_the_selection_conditions_is_a_condition(pilot_type, heading):
    """二、遴选条件 read the same way for every type: each sentence of the type's paragraph is
    (nearly word for word) covered by the type's conditions, so none is left out."""
    import difflib
    import re

    text = SEED.read_text(encoding="utf-8")
    start = text.index(heading) + len(heading)
    end = min(i for i in (text.find("（", start + 1), text.find("三、", start)) if i > 0)
    paragraph = re.sub(r"\s+", "", text[start:end])
    sentences = [s for s in paragraph.split("。") if s]
    conditions = "|".join(c.text_zh for c in catalog.selection_conditions(pilot_type))
    for sentence in sentences:
        core = re.sub(r"^(优先考虑|建设期内应实现|应)", "", sentence)
        matcher = difflib.SequenceMatcher(None, core, conditions, autojunk=False)
        covered = sum(b.size for b in matcher.get_matching_blocks() if b.size >= 3)
        assert covered / len(core) >= 0.8, f"{pilot_type}: not a condition: {sentence}"
