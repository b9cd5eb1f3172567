"""Property-based tests of the Excel workbooks (hypothesis).

* any valid application survives YAML → Excel → YAML unchanged (in canonical form);
* any damage to a filled workbook (cells of the wrong type, deleted or renamed sheets, deleted
  or inserted rows and columns, merged cells, formulas, huge numbers) or to its bytes (truncated
  or corrupted archive) ends in a correct reading or a clear :class:`InputError`, never another
  exception; and ``convert`` writes nothing when it fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.intake import load_application
from nzc_review.intake.excel import DATA_SHEETS, SHEETS, write_workbook
from nzc_review.policy import catalog
from nzc_review.policy.application import Application, check_against_catalog
from tests.conftest import EXAMPLES
from tests.fixtures.workbooks import example

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- valid applications ---------------------------------------------------------------------------

_CHARS = "近零碳排放园区光伏项目改造年度计划ABCxyz0123456789 -_.,:;/=（）、，。%"
texts = st.text(alphabet=_CHARS, min_size=1, max_size=24).map(str.strip).filter(bool)
multiline = st.lists(texts, min_size=1, max_size=3).map("\n".join)
years = st.integers(2015, 2035)


def decimal(low: float, high: float, places: int = 3):
    """Numbers as people write them: integers or decimals with a few places."""
    return st.one_of(
        st.integers(int(low), int(high)),
        st.decimals(
            min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False
        ).map(float),
    )


def indicator_value(row: catalog.Indicator):
    kind = row.rule.kind
    if row.expects_boolean:
        value = st.booleans()
    elif kind == "count":
        value = st.integers(0, 50)
    elif kind == "reduction":
        value = decimal(-50, 100)
    elif row.is_percent and kind in ("at_least", "at_most", "full"):
        value = decimal(0, 100)
    else:
        value = decimal(0, 10_000)
    entry = {
        "current": st.none() | value,
        "target": st.none() | value,
        "unit": st.none() | texts,
        "evidence": st.none() | multiline,
        "note": st.none() | texts,
    }
    if kind == "benchmark":
        entry["benchmark"] = st.none() | decimal(0, 10_000)
    if kind == "reduction":
        entry["basis"] = st.none() | st.sampled_from(row.rule.basis)
    return st.fixed_dictionaries(entry).map(lambda d: {k: v for k, v in d.items() if v is not None})


#: Other fuels (其他燃料) with their declared factors.
other_fuels = st.fixed_dictionaries({
    "name": texts, "amount": decimal(0, 1e4), "unit": texts, "tce_per_unit": decimal(0, 10),
    "tco2_per_unit": decimal(0, 10), "source": multiline})


def yearly(required: dict, optional: dict):
    """Up to three years, each with the ``required`` fields and some of the ``optional``."""
    return st.dictionaries(years, st.fixed_dictionaries(required, optional=optional),
                           max_size=3)


@st.composite
def applications(draw) -> Application:
    pilot_type = draw(st.sampled_from(catalog.PILOT_TYPES))
    rows = catalog.indicators(pilot_type)
    chosen = draw(st.lists(st.sampled_from(rows), unique_by=lambda r: r.code, max_size=8))
    indicators = {}
    for row in chosen:
        value = draw(indicator_value(row))
        if value:
            indicators[row.code] = value
    start = draw(years)
    data: dict = {
        "format": "nzc-application/1",
        "id": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", fullmatch=True)),
        "pilot_type": pilot_type,
        "name": draw(texts),
        "base_year": 2022,  # the plan's base year (附件1 “较2022年”)
        "period": {"start": start, "end": start + draw(st.integers(0, 5))},
        "bau_growth_rate": draw(decimal(-0.5, 0.5, places=4)),
        "indicators": indicators,
        "emissions_tco2": draw(st.dictionaries(years, decimal(0, 1e7), max_size=4)),
        "profile": draw(yearly({"population": decimal(0, 1e6)},
                               {"floor_area_m2": decimal(0, 1e7),
                                "output_value_10k_cny": decimal(0, 1e7)})),
        "energy": draw(yearly({"electricity_mwh": decimal(1000, 1e6)},
                              {"green_electricity_mwh": decimal(0, 1000),
                               "diesel_t": decimal(0, 1e4), "coke_t": decimal(0, 1e4),
                               "biomass_tce": decimal(0, 1e4), "process_method": multiline,
                               "carbon_sink_method": multiline,
                               "other_fuels": st.lists(other_fuels, max_size=2,
                                                       unique_by=lambda f: f["name"])})),
        "schedule": draw(
            st.dictionaries(years, st.lists(texts, min_size=1, max_size=3), max_size=3)
        ),
        "safeguards": draw(
            st.fixed_dictionaries(
                {}, optional={s.id: st.booleans() for s in catalog.outline().safeguards}
            )
        ),
        "eligibility": draw(
            st.fixed_dictionaries(
                {},
                optional={
                    c.id: st.booleans()
                    | st.builds(lambda v, e: {"value": v, "evidence": e}, st.booleans(), multiline)
                    for c in catalog.selection_conditions(pilot_type)
                },
            )
        ),
        "proofs": draw(
            st.fixed_dictionaries(
                {},
                optional={
                    p.id: st.lists(texts, min_size=1, max_size=10) for p in catalog.outline().proofs
                },
            )
        ),
    }
    projects = []
    for _ in range(draw(st.integers(0, 4))):
        first = draw(st.none() | years)
        project = {
            "name": draw(texts),
            "content": draw(st.none() | multiline),
            "plan": draw(st.none() | texts),
            "owner": draw(st.none() | texts),
            "start_year": first,
            "end_year": None if first is None else first + draw(st.integers(0, 3)),
            "investment_10k_cny": draw(st.none() | decimal(0, 1e5)),
            "expected_reduction_tco2_per_year": draw(st.none() | decimal(0, 1e5)),
            "lifetime_years": draw(st.none() | st.integers(1, 100)),
        }
        projects.append({k: v for k, v in project.items() if v is not None})
    data["key_projects"] = projects
    if draw(st.booleans()):
        data["applicant"] = {"organization": draw(texts), "phone": draw(st.none() | texts)}
        data["applicant"] = {k: v for k, v in data["applicant"].items() if v is not None}
    app = Application.model_validate(data)
    assume(not check_against_catalog(app))
    return app


@pytest.mark.slow
@FAST
@given(app=applications())
def test_any_application_round_trips(app):
    with tempfile.TemporaryDirectory() as folder:
        xlsx = Path(folder) / "app.xlsx"
        write_workbook(app, xlsx)
        assert load_application(xlsx) == app
        back = Path(folder) / "back.yaml"
        assert _convert(str(xlsx), str(back)) == 0
        assert load_application(back) == app


# --- damaged workbooks ----------------------------------------------------------------------------

_PARK = load_application(EXAMPLES / "park-pass.yaml")
_TEMPLATE_BYTES: dict[str, bytes] = {}


def _filled_bytes() -> bytes:
    if "park" not in _TEMPLATE_BYTES:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "park.xlsx"
            write_workbook(_PARK, path)
            _TEMPLATE_BYTES["park"] = path.read_bytes()
    return _TEMPLATE_BYTES["park"]


tricky_text = st.sampled_from(
    [
        "十二",
        "12%",
        "１２",
        "1,200",
        "1,2",
        " 是 ",
        "√",
        "×",
        "Y",
        "n",
        "—",
        "/",
        "无",
        "",
        " ",
        "2024年",
        "=",
        "YQ-03",
        "YQ-99",
        "XY-01",
        "nzc-application/1",
        "park",
        "人均碳排放量",
        "inf",
        "nan",
        "-1",
        "1e400",
        "9" * 320,
        "0x10",
        "#DIV/0!",
        "#N/A",
        "TRUE",
    ]
)
cell_values = st.one_of(
    tricky_text,
    st.text(max_size=12).filter(lambda t: not ILLEGAL_CHARACTERS_RE.search(t)),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 5e-324, 0.0, -0.0, 2024.5, 1800, 2200]),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.none(),
    st.sampled_from(["=1+1", "=A1", "=SUM(G5:G9)", "=1/0", '="是"', "=NOW()"]),
)
sheets = st.sampled_from(SHEETS)
rows = st.integers(1, 40)
cols = st.integers(1, 16)

damages = st.one_of(
    st.tuples(st.just("set"), sheets, rows, cols, cell_values),
    st.tuples(st.just("format"), sheets, rows, cols, st.sampled_from(["0%", "0.00%", "@", "0"])),
    st.tuples(st.just("delete_sheet"), sheets),
    st.tuples(st.just("rename_sheet"), sheets, st.sampled_from(["Sheet1", "指 标", "x"])),
    st.tuples(st.just("delete_rows"), sheets, rows, st.integers(1, 3)),
    st.tuples(st.just("insert_rows"), sheets, rows, st.integers(1, 3)),
    st.tuples(st.just("delete_cols"), sheets, cols, st.integers(1, 2)),
    st.tuples(st.just("insert_cols"), sheets, cols, st.integers(1, 2)),
    st.tuples(st.just("merge"), sheets, rows, cols, st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("far_cell"), sheets, st.integers(1000, 1_048_576), cell_values),
)


_KEEPS_CONTENT = frozenset({"insert_rows", "insert_cols", "rename_sheet", "delete_sheet"})


def _apply(wb, damage) -> None:
    op, name, *args = damage
    if name not in wb.sheetnames:
        return
    ws = wb[name]
    if op == "set":
        row, col, value = args
        ws.cell(row, col).value = value
    elif op == "format":
        row, col, fmt = args
        ws.cell(row, col).number_format = fmt
    elif op == "delete_sheet":
        if len(wb.sheetnames) > 1:
            wb.remove(ws)
    elif op == "rename_sheet":
        if args[0] not in wb.sheetnames:
            ws.title = args[0]
    elif op == "delete_rows":
        ws.delete_rows(*args)
    elif op == "insert_rows":
        ws.insert_rows(*args)
    elif op == "delete_cols":
        ws.delete_cols(*args)
    elif op == "insert_cols":
        ws.insert_cols(*args)
    elif op == "merge":
        row, col, h, w = args
        ws.merge_cells(start_row=row, start_column=col, end_row=row + h, end_column=col + w)
    elif op == "far_cell":
        row, value = args
        ws.cell(row, 3).value = value


def _convert(*args: str) -> int:
    """``nzc-review convert`` in process, its messages swallowed."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(["convert", *args])


