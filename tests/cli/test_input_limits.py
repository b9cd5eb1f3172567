"""Input limits and safe values (nzc_review/limits.py): hostile or absurd files are refused with
one clear error line naming the file, ids are safe names, numbers are finite and plausible, and
every JSON and table the tool prints holds finite numbers only."""

from __future__ import annotations

import copy
import io
import json
import re
import time
import zipfile
from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from nzc_review import limits
from nzc_review.cli.main import main
from nzc_review.cli.output import strict_json
from nzc_review.errors import InputError
from nzc_review.intake import load_application
from nzc_review.lifecycle.intake import load_document
from nzc_review.limits import DEFAULT, Limits, override
from tests.conftest import EXAMPLES, ROOT, minimal_app
from tests.fixtures.applications import FAST_DUMPER, read_yaml

LIFECYCLE = ROOT / "examples" / "lifecycle"
PARK_YAML = EXAMPLES / "park-pass.yaml"
PARK_XLSX = EXAMPLES / "park-pass.xlsx"


def park() -> dict:
    return read_yaml(PARK_YAML)


def _strict(text: str) -> object:
    """JSON as RFC 8259 has it: NaN and Infinity are not numbers."""

    def refuse(name: str) -> object:
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def refused(path: Path, loader=load_application) -> InputError:
    """The InputError of loading ``path``; every line of its message starts with the file."""
    with pytest.raises(InputError) as info:
        loader(path)
    message = info.value.message
    for line in message.splitlines():
        assert line.startswith(f"{path.name}: "), message
    return info.value


