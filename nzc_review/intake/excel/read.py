"""Reading an application workbook back into plain data (the registered ``.xlsx`` reader).

Each sheet of :mod:`.layout` is read into the fields of ``nzc-application/1`` (DESIGN.md
contract 2) with the cell vocabulary of :mod:`nzc_review.intake.cells`; every problem names its
sheet, cell, column header, row and value (``app.xlsx: 指标!H7 (目标值, YQ-03): expected a
number, got '十二'``). The data is then validated like a YAML file, and the model's errors are
mapped back to the cells (or rows) that hold the fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from nzc_review.errors import InputError
from nzc_review.intake.cells import (
    CellError,
    normalize,
    parse_indicator,
    parse_number,
    parse_text,
    parse_whole,
    parse_year,
    parse_yesno,
    shown,
)
from nzc_review.intake.cells import where as cell_where
from nzc_review.intake.excel.fuel_sheet import read_other_fuels
from nzc_review.intake.excel.layout import (
    BASIC,
    BASIC_COLUMNS,
    BASIC_ITEMS,
    DATA_SHEETS,
    ELIGIBILITY,
    ELIGIBILITY_COLUMNS,
    EMISSIONS,
    EMISSIONS_COLUMNS,
    ENERGY,
    ENERGY_COLUMNS,
    ENERGY_FIELDS,
    ENERGY_TEXT_FIELDS,
    INDICATOR_COLUMNS,
    INDICATORS,
    PROFILE_FIELDS,
    PROJECTS,
    PROOFS,
    SAFEGUARD_COLUMNS,
    SAFEGUARDS,
    SCHEDULE,
    SCHEDULE_COLUMNS,
    SHEETS,
    project_columns,
    proof_columns,
)
from nzc_review.intake.excel.outline_sheets import read_basis_tasks, read_innovative
from nzc_review.intake.excel.tables import Table, TableReader, file_key, key_of, open_workbook
from nzc_review.policy import catalog
from nzc_review.policy.application import PROJECT_CATEGORY_ZH

__all__ = ["read_xlsx"]


def _parse_basis(value: object, number_format: str | None = None) -> str:
    """A reduction's 计算口径, by key or Chinese label (the catalog's ``BASIS_ZH``)."""
    if isinstance(value, str):
        text = normalize(value)
        for key, label in catalog.BASIS_ZH.items():
            if text in (key, label):
                return key
    wanted = "、".join(catalog.BASIS_ZH.values())
    raise CellError(f"expected one of {wanted}, got {shown(value)}")


def _parse_category(value: object, number_format: str | None = None) -> str:
    """A key project's 项目类别, by key or Chinese label (``PROJECT_CATEGORY_ZH``)."""
    if isinstance(value, str):
        text = normalize(value)
        for key, label in PROJECT_CATEGORY_ZH.items():
            if text in (key, label):
                return key
    wanted = "、".join(PROJECT_CATEGORY_ZH.values())
    raise CellError(f"expected one of {wanted}, got {shown(value)}")


def _parse_pilot_type(value: object, number_format: str | None = None) -> str:
    """A pilot type, by key, Chinese name, or the name without 近零碳排放 (``园区``)."""
    if isinstance(value, str):
        text = normalize(value)
        for key, label in catalog.PILOT_TYPE_ZH.items():
            if text in (key, label, label.removeprefix("近零碳排放")):
                return key
    wanted = "、".join(catalog.PILOT_TYPE_ZH.values())
    raise CellError(f"expected one of {wanted}, got {shown(value)}")


#: How a column or 基本信息 item of each kind (:class:`.layout.Column`) is read.
_PARSERS: dict[str, Callable[[object, str | None], object]] = {
    "text": parse_text,
    "number": lambda v, f: parse_number(v, f, "none"),
    "fraction": lambda v, f: parse_number(v, f, "fraction"),
    "year": parse_year,
    "whole": parse_whole,
    "yesno": parse_yesno,
    "basis": _parse_basis,
    "category": _parse_category,
    "pilot_type": _parse_pilot_type,
}


