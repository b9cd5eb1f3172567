"""Excel workbooks (.xlsx) of ``nzc-application/1``: templates, filled workbooks, reading back.

One workbook carries a whole application (DESIGN.md contract 2) of one pilot type. Applicants
get an empty template (:func:`write_template`), fill it in Excel or LibreOffice, and every
command reads it like a YAML file (the ``.xlsx`` reader registered here). :func:`write_workbook`
writes an application as a filled workbook (``nzc-review convert app.yaml app.xlsx``).

Layout
------
Sheets, in order (names are part of the format; the workbook structure is protected):

============  ========================================================================
填表说明       instructions (not read)
基本信息       one item per row: 项目 | 填写内容 | 填写说明 | hidden field key (column D)
指标           the type's indicator table, one row per code (pre-filled, locked: 指标代码,
               一级指标, 指标名称, 单位, 参考值, 指标类型), then 现状值, 目标值, 基准值, 填报单位,
               计算口径, 佐证说明, 备注 to fill
创新指标       附件2 三: innovative indicators, one per row (codes ``YQ-C01``… pre-numbered):
               指标名称, 单位, 方向, 现状值, 目标值, 佐证说明, 备注
碳排放         年份 | 碳排放总量（tCO2）, one row per year
能源与基础数据  年份, the denominators (``profile``) and the activity data (``energy``) per year,
               with process emissions and carbon sinks and their methods
其他燃料       fuels with declared factors (``energy.<year>.other_fuels``), one per row: 年份,
               燃料名称, 消费量, 计量单位, 折标准煤系数, CO2排放因子, 系数来源
建设基础与      附件2 二 and 四: 内容项 | 内容 — the three texts of 二 (one row each) and the
主要任务       tasks of 四 by area, one per row (a blank 内容项 continues the area above)
重点项目       附件2 五: one project per row, in order, plus 寿命年限
进度安排       年份 | 工作内容, one item per row (a blank year continues the year above)
保障措施       附件2 七: one row per safeguard, 是/否
遴选条件       the type's selection conditions (locked), 是否满足 and 佐证说明 to fill
证明材料       附件2 八: one row per kind (locked), file names in 文件1, 文件2, … (one per cell)
============  ========================================================================

创新指标 and 建设基础与主要任务 came with layout 2 (a custom document property,
:mod:`.outline_sheets`), 其他燃料 and the energy columns of coke, fuel oil, biomass, process
emissions and carbon sinks with layout 3 (:mod:`.fuel_sheet`): a workbook written before them
reads without them.

Every data sheet has a title (row 1), a hint (row 2), Chinese column headers (row 3), a hidden
row of machine field keys (row 4) and data from row 5. Columns are found by their field key (or,
if that row was deleted, by their Chinese header), rows of the fixed tables by their code, so
inserted or moved columns and rows still read. Merged cells in the data area are refused (except
years merged down the 进度安排 year column).

Reading
-------
Cells are read with the vocabulary every workbook of the tool shares
(:mod:`nzc_review.intake.cells`), leniently where the meaning is unambiguous and strictly
elsewhere:

* yes/no: 是/否, √/×, ✓/✗, ✔/✘, ☑/☐, 对/错, 有/无, Y/N, T/F, yes/no, TRUE/FALSE (Excel booleans
  too);
* numbers: numbers stored as text, full-width digits (``１２``), thousands separators
  (``1,200``; only in groups of three, GB/T 15835—2011 5.1.3), surrounding spaces, a trailing 年
  on years;
* percentages: in a field measured in percent (``12`` means 12 %), ``12%`` typed as text and a
  numeric cell formatted as a percentage holding ``0.12`` both read as 12; in the fractional
  ``bau_growth_rate`` (0.02 means 2 %) ``2%`` and a percent-formatted ``0.02`` read as 0.02; a
  percentage anywhere else is an error. A plain ``0.12`` in a percent field stays 0.12 (no
  guessing);
* formulas: the value Excel or LibreOffice computed and saved is read; a formula without a saved
  value (as written by openpyxl) and an error cell (``#DIV/0!``) are errors naming the cell;
* text: surrounding white space is dropped, numbers become text, dates become ``YYYY-MM-DD``.

Anything else (``十二``, ``—``, a date where a number belongs, a fractional year) is an error that
names the sheet, the cell, the column header, the row and the value, e.g.
``app.xlsx: 指标!H7 (目标值, YQ-03): expected a number, got '十二'``. The content is then validated
by :func:`~nzc_review.intake.validate_application` like a YAML file, and its errors are mapped back
to cells (``indicators.YQ-03.target`` → ``指标!H7 (目标值, YQ-03)``) or at least to rows.

Canonical form
--------------
A workbook cannot tell an empty entry from a missing one, so a round trip keeps every value but
drops empty entries (``profile: {2024: {}}``, ``schedule: {2025: []}``, ``proofs: {other: []}``, an
indicator without any value), reads an eligibility answer without evidence as a plain
``true``/``false``, strips surrounding white space from texts and keeps numbers to 16 significant
digits. Everything else, including evidence texts, notes, key projects in order and schedule
items in order, comes back equal.

Modules
-------
:mod:`.layout` (sheets, columns, styles, data validation), :mod:`.write` (templates and filled
workbooks), :mod:`.tables` (opening a workbook, finding headers and columns) and :mod:`.read`
(the application's fields, errors at ``sheet!cell``). The names below are the public ones.
"""

from __future__ import annotations

from nzc_review.intake.excel.layout import (
    BASIC,
    BASIS_TASKS,
    DATA_SHEETS,
    ELIGIBILITY,
    EMISSIONS,
    ENERGY,
    INDICATORS,
    INNOVATIVE,
    INSTRUCTIONS,
    OTHER_FUELS,
    PROJECTS,
    PROOFS,
    SAFEGUARDS,
    SCHEDULE,
    SHEETS,
)
from nzc_review.intake.excel.read import read_xlsx
from nzc_review.intake.excel.write import (
    build_workbook,
    workbook_bytes,
    write_template,
    write_workbook,
)

__all__ = [
    "BASIC",
    "BASIS_TASKS",
    "DATA_SHEETS",
    "ELIGIBILITY",
    "EMISSIONS",
    "ENERGY",
    "INDICATORS",
    "INNOVATIVE",
    "INSTRUCTIONS",
    "OTHER_FUELS",
    "PROJECTS",
    "PROOFS",
    "SAFEGUARDS",
    "SCHEDULE",
    "SHEETS",
    "build_workbook",
    "read_xlsx",
    "workbook_bytes",
    "write_template",
    "write_workbook",
]


def _register() -> None:
    from nzc_review.intake import register_reader

    register_reader((".xlsx",), read_xlsx)


_register()