def _outcome(path: Path) -> Application | InputError:
    try:
        return load_application(path)
    except InputError as exc:
        assert exc.problems and all(isinstance(m, str) and m for _w, m in exc.problems)
        return exc


def _check_convert(
    folder: Path, src: Path, expected: Application | InputError, suffix: str
) -> None:
    before = {p.name for p in folder.iterdir()}
    out = folder / f"out{suffix}"
    status = _convert(str(src), str(out))
    if isinstance(expected, InputError):
        assert status == 2
        assert {p.name for p in folder.iterdir()} == before  # nothing written, no temp file
    else:
        assert status == 0
        assert load_application(out) == expected


@pytest.mark.slow
@FAST
@given(steps=st.lists(damages, min_size=1, max_size=4), suffix=st.sampled_from([".yaml", ".xlsx"]))
def test_damaged_workbook_reads_or_fails_clearly(steps, suffix):
    wb = openpyxl.load_workbook(io.BytesIO(_filled_bytes()))
    for damage in steps:
        try:
            _apply(wb, damage)
        except (AttributeError, ValueError, TypeError):
            assume(False)  # openpyxl itself refuses the change (e.g. writing into a merged cell)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = folder / "app.xlsx"
        try:
            wb.save(src)
        except (ValueError, TypeError, OverflowError):
            assume(False)  # openpyxl cannot write the damaged workbook at all
        outcome = _outcome(src)
        if all(step[0] in _KEEPS_CONTENT for step in steps):
            # changes that move or rename but remove nothing: a clear error, or the same application
            assert isinstance(outcome, InputError) or outcome == _PARK
        _check_convert(folder, src, outcome, suffix)