class _Reader(TableReader):
    """Reads one workbook into plain application data, collecting every problem."""

    # the whole workbook --------------------------------------------------------------------

    def run(self) -> dict:
        present = {normalize(n) for n in self.wb.sheetnames}
        if not present & set(DATA_SHEETS):
            raise InputError(
                self.source,
                "not an application workbook of nzc-review: none of the sheets "
                f"{'、'.join(DATA_SHEETS)} found (sheets: {'、'.join(self.wb.sheetnames)}); "
                "start from `nzc-review template --type TYPE OUT.xlsx`",
            )
        data: dict[str, Any] = {}
        pilot_type = self.basic(data)
        if pilot_type is not None:
            data["indicators"] = self.indicators(pilot_type)
            data["indicators"].update(read_innovative(self, pilot_type))
            data["eligibility"] = self.eligibility(pilot_type)
        self.years(data)
        read_other_fuels(self, data.setdefault("energy", {}))
        data["basis_and_feasibility"], data["main_tasks"] = read_basis_tasks(self)
        data["key_projects"] = self.projects()
        data["schedule"] = self.schedule()
        data["safeguards"] = self.safeguards()
        data["proofs"] = self.proofs()
        data = {k: v for k, v in data.items() if v not in ({}, [], None)}
        if pilot_type is not None:
            self.validate(data)
        if self.problems:
            self.problems.sort(key=lambda p: p[0])
            raise InputError(self.source, [(where, msg) for _k, where, msg in self.problems])
        return data

    def validate(self, data: dict) -> None:
        from nzc_review.intake import validate_application

        try:
            validate_application(data, self.source)
        except InputError as exc:
            for path, message in exc.problems:
                if _within(path, self.bad):
                    continue
                key, where = self.find(path)
                self.problems.append((key, where, message))

    def find(self, path: str) -> tuple[tuple, str]:
        probe = path
        while probe:
            if probe in self.locator:
                return self.locator[probe]
            probe = _parent(probe)
        return (len(SHEETS), 0, 0), path

    # 基本信息 ----------------------------------------------------------------------------------

    def basic(self, data: dict) -> str | None:
        t = self.table(BASIC, BASIC_COLUMNS)
        if t is None:
            return None
        items = {item.path: item for item in BASIC_ITEMS}
        by_label = {normalize(item.label): item.path for item in BASIC_ITEMS}
        seen: dict[str, int] = {}
        for row in t.data_rows():
            path = self.code_of(t, row, "field") if "field" in t.columns else ""
            if path not in items:
                label = self.code_of(t, row, "label") if "label" in t.columns else ""
                path = by_label.get(label, "")
            if not path:
                if not self.blank_row(t, row, ["value"]):
                    self.problem(
                        (t.order, row, 1),
                        self.row_where(t, row),
                        "a value in a row that is not an item of the form",
                    )
                continue
            if path in seen:
                self.problem(
                    (t.order, row, 1),
                    self.row_where(t, row, items[path].label),
                    f"{items[path].label} appears twice (rows {seen[path]} and {row})",
                )
                continue
            seen[path] = row
        for item in BASIC_ITEMS:
            if item.path not in seen:
                self.problem(
                    (t.order, 0, 0), BASIC, f"the row {item.label} ({item.path}) is missing"
                )
        pilot_type = None
        for path, row in seen.items():
            item = items[path]
            parse = _PARSERS[item.kind]
            value = self.read(t, row, "value", parse, path, item.label)
            if path == "period.end":
                self.locate("period", t, row, t.columns["value"], item.label)
            if path == "applicant.organization":
                self.locate("applicant", t, row, t.columns["value"], item.label)
            if value is None:
                if path == "pilot_type" and path not in self.bad:
                    self.problem(
                        (t.order, row, t.columns["value"]),
                        self.cell_where(t, row, t.columns["value"], item.label),
                        "required field is missing",
                        path,
                    )
                continue
            if path == "pilot_type":
                pilot_type = value
            head, _, tail = path.partition(".")
            if tail:
                data.setdefault(head, {})[tail] = value
            else:
                data[head] = value
        return pilot_type

    # 指标 --------------------------------------------------------------------------------------

    def indicators(self, pilot_type: str) -> dict:
        t = self.table(INDICATORS, INDICATOR_COLUMNS)
        if t is None:
            return {}
        rows = {ind.code: ind for ind in catalog.indicators(pilot_type)}
        value_keys = ("current", "target", "benchmark", "unit", "basis", "evidence", "note")
        out: dict[str, dict] = {}
        seen: dict[str, int] = {}
        for row in t.data_rows():
            code = self.code_of(t, row, "code").upper()
            if not code:
                if not self.blank_row(t, row, value_keys):
                    self.problem(
                        (t.order, row, 1),
                        self.row_where(t, row),
                        "values in a row without an indicator code (指标代码)",
                    )
                continue
            if code in seen:
                self.problem(
                    (t.order, row, 1),
                    self.row_where(t, row, code),
                    f"{code} appears twice (rows {seen[code]} and {row})",
                )
                continue
            seen[code] = row
            ind = rows.get(code)
            if ind is None:
                if not self.blank_row(t, row, value_keys):
                    other = catalog.indicator_index().get(code)
                    why = (
                        f"an indicator of pilot type {other.pilot_type}, not of {pilot_type}"
                        if other
                        else f"not an indicator code of {pilot_type}"
                    )
                    if catalog.is_innovative_code(code):
                        why += " (innovative indicators go on the sheet 创新指标)"
                    self.problem(
                        (t.order, row, 1), self.row_where(t, row, code), f"{code} is {why}"
                    )
                continue
            where = f"indicators.{code}"
            self.locate(where, t, row, None, code)
            number = partial(parse_indicator, indicator=ind)
            parsers: dict[str, Callable[[object, str | None], object]] = {
                "current": number,
                "target": number,
                "benchmark": partial(parse_indicator, indicator=ind, benchmark=True),
                "unit": parse_text,
                "basis": _parse_basis,
                "evidence": parse_text,
                "note": parse_text,
            }
            entry = {}
            for key, parse in parsers.items():
                value = self.read(t, row, key, parse, f"{where}.{key}", code)
                if value is not None:
                    entry[key] = value
            if entry:
                out[code] = entry
        for code, ind in rows.items():
            if code not in seen:
                self.problem(
                    (t.order, 0, 0), INDICATORS, f"the row of {code} ({ind.name_zh}) is missing"
                )
        return out

    # 碳排放, 能源与基础数据 ----------------------------------------------------------------------

    def years(self, data: dict) -> None:
        t = self.table(EMISSIONS, EMISSIONS_COLUMNS)
        if t is not None:
            emissions: dict[int, object] = {}
            for row, year in self.year_rows(t, ["emissions_tco2"]):
                value = self.read(
                    t,
                    row,
                    "emissions_tco2",
                    _PARSERS["number"],
                    f"emissions_tco2.{year}",
                    str(year),
                )
                if value is not None:
                    emissions[year] = value
            data["emissions_tco2"] = emissions
        t = self.table(ENERGY, ENERGY_COLUMNS)
        if t is not None:
            profile: dict[int, dict] = {}
            energy: dict[int, dict] = {}
            keys = [k for k, _ in PROFILE_FIELDS + ENERGY_FIELDS]
            for row, year in self.year_rows(t, keys):
                for group, fields, out in (
                    ("profile", PROFILE_FIELDS, profile),
                    ("energy", ENERGY_FIELDS, energy),
                ):
                    self.locate(f"{group}.{year}", t, row, None, str(year))
                    entry = {}
                    for key, _label in fields:
                        kind = "text" if key in ENERGY_TEXT_FIELDS else "number"
                        value = self.read(
                            t, row, key, _PARSERS[kind], f"{group}.{year}.{key}", str(year)
                        )
                        if value is not None:
                            entry[key] = value
                    if entry:
                        out[year] = entry
            data["profile"] = profile
            data["energy"] = energy

    def year_rows(self, t: Table, keys: list[str]) -> list[tuple[int, int]]:
        """(row, year) of every non-blank row of a per-year sheet; duplicates are problems."""
        out: list[tuple[int, int]] = []
        seen: dict[int, int] = {}
        for row in t.data_rows():
            if self.blank_row(t, row, ["year", *keys]):
                continue
            col = t.columns["year"]
            value, fmt, problem = self.value(t, row, col)
            where = self.cell_where(t, row, col)
            if problem:
                self.problem((t.order, row, col), where, problem)
                continue
            if value is None:
                self.problem((t.order, row, col), where, "the year is empty")
                continue
            try:
                year = parse_year(value, fmt)
            except CellError as exc:
                self.problem((t.order, row, col), where, str(exc))
                continue
            if year in seen:
                self.problem(
                    (t.order, row, col),
                    where,
                    f"the year {year} appears twice (rows {seen[year]} and {row})",
                )
                continue
            seen[year] = row
            out.append((row, year))
        return out

    # 重点项目 ------------------------------------------------------------------------------------

    def projects(self) -> list[dict]:
        columns = project_columns()
        t = self.table(PROJECTS, columns)
        if t is None:
            return []
        keys = [c.key for c in columns]
        out: list[dict] = []
        for row in t.data_rows():
            if self.blank_row(t, row, keys):
                continue
            i = len(out)
            name_value, _, _ = self.value(t, row, t.columns["name"])
            context = name_value.strip() if isinstance(name_value, str) else f"项目{i + 1}"
            context = context if len(context) <= 30 else context[:29] + "…"
            self.locate(f"key_projects[{i}]", t, row, None, context)
            entry = {}
            for spec in columns:
                value = self.read(
                    t, row, spec.key, _PARSERS[spec.kind], f"key_projects[{i}].{spec.key}", context
                )
                if value is not None:
                    entry[spec.key] = value
            out.append(entry)
        return out

    # 进度安排 ------------------------------------------------------------------------------------

    def schedule(self) -> dict[int, list[str]]:
        # years may be merged down the year column
        t = self.table(SCHEDULE, SCHEDULE_COLUMNS,
                       merged_ok=lambda t, rng: rng[1] == rng[3] == t.columns["year"])
        if t is None:
            return {}
        year_col = t.columns["year"]
        out: dict[int, list[str]] = {}
        year: int | None = None
        year_ok = True
        for row in t.data_rows():
            value, fmt, problem = self.value(t, row, year_col)
            where = self.cell_where(t, row, year_col)
            if problem:
                self.problem((t.order, row, year_col), where, problem)
                year_ok = False
            elif value is not None:
                try:
                    year = parse_year(value, fmt)
                    year_ok = True
                except CellError as exc:
                    self.problem((t.order, row, year_col), where, str(exc))
                    year_ok = False
            if self.blank_row(t, row, ["item"]):
                continue
            if year is None and year_ok:
                self.problem(
                    (t.order, row, year_col),
                    where,
                    "the year is empty (and there is no year above)",
                )
                year_ok = False
            items = out.setdefault(year, []) if year_ok and year is not None else []
            if year_ok and year is not None:
                if not items:
                    self.locate(f"schedule.{year}", t, row, None, str(year))
                path = f"schedule.{year}[{len(items)}]"
            else:
                path = f"schedule.?{row}"
            item = self.read(t, row, "item", parse_text, path, str(year or ""))
            if item and year_ok and year is not None:
                items.append(item)
        return {y: v for y, v in out.items() if v}

    # 保障措施, 遴选条件, 证明材料 ------------------------------------------------------------------

    def keyed_rows(self, t: Table, known: dict[str, str], value_keys: list[str]) -> dict[str, int]:
        """Row of every known id of a fixed table; missing, unknown and doubled ids are problems."""
        seen: dict[str, int] = {}
        by_label = {normalize(label): key for key, label in known.items()}
        label_key = "label" if "label" in t.columns else "text" if "text" in t.columns else None
        for row in t.data_rows():
            key = self.code_of(t, row, "id")
            if key not in known and label_key:
                key = by_label.get(self.code_of(t, row, label_key), key)
            if not key:
                if not self.blank_row(t, row, value_keys):
                    self.problem(
                        (t.order, row, 1), self.row_where(t, row), "values in a row without an id"
                    )
                continue
            if key not in known:
                if not self.blank_row(t, row, value_keys):
                    self.problem(
                        (t.order, row, 1),
                        self.row_where(t, row, key),
                        f"unknown id {key!r}; expected one of {', '.join(known)}",
                    )
                continue
            if key in seen:
                self.problem(
                    (t.order, row, 1),
                    self.row_where(t, row, key),
                    f"{key} appears twice (rows {seen[key]} and {row})",
                )
                continue
            seen[key] = row
        for key, label in known.items():
            if key not in seen:
                self.problem((t.order, 0, 0), t.name, f"the row of {key} ({label}) is missing")
        return seen

    def safeguards(self) -> dict:
        t = self.table(SAFEGUARDS, SAFEGUARD_COLUMNS)
        if t is None:
            return {}
        known = {s.id: s.label_zh for s in catalog.outline().safeguards}
        out = {}
        for key, row in self.keyed_rows(t, known, ["value"]).items():
            value = self.read(t, row, "value", parse_yesno, f"safeguards.{key}", key)
            if value is not None:
                out[key] = value
        return out

    def eligibility(self, pilot_type: str) -> dict:
        t = self.table(ELIGIBILITY, ELIGIBILITY_COLUMNS)
        if t is None:
            return {}
        known = {c.id: c.text_zh for c in catalog.selection_conditions(pilot_type)}
        out: dict[str, object] = {}
        for key, row in self.keyed_rows(t, known, ["answer", "evidence"]).items():
            path = f"eligibility.{key}"
            self.locate(path, t, row, None, key)
            answer = self.read(t, row, "answer", parse_yesno, f"{path}.value", key)
            evidence = self.read(t, row, "evidence", parse_text, f"{path}.evidence", key)
            if f"{path}.value" in self.bad:
                continue
            if answer is None:
                if evidence:
                    col = t.columns["answer"]
                    self.problem(
                        (t.order, row, col),
                        self.cell_where(t, row, col, key),
                        "佐证说明 is given but 是否满足 is empty: answer 是 or 否",
                        path,
                    )
                continue
            out[key] = {"value": answer, "evidence": evidence} if evidence else answer
        return out

    def proofs(self) -> dict:
        t = self.table(
            PROOFS,
            proof_columns(),
            extra=lambda text: text.startswith("file_") and file_key(text) is not None,
        )
        if t is None:
            return {}
        known = {p.id: p.label_zh for p in catalog.outline().proofs}
        fixed = {"number", "id", "label"}
        file_cols = sorted(c for k, c in t.columns.items() if k not in fixed)
        last_fixed = max(c for k, c in t.columns.items() if k in fixed)
        out: dict[str, list[str]] = {}
        for key, row in self.keyed_rows(t, known, [k for k in t.columns if k not in fixed]).items():
            self.locate(f"proofs.{key}", t, row, None, key)
            # file columns, then anything typed further right without a header
            beyond = [c for c in t.cells.get(row, {}) if c > last_fixed and c not in file_cols]
            names = []
            for col in sorted(set(file_cols) | set(beyond)):
                value, _fmt, problem = self.value(t, row, col)
                where = cell_where(t.name, row, col, t.labels.get(key_of(t, col), "文件"), key)
                if problem:
                    self.problem((t.order, row, col), where, problem, f"proofs.{key}")
                    continue
                if value is None:
                    continue
                try:
                    names.append(parse_text(value))
                except CellError as exc:
                    self.problem((t.order, row, col), where, str(exc), f"proofs.{key}")
            if names:
                out[key] = names
        return out


def _parent(path: str) -> str:
    """``key_projects[2].name`` → ``key_projects[2]`` → ``key_projects`` → ``''``."""
    m = re.match(r"^(.*?)(?:\.[^.\[\]]+|\[\d+\])$", path)
    return m.group(1) if m else ""


def _within(path: str, bad: set[str]) -> bool:
    probe = path
    while probe:
        if probe in bad:
            return True
        probe = _parent(probe)
    return False


def read_xlsx(path: Path) -> dict:
    """Read an application workbook into plain data (the registered ``.xlsx`` reader).

    The data is also validated (:func:`~nzc_review.intake.validate_application`) so that model
    errors can be reported at their cells.

    Raises
    ------
    InputError
        naming the sheet, cell, column header, row and value of every problem, e.g.
        ``app.xlsx: 指标!H7 (目标值, YQ-03): expected a number, got '十二'``.
    """
    path = Path(path)
    values, formulas = open_workbook(path)
    return _Reader(path.name, values, formulas).run()
