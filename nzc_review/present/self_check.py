"""The applicant's checklist (申报自查): what to correct or supplement before sending the file.

An applicant (建设主体, often with a consultancy) checks their application before it goes to
the county department (河环发〔2023〕23号 三、(一)1 组织申报). :func:`check_file` reads the file the
way every command does and evaluates it as the evaluation report does
(:func:`nzc_review.present.evaluation_report.evaluate_for_report`: same options, same figures);
:func:`checklist` lists, most important first, each as one Chinese sentence saying what to do:

====  ==================  ==============================================================
rank  category            from
====  ==================  ==============================================================
0     填写错误             the reader's errors (:class:`~nzc_review.errors.InputError`), at
                          the sheet and cell (``指标!H7``) or field they name — reused as
                          read, never re-parsed; the file cannot be evaluated until they
                          are corrected, so they come alone
1     核心指标未达标        core targets not meeting the reference (附件1 表1–表5; the veto
                          一票否决 is 本工具默认规则)
2     遴选条件             hard selection conditions not met, then unanswered (二、遴选条件)
3     核心指标待补充        core targets missing or not judgeable (no benchmark value)
4     附件2 缺项           what the outline of 附件2 asks for and the file lacks
5     减排目标             the scenario forecast falls short, cannot be made, or is at risk
                          (附件2 二(一) 情景预测法; the risk threshold is 本工具默认规则)
6     数据需核实           declared figures that disagree with the tool's computation
7     指标目标             general and guidance targets below the reference or missing
8     合理性提示           the plausibility notes P1–P4 (:mod:`nzc_review.evaluation.plausibility`)
====  ==================  ==============================================================

Places follow the file: a workbook's sheet (``“指标”工作表 YQ-03 行``) or a YAML/JSON field
(``indicators.YQ-03.target``). The reader's English messages are said in Chinese by
:func:`problem_zh` (a table of the reader's message forms); a form it does not know is said
as a general Chinese sentence at the same place, never in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from nzc_review.errors import InputError
from nzc_review.intake.excel.layout import (
    BASIC,
    BASIS_TASKS,
    ELIGIBILITY,
    EMISSIONS,
    ENERGY,
    INDICATORS,
    PROJECTS,
    PROOFS,
    SAFEGUARDS,
    SCHEDULE,
)
from nzc_review.policy import catalog

__all__ = [
    "CATEGORIES",
    "CheckItem",
    "SelfCheckResult",
    "check_file",
    "checklist",
    "checklist_html",
    "input_items",
    "place_zh",
    "problem_zh",
]

#: The categories of the checklist, by key: (rank, label). Lower ranks come first.
CATEGORIES: dict[str, tuple[int, str]] = {
    "input": (0, "填写错误"),
    "core": (1, "核心指标未达标"),
    "eligibility": (2, "遴选条件"),
    "core_missing": (3, "核心指标待补充"),
    "completeness": (4, "附件2 缺项"),
    "forecast": (5, "减排目标"),
    "consistency": (6, "数据需核实"),
    "indicator": (7, "指标目标"),
    "plausibility": (8, "合理性提示"),
}
#: Items shown in the page at most (本工具默认规则): a workbook typed into the wrong sheet can
#: give hundreds of errors; the first ones, in sheet order, say what went wrong.
SHOWN_ITEMS = 100
#: What a form of the reader's messages unknown to :func:`problem_zh` is said as.
GENERAL_ZH = "此处内容不符合申报模板的填写要求，请对照“填表说明”工作表或空白模板改正。"


@dataclass(frozen=True)
class CheckItem:
    """One thing to correct or supplement: its category (:data:`CATEGORIES`), where (a
    sheet and cell, a field, a section of 附件2), what to do (one Chinese sentence) and the
    rule it rests on."""

    category: str
    place: str
    text: str
    source: str = ""

    @property
    def rank(self) -> int:
        return CATEGORIES[self.category][0]

    @property
    def label(self) -> str:
        return CATEGORIES[self.category][1]


@dataclass
class SelfCheckResult:
    """What :func:`check_file` found: the checklist, and the evaluation when the file could be
    read (``None`` when it has input errors)."""

    items: list[CheckItem]
    evaluation: object | None = None
    kind: str = "xlsx"

    @property
    def readable(self) -> bool:
        return self.evaluation is not None


# --- the reader's errors in Chinese --------------------------------------------------------------

_LINE_COLUMN = re.compile(r"line (\d+), column (\d+)")
_CELL_CONTEXT = re.compile(r"(.+?) \((.*)\)")


def place_zh(location: str) -> str:
    """Where a problem is, as the reader names it, in Chinese punctuation: ``指标!H7 (目标值,
    YQ-03)`` → ``指标!H7（目标值，YQ-03）``, ``line 3, column 5`` → ``第 3 行第 5 列``, a field
    path as it is, nothing → ``整个文件``."""
    if not location:
        return "整个文件"
    m = _LINE_COLUMN.fullmatch(location)
    if m:
        return f"第 {m[1]} 行第 {m[2]} 列"
    m = _CELL_CONTEXT.fullmatch(location)
    if m and "!" in m[1]:
        return f"{m[1]}（{m[2].replace(', ', '，')}）"
    return location


_GOT = {"nothing": "空白", "a mapping": "一组字段", "a list": "列表", "empty": "空内容",
        "true": "true", "false": "false", "TRUE": "TRUE", "FALSE": "FALSE"}
_TYPE_NAMES = {"str": "文字", "int": "整数", "float": "数字", "bool": "是/否", "list": "列表",
               "dict": "一组字段", "NoneType": "空内容"}


def _got_zh(got: str) -> str:
    """A value as the reader showed it (``'十二'``, ``nothing``, ``a date (2024-01-01)``), in
    Chinese."""
    got = got.strip()
    if got in _GOT:
        return _GOT[got]
    m = re.fullmatch(r"a date \((.*)\)", got)
    if m:
        return f"日期 {m[1]}"
    m = re.fullmatch(r"a date or time \((.*)\)", got)
    if m:
        return f"日期或时间 {m[1]}"
    m = re.fullmatch(r"an? (\w+)", got)
    if m and m[1] in _TYPE_NAMES:
        return _TYPE_NAMES[m[1]]
    if len(got) >= 2 and got[0] in "'\"" and got[-1] == got[0]:
        return f"“{got[1:-1]}”"
    if got.endswith("…'") and got.startswith("'"):
        return f"“{got[1:-2]}…”"
    return got


_WANTED = {
    "a number": "数字",
    "a year (a whole number)": "年份（整数）",
    "a finite number": "有限的数字",
    "a whole number": "整数",
    "true or false": "“是”或“否”（true 或 false）",
    "true/false": "“是/否”（true/false）",
    "是 or 否": "“是”或“否”",
    "a number or 是/否": "数字或“是/否”",
    "text": "文字",
    "a list": "列表",
    "a list of file names": "文件名列表",
    "a mapping of fields": "一组字段（键: 值）",
    "a mapping of application fields": "申报字段的映射（键: 值）",
    "{value: true|false, evidence: …}": "带佐证的答复 {value: true|false, evidence: …}",
    "a number of at least 0": "不小于 0 的数",
    "a whole number of at least 0": "不小于 0 的整数",
    "a percentage between 0 and 100": "0 至 100 之间的百分数",
}
_COMPARISONS = {"greater than or equal to": "不小于", "greater than": "大于",
                "less than or equal to": "不大于", "less than": "小于"}
_WANTED_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"a year \((\d+)–(\d+)\)|a year between (\d+) and (\d+)"),
     lambda m: f"{m[1] or m[3]}—{m[2] or m[4]} 年之间的年份"),
    (re.compile(r"one of (.+)"), lambda m: f"以下之一：{m[1]}"),
    (re.compile(r"0 or at least (\S+)"), lambda m: f"0 或不小于 {m[1]} 的数"),
    (re.compile(r"at most (\S+)( tCO2)?"), lambda m: f"不超过 {m[1]}{m[2] or ''} 的数"),
    (re.compile(r"a number between (\S+) and (\S+)"), lambda m: f"{m[1]} 至 {m[2]} 之间的数"),
    (re.compile(r"a value (greater than or equal to|greater than|less than or equal to|"
                r"less than) (\S+)"), lambda m: f"{_COMPARISONS[m[1]]} {m[2]} 的值"),
    (re.compile(r"'[^']*'(?:, '[^']*')*(?: or '[^']*')?"),
     lambda m: "以下之一：" + "、".join(re.findall(r"'([^']*)'", m[0]))),
]


def _wanted_zh(wanted: str) -> str | None:
    """What the reader expected (``a number``, ``a number or true/false``, ``one of …``), in
    Chinese; ``None`` for a form not known here."""
    if wanted in _WANTED:
        return _WANTED[wanted]
    for pattern, say in _WANTED_FORMS:
        m = pattern.fullmatch(wanted)
        if m:
            return say(m)
    for known in sorted(_WANTED, key=len, reverse=True):  # unions: "A or B"
        if wanted.startswith(known + " or "):
            rest = _wanted_zh(wanted[len(known) + 4:])
            return f"{_WANTED[known]}或{rest}" if rest else None
    return None


#: Notes the reader adds after the value it got.
_GOT_NOTES = [
    (" (leave the cell empty if there is no value)", "；没有数值时请留空"),
    (" (too many digits)", "（位数过多）"),
    (" (too large)", "（数值过大）"),
    (" (put it in quotes)", "；文字请加引号"),
    (" (too small to be a measured amount)", "（过小，不像实测数值）"),
    (" (above any plausible figure; input limit)", "（超出合理范围，输入限制）"),
    (" (input limit)", "（输入限制）"),
    (": this field is not measured in percent", "；此处不按百分数填写，请去掉百分号"),
]


def _expected_zh(m: re.Match[str]) -> str | None:
    wanted = _wanted_zh(m["wanted"])
    if wanted is None:
        return None
    got, note = m["got"], ""
    for english, chinese in _GOT_NOTES:
        if got.endswith(english):
            got, note = got[: -len(english)], chinese
            break
    pct = re.fullmatch(r"a percentage \(([^)]*)\)", got)
    shown = f"百分数 {pct[1]}" if pct else _got_zh(got)
    return f"应填写{_spaced(wanted)}，实际为{_spaced(shown)}{note}。"


def _spaced(text: str) -> str:
    """A space before a text that starts with a Latin letter or a digit (``实际为 -5``), as
    Chinese text sets them apart."""
    return f" {text}" if text[:1].isascii() and text[:1] not in "“（" else text


def _type_zh(pilot_type: str) -> str:
    return catalog.PILOT_TYPE_ZH.get(pilot_type, pilot_type)


def _list_zh(text: str) -> str:
    return "、".join(p.strip() for p in re.split(r",\s*|、", text) if p.strip())


def _bytes_zh(text: str) -> str:
    """A size as :mod:`nzc_review.limits` writes it (``5,242,881 bytes``, ``5 MiB``), in
    Chinese units."""
    return text.replace(" bytes", " 字节").replace(" MiB", " MB")


def _fuel_factors_zh(m: re.Match[str]) -> str:
    what = {"tce_per_unit": "折标准煤系数", "tco2_per_unit": "CO2 排放因子（生物质燃料填 0）",
            "source": "系数来源（标准、检测报告等）"}
    fields = re.findall(r"(tce_per_unit|tco2_per_unit|source) is missing", m[0])
    name = re.search(r"the other fuel '([^']*)'", m[0])
    fuel = f"“{name[1]}”" if name else ""
    return f"其他燃料{fuel}缺少" + "、".join(what[f] for f in fields) + "，请补充。"


_TEMPLATE = "请从空白申报模板中恢复"
#: The reader's message forms and their Chinese: (pattern, sentence or function of the match).
#: Ordered: the first that matches the whole message is used.
_FORMS: list[tuple[str, str | Callable[[re.Match[str]], str | None]]] = [
    # cells (nzc_review.intake.cells)
    (r"the formula (?P<f>.+) has no saved result; .*",
     r"公式 \g<f> 没有保存计算结果：请在 Excel、WPS 或 LibreOffice 中打开并保存文件，或直接填写数值。"),
    (r"the cell shows the error (?P<e>\S+); correct the formula or the value",
     r"单元格显示错误值 \g<e>，请改正公式或数值。"),
    (r"expected a number, got a percentage \((?P<p>[^)]*)\): this field is not measured in "
     r"percent", r"此处不按百分数填写，应填写数字，实际为百分数 \g<p>；请去掉百分号。"),
    # fields and values (nzc_review.intake, nzc_review.policy.application, nzc_review.limits)
    (r"required field is missing", "必填项未填写，请补充。"),
    (r"must not be empty", "不能为空，请填写。"),
    (r"unknown field '(?P<n>[^']*)'(?: \(did you mean '(?P<d>[^']*)'\?\))?",
     lambda m: f"无法识别的字段 {m['n']}" + (f"（是否应为 {m['d']}？）" if m["d"] else "")
     + "：字段名须与申报文件格式一致，请改正或删除。"),
    (r"an id may contain only .*; got (?P<g>.+)",
     lambda m: "申报编号只能包含字母、数字和“.”“_”“-”，须以字母或数字开头，最长 64 个字符"
     f"（编号将用作文件夹名），实际为{_got_zh(m['g'])}。"),
    (r"expected a mapping of application fields, got (?P<g>.+)",
     lambda m: f"文件内容应为申报字段（键: 值），实际为{_got_zh(m['g'])}：请从空白模板或示例文件开始填写。"),
    (r"a reduction cannot exceed 100 %, got (?P<g>.+)",
     lambda m: f"降幅不能超过 100%，实际为{_got_zh(m['g'])}。"),
    (r"expected (?P<wanted>.+?), got (?P<got>.+)", _expected_zh),
    (r"expected a finite number", "应填写有限的数字。"),
    (r"the period ends \((?P<e>\d+)\) before it starts \((?P<s>\d+)\)",
     r"建设期结束年（\g<e>）早于开始年（\g<s>），请改正。"),
    (r"project '(?P<n>.*)' ends \((?P<e>\d+)\) before it starts \((?P<s>\d+)\)",
     r"重点项目“\g<n>”的结束年（\g<e>）早于开始年（\g<s>），请改正。"),
    (r"base year (?P<y>\d+) is not (?P<b>\d+): .*",
     r"基准年填的是 \g<y> 年：工作方案的降幅均较 \g<b> 年计算（附件1 表1–表5“较\g<b>年下降”），"
     r"请填写 \g<b> 年的数据并将基准年设为 \g<b>。"),
    (r"(?:tce_per_unit|tco2_per_unit|source) is missing: the other fuel .*", _fuel_factors_zh),
    (r"process_method is missing: .*",
     "填写了工业过程排放量，但未填写其核算方法：请补充核算方法（所依据的标准或指南及条款）。"),
    (r"carbon_sink_method is missing: .*",
     "填写了碳汇量，但未填写其核算方法：请补充核算方法（所依据的标准或指南及条款）。"),
    (r"other_fuels\[\d+\]\.name: the other fuel '(?P<n>.*)' is listed twice in one year; .*",
     r"同一年份中燃料“\g<n>”填写了两次，请每种燃料只填一次。"),
    (r"at most (?P<n>[\d,]+) (?P<w>key projects|indicators|schedule items), got (?P<g>[\d,]+) "
     r"\(input limit\)",
     lambda m: f"最多可填 {m['n']} 个{ {'key projects': '重点项目', 'indicators': '指标', 'schedule items': '进度安排条目'}[m['w']]}"
     f"，实际为 {m['g']} 个（输入限制）。"),
    # the catalog's checks (nzc_review.policy.application.check_against_catalog)
    (r"(?P<c>\S+) is an indicator of pilot type (?P<o>\w+), not of (?P<t>\w+)"
     r"(?P<i> \(innovative indicators go on the sheet 创新指标\))?",
     lambda m: f"{m['c']} 是{_type_zh(m['o'])}的指标，不属于{_type_zh(m['t'])}：请删除该行内容，"
     "或核对试点类型" + ("；创新指标请填在“创新指标”工作表" if m["i"] else "") + "。"),
    (r"(?P<c>\S+) is not an indicator code of (?P<t>\w+)"
     r"(?P<i> \(innovative indicators go on the sheet 创新指标\))?",
     lambda m: f"{m['c']} 不是{_type_zh(m['t'])}的指标代码：请删除该行内容或改正代码"
     + ("；创新指标请填在“创新指标”工作表" if m["i"] else "") + "。"),
    (r"unknown indicator code '(?P<c>[^']*)'; the indicators of (?P<t>\w+) are (?P<a>\S+)…"
     r"(?P<b>\S+) and its innovative indicators are numbered (?P<n>.+)",
     lambda m: f"指标代码 {m['c']} 无法识别：{_type_zh(m['t'])}的指标为 {m['a']}…{m['b']}，"
     f"创新指标依次编号为 {_list_zh(m['n'])}。"),
    (r"(?P<c>\S+) is an innovative indicator code of pilot type (?P<o>\w+), not of (?P<t>\w+); "
     r"number the innovative indicators (?P<n>.+)",
     lambda m: f"{m['c']} 是{_type_zh(m['o'])}的创新指标代码，不属于{_type_zh(m['t'])}：创新指标请"
     f"依次编号为 {_list_zh(m['n'])}。"),
    (r"(?P<c>\S+) is not an innovative indicator code: number them (?P<n>.+?) \(the indicators "
     r"of the work plan are on the sheet 指标\)",
     lambda m: f"{m['c']} 不是创新指标代码：创新指标请依次编号为 {_list_zh(m['n'])}（工作方案中的指标"
     "填在“指标”工作表）。"),
    (r"(?P<c>\S+) is an indicator of the work plan, whose (?P<p>name|direction) is fixed; .*",
     lambda m: f"{m['c']} 是工作方案中的指标，其{'名称' if m['p'] == 'name' else '方向'}已确定，"
     "请勿填写；只有创新指标需要填写。"),
    (r"(?P<c>\S+) has no benchmark value", r"\g<c> 没有基准值，请清空“基准值”。"),
    (r"basis '(?P<b>[^']*)' does not apply to (?P<c>\S+) \((?P<a>[^)]*)\)",
     lambda m: f"计算口径 {m['b']} 不适用于 {m['c']}" + (
         f"（可选：{_list_zh(m['a'])}）" if m["a"] != "none" else "（该指标不设计算口径）")
     + "，请改正。"),
    (r"an innovative indicator needs a name \(指标名称\)", "创新指标须填写指标名称。"),
    (r"an innovative indicator needs a direction: .*",
     "创新指标须填写方向：不低于现状、不高于现状或是否达成。"),
    (r"an innovative indicator has no benchmark value: .*",
     "创新指标没有基准值（其目标值与现状值比较），请清空“基准值”。"),
    (r"an innovative indicator has no reduction basis \(计算口径\)",
     "创新指标没有计算口径，请清空“计算口径”。"),
    (r"unknown selection condition for (?P<t>\w+); expected one of (?P<k>.+)",
     lambda m: f"无法识别的遴选条件：{_type_zh(m['t'])}的遴选条件编号为 {_list_zh(m['k'])}。"),
    (r"unknown kind of supporting material; expected one of (?P<k>.+)",
     lambda m: f"无法识别的证明材料类别，应为以下之一：{_list_zh(m['k'])}。"),
    (r"green electricity \((?P<g>[^)]*)\) exceeds the electricity consumed \((?P<e>[^)]*)\)",
     r"绿色电力（\g<g>）超过了外购电力总量（\g<e>），请核实：外购电力应包含购入的绿色电力。"),
    # input limits (nzc_review.limits)
    (r"the file is too large \((?P<s>[^)]*)\); at most (?P<l>.+) are read \(input limit\)",
     lambda m: f"文件过大（{_bytes_zh(m['s'])}），最多读取 {_bytes_zh(m['l'])}（输入限制）。"),
    (r"the workbook archive holds (?P<n>[\d,]+) parts; at most (?P<l>[\d,]+) are read "
     r"\(input limit\)", r"工作簿压缩包内有 \g<n> 个部件，超过上限 \g<l> 个（输入限制）：请删除多余的工作表和图片。"),
    (r"the workbook unpacks to (?P<s>.+) of XML; at most (?P<l>.+) are read \(input limit\)",
     lambda m: f"工作簿解压后达 {_bytes_zh(m['s'])}，超过上限 {_bytes_zh(m['l'])}（输入限制）：请删除多余的内容。"),
    (r"the workbook has more than (?P<n>[\d,]+) cells .*, reached in sheet (?P<s>.+)",
     r"工作簿的单元格超过 \g<n> 个（输入限制，在工作表“\g<s>”处达到）：请删除多余的行、列和格式。"),
    (r"(?:declares a size up to|has a cell in|has a range reaching) (?P<w>row|column) "
     r"(?P<n>[\d,]+); at most (?P<l>[\d,]+) (?:rows|columns) are read \(input limit\)",
     lambda m: f"工作表用到了第 {m['n']} {'行' if m['w'] == 'row' else '列'}，超过上限 {m['l']} "
     f"{'行' if m['w'] == 'row' else '列'}（输入限制）：请删除多余的{'行' if m['w'] == 'row' else '列'}。"),
    (r"nested deeper than (?P<n>\d+) levels \(input limit\)",
     r"嵌套层级超过 \g<n> 层（输入限制）。"),
    (r"more than (?P<n>[\d,]+) values in one file \(input limit\)",
     r"文件中的值超过 \g<n> 个（输入限制）。"),
    (r"more than (?P<n>[\d,]+) (?P<w>keys|items) \((?P<c>[\d,]+); input limit\)",
     lambda m: f"{'键' if m['w'] == 'keys' else '条目'}超过 {m['n']} 个（共 {m['c']} 个；输入限制）。"),
    (r"a key longer than (?P<n>[\d,]+) characters or holding an unpaired surrogate",
     r"键过长（超过 \g<n> 个字符）或含有无效字符。"),
    (r"a text longer than (?P<n>[\d,]+) characters \((?P<c>[\d,]+); input limit\)",
     r"文字超过 \g<n> 个字符（共 \g<c> 个；输入限制），请精简。"),
    (r"the text holds an unpaired surrogate .*", "文字中含有无效字符，请删除后重新输入。"),
    # files (nzc_review.intake.text, nzc_review.intake.excel.tables)
    (r"the file is empty", "文件是空的。"),
    (r"not UTF-8 text \(byte (?P<b>\d+)\)", r"文件不是 UTF-8 编码的文本（第 \g<b> 字节处）：请以 UTF-8 编码保存。"),
    (r"invalid (?:YAML|yaml): .*|invalid YAML", "YAML 格式错误：请检查此处的缩进、冒号和引号。"),
    (r"invalid (?:JSON|json): .*", "JSON 格式错误：请检查此处的括号、逗号和引号。"),
    (r"duplicate key '(?P<k>.*)'", r"键 \g<k> 重复出现，请只保留一个。"),
    (r"a mapping key must be text or a number, got a \w+", "映射的键必须是文字或数字。"),
    (r"an old Excel 97–2003 \(\.xls\) or encrypted workbook; .*",
     "这是旧版 Excel 97–2003 工作簿或设置了密码的工作簿：请取消密码并另存为 Excel 工作簿（.xlsx）。"),
    (r"not an Excel workbook \(\.xlsx\): the file is not a zip archive",
     "文件不是 Excel 工作簿（.xlsx 文件是 zip 压缩格式）：请另存为 .xlsx。"),
    (r"not a readable Excel workbook \(\.xlsx\): .*",
     "文件无法作为 Excel 工作簿读取，可能已损坏：请在 Excel、WPS 或 LibreOffice 中打开并另存为 .xlsx。"),
    (r"cannot read: .*|file not found|not a file", "文件无法读取，请重新上传。"),
    # the workbook's tables (nzc_review.intake.excel)
    (r"not an application workbook of nzc-review: none of the sheets (?P<w>\S+) found "
     r"\(sheets: (?P<s>.*)\); .*",
     r"这不是申报模板：找不到申报模板的工作表（\g<w>），文件中的工作表为：\g<s>。请下载空白申报模板填写后再上传。"),
    (r"the sheet is missing \(it may stay empty but must not be deleted or renamed\)",
     f"缺少该工作表：工作表可以留空，但不能删除或改名；{_TEMPLATE}该工作表。"),
    (r"no header row found \(expected the columns (?P<c>.+)\)",
     r"找不到表头行（应有这些列：\g<c>）：请不要删除或改动模板的表头。"),
    (r"the column (?P<l>.+) \((?P<k>[\w.]+)\) is missing",
     f"缺少“\\g<l>”列：请不要删除模板中的列，{_TEMPLATE}该列。"),
    (r"the column (?P<l>.+) \((?P<k>[\w.]+)\) appears twice", r"“\g<l>”列出现了两次，请删除重复的列。"),
    (r"merged cells in the data area cannot be read; .*",
     "数据区域中有合并单元格，无法读取：请取消单元格合并，并在每个单元格中填写内容。"),
    (r"a value in a row that is not an item of the form",
     "该行不是表中的填写项，却填有内容：请把内容移到对应的项目行，或删除该行内容。"),
    (r"values in a row without an indicator code \(指标代码\)",
     "该行没有指标代码，却填有内容：请补上指标代码或删除该行内容。"),
    (r"values in a row without an id", "该行没有编号，却填有内容：请补上编号或删除该行内容。"),
    (r"the year (?P<y>\d+) appears twice \(rows (?P<a>\d+) and (?P<b>\d+)\)",
     r"年份 \g<y> 出现了两次（第 \g<a> 行和第 \g<b> 行），请合并为一行。"),
    (r"(?P<l>.+) appears twice \(rows (?P<a>\d+) and (?P<b>\d+)\)",
     r"“\g<l>”出现了两次（第 \g<a> 行和第 \g<b> 行），请删除重复的一行。"),
    (r"the row of (?P<c>\S+) \((?P<n>.*)\) is missing",
     f"缺少 \\g<c>（\\g<n>）这一行：请不要删除模板中的行，{_TEMPLATE}该行。"),
    (r"the row (?P<l>.+) \((?P<p>[\w.]+)\) is missing",
     f"缺少“\\g<l>”这一行：请不要删除模板中的行，{_TEMPLATE}该行。"),
    (r"the year is empty \(and there is no year above\)", "年份未填写（上方也没有年份），请填写年份。"),
    (r"the year is empty: give the year the fuel was used in", "年份未填写：请填写该燃料的使用年份。"),
    (r"the year is empty", "年份未填写，请填写年份。"),
    (r"the 内容项 is empty \(and there is no area of 主要任务 above\)",
     "“内容项”未填写（上方也没有主要任务的领域），请填写内容项。"),
    (r"unknown id '(?P<k>[^']*)'; expected one of (?P<e>.+)",
     lambda m: f"编号 {m['k']} 无法识别，应为以下之一：{_list_zh(m['e'])}。"),
    (r"佐证说明 is given but 是否满足 is empty: answer 是 or 否",
     "已填写佐证说明，但“是否满足”为空：请填写“是”或“否”。"),
]
_COMPILED = [(re.compile(pattern, re.S), say) for pattern, say in _FORMS]


def problem_zh(message: str) -> str:
    """One of the reader's messages (``expected a number, got '十二'``) as a Chinese sentence
    saying what to correct (``应填写数字，实际为“十二”。``); :data:`GENERAL_ZH` for a form not
    known here (never English)."""
    for pattern, say in _COMPILED:
        m = pattern.fullmatch(message.strip())
        if m is None:
            continue
        text = say(m) if callable(say) else m.expand(say)
        if text:
            return text
    return GENERAL_ZH


def input_items(error: InputError) -> list[CheckItem]:
    """The reader's problems (in the order it reports them: sheet by sheet, cell by cell) as
    checklist items: the place as the reader named it (``指标!H7``) and what to correct."""
    return [CheckItem("input", place_zh(location), problem_zh(text), "申报文件格式（nzc-application/1）"
                      "与申报模板填表说明")
            for location, text in error.problems]


# --- the evaluation's findings ---------------------------------------------------------------------

#: The sheets of the workbook that hold each section of 附件2 (:mod:`nzc_review.intake.excel`).
SECTION_SHEETS = {
    "overview": (BASIC,),
    "basis_and_feasibility": (EMISSIONS,),
    "targets": (INDICATORS,),
    "main_tasks": (BASIS_TASKS,),
    "key_projects": (PROJECTS,),
    "schedule": (SCHEDULE,),
    "safeguards": (SAFEGUARDS,),
    "proofs": (PROOFS,),
}
#: The fields of a YAML or JSON application that hold each section of 附件2 (contract 2).
SECTION_FIELDS = {
    "overview": ("applicant", "profile"),
    "basis_and_feasibility": ("emissions_tco2", "energy", "basis_and_feasibility"),
    "targets": ("period", "indicators"),
    "main_tasks": ("main_tasks",),
    "key_projects": ("key_projects",),
    "schedule": ("schedule",),
    "safeguards": ("safeguards",),
    "proofs": ("proofs",),
}
#: The sheet of a field named in a completeness item (``（energy）``, ``（bau_growth_rate）``).
FIELD_SHEETS = {
    "applicant": BASIC, "profile": ENERGY, "energy": ENERGY, "bau_growth_rate": BASIC,
    "basis_and_feasibility": BASIS_TASKS, "main_tasks": BASIS_TASKS, "key_projects": PROJECTS,
    "period": BASIC,
}
_FIELD_NOTE = re.compile(r"（([a-z_]+)(?:\.[a-z_]+)*）")


def _sheet_place(sheet: str, row: str = "", column: str = "") -> str:
    where = f"“{sheet}”工作表"
    if row:
        where += f" {row} 行"
    if column:
        where += f"（{column}）"
    return where


def _indicator_place(code: str, kind: str, part: str = "target") -> str:
    if kind != "xlsx":
        return f"indicators.{code}.{part}"
    column = {"target": "目标值", "benchmark": "基准值", "current": "现状值"}[part]
    return _sheet_place(INDICATORS, code, column)


def _value(value: object, unit: str) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        value = f"{value:g}"
    if unit in ("", "-"):
        return str(value)
    return f"{value}{unit}" if unit == "%" else f"{value} {unit}"


def _table_of(pilot_type: str) -> str:
    return f"附件1 表{catalog.PILOT_TYPES.index(pilot_type) + 1}"


def _indicator_items(ev, kind: str) -> list[CheckItem]:
    items = []
    table = _table_of(ev.pilot_type)
    veto = ev.rules.veto
    for r in ev.compliance.indicators:
        reference = catalog.display_reference(r.reference)
        name = f"{r.code} {r.name_zh}"
        core = r.type == "core"
        if r.target_status == "not_met":
            effect = ("核心指标未达标即一票否决，评估结论为不可行（本工具默认规则）" if core and veto.lowers
                      else "核心指标未达标（一票否决仅作提示）" if core and veto.mode != "off"
                      else "")
            text = (f"{name}：目标值 {_value(r.target, r.unit)} 未达到参考值“{reference}”"
                    + (f"，{effect}" if effect else "")
                    + "。请按参考值调整目标值，并在重点项目中落实相应措施；如为填报错误请改正。")
            if not core:
                text = (f"{name}（{catalog.INDICATOR_TYPE_ZH[r.type]}）：目标值 {_value(r.target, r.unit)}"
                        f" 未达到参考值“{reference}”。建议提高目标值，或在佐证说明中说明理由。")
            items.append(CheckItem("core" if core else "indicator",
                                   _indicator_place(r.code, kind), text, table))
        elif r.target_status == "missing":
            text = (f"{name}：未填写目标值。" + ("核心指标目标缺失时评估结论不能为“可行”，"
                                           if core else "") + f"请按参考值“{reference}”填写目标值。")
            items.append(CheckItem("core_missing" if core else "indicator",
                                   _indicator_place(r.code, kind), text, table))
        elif r.target_status == "needs_review":
            if r.rule == "benchmark" and r.benchmark is None:
                text = (f"{name}：参考值为“{reference}”，须与基准值比较，但未填写基准值。"
                        "请填写基准值及其来源，否则只能由专家人工核定。")
                place = _indicator_place(r.code, kind, "benchmark")
            else:
                text = f"{name}：目标值无法自动判定是否达到参考值“{reference}”，请核对填报并补充佐证说明。"
                place = _indicator_place(r.code, kind)
            items.append(CheckItem("core_missing" if core else "indicator", place, text, table))
    return items


def _eligibility_items(ev, kind: str) -> list[CheckItem]:
    items = []
    hard = [c for c in ev.eligibility.conditions if c.kind == "hard"]
    for c in hard:
        place = _sheet_place(ELIGIBILITY, c.id) if kind == "xlsx" else f"eligibility.{c.id}"
        if c.status == "not_met":
            why = []
            if c.answer is False:
                why.append("申报中答复为“否”")
            if c.auto_detail:
                why.append(c.auto_detail)
            detail = f"（{'；'.join(why)}）" if why else ""
            items.append(CheckItem(
                "eligibility", place,
                f"不符合遴选条件：{c.text_zh}{detail}。不符合遴选条件的申报评估结论为不可行，"
                "请核实申报内容和数据，确属满足的请改正并附佐证说明。", c.source))
    for c in hard:
        place = _sheet_place(ELIGIBILITY, c.id) if kind == "xlsx" else f"eligibility.{c.id}"
        if c.status == "unanswered":
            how = ("请在“是否满足”列填写“是”或“否”，并填写佐证说明" if kind == "xlsx"
                   else f"请在 eligibility.{c.id} 填写 true 或 false 及佐证说明（evidence）")
            items.append(CheckItem("eligibility", place,
                                   f"遴选条件未作答：{c.text_zh}。{how}（未作答不视为符合）。",
                                   c.source))
    return items


def _completeness_items(ev, kind: str) -> list[CheckItem]:
    items = []
    for section in ev.completeness.sections:
        for missing in section.missing:
            fields = _FIELD_NOTE.findall(missing)
            if kind == "xlsx":
                sheets = [FIELD_SHEETS[f] for f in fields if f in FIELD_SHEETS]
                sheets = sheets or list(SECTION_SHEETS.get(section.id, ()))
                place = "、".join(f"“{s}”" for s in dict.fromkeys(sheets)) + "工作表"
                shown = _FIELD_NOTE.sub("", missing)
            else:
                place = "、".join(dict.fromkeys(fields) or SECTION_FIELDS.get(section.id, ()))
                shown = missing
            items.append(CheckItem("completeness", place,
                                   f"附件2 {section.number}、{section.title_zh}需补充：{shown}。",
                                   f"附件2 {section.number}、{section.title_zh}"))
    return items


def _forecast_items(ev, kind: str) -> list[CheckItem]:
    place = _sheet_place(PROJECTS) if kind == "xlsx" else "key_projects"
    items = []
    advice = {
        "N3": "请补充或调整重点项目（预期碳减排量、建设周期），或核实历年碳排放与无规划情景增长率。",
        "B4": ("请填写基准年（2022年）碳排放总量和建设期。" if kind != "xlsx"
               else "请在“碳排放”工作表填写 2022 年碳排放总量，在“基本信息”工作表填写建设期。"),
        "B5": "建议提前安排重点项目、留出减排余量，或补充减排措施。",
    }
    for reason in ev.verdict.reasons:
        if reason.rule in advice:
            where = place if reason.rule != "B4" else (
                f"“{EMISSIONS}”、“{BASIC}”工作表" if kind == "xlsx" else "emissions_tco2、period")
            items.append(CheckItem("forecast", where, f"{reason.text}。{advice[reason.rule]}",
                                   reason.source))
    return items


def _consistency_items(ev, kind: str) -> list[CheckItem]:
    items = []
    for text in ev.compliance.warnings:
        code = text.split(" ", 1)[0]
        items.append(CheckItem("consistency", _indicator_place(code, kind, "current")
                               if code in {r.code for r in ev.compliance.indicators} else "指标",
                               f"{text}。请核实现状值及其计算口径。",
                               "附件2 二(一) 碳排放核算统计数据基础"))
    for text in ev.accounting.warnings:
        if "相差" not in text:
            continue  # the tool's own notes on its factors are not the applicant's to correct
        place = f"“{EMISSIONS}”、“{ENERGY}”工作表" if kind == "xlsx" else "emissions_tco2、energy"
        items.append(CheckItem("consistency", place, f"{text}。",
                               "附件2 二(一) 碳排放核算统计数据基础"))
    return items


_NOTE_SHEETS = {"bau_growth_rate": BASIC, "emissions_tco2": EMISSIONS, "period": BASIC,
                "indicators": INDICATORS, "key_projects": PROJECTS}


def _plausibility_items(ev, kind: str) -> list[CheckItem]:
    items = []
    for note in ev.plausibility:
        head = note.field.split(".", 1)[0]
        place = (_sheet_place(_NOTE_SHEETS[head]) if kind == "xlsx" and head in _NOTE_SHEETS
                 else note.field)
        text = note.text if note.text.endswith(("。", "！", "？")) else note.text + "。"
        items.append(CheckItem("plausibility", place, f"{text}（{note.code}）", note.source))
    return items


def checklist(ev, kind: str = "xlsx") -> list[CheckItem]:
    """What to correct or supplement in an application, from its evaluation, most important
    first (:data:`CATEGORIES`); places in a workbook's terms for ``kind`` ``xlsx``, else the
    file's fields."""
    items = (_indicator_items(ev, kind) + _eligibility_items(ev, kind)
             + _completeness_items(ev, kind) + _forecast_items(ev, kind)
             + _consistency_items(ev, kind) + _plausibility_items(ev, kind))
    return sorted(items, key=lambda item: item.rank)  # stable: each group keeps its order