@pytest.mark.slow
@FAST
@given(
    cut=st.none() | st.integers(0, 40_000),
    flips=st.lists(st.tuples(st.integers(0, 40_000), st.integers(1, 255)), max_size=4),
    suffix=st.sampled_from([".yaml", ".xlsx"]),
)
def test_damaged_bytes_read_or_fail_clearly(cut, flips, suffix):
    data = bytearray(_filled_bytes())
    for pos, xor in flips:
        if pos < len(data):
            data[pos] ^= xor
    data = bytes(data[:cut]) if cut is not None and cut < len(data) else bytes(data)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = folder / "app.xlsx"
        src.write_bytes(data)
        outcome = _outcome(src)
        if cut is not None and cut < len(_filled_bytes()):
            assert isinstance(outcome, InputError)
        elif not isinstance(outcome, InputError):
            assert outcome == _PARK  # a flip that changes nothing the reader reads
        _check_convert(folder, src, outcome, suffix)


@pytest.mark.parametrize("sheet", DATA_SHEETS)
def test_each_sheet_deleted_is_named(tmp_path, sheet):
    path = example("park-pass").write(tmp_path / "app.xlsx", lambda wb: wb.remove(wb[sheet]))
    with pytest.raises(InputError) as info:
        load_application(path)
    assert f"app.xlsx: {sheet}: the sheet is missing" in str(info.value)
