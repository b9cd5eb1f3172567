"""Writing application workbooks: the empty template of a pilot type and filled workbooks.

:func:`write_template` gives applicants the form to fill; :func:`write_workbook` writes an
application as a filled workbook (``nzc-review convert app.yaml app.xlsx``). Both lay out the
sheets of :mod:`.layout`, store texts as texts (never as formulas, OWASP CSV Injection, see
:mod:`nzc_review.files.excel_safety`) and write the file whole or not at all
(:func:`nzc_review.files.atomic.write_atomic`).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nzc_review.errors import InputError
from nzc_review.files.atomic import write_atomic
from nzc_review.intake.cells import column_letter
from nzc_review.intake.excel.fuel_sheet import write_other_fuels
from nzc_review.intake.excel.layout import (
    BASIC,
    BASIC_COLUMNS,
    BASIC_ITEMS,
    BASIS_TASKS,
    CONDITION_KIND_ZH,
    ELIGIBILITY,
    ELIGIBILITY_COLUMNS,
    EMISSIONS,
    EMISSIONS_COLUMNS,
    ENERGY,
    ENERGY_COLUMNS,
    ENERGY_FIELDS,
    FILE_COLUMNS,
    FIRST_ROW,
    FORMATS,
    HEADER_ROW,
    HINT_ROW,
    INDICATOR_COLUMNS,
    INDICATORS,
    INNOVATIVE,
    INSTRUCTIONS,
    KEY_ROW,
    MAX_TEXT,
    OTHER_FUELS,
    PROFILE_FIELDS,
    PROJECTS,
    PROOFS,
    SAFEGUARD_COLUMNS,
    SAFEGUARDS,
    SCHEDULE,
    SCHEDULE_COLUMNS,
    TITLE_ROW,
    VALIDATIONS,
    YES_NO,
    Column,
    project_columns,
    proof_columns,
    styles,
    value_validation,
)
from nzc_review.intake.excel.outline_sheets import (
    mark_layout,
    write_basis_tasks,
    write_innovative,
)
from nzc_review.policy import catalog
from nzc_review.policy.application import FORMAT, PROJECT_CATEGORY_ZH, Application

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["build_workbook", "workbook_bytes", "write_template", "write_workbook"]


class _Writer:
    """Builds the workbook of one pilot type, optionally filled with an application."""

    def __init__(self, pilot_type: str, app: Application | None, source: str):
        from openpyxl import Workbook

        if pilot_type not in catalog.PILOT_TYPES:
            raise InputError(
                source,
                f"unknown pilot type {pilot_type!r}; expected one of {', '.join(catalog.PILOT_TYPES)}",
            )
        self.pilot_type = pilot_type
        self.app = app
        self.source = source
        self.wb = Workbook()
        self.s = styles()
        self.problems: list[tuple[str, str]] = []
        self._styled: dict[tuple, Any] = {}  # style key → StyleArray

    # cells -----------------------------------------------------------------------------------

    def put(self, ws: Worksheet, row: int, col: int, value: object, path: str = "") -> Cell:
        """Write ``value``; text is always stored as text (never as a formula), see
        :mod:`nzc_review.files.excel_safety`."""
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        from nzc_review.files.excel_safety import as_text

        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            if ILLEGAL_CHARACTERS_RE.search(value):
                self.problems.append((path, "contains a control character Excel cannot store"))
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if len(value) > MAX_TEXT:
                self.problems.append((path, f"longer than Excel's {MAX_TEXT} characters per cell"))
                value = value[:MAX_TEXT]
            cell.value = value
            as_text(cell)  # a string cell, quote-prefixed when it begins with = + - @ (OWASP)
        else:
            cell.value = value
        return cell

    def style(
        self, cell: Cell, *, locked: bool, wrap: bool = False, fmt: str | None = None
    ) -> None:
        """Style a data cell: grey and locked, or pale yellow to fill in."""
        from copy import copy

        from openpyxl.styles import Alignment, Protection

        key = (locked, wrap, fmt)
        done = self._styled.get(key)
        if done is not None:  # copying the style array is much faster than setting styles
            cell._style = copy(done)
            return
        cell.font = self.s.font
        cell.border = self.s.border
        cell.fill = self.s.locked_fill if locked else self.s.input_fill
        cell.protection = Protection(locked=locked)
        cell.alignment = Alignment(vertical="top", wrap_text=wrap)
        if fmt:
            cell.number_format = fmt
        self._styled[key] = copy(cell._style)

    def table_sheet(
        self, title: str, heading: str, hint: str, columns: tuple[Column, ...], rows: int
    ) -> Worksheet:
        """A data sheet: title, hint, headers, hidden key row and ``rows`` formatted rows."""
        from openpyxl.styles import Alignment, Protection

        ws = self.wb.create_sheet(title)
        last = column_letter(len(columns))
        ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
        ws.merge_cells(f"A{HINT_ROW}:{last}{HINT_ROW}")
        cell = ws.cell(TITLE_ROW, 1, heading)
        cell.font = self.s.title
        cell = ws.cell(HINT_ROW, 1, hint)
        cell.font = self.s.small
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[TITLE_ROW].height = 24
        ws.row_dimensions[HINT_ROW].height = max(30, 15 * (1 + len(hint) // 90))
        for col, spec in enumerate(columns, start=1):
            cell = ws.cell(HEADER_ROW, col, spec.label)
            cell.font = self.s.bold
            cell.fill = self.s.header_fill
            cell.border = self.s.border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.protection = Protection(locked=True)
            key = ws.cell(KEY_ROW, col, spec.key)
            key.font = self.s.key
            ws.column_dimensions[column_letter(col)].width = spec.width
            for row in range(FIRST_ROW, FIRST_ROW + rows):
                self.style(
                    ws.cell(row, col),
                    locked=spec.locked,
                    wrap=spec.wrap,
                    fmt=FORMATS.get(spec.kind),
                )
        ws.row_dimensions[HEADER_ROW].height = 32
        ws.row_dimensions[KEY_ROW].hidden = True
        ws.freeze_panes = f"A{FIRST_ROW}"
        self.protect(ws, rows_editable=False)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        return ws

    def protect(self, ws: Worksheet, *, rows_editable: bool) -> None:
        """Sheet protection without a password: locked cells stay, users may unprotect."""
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        ws.protection.formatCells = True
        ws.protection.insertRows = not rows_editable
        ws.protection.deleteRows = not rows_editable

    def validation(self, ws: Worksheet, kind: str, ranges: Iterable[str], **extra: Any) -> None:
        """Excel data validation (drop-down lists, numbers, whole-number years)."""
        from openpyxl.worksheet.datavalidation import DataValidation

        ranges = [r for r in ranges if r]
        if not ranges:
            return
        spec = dict(VALIDATIONS[kind])
        spec.update(extra)
        dv = DataValidation(
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="stop",
            **spec,
        )
        for r in ranges:
            dv.add(r)
        ws.add_data_validation(dv)

    # sheets ------------------------------------------------------------------------------------

    def build(self) -> Workbook:
        from openpyxl.workbook.protection import WorkbookProtection

        self.wb.remove(self.wb.active)
        self.instructions()
        self.basic()
        self.indicators()
        write_innovative(self)
        self.emissions()
        self.energy()
        write_other_fuels(self)
        write_basis_tasks(self)
        self.projects()
        self.schedule()
        self.safeguards()
        self.eligibility()
        self.proofs()
        self.wb.active = 0
        self.wb.security = WorkbookProtection(lockStructure=True)
        mark_layout(self.wb)
        props = self.wb.properties
        props.creator = "nzc-review"
        props.title = (
            self.app.name if self.app else f"{catalog.PILOT_TYPE_ZH[self.pilot_type]}试点申报表"
        )
        if self.problems:
            raise InputError(self.source, self.problems)
        return self.wb

    def instructions(self) -> None:
        from openpyxl.styles import Alignment

        ws = self.wb.create_sheet(INSTRUCTIONS)
        table = catalog.indicator_table(self.pilot_type)
        type_zh = catalog.PILOT_TYPE_ZH[self.pilot_type]
        lines: list[tuple[str, str]] = [
            ("title", f"{type_zh}试点申报表（{FORMAT}）填表说明"),
            (
                "",
                "依据：《河池市近零碳排放区试点建设工作方案（试行）》（河环发〔2023〕23号）"
                f"附件1 {table.source.split('附件1', 1)[-1].strip()}、二、遴选条件、附件2 创建方案（编制大纲）。",
            ),
            ("", ""),
            ("head", "一、通用规则"),
            (
                "",
                "1. 浅黄色单元格为填写区；灰色单元格为预填内容（指标、条件、材料类别等），已锁定。",
            ),
            (
                "",
                "2. 工作表和工作簿已保护但未设密码，确需调整时可在“审阅 → 撤销工作表保护”解除。"
                "请勿修改工作表名称、表头和隐藏的字段键行（第4行）。",
            ),
            ("", "3. 是/否类单元格从下拉列表选择“是”或“否”（也可识别 √/×、对/错、有/无、Y/N）。"),
            (
                "",
                "4. 百分数按百分数值填写：12 表示 12%，也可填“12%”。降幅类指标填较基准年下降的百分数，"
                "如 40 表示下降 40%。无规划情景年增长率填 2% 或 0.02。",
            ),
            (
                "",
                "5. 数值只填数字（可含千分位，如 1,200），不要填文字或单位；年份填四位整数（1990–2100）。",
            ),
            (
                "",
                "6. 没有数据的单元格请留空，不要填“无”“/”“—”。可以使用公式，但须在 Excel 或 WPS、"
                "LibreOffice 中保存后提交（保存时才会写入计算结果）。",
            ),
            ("", ""),
            ("head", "二、各工作表"),
            ("", f"{BASIC}：申报编号、试点名称、申报主体、基准年、建设期等。"),
            (
                "",
                f"{INDICATORS}：{table.source.split('附件1', 1)[-1].strip()}各项指标已预填。"
                "现状值为最近核算年度的状态，目标值为建设期末（目标年）承诺达到的状态。"
                "定性指标填是/否（满足参考值要求填“是”；“不得使用”类指标未使用即填“是”）；"
                "“优于……基准值”类指标须填写基准值；计算口径仅降幅类指标填写（有多种口径时选一种）。"
                "鼓励提出更高目标。",
            ),
            (
                "",
                f"{INNOVATIVE}：附件2 三鼓励提出的创新指标（可选），每个一行，代码按 "
                f"{catalog.innovative_code(self.pilot_type, 1)}、"
                f"{catalog.innovative_code(self.pilot_type, 2)}……编号，填名称、单位、方向、现状值和"
                "目标值；按方向以目标值对比现状值判定，不计入核心指标门槛（本工具默认规则）。",
            ),
            ("", f"{EMISSIONS}：每年一行，填核算的碳排放总量（tCO2），至少包括基准年。"),
            (
                "",
                f"{ENERGY}：每年一行，填人口、建筑面积、产值、工业增加值（计算人均、单位面积、"
                "单位产值碳排放用）及各类能源消费量（碳排放核算用），工业过程排放和碳汇清除量"
                "（须填核算方法），均可选填。",
            ),
            (
                "",
                f"{OTHER_FUELS}：本工具未提供排放因子的其他燃料，每年每种一行，须填折标准煤系数、"
                "CO2排放因子及其来源。",
            ),
            (
                "",
                f"{BASIS_TASKS}：附件2 二的有利条件和面临障碍、工作基础及特色亮点、可行性结论各填一行；"
                "附件2 四的主要任务按规划建设、能源利用、资源环境、技术工艺、运营管理分方面填写，每项任务一行。",
            ),
            ("", f"{PROJECTS}：附件2 五、重点项目，每个项目一行，名称必填，按顺序填写。"),
            ("", f"{SCHEDULE}：附件2 六、进度安排，每项工作一行；年份留空表示与上一行同一年。"),
            ("", f"{SAFEGUARDS}：附件2 七、保障措施，逐项填是/否。"),
            ("", f"{ELIGIBILITY}：本类型试点的遴选条件，逐条填是否满足，并可填写佐证说明。"),
            (
                "",
                f"{PROOFS}：附件2 八、有关证明材料，在“文件1、文件2……”列填写随附材料的文件名，每格一个。",
            ),
            ("", ""),
            ("head", "三、检查"),
            (
                "",
                "填好后可运行 nzc-review check 本文件.xlsx 检查。错误信息指明工作表、单元格、列名和填写值，"
                "如：指标!H7 (目标值, YQ-03): expected a number, got '十二'。",
            ),
        ]
        ws.column_dimensions["A"].width = 120
        for row, (kind, text) in enumerate(lines, start=1):
            cell = ws.cell(row, 1, text)
            cell.font = {"title": self.s.title, "head": self.s.bold}.get(kind, self.s.font)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if len(text) > 60:
                ws.row_dimensions[row].height = 15 * (1 + len(text) // 60)
        self.protect(ws, rows_editable=False)

    def basic(self) -> None:
        from openpyxl.styles import Protection

        ws = self.table_sheet(
            BASIC,
            f"基本信息 — {catalog.PILOT_TYPE_ZH[self.pilot_type]}试点",
            "在“填写内容”列填写；灰色内容由模板确定。",
            BASIC_COLUMNS,
            rows=len(BASIC_ITEMS),
        )
        ws.column_dimensions["D"].hidden = True
        app = self.app
        values: dict[str, object] = {
            "format": FORMAT,
            "pilot_type": catalog.PILOT_TYPE_ZH[self.pilot_type],
            "base_year": 2022,
        }
        if app is not None:
            values.update(
                {
                    "id": app.id,
                    "name": app.name,
                    "base_year": app.base_year,
                    "bau_growth_rate": app.bau_growth_rate,
                }
            )
            if app.applicant:
                for key in ("organization", "county", "contact", "phone"):
                    values[f"applicant.{key}"] = getattr(app.applicant, key)
            if app.period:
                values["period.start"] = app.period.start
                values["period.end"] = app.period.end
        for row, item in enumerate(BASIC_ITEMS, start=FIRST_ROW):
            self.put(ws, row, 1, item.label)
            self.put(ws, row, 3, item.hint)
            self.put(ws, row, 4, item.path)
            ws.cell(row, 4).font = self.s.key
            value_cell = ws.cell(row, 2)
            value_cell.protection = Protection(locked=item.locked)
            value_cell.fill = self.s.locked_fill if item.locked else self.s.input_fill
            value_cell.number_format = FORMATS.get(item.kind, "General")
            value = values.get(item.path)
            if value is not None:
                self.put(ws, row, 2, value, item.path)
            if item.kind == "year":
                self.validation(ws, "year", [f"B{row}"])
            elif item.kind == "fraction":
                self.validation(ws, "fraction", [f"B{row}"])
        ws.freeze_panes = f"B{FIRST_ROW}"

    def indicators(self) -> None:
        rows = catalog.indicators(self.pilot_type)
        table = catalog.indicator_table(self.pilot_type)
        ws = self.table_sheet(
            INDICATORS,
            f"指标 — {table.source.split('附件1', 1)[-1].strip()}",
            "灰色为政策规定（锁定）。现状值：最近核算年度；目标值：建设期末。百分数填百分数值（12 表示 12%）；"
            "定性指标填是/否；“优于基准值”类指标填基准值；降幅类指标可选计算口径。选中单元格可看填写提示。",
            INDICATOR_COLUMNS,
            rows=len(rows),
        )
        col = {c.key: i for i, c in enumerate(INDICATOR_COLUMNS, start=1)}
        groups: dict[tuple, list[str]] = {}
        for r, ind in enumerate(rows, start=FIRST_ROW):
            for key, value in (
                ("code", ind.code),
                ("category", ind.category),
                ("name", ind.name_zh),
                ("catalog_unit", ind.unit),
                ("reference", catalog.display_reference(ind.reference)),
                ("type", catalog.INDICATOR_TYPE_ZH[ind.type]),
            ):
                self.put(ws, r, col[key], value)
            values = f"{column_letter(col['current'])}{r}:{column_letter(col['target'])}{r}"
            groups.setdefault(value_validation(ind), []).append(values)
            benchmark = ws.cell(r, col["benchmark"])
            basis = ws.cell(r, col["basis"])
            if ind.rule.kind == "benchmark":
                groups.setdefault(value_validation(ind), []).append(benchmark.coordinate)
            else:
                self.style(benchmark, locked=True)
            if ind.rule.kind == "reduction":
                labels = ",".join(catalog.BASIS_ZH[b] for b in ind.rule.basis)
                self.validation(ws, "basis", [basis.coordinate], formula1=f'"{labels}"')
            else:
                self.style(basis, locked=True)
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(ind.name_zh) / 15))
        for (kind, prompt), ranges in groups.items():
            self.validation(ws, kind, ranges, prompt=prompt)
        ws.freeze_panes = f"D{FIRST_ROW}"
        if self.app is not None:
            by_code = {ind.code: r for r, ind in enumerate(rows, start=FIRST_ROW)}
            for code, value in self.app.indicators.items():
                if code not in by_code:  # an innovative indicator: on its own sheet
                    continue
                r = by_code[code]
                for key in ("current", "target", "benchmark", "unit", "evidence", "note"):
                    v = getattr(value, key)
                    if isinstance(v, bool):
                        v = YES_NO[0] if v else YES_NO[1]
                    if v is not None:
                        self.put(ws, r, col[key], v, f"indicators.{code}.{key}")
                if value.basis is not None:
                    self.put(ws, r, col["basis"], catalog.BASIS_ZH[value.basis])

    def emissions(self) -> None:
        app = self.app
        data = sorted(app.emissions_tco2.items()) if app else []
        ws = self.table_sheet(
            EMISSIONS,
            "碳排放 — 历年碳排放核算总量",
            "每年一行：年份（四位整数）和核算的碳排放总量（tCO2），至少包括基准年。",
            EMISSIONS_COLUMNS,
            rows=max(20, len(data) + 10),
        )
        self.protect(ws, rows_editable=True)
        n = max(20, len(data) + 10)
        self.validation(ws, "year", [f"A{FIRST_ROW}:A{FIRST_ROW + n - 1}"])
        self.validation(ws, "number", [f"B{FIRST_ROW}:B{FIRST_ROW + n - 1}"])
        for r, (year, value) in enumerate(data, start=FIRST_ROW):
            self.put(ws, r, 1, year)
            self.put(ws, r, 2, value)

    def energy(self) -> None:
        app = self.app
        years = sorted(set(app.profile) | set(app.energy)) if app else []
        n = max(20, len(years) + 10)
        ws = self.table_sheet(
            ENERGY,
            "能源与基础数据 — 分母与能源消费量（按年）",
            "每年一行。人口、建筑面积、产值、工业增加值为计算人均、单位面积、单位产值碳排放的分母；"
            "能源消费量用于碳排放核算（外购电力含绿电；自发自用可再生能源电力不含在外购电力中；生物质按实测"
            "热值折标准煤填报，不计CO2排放）。工业过程排放、碳汇清除量须同时填写核算方法；碳汇单列，"
            "不从碳排放总量中扣除（本工具默认规则）。其他燃料填在“其他燃料”表。均可选填。",
            ENERGY_COLUMNS,
            rows=n,
        )
        self.protect(ws, rows_editable=True)
        end = FIRST_ROW + n - 1
        self.validation(ws, "year", [f"A{FIRST_ROW}:A{end}"])
        self.validation(ws, "number", [
            f"{column_letter(c)}{FIRST_ROW}:{column_letter(c)}{end}"
            for c, spec in enumerate(ENERGY_COLUMNS, start=1) if spec.kind == "number"])
        ws.freeze_panes = f"B{FIRST_ROW}"
        for r, year in enumerate(years, start=FIRST_ROW):
            self.put(ws, r, 1, year)
            profile = app.profile.get(year) if app else None
            energy = app.energy.get(year) if app else None
            for c, (key, _label) in enumerate(PROFILE_FIELDS + ENERGY_FIELDS, start=2):
                group = "profile" if key in dict(PROFILE_FIELDS) else "energy"
                source = profile if group == "profile" else energy
                value = getattr(source, key) if source is not None else None
                if value is not None:
                    self.put(ws, r, c, value, f"{group}.{year}.{key}")

    def projects(self) -> None:
        columns = project_columns()
        projects = self.app.key_projects if self.app else []
        n = max(50, len(projects) + 20)
        ws = self.table_sheet(
            PROJECTS,
            "重点项目 — 附件2 五、重点项目",
            "每个项目一行（名称必填）：建设内容、实施计划、建设主体、建设周期（开始年、结束年）、"
            "预期碳减排量（tCO2/年）、投资规模（万元）、寿命年限（年，用于成本效益分析）、"
            "项目类别（可选；绿电交易/绿证在基于位置口径下不计减排，留空时按名称推断）。",
            columns,
            rows=n,
        )
        self.protect(ws, rows_editable=True)
        end = FIRST_ROW + n - 1
        for c, spec in enumerate(columns, start=1):
            rng = f"{column_letter(c)}{FIRST_ROW}:{column_letter(c)}{end}"
            if spec.kind in ("year", "number"):
                self.validation(ws, spec.kind, [rng])
            elif spec.kind == "whole":
                self.validation(ws, "lifetime", [rng])
            elif spec.kind == "category":
                self.validation(ws, "category", [rng])
        for r, project in enumerate(projects, start=FIRST_ROW):
            for c, spec in enumerate(columns, start=1):
                value = getattr(project, spec.key)
                if spec.kind == "category" and value is not None:
                    value = PROJECT_CATEGORY_ZH[value]
                if value is not None:
                    self.put(ws, r, c, value, f"key_projects[{r - FIRST_ROW}].{spec.key}")

    def schedule(self) -> None:
        items = (
            [(y, item) for y, lst in sorted(self.app.schedule.items()) for item in lst]
            if (self.app)
            else []
        )
        n = max(60, len(items) + 20)
        ws = self.table_sheet(
            SCHEDULE,
            "进度安排 — 附件2 六、年度实施计划和工作内容",
            "每项工作一行：年份和工作内容；年份留空表示与上一行同一年。",
            SCHEDULE_COLUMNS,
            rows=n,
        )
        self.protect(ws, rows_editable=True)
        self.validation(ws, "year", [f"A{FIRST_ROW}:A{FIRST_ROW + n - 1}"])
        previous = None
        for r, (year, item) in enumerate(items, start=FIRST_ROW):
            if year != previous:
                self.put(ws, r, 1, year)
            previous = year
            self.put(ws, r, 2, item, f"schedule.{year}")

    def safeguards(self) -> None:
        items = catalog.outline().safeguards
        ws = self.table_sheet(
            SAFEGUARDS,
            "保障措施 — 附件2 七",
            "逐项填写是否落实（是/否）。",
            SAFEGUARD_COLUMNS,
            rows=len(items),
        )
        for r, item in enumerate(items, start=FIRST_ROW):
            self.put(ws, r, 1, item.id)
            self.put(ws, r, 2, item.label_zh)
            value = getattr(self.app.safeguards, item.id) if self.app else None
            if value is not None:
                self.put(ws, r, 3, YES_NO[0] if value else YES_NO[1])
        self.validation(ws, "yesno", [f"C{FIRST_ROW}:C{FIRST_ROW + len(items) - 1}"])

    def eligibility(self) -> None:
        conditions = catalog.selection_conditions(self.pilot_type)
        ws = self.table_sheet(
            ELIGIBILITY,
            f"遴选条件 — {catalog.PILOT_TYPE_ZH[self.pilot_type]}（河环发〔2023〕23号 二、遴选条件）",
            "逐条填写是否满足（是/否），可在佐证说明中写明依据（文件名称、文号等）。"
            "必备条件须满足；优先考虑条件满足的优先入选。",
            ELIGIBILITY_COLUMNS,
            rows=len(conditions),
        )
        for r, cond in enumerate(conditions, start=FIRST_ROW):
            self.put(ws, r, 1, cond.id)
            self.put(ws, r, 2, cond.text_zh)
            self.put(ws, r, 3, CONDITION_KIND_ZH[cond.kind])
            self.put(ws, r, 4, cond.source)
            given = self.app.eligibility.get(cond.id) if self.app else None
            if given is not None:
                value = given if isinstance(given, bool) else given.value
                self.put(ws, r, 5, YES_NO[0] if value else YES_NO[1])
                if not isinstance(given, bool) and given.evidence is not None:
                    self.put(ws, r, 6, given.evidence, f"eligibility.{cond.id}.evidence")
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(cond.text_zh) / 26))
        self.validation(ws, "yesno", [f"E{FIRST_ROW}:E{FIRST_ROW + len(conditions) - 1}"])

    def proofs(self) -> None:
        kinds = catalog.outline().proofs
        proofs = self.app.proofs if self.app else {}
        files = max([FILE_COLUMNS, *(len(v) for v in proofs.values())])
        columns = proof_columns(files)
        ws = self.table_sheet(
            PROOFS,
            "证明材料 — 附件2 八、有关证明材料",
            "在“文件1、文件2……”列填写随附材料的文件名，每格一个，从文件1起依次填写。",
            columns,
            rows=len(kinds),
        )
        for r, kind in enumerate(kinds, start=FIRST_ROW):
            self.put(ws, r, 1, kind.number)
            self.put(ws, r, 2, kind.id)
            self.put(ws, r, 3, kind.label_zh)
            for c, name in enumerate(proofs.get(kind.id, []), start=4):
                self.put(ws, r, c, name, f"proofs.{kind.id}")
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(kind.label_zh) / 24))
        ws.freeze_panes = f"D{FIRST_ROW}"


# --- output -------------------------------------------------------------------------------------


def build_workbook(pilot_type: str, app: Application | None = None, source: str = "") -> Workbook:
    """The workbook of a pilot type: an empty template, or filled with ``app``.

    Parameters
    ----------
    pilot_type:
        One of :data:`nzc_review.policy.catalog.PILOT_TYPES`.
    app:
        The application to fill in (its pilot type must be ``pilot_type``), or ``None``.
    source:
        Name used in error messages (the file the application came from).

    Raises
    ------
    InputError
        When a text cannot be stored in Excel (control characters, more than 32 767 characters).
    """
    if app is not None and app.pilot_type != pilot_type:
        raise InputError(source, [("pilot_type", f"expected {pilot_type}, got {app.pilot_type}")])
    return _Writer(pilot_type, app, source or "workbook").build()


def _timestamp() -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) or now, in UTC without tzinfo."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        stamp = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    else:
        stamp = dt.datetime.now(tz=dt.UTC)
    return max(stamp, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)).replace(tzinfo=None, microsecond=0)


def workbook_bytes(wb: Workbook) -> bytes:
    """The ``.xlsx`` bytes of a workbook, with one timestamp throughout (see :func:`_timestamp`),
    so that the same content and ``SOURCE_DATE_EPOCH`` give the same bytes; carriage returns in
    texts are kept (:func:`nzc_review.files.excel_safety.keep_carriage_returns`)."""
    from nzc_review.files.excel_safety import keep_carriage_returns

    stamp = _timestamp()
    wb.properties.created = stamp
    wb.properties.modified = stamp
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with (
        zipfile.ZipFile(io.BytesIO(keep_carriage_returns(raw.getvalue()))) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + iso + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(entry, data)
    return out.getvalue()


def write_template(pilot_type: str, path: str | Path) -> None:
    """Write the empty application template of a pilot type to ``path`` (atomically)."""
    write_atomic(
        path, workbook_bytes(build_workbook(pilot_type, source=Path(path).name)), make_parents=False
    )


def write_workbook(app: Application, path: str | Path, source: str = "") -> None:
    """Write an application as a filled workbook to ``path`` (atomically).

    ``source`` names the application's own file in error messages.
    """
    wb = build_workbook(app.pilot_type, app, source or Path(path).name)
    write_atomic(path, workbook_bytes(wb), make_parents=False)