def check_file(path: str | Path, kind: str = "xlsx", **options: object) -> SelfCheckResult:
    """Read and evaluate an application file as the evaluation report does
    (:func:`~nzc_review.present.evaluation_report.evaluate_for_report`, ``options`` its
    parameters); its checklist. A file the reader refuses gets the reader's problems, in
    Chinese, and no evaluation."""
    from nzc_review.present.evaluation_report import evaluate_for_report

    try:
        ev = evaluate_for_report(str(path), **options)
    except InputError as exc:
        return SelfCheckResult(items=input_items(exc), evaluation=None, kind=kind)
    return SelfCheckResult(items=checklist(ev, kind), evaluation=ev, kind=kind)


# --- the checklist as HTML ----------------------------------------------------------------------

STYLE = """
<style>
.nzc-check { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
  font-size: 14px; color: #1a1a1a; max-width: 1100px; }
.nzc-check table { border-collapse: collapse; width: 100%; }
.nzc-check th, .nzc-check td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
.nzc-check th { background: #eef3ee; text-align: left; white-space: nowrap; }
.nzc-check td.n { text-align: right; white-space: nowrap; }
.nzc-check td.place { white-space: nowrap; font-family: "Noto Sans Mono CJK SC", monospace; }
.nzc-check .cat { display: inline-block; padding: 0 6px; border-radius: 3px; white-space: nowrap;
  font-size: 12px; }
.nzc-check .cat-0, .nzc-check .cat-1 { background: #fdecea; color: #b71c1c; }
.nzc-check .cat-2, .nzc-check .cat-3 { background: #fff4e5; color: #8d4b00; }
.nzc-check .cat-4, .nzc-check .cat-5, .nzc-check .cat-6 { background: #fff8e1; color: #6d5300; }
.nzc-check .cat-7, .nzc-check .cat-8 { background: #e8f0fe; color: #174ea6; }
.nzc-check .src { color: #666; font-size: 12px; }
.nzc-check .none { background: #e6f4ea; color: #1e4620; padding: 10px 14px; border-radius: 6px; }
</style>
"""


