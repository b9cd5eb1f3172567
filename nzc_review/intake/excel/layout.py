"""The shape of an application workbook: sheet names, rows, columns, styles, data validation.

Everything the writer (:mod:`.write`) lays out and the reader (:mod:`.read`) looks for is
defined here once; the sheets follow DESIGN.md contract 2 and 附件2 (创建方案编制大纲) of
河环发〔2023〕23号. Column widths, colours and prompts are the tool's own (本工具默认规则).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nzc_review.policy import catalog
from nzc_review.policy.application import PROJECT_CATEGORY_ZH

# --- sheets -----------------------------------------------------------------------------------

INSTRUCTIONS = "填表说明"
BASIC = "基本信息"
INDICATORS = "指标"
INNOVATIVE = "创新指标"
EMISSIONS = "碳排放"
ENERGY = "能源与基础数据"
OTHER_FUELS = "其他燃料"
BASIS_TASKS = "建设基础与主要任务"
PROJECTS = "重点项目"
SCHEDULE = "进度安排"
SAFEGUARDS = "保障措施"
ELIGIBILITY = "遴选条件"
PROOFS = "证明材料"
SHEETS: tuple[str, ...] = (
    INSTRUCTIONS,
    BASIC,
    INDICATORS,
    INNOVATIVE,
    EMISSIONS,
    ENERGY,
    OTHER_FUELS,
    BASIS_TASKS,
    PROJECTS,
    SCHEDULE,
    SAFEGUARDS,
    ELIGIBILITY,
    PROOFS,
)
DATA_SHEETS = SHEETS[1:]

#: Version of the workbook layout, stored in the custom document property
#: :data:`LAYOUT_PROPERTY`. Layout 2 added the sheets :data:`LAYOUT_2_SHEETS`, layout 3 the sheet
#: 其他燃料 and the columns of coke, fuel oil, biomass, process emissions and carbon sinks on
#: 能源与基础数据 (:data:`ENERGY_LAYOUT_3`); a workbook of an earlier layout reads without them
#: (:data:`SHEET_LAYOUT`), one of their layout must keep them (a deleted sheet is an error, never
#: silently lost content).
LAYOUT_VERSION = 3
LAYOUT_PROPERTY = "nzc-application-layout"
LAYOUT_2_SHEETS = (INNOVATIVE, BASIS_TASKS)
LAYOUT_3_SHEETS = (OTHER_FUELS,)
#: The layout that brought each later sheet.
SHEET_LAYOUT: dict[str, int] = {**dict.fromkeys(LAYOUT_2_SHEETS, 2),
                                **dict.fromkeys(LAYOUT_3_SHEETS, 3)}

TITLE_ROW, HINT_ROW, HEADER_ROW, KEY_ROW, FIRST_ROW = 1, 2, 3, 4, 5
HEADER_SEARCH_ROWS = 30
FILE_COLUMNS = 8
MAX_TEXT = 32767  # characters Excel keeps in one cell

#: What the writer puts in a yes/no cell (the reader takes every word of
#: :data:`nzc_review.intake.cells.YES_WORDS` and :data:`~nzc_review.intake.cells.NO_WORDS`).
YES_NO = ("是", "否")


@dataclass(frozen=True)
class Column:
    """One column of a data sheet.

    Attributes
    ----------
    key:
        The machine field key written in the hidden key row (row 4).
    label:
        The Chinese header (row 3).
    width:
        Column width in Excel units.
    kind:
        How cells are read: ``text``, ``number``, ``year``, ``whole``, ``fraction``, ``yesno``,
        ``basis``, ``indicator`` (by the indicator's rule), ``value`` (基本信息: by the row's item)
        or ``info`` (locked, not read).
    locked:
        Pre-filled and locked (grey).
    wrap:
        Wrap long text.
    optional:
        May be absent from a workbook (a column added after workbooks were handed out, such
        as 项目类别): reading a workbook without it is not an error.
    """

    key: str
    label: str
    width: float
    kind: str = "text"
    locked: bool = False
    wrap: bool = False
    optional: bool = False


@dataclass(frozen=True)
class BasicItem:
    """One row of 基本信息: the field path in the application, its label, kind and hint."""

    path: str
    label: str
    kind: str
    hint: str
    locked: bool = False


BASIC_COLUMNS = (
    Column("label", "项目", 26, "info", locked=True),
    Column("value", "填写内容", 46, "value", wrap=True),
    Column("hint", "填写说明", 64, "info", locked=True, wrap=True),
    Column("field", "字段键", 22, "info", locked=True),
)
BASIC_ITEMS = (
    BasicItem("format", "格式版本", "text", "固定为 nzc-application/1，请勿修改", locked=True),
    BasicItem("id", "申报编号", "text", "字母、数字和 . _ -，不超过 64 个字符，如 HC-2024-YQ-001"),
    BasicItem("pilot_type", "试点类型", "pilot_type", "由模板确定，请勿修改", locked=True),
    BasicItem("name", "试点名称", "text", "如：××园区近零碳排放园区试点"),
    BasicItem("applicant.organization", "申报主体（单位名称）", "text", "建设主体的全称"),
    BasicItem("applicant.county", "所在县（区）", "text", "如：宜州区"),
    BasicItem("applicant.contact", "联系人", "text", ""),
    BasicItem("applicant.phone", "联系电话", "text", "按文本填写，如 0778-0000000"),
    BasicItem("base_year", "基准年", "year", "碳排放核算的基准年，一般为 2022（指标表“较2022年”）"),
    BasicItem("period.start", "建设期开始年", "year", "四位年份，如 2024"),
    BasicItem("period.end", "建设期结束年（目标年）", "year", "目标值为该年末应达到的状态"),
    BasicItem(
        "bau_growth_rate",
        "无规划情景碳排放年增长率",
        "fraction",
        "不实施试点措施时碳排放的年增长率（情景预测法），填 2% 或 0.02；可为负数；留空为 0",
    ),
)

INDICATOR_COLUMNS = (
    Column("code", "指标代码", 10, "info", locked=True),
    Column("category", "一级指标", 12, "info", locked=True, wrap=True),
    Column("name", "指标名称", 34, "info", locked=True, wrap=True),
    Column("catalog_unit", "单位", 10, "info", locked=True, wrap=True),
    Column("reference", "参考值", 24, "info", locked=True, wrap=True),
    Column("type", "指标类型", 10, "info", locked=True),
    Column("current", "现状值", 11, "indicator"),
    Column("target", "目标值", 11, "indicator"),
    Column("benchmark", "基准值", 11, "indicator"),
    Column("unit", "填报单位", 14, "text"),
    Column("basis", "计算口径", 20, "basis"),
    Column("evidence", "佐证说明", 40, "text", wrap=True),
    Column("note", "备注", 30, "text", wrap=True),
)

PROFILE_FIELDS = (
    ("population", "人口（人）"),
    ("floor_area_m2", "建筑面积（m²）"),
    ("output_value_10k_cny", "产值（万元）"),
    ("industrial_value_added_10k_cny", "工业增加值（万元）"),
)
ENERGY_FIELDS = (
    ("electricity_mwh", "外购电力（MWh）"),
    ("green_electricity_mwh", "其中：绿电（MWh）"),
    ("onsite_renewable_mwh", "自发自用可再生能源电力（MWh）"),
    ("raw_coal_t", "原煤（t）"),
    ("natural_gas_10k_m3", "天然气（万m³）"),
    ("gasoline_t", "汽油（t）"),
    ("diesel_t", "柴油（t）"),
    ("lpg_t", "液化石油气（t）"),
    ("purchased_heat_gj", "外购热力（GJ）"),
    ("coke_t", "焦炭（t）"),
    ("fuel_oil_t", "燃料油（t）"),
    ("biomass_tce", "生物质（折标准煤，tce）"),
    ("process_emissions_tco2", "工业过程排放（tCO2）"),
    ("process_method", "工业过程排放核算方法"),
    ("carbon_sink_tco2", "碳汇清除量（tCO2）"),
    ("carbon_sink_method", "碳汇核算方法"),
)
#: Energy columns that hold text (the methods), and those layout 3 added (optional on reading,
#: so that a workbook written before them still reads).
ENERGY_TEXT_FIELDS = frozenset({"process_method", "carbon_sink_method"})
ENERGY_LAYOUT_3 = frozenset({"coke_t", "fuel_oil_t", "biomass_tce", "process_emissions_tco2",
                             "process_method", "carbon_sink_tco2", "carbon_sink_method"})
YEAR_COLUMN = Column("year", "年份", 9, "year")
EMISSIONS_COLUMNS = (YEAR_COLUMN, Column("emissions_tco2", "碳排放总量（tCO2）", 20, "number"))
ENERGY_COLUMNS = (
    YEAR_COLUMN,
    *(Column(k, label, 15, "number", wrap=True) for k, label in PROFILE_FIELDS),
    *(Column(k, label, 30 if k in ENERGY_TEXT_FIELDS else 15,
             "text" if k in ENERGY_TEXT_FIELDS else "number", wrap=True,
             optional=k in ENERGY_LAYOUT_3) for k, label in ENERGY_FIELDS),
)
#: 其他燃料 (layout 3): one fuel a row with the factors the applicant declares
#: (``energy.<year>.other_fuels``).
OTHER_FUEL_COLUMNS = (
    YEAR_COLUMN,
    Column("name", "燃料名称", 18, "text"),
    Column("amount", "消费量", 14, "number"),
    Column("unit", "计量单位", 10, "text"),
    Column("tce_per_unit", "折标准煤系数（tce/计量单位）", 16, "number", wrap=True),
    Column("tco2_per_unit", "CO2排放因子（tCO2/计量单位）", 16, "number", wrap=True),
    Column("source", "系数来源", 44, "text", wrap=True),
)

_PROJECT_KIND = {
    "start_year": "year",
    "end_year": "year",
    "investment_10k_cny": "number",
    "expected_reduction_tco2_per_year": "number",
    "lifetime_years": "whole",
}
_PROJECT_WIDTH = {"name": 24, "content": 36, "plan": 30, "owner": 20}

SCHEDULE_COLUMNS = (YEAR_COLUMN, Column("item", "工作内容", 70, "text", wrap=True))
SAFEGUARD_COLUMNS = (
    Column("id", "编号", 22, "info", locked=True),
    Column("label", "保障措施", 48, "info", locked=True, wrap=True),
    Column("value", "是否落实", 12, "yesno"),
)
ELIGIBILITY_COLUMNS = (
    Column("id", "条件编号", 26, "info", locked=True),
    Column("text", "遴选条件", 52, "info", locked=True, wrap=True),
    Column("kind", "类别", 10, "info", locked=True),
    Column("source", "依据", 10, "info", locked=True),
    Column("answer", "是否满足", 11, "yesno"),
    Column("evidence", "佐证说明", 44, "text", wrap=True),
)
CONDITION_KIND_ZH = {"hard": "必备条件", "preference": "优先考虑"}

#: 创新指标 (附件2 三): one innovative indicator a row, ``<PREFIX>-C01``… (DESIGN.md contract 4).
INNOVATIVE_COLUMNS = (
    Column("code", "指标代码", 11, "text"),
    Column("name", "指标名称", 30, "text", wrap=True),
    Column("unit", "单位", 12, "text"),
    Column("direction", "方向", 22, "direction"),
    Column("current", "现状值", 11, "innovative"),
    Column("target", "目标值", 11, "innovative"),
    Column("evidence", "佐证说明", 40, "text", wrap=True),
    Column("note", "备注", 30, "text", wrap=True),
)
#: Rows of 创新指标 in an empty template (more may be inserted).
INNOVATIVE_ROWS = 10

#: 建设基础与主要任务 (附件2 二、四): one text or task a row, named by its item (内容项).
BASIS_TASK_COLUMNS = (
    Column("item", "内容项", 26, "item"),
    Column("text", "内容", 90, "text", wrap=True),
)


def basis_task_items() -> dict[str, str]:
    """内容项 of 建设基础与主要任务, field path → label: the texts of 附件2 二
    (``basis_and_feasibility.conditions`` …, each at most once) and the areas of 附件2 四
    (``main_tasks.energy_use`` …, one task a row)."""
    outline = catalog.outline()
    items = {f"basis_and_feasibility.{b.id}": f"二{b.number}{b.label_zh}" for b in outline.basis_texts}
    items.update({f"main_tasks.{c.id}": f"四、主要任务：{c.label_zh}" for c in outline.task_categories})
    return items


def proof_columns(files: int = FILE_COLUMNS) -> tuple[Column, ...]:
    """The columns of 证明材料: the locked kind of material, then ``files`` file-name columns."""
    fixed = (
        Column("number", "序号", 7, "info", locked=True),
        Column("id", "类别编号", 22, "info", locked=True),
        Column("label", "材料名称", 48, "info", locked=True, wrap=True),
    )
    return fixed + tuple(Column(f"file_{i}", f"文件{i}", 24, "text") for i in range(1, files + 1))


def project_columns() -> tuple[Column, ...]:
    """The columns of 重点项目: the outline's key-project fields (附件2 五), then 寿命年限 and
    项目类别 (DESIGN.md contract 4: which accounting basis counts the project's reduction)."""
    cols = [
        Column(
            f.field,
            f.label_zh,
            _PROJECT_WIDTH.get(f.field, 14),
            _PROJECT_KIND.get(f.field, "text"),
            wrap=f.field in _PROJECT_WIDTH,
        )
        for f in catalog.outline().key_project_fields
    ]
    cols.append(Column("lifetime_years", "寿命年限（年）", 12, "whole"))
    cols.append(Column("category", "项目类别", 16, "category", optional=True))
    return tuple(cols)


# --- styles and data validation of the writer ------------------------------------------------


@dataclass
class Styles:
    """Fonts, fills and borders shared by every sheet (created once per workbook)."""

    font: Any
    bold: Any
    title: Any
    small: Any
    key: Any
    header_fill: Any
    locked_fill: Any
    input_fill: Any
    border: Any


def styles() -> Styles:
    """The fonts, fills and borders of a new workbook."""
    from openpyxl.styles import Border, Font, PatternFill, Side

    thin = Side(style="thin", color="BFBFBF")
    name = "等线"
    return Styles(
        font=Font(name=name, size=11),
        bold=Font(name=name, size=11, bold=True),
        title=Font(name=name, size=14, bold=True),
        small=Font(name=name, size=10, color="595959"),
        key=Font(name=name, size=9, italic=True, color="808080"),
        header_fill=PatternFill("solid", fgColor="DDEBF7"),
        locked_fill=PatternFill("solid", fgColor="F2F2F2"),
        input_fill=PatternFill("solid", fgColor="FFF9E1"),
        border=Border(left=thin, right=thin, top=thin, bottom=thin),
    )


FORMATS = {"text": "@", "year": "0", "fraction": "0.00%", "whole": "0", "pilot_type": "@"}

VALIDATIONS: dict[str, dict[str, Any]] = {
    "yesno": {
        "type": "list",
        "formula1": '"是,否"',
        "promptTitle": "是/否",
        "prompt": "从下拉列表选择“是”或“否”",
        "errorTitle": "请选择是或否",
        "error": "请填“是”或“否”。",
    },
    "direction": {
        "type": "list",
        "promptTitle": "方向",
        "prompt": "不低于现状：目标不低于现状值；不高于现状：目标不高于现状值；是否达成：填是/否",
        "errorTitle": "方向",
        "error": "请从下拉列表选择方向。",
    },
    "item": {
        "type": "list",
        "promptTitle": "内容项",
        "prompt": "附件2 二的三项内容各填一行；四、主要任务每项任务一行（留空表示与上一行同类）",
        "errorTitle": "内容项",
        "error": "请从下拉列表选择内容项。",
    },
    "category": {
        "type": "list",
        "formula1": '"' + ",".join(PROJECT_CATEGORY_ZH.values()) + '"',
        "promptTitle": "项目类别",
        "prompt": "绿电交易/绿证：购买绿电或绿证（基于位置口径下不计减排）；可留空，按名称推断",
        "errorTitle": "项目类别",
        "error": "请从下拉列表选择项目类别。",
    },
    "basis": {
        "type": "list",
        "promptTitle": "计算口径",
        "prompt": "降幅按哪种口径计算（可选）",
        "errorTitle": "计算口径",
        "error": "请从下拉列表选择计算口径。",
    },
    "year": {
        "type": "whole",
        "operator": "between",
        "formula1": "1990",
        "formula2": "2100",
        "promptTitle": "年份",
        "prompt": "四位整数年份（1990–2100）",
        "errorTitle": "年份",
        "error": "请填 1990–2100 之间的四位整数年份。",
    },
    "lifetime": {
        "type": "whole",
        "operator": "between",
        "formula1": "1",
        "formula2": "100",
        "promptTitle": "寿命年限",
        "prompt": "项目设施的寿命年限（1–100 年）",
        "errorTitle": "寿命年限",
        "error": "请填 1–100 之间的整数。",
    },
    "number": {
        "type": "decimal",
        "operator": "greaterThanOrEqual",
        "formula1": "0",
        "promptTitle": "数值",
        "prompt": "填不小于 0 的数值，不含单位",
        "errorTitle": "数值",
        "error": "请填不小于 0 的数值（不含单位、文字）。",
    },
    "fraction": {
        "type": "decimal",
        "operator": "between",
        "formula1": "-0.99",
        "formula2": "0.99",
        "promptTitle": "年增长率",
        "prompt": "如 2% 或 0.02；可为负数",
        "errorTitle": "年增长率",
        "error": "请填 -99% 到 99% 之间的增长率，如 2%。",
    },
    "percent": {
        "type": "decimal",
        "operator": "between",
        "formula1": "0",
        "formula2": "100",
        "promptTitle": "百分数",
        "errorTitle": "百分数",
        "error": "请填 0–100 之间的百分数值（12 表示 12%）。",
    },
    "reduction": {
        "type": "decimal",
        "operator": "lessThanOrEqual",
        "formula1": "100",
        "promptTitle": "降幅（%）",
        "errorTitle": "降幅",
        "error": "请填较基准年下降的百分数（不超过 100；上升填负数）。",
    },
    "count": {
        "type": "whole",
        "operator": "greaterThanOrEqual",
        "formula1": "0",
        "promptTitle": "数量",
        "errorTitle": "数量",
        "error": "请填不小于 0 的整数。",
    },
    "nonnegative": {
        "type": "decimal",
        "operator": "greaterThanOrEqual",
        "formula1": "0",
        "promptTitle": "数值",
        "errorTitle": "数值",
        "error": "请填不小于 0 的数值（不含单位、文字）。",
    },
}


def value_validation(ind: catalog.Indicator) -> tuple[str, str]:
    """The data validation kind and input prompt of an indicator's value cells."""
    unit = ind.unit.strip()
    if ind.expects_boolean:
        if ind.rule.kind == "prohibited":
            return "yesno", "是/否：未使用填“是”"
        return "yesno", "是/否：满足参考值要求填“是”"
    kind = ind.rule.kind
    if kind == "reduction":
        return "reduction", "较基准年下降的百分数，如 40 表示下降 40%"
    if kind == "count":
        return "count", f"整数（{unit or '个'}）"
    if kind in ("ratio",):
        return "nonnegative", "百分数值（可超过 100），如 120 表示 120%"
    if ind.is_percent and kind in ("at_least", "at_most", "full"):
        return "percent", "百分数值，如 12 表示 12%"
    return "nonnegative", f"数值（{unit}）" if unit else "数值"