def cli(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


# --- ids are safe names ---------------------------------------------------------------------------

BAD_IDS = [".", "..", "...", ".hidden", "-rf", "a/b", "..\\x", "a\nb", "a\x00b", "a b", "", "x" * 65]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_unsafe_application_id_is_an_input_error(write_app, bad):
    error = refused(write_app(minimal_app("park", id=bad)))
    assert error.problems[0][0] == "id"
    assert "must start with a letter or digit" in error.problems[0][1]


@pytest.mark.parametrize("good", ["A", "0", "HC-2024-YQ-001", "a..b", "a.b_c-d", "x" * 64])
def test_safe_ids_load(write_app, good):
    assert load_application(write_app(minimal_app("park", id=good))).id == good


@pytest.mark.parametrize("bad", [".", ".."])
def test_check_refuses_dot_ids_with_status_2(tmp_path, capsys, bad):
    data = park()
    data["id"] = bad
    path = tmp_path / "app.yaml"
    path.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    status, out, err = cli(capsys, "check", str(path))
    assert status == 2
    assert err.startswith("app.yaml: id: an id may contain only letters")
    assert out == ""


@pytest.mark.parametrize("bad", [".", ".."])
def test_session_import_refuses_dot_ids(tmp_path, capsys, bad):
    assert cli(capsys, "session", "create", str(tmp_path / "m"), "--name", "t")[0] == 0
    data = park()
    data["id"] = bad
    path = tmp_path / "dots.yaml"
    path.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    status, out, err = cli(capsys, "session", "import", str(tmp_path / "m"), str(path))
    assert status == 2
    assert err.startswith("dots.yaml: id: an id may contain only letters")


def test_store_refuses_an_unsafe_id_from_any_caller(tmp_path):
    from nzc_review.store import Actor, create_session
    from nzc_review.store.validate import check_app_id

    class Fake:
        def model_dump(self, mode="json"):
            return {"id": "..", "name": "x", "pilot_type": "park"}

    with create_session(tmp_path / "m", name="t") as store, pytest.raises(InputError) as info:
        store.import_application(Actor.operator(), Fake(), content_sha256="0" * 64,
                                 source_name="x.yaml")
    assert info.value.problems[0][0] == "id"
    assert check_app_id("DEMO-1") == "DEMO-1"


def test_acceptance_and_disclosure_ids_are_safe(tmp_path):
    acc = read_yaml(LIFECYCLE / "acceptance" / "park-accepted.yaml")
    acc["application"] = {"id": "..", "content": park()}
    acc["application"]["content"]["id"] = ".."
    path = tmp_path / "acc.yaml"
    path.write_text(yaml.dump(acc, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    error = refused(path, load_document)
    assert error.problems[0][0] == "application.id"
    disc = read_yaml(LIFECYCLE / "monitoring" / "park-steady" / "2025.yaml")
    disc["pilot"]["id"] = "."
    path = tmp_path / "disc.yaml"
    path.write_text(yaml.dump(disc, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    assert refused(path, load_document).problems[0][0] == "pilot.id"


# --- nesting, complex keys, aliases, sizes ---------------------------------------------------------


@pytest.mark.parametrize("levels", [21, 1_000, 100_000])
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deep_nesting_is_refused(tmp_path, levels, suffix):
    path = tmp_path / f"deep{suffix}"
    inner = "[" * levels + "]" * levels
    path.write_text('{"format": "nzc-application/1", "proofs": {"other": ' + inner + "}}",
                    encoding="utf-8")
    error = refused(path)
    assert "nested deeper than 20 levels" in error.message
    assert len(error.message.splitlines()) == 1


def test_nesting_of_twenty_levels_is_read(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps({"x": json.loads("[" * 19 + "]" * 19)}), encoding="utf-8")
    from nzc_review.intake.text import read_json

    assert read_json(path)["x"] == json.loads("[" * 19 + "]" * 19)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("? [1, 2]\n: 3\n", "line 4, column 3: invalid YAML: a mapping key must be text or a number"),
        ("? {a: 1}\n: 3\n", "a mapping key must be text or a number, got a dict"),
        ("proofs: &a [*a]\n", "nested deeper than 20 levels"),
        ("x: " + "9" * 5000 + "\n", "invalid YAML: a number with more than 4,300 digits"),
        ("name: a\x00b\n", "invalid YAML: unacceptable character U+0000"),
    ],
)
def test_hostile_yaml_is_an_input_error(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text("format: nzc-application/1\nid: X\npilot_type: park\n" + text,
                    encoding="utf-8")
    error = refused(path)
    assert expected in error.message


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.monotonic()
    error = refused(path)
    assert time.monotonic() - start < 10
    assert "more than 50,000 values in one file" in error.message


def test_json_nan_and_infinity_literals_are_refused(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text('{"format": "nzc-application/1", "bau_growth_rate": NaN}', encoding="utf-8")
    assert "invalid JSON: NaN is not a number in JSON" in refused(path).message


def test_oversized_text_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (DEFAULT.text_file_bytes + 1))
    error = refused(path)
    assert error.message == "big.yaml: the file is too large (5,242,881 bytes); at most 5 MiB are read (input limit)"


def test_a_folder_or_device_is_not_read_as_a_file(tmp_path):
    with pytest.raises(InputError, match="not a file"):
        limits.read_bounded(tmp_path, "dir", 10)
    dev = Path("/dev/zero")
    if dev.exists():
        with pytest.raises(InputError, match="zero: not a file"):
            limits.read_bounded(dev, "zero", 10)


def test_140000_key_projects_are_refused_fast(tmp_path, capsys):
    data = park()
    data["key_projects"] = [{"name": f"p{i}"} for i in range(140_000)]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    start = time.monotonic()
    status, out, err = cli(capsys, "evaluate", str(path), "--draws", "100")
    assert time.monotonic() - start < 20
    assert status == 2
    assert err.strip() == "many.json: key_projects: more than 1,000 items (140,000; input limit)"


def test_501_key_projects_name_the_limit(write_app):
    data = park()
    data["key_projects"] = [{"name": f"p{i}"} for i in range(501)]
    error = refused(write_app(data, "app.json"))
    assert error.problems == [("key_projects", "at most 500 key projects, got 501 (input limit)")]


def test_indicators_and_schedule_items_are_bounded(write_app):
    data = minimal_app("park", schedule={2024: [f"s{i}" for i in range(600)],
                                         2025: [f"s{i}" for i in range(600)]})
    assert "at most 1,000 schedule items, got 1,200" in refused(write_app(data)).message
    data = minimal_app("park", indicators={f"YQ-C{i:03d}": {} for i in range(101)})
    assert "indicators: at most 100 indicators, got 101" in refused(write_app(data)).message


def test_limits_can_be_overridden():
    assert limits.active() is DEFAULT
    with override(key_projects=2) as lim:
        assert lim.key_projects == 2 and limits.active().key_projects == 2
    assert limits.active().key_projects == 500


def _unknown_keys_refused(tmp_path, capsys, count: int) -> None:
    data = park()
    data.update({f"unknown_{i}": i for i in range(count)})
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    start = time.monotonic()
    status, _out, err = cli(capsys, "check", str(path))
    assert time.monotonic() - start < 20
    assert status == 2
    assert err.strip() == f"keys.json: more than 1,000 keys ({len(data):,}; input limit)"


def test_20000_unknown_keys_are_refused_in_one_line(tmp_path, capsys):
    """The rule of :func:`test_200000_unknown_keys_are_refused_fast_in_one_line` at a tenth
    of the size, in the fast suite."""
    _unknown_keys_refused(tmp_path, capsys, 20_000)


@pytest.mark.slow
def test_200000_unknown_keys_are_refused_fast_in_one_line(tmp_path, capsys):
    _unknown_keys_refused(tmp_path, capsys, 200_000)


def test_unknown_key_reports_are_capped(write_app):
    data = minimal_app("park", **{f"unknown_{i:02d}": i for i in range(30)})
    message = refused(write_app(data)).message
    lines = message.splitlines()
    assert len(lines) == 21
    assert lines[0] == "app.yaml: unknown_00: unknown field 'unknown_00'"
    assert lines[-1] == "app.yaml: … and 10 more problems"


def test_long_texts_are_refused(write_app):
    data = minimal_app("park", name="长" * (DEFAULT.text_length + 1))
    assert "name: a text longer than 32,767 characters" in refused(write_app(data)).message


def test_every_error_line_names_the_file(tmp_path, capsys):
    bad = minimal_app("park", indicators={"YQ-\n03": {"target": "x\ny"}, "YQ-13": {"current": 2}})
    path = tmp_path / "multi.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    status, _out, err = cli(capsys, "check", str(path))
    assert status == 2
    lines = err.strip().splitlines()
    assert all(line.startswith("multi.json: ") for line in lines), err
    assert "YQ-\\n03" in err


# --- numbers: finite and plausible -----------------------------------------------------------------


@pytest.mark.parametrize(
    "where, value, expected",
    [
        (("energy", 2022, "diesel_t"), 1e308, "energy.2022.diesel_t: expected at most 1e+11"),
        (("profile", 2022, "population"), 5e-324, "profile.2022.population: expected 0 or at least"),
        (("emissions_tco2", 2022), 2e9, "emissions_tco2.2022: expected at most 1e+09 tCO2"),
        (("key_projects", 0, "expected_reduction_tco2_per_year"), 1.5e9,
         "key_projects[0].expected_reduction_tco2_per_year: expected at most 1e+09"),
        (("key_projects", 0, "investment_10k_cny"), 1e300,
         "key_projects[0].investment_10k_cny: expected at most 1e+11"),
        (("indicators", "YQ-05", "target"), 1e300, "indicators.YQ-05.target: expected a number "
                                                   "between -1e+11 and 1e+11"),
        (("emissions_tco2", 2023), 10**400, "emissions_tco2.2023"),
    ],
)
def test_implausible_numbers_are_refused_naming_the_field(tmp_path, where, value, expected):
    data = park()
    target = data
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    path = tmp_path / "app.yaml"
    path.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    assert expected in refused(path).message


def test_disclosed_emissions_are_bounded(tmp_path):
    disc = read_yaml(LIFECYCLE / "monitoring" / "park-steady" / "2025.yaml")
    disc["years"][2025]["emissions_tco2"] = 1e308
    path = tmp_path / "d.yaml"
    path.write_text(yaml.dump(disc, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    assert "years.2025.emissions_tco2: expected at most 1e+09" in refused(path, load_document).message


def test_evaluate_json_is_strict_for_the_absurd_inputs(tmp_path, capsys):
    data = park()
    data["energy"][2022]["diesel_t"] = 1e308
    data["profile"][2022]["population"] = 5e-324
    path = tmp_path / "inf.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    status, out, err = cli(capsys, "evaluate", str(path), "--format", "json", "--draws", "100")
    assert status == 2
    result = _strict(out)
    assert result["file"] == str(path) and "diesel_t" in result["error"]
    assert "Infinity" not in out and "NaN" not in out


def test_strict_json_writes_null_for_non_finite_numbers(capsys):
    text, replaced = strict_json({"a": [1.0, float("inf")], "b": {"c": float("nan")}, "d": 2})
    assert _strict(text) == {"a": [1.0, None], "b": {"c": None}, "d": 2}
    assert replaced == ["a[1]", "b.c"]
    from nzc_review.cli.output import print_json

    print_json({"x": float("-inf")})
    out, err = capsys.readouterr()
    assert _strict(out) == {"x": None}
    assert "note: 1 value(s) were not finite numbers and are written as null: x" in err


def test_tables_show_a_dash_for_non_finite_numbers():
    from nzc_review.evaluation.pipeline import evaluate_application, evaluation_options
    from nzc_review.present.terminal import evaluation_summary, evaluation_view

    ev = evaluate_application(load_application(PARK_YAML),
                              evaluation_options(draws=100, seed=1, factors=None,
                                                 electricity_scope=None))
    year = next(iter(ev.accounting.years.values()))
    year.total_tco2 = float("inf")
    year.difference_pct = float("nan")
    ev.forecast.projected_reduction_pct = float("nan")
    ev.forecast.years[0].bau_tco2 = float("-inf")
    buffer = io.StringIO()
    console = Console(file=buffer, width=300, highlight=False)
    evaluation_view(console, ev)
    evaluation_summary([ev, ev], console)
    shown = buffer.getvalue()
    assert not re.search(r"\binf\b|\bnan\b|nan%|inf%", shown, re.IGNORECASE), shown
    assert "预计较2022年下降 —" in shown


# --- Excel workbooks, checked before openpyxl loads them ------------------------------------------


def _sheet_part(name: str) -> str:
    with zipfile.ZipFile(PARK_XLSX) as zf:
        return {v: k for k, v in limits._sheet_names(zf).items()}[name]


def _rewrite(tmp_path: Path, change, name: str = "app.xlsx", extra: dict | None = None) -> Path:
    """The park workbook with ``change(part, data) -> data`` applied to every part."""
    out = tmp_path / name
    with zipfile.ZipFile(PARK_XLSX) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))
        for part, data in (extra or {}).items():
            zout.writestr(part, data, compress_type=zipfile.ZIP_STORED)
    return out


def test_a_small_xlsx_holding_a_huge_sheet_is_refused_unopened(tmp_path):
    part = _sheet_part("指标")
    padding = b" " * (60 * limits.MiB)

    def change(name, data):
        return data.replace(b"</sheetData>", padding + b"</sheetData>") if name == part else data

    path = _rewrite(tmp_path, change)
    assert path.stat().st_size < 1 * limits.MiB
    start = time.monotonic()
    error = refused(path)
    assert time.monotonic() - start < 5
    assert "the workbook unpacks to" in error.message and "at most 50 MiB" in error.message


def test_huge_declared_dimension_names_the_sheet(tmp_path):
    part = _sheet_part("重点项目")

    def change(name, data):
        if name != part:
            return data
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)

    error = refused(_rewrite(tmp_path, change))
    assert error.message == ("app.xlsx: 重点项目: declares a size up to row 1,048,576; at most "
                             "20,000 rows are read (input limit)")


def test_too_many_cells_are_refused(tmp_path):
    part = _sheet_part("进度安排")
    cells = b"".join(b'<row r="%d"><c r="Z%d" t="n"><v>1</v></c></row>' % (r, r)
                     for r in range(1000, 1000 + 51_000))

    def change(name, data):
        return data.replace(b"</sheetData>", cells + b"</sheetData>") if name == part else data

    error = refused(_rewrite(tmp_path, change))
    assert "the workbook has more than 50,000 cells" in error.message
    assert "进度安排" in error.message


@pytest.mark.parametrize("tag", [b'<mergeCells count="1"><mergeCell ref="A100:Z5000"/></mergeCells>',
                                 b'<hyperlinks><hyperlink ref="A100:Z5000" display="x"/></hyperlinks>'])
def test_merged_and_linked_ranges_count_as_cells(tmp_path, tag):
    part = _sheet_part("碳排放")

    def change(name, data):
        if name != part:
            return data
        data = re.sub(rb"<mergeCells.*?</mergeCells>", b"", data, flags=re.S)
        return data.replace(b"</sheetData>", b"</sheetData>" + tag, 1)

    error = refused(_rewrite(tmp_path, change))
    assert "more than 50,000 cells" in error.message


def test_a_far_cell_is_refused(tmp_path):
    part = _sheet_part("碳排放")

    def change(name, data):
        far = b'<row r="900000"><c r="C900000" t="n"><v>1</v></c></row>'
        return data.replace(b"</sheetData>", far + b"</sheetData>") if name == part else data

    error = refused(_rewrite(tmp_path, change))
    assert "碳排放: has a cell in row 900,000" in error.message


def test_oversized_xlsx_file_is_refused(tmp_path):
    import os

    path = _rewrite(tmp_path, lambda n, d: d,
                    extra={"xl/media/image1.bin": os.urandom(DEFAULT.xlsx_file_bytes)})
    assert "the file is too large" in refused(path).message


def test_too_many_parts_are_refused(tmp_path):
    import zipfile

    path = _rewrite(tmp_path, lambda n, d: d,
                    extra={f"customXml/item{i}.txt": b"" for i in range(1_000)})
    with zipfile.ZipFile(path) as archive:
        parts = len(archive.namelist())
    assert parts > 1_000
    assert f"holds {parts:,} parts; at most 1,000" in refused(path).message


def test_lifecycle_workbook_with_a_far_cell_is_refused(tmp_path):
    from nzc_review.lifecycle.excel import read_workbook, write_workbook

    disc = read_yaml(LIFECYCLE / "monitoring" / "park-steady" / "2025.yaml")
    src = write_workbook(disc, tmp_path / "d.xlsx")
    assert read_workbook(src)["format"] == "nzc-disclosure/1"
    out = tmp_path / "far.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>",
                                    b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x'
                                    b"</t></is></c></row></sheetData>")
                data = re.sub(rb'<dimension ref="[^"]*"/?>', b"", data)
            zout.writestr(info.filename, data)
    start = time.monotonic()
    error = refused(out, load_document)
    assert time.monotonic() - start < 10
    assert "has a cell in row 1,048,576" in error.message


def test_lifecycle_workbook_reads_sparse_rows(tmp_path):
    """A field path that goes through a value is an error in its cell, not a crash."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "基本信息"
    ws.append(["字段（field）", "填写内容（value）"])
    ws.append(["format", "nzc-disclosure/1"])
    ws.append(["format.x", "1"])
    path = tmp_path / "odd.xlsx"
    wb.save(path)
    error = refused(path, load_document)
    assert "基本信息!A3: the field 'format.x' lies inside 'format'" in error.message


# --- documentation -----------------------------------------------------------------------------


def test_every_limit_is_documented_in_the_readme_and_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### 输入限制", 1)[1].split("\n## ", 1)[0]
    for f in fields(Limits):
        assert f"`{f.name}`" in section, f.name
        assert f"``{f.name}``" in limits.__doc__, f.name


def test_defaults_are_what_the_documentation_says():
    lim = copy.copy(DEFAULT)
    assert (lim.text_file_bytes, lim.xlsx_file_bytes, lim.xlsx_xml_bytes) == (
        5 * limits.MiB, 20 * limits.MiB, 50 * limits.MiB)
    assert (lim.depth, lim.key_projects, lim.indicators, lim.reported_problems) == (20, 500, 100, 20)
    assert (lim.max_tco2, lim.max_quantity, lim.min_positive) == (1e9, 1e11, 1e-6)