def checklist_html(items: list[CheckItem], *, shown: int = SHOWN_ITEMS) -> str:
    """The checklist as a table (number, category, place, what to do and its source); every
    text escaped (a workbook's texts are the visitor's)."""
    if not items:
        return (f"{STYLE}<div class='nzc-check'><div class='none'>未发现需修改或补充的内容。"
                "提交前仍请对照工作方案和填表说明逐项核对。</div></div>")
    rows = []
    for n, item in enumerate(items[:shown], start=1):
        source = f"<div class='src'>依据：{escape(item.source)}</div>" if item.source else ""
        rows.append(f"<tr><td class='n'>{n}</td><td><span class='cat cat-{item.rank}'>"
                    f"{escape(item.label)}</span></td><td class='place'>{escape(item.place)}</td>"
                    f"<td>{escape(item.text)}{source}</td></tr>")
    more = (f"<p>另有 {len(items) - shown} 项未列出：请先改正以上各项后重新检查。</p>"
            if len(items) > shown else "")
    counts = {}
    for item in items:
        counts[item.label] = counts.get(item.label, 0) + 1
    summary = "、".join(f"{label} {count} 项" for label, count in counts.items())
    return (f"{STYLE}<div class='nzc-check'><p>共 {len(items)} 项（{escape(summary)}），按重要程度排列：</p>"
            "<table><tr><th>序号</th><th>类别</th><th>位置</th><th>需修改或补充的内容</th></tr>"
            + "".join(rows) + f"</table>{more}</div>")

