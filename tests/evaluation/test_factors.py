"""Tests of nzc_review.evaluation.factors: the shipped emission-factor table, its loader and selection."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from nzc_review.errors import CatalogError, NzcError
from nzc_review.evaluation.factors import (
    CO2_PER_C,
    COLUMNS,
    DEFAULT_SCOPE_ORDER,
    ENERGY_FIELD_KEYS,
    EXPECTED_UNITS,
    FUEL_KEYS,
    EmissionFactor,
    combustion_factor,
    default_factors_path,
    factors_table,
    load_factors,
    merge_factors,
    parse_factors,
    select_factor,
)


@pytest.fixture(scope="module")
def factors() -> list[EmissionFactor]:
    return load_factors()


def _get(factors, key: str, scope: str, year: int) -> EmissionFactor:
    (row,) = [f for f in factors if f.ident == (key, scope, year)]
    return row


# A valid electricity row and a valid fuel row, as CSV cells, to build bad files from.
GRID = {
    "key": "grid_electricity",
    "scope": "guangxi",
    "year": "2022",
    "value": "0.4044",
    "unit": "tCO2/MWh",
    "region": "广西壮族自治区",
    "source": "公告2024年第33号 附件表3",
    "note": "",
}
COAL = {
    "key": "raw_coal",
    "scope": "national",
    "year": "2015",
    "value": "1.9003",
    "unit": "tCO2/t",
    "region": "全国",
    "ncv": "20.908",
    "ncv_unit": "GJ/t",
    "carbon_content": "26.37",
    "carbon_content_unit": "tC/TJ",
    "oxidation_rate": "0.94",
    "source": "GB/T 2589; GB/T 32150-2015",
}


def write_csv(
    directory: Path,
    rows: list[dict[str, str]],
    name: str = "my_factors.csv",
    header: tuple[str, ...] | list[str] = COLUMNS,
) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    path = directory / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def error_of(path: Path, **kwargs) -> str:
    with pytest.raises(CatalogError) as info:
        load_factors(path, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------------------------
# The shipped table


def test_shipped_table_loads_and_is_sorted(factors):
    assert default_factors_path().name == "emission_factors.csv"
    assert default_factors_path().is_file()
    assert len(factors) == 25
    idents = [f.ident for f in factors]
    assert idents == sorted(idents)
    assert len(set(idents)) == len(idents)
    for f in factors:
        assert f.source and f.region
        assert f.origin.startswith("emission_factors.csv:")
        assert f.unit == EXPECTED_UNITS[f.key]


def test_shipped_table_covers_every_energy_field(factors):
    keys = {f.key for f in factors}
    assert set(ENERGY_FIELD_KEYS.values()) <= keys
    # Every energy field resolves with the default scope preference for the base year.
    for key in ENERGY_FIELD_KEYS.values():
        assert select_factor(factors, key, 2022).factor.key == key


def test_shipped_electricity_scopes_and_years(factors):
    grid = {(f.scope, f.year) for f in factors if f.key == "grid_electricity"}
    for year in (2021, 2022, 2023):
        for scope in ("national", "southern_grid", "guangxi"):
            assert (scope, year) in grid
    assert {y for s, y in grid if s == "enterprise_reporting_national"} == {2015, 2021, 2022}


def test_shipped_fuel_products_verify(factors):
    fuels = [f for f in factors if f.is_combustion]
    assert {f.key for f in fuels} == FUEL_KEYS
    for f in fuels:
        product = combustion_factor(
            f.ncv, f.carbon_content, f.oxidation_rate, f.carbon_content_unit
        )
        assert product == pytest.approx(f.value, abs=5e-5), f.key


def test_co2_per_c_is_44_over_12():
    assert CO2_PER_C == 44 / 12


@pytest.mark.parametrize(
    ("ident", "published"),
    [
        # 生态环境部 国家统计局 公告2024年第12号 (2021年电力二氧化碳排放因子): national average.
        (("grid_electricity", "national", 2021), 0.5568),
        # Same announcement: southern region; 2022 reports say it fell by 0.0457 to 0.3869.
        (("grid_electricity", "southern_grid", 2021), 0.4326),
        # 公告2024年第33号 (2022年电力二氧化碳排放因子): national 0.5366, 南方 0.3869, 广西 0.4044.
        (("grid_electricity", "national", 2022), 0.5366),
        (("grid_electricity", "southern_grid", 2022), 0.3869),
        (("grid_electricity", "guangxi", 2022), 0.4044),
        # 公告2025年第47号 (2023年电力二氧化碳排放因子): national 0.5306, 南方 0.4042.
        (("grid_electricity", "national", 2023), 0.5306),
        (("grid_electricity", "southern_grid", 2023), 0.4042),
        # Same announcements: national factor excluding market-traded non-fossil power, fossil.
        (("grid_electricity_excl_market_nonfossil", "national", 2022), 0.5856),
        (("grid_electricity_excl_market_nonfossil", "national", 2023), 0.6096),
        (("grid_electricity_fossil", "national", 2021), 0.8426),
        (("grid_electricity_fossil", "national", 2022), 0.8325),
        (("grid_electricity_fossil", "national", 2023), 0.8273),
        # 生态环境部《关于做好2023—2025年发电行业企业温室气体排放报告管理有关工作的通知》:
        # 2022年度全国电网平均排放因子 0.5703 tCO2/MWh.
        (("grid_electricity", "enterprise_reporting_national", 2022), 0.5703),
        # 环办气候函〔2022〕111号: 2021年度全国电网平均排放因子 0.5810 tCO2/MWh.
        (("grid_electricity", "enterprise_reporting_national", 2021), 0.5810),
        # GB/T 32150-2015 and the 24 industry guidelines: purchased heat 0.11 tCO2/GJ.
        (("purchased_heat", "national", 2015), 0.11),
    ],
)
def test_shipped_values_match_publications(factors, ident, published):
    assert _get(factors, *ident).value == published


def test_raw_coal_factor_by_hand(factors):
    # 20.908 GJ/t (GB/T 2589 原煤 20908 kJ/kg) × 26.37 tC/TJ × 0.94 × 44/12 / 1000
    # = 1.900299 tCO2/t, published rounded as 1.9003 kgCO2/kg.
    by_hand = 20.908 * 26.37 * 0.94 * 44 / 12 / 1000
    assert by_hand == pytest.approx(1.900299, abs=1e-6)
    coal = _get(factors, "raw_coal", "national", 2015)
    assert (coal.ncv, coal.carbon_content, coal.oxidation_rate) == (20.908, 26.37, 0.94)
    assert coal.value == 1.9003 == round(by_hand, 4)


@pytest.mark.parametrize(
    ("key", "ncv", "cc", "oxidation", "value"),
    [
        ("natural_gas", 389.31, 15.3, 0.99, 21.6219),  # per 10^4 m3
        ("gasoline", 43.070, 18.9, 0.98, 2.9251),
        ("diesel", 42.652, 20.2, 0.98, 3.0959),
        ("lpg", 50.179, 17.2, 0.98, 3.1013),
    ],
)
def test_fuel_parameters(factors, key, ncv, cc, oxidation, value):
    fuel = _get(factors, key, "national", 2015)
    assert (fuel.ncv, fuel.carbon_content, fuel.oxidation_rate, fuel.value) == (
        ncv,
        cc,
        oxidation,
        value,
    )
    assert round(ncv * cc * oxidation * 44 / 12 / 1000, 4) == value


def test_sources_name_the_announcements(factors):
    numbers = {2021: "公告2024年第12号", 2022: "公告2024年第33号", 2023: "公告2025年第47号"}
    for f in factors:
        if f.key.startswith("grid_electricity") and f.scope != "enterprise_reporting_national":
            assert numbers[f.year] in f.source


def test_unverified_rows_are_flagged(factors):
    unverified = {f.ident for f in factors if not f.verified}
    assert unverified == {
        ("grid_electricity", "guangxi", 2021),
        ("grid_electricity", "guangxi", 2023),
        # GB/T 32150-2015 表B.1 defaults not checked against the printed table
        ("coke", "national", 2015),
        ("fuel_oil", "national", 2015),
    }


def test_combustion_factor_units():
    per_tj = combustion_factor(20.908, 26.37, 0.94)
    assert combustion_factor(20.908, 0.02637, 0.94, "tC/GJ") == pytest.approx(per_tj)
    with pytest.raises(ValueError):
        combustion_factor(20.908, 26.37, 0.94, "kgC/GJ")


# --------------------------------------------------------------------------------------------
# Selection


def test_select_exact_year_has_no_note(factors):
    factor, used_year, note = select_factor(factors, "grid_electricity", 2022)
    assert (factor.scope, factor.year, factor.value, used_year, note) == (
        "guangxi",
        2022,
        0.4044,
        2022,
        "",
    )


def test_select_falls_back_to_nearest_earlier_year(factors):
    factor, used_year, note = select_factor(factors, "grid_electricity", 2025)
    assert (factor.year, used_year) == (2023, 2023)
    assert "2025年无发布值，采用2023年因子" in note
    assert "no 2025 value published" in note


def test_select_falls_back_to_nearest_later_year(factors):
    factor, used_year, note = select_factor(factors, "grid_electricity", 2019, scope="national")
    assert (factor.year, used_year, factor.value) == (2021, 2021, 0.5568)
    assert "2019年无发布值" in note and "2021" in note and "later" in note


def test_select_prefers_earlier_over_closer_later_year():
    rows = [
        EmissionFactor("k", "national", 2018, 1.0, "tCO2/GJ", "全国", "s"),
        EmissionFactor("k", "national", 2021, 2.0, "tCO2/GJ", "全国", "s"),
    ]
    assert select_factor(rows, "k", 2020).used_year == 2018


def test_select_scope_preference(factors):
    assert DEFAULT_SCOPE_ORDER == ("guangxi", "southern_grid", "national")
    assert select_factor(factors, "grid_electricity", 2023).factor.scope == "guangxi"
    chosen = select_factor(factors, "grid_electricity", 2023, scope=("southern_grid", "national"))
    assert (chosen.factor.scope, chosen.factor.value) == ("southern_grid", 0.4042)
    chosen = select_factor(factors, "grid_electricity", 2023, scope="national")
    assert chosen.factor.value == 0.5306


def test_select_skips_scopes_without_rows(factors):
    no_guangxi = [f for f in factors if f.scope != "guangxi"]
    assert select_factor(no_guangxi, "grid_electricity", 2022).factor.scope == "southern_grid"
    # Fuels exist only nationally: the default order reaches "national".
    assert select_factor(factors, "diesel", 2022).factor.scope == "national"


def test_select_enterprise_reporting_only_on_request(factors):
    default = select_factor(factors, "grid_electricity", 2022)
    assert default.factor.scope != "enterprise_reporting_national"
    reporting = select_factor(factors, "grid_electricity", 2024, "enterprise_reporting_national")
    assert (reporting.factor.value, reporting.used_year) == (0.5703, 2022)
    assert "2024年无发布值，采用2022年因子" in reporting.note


def test_select_unknown_key(factors):
    with pytest.raises(CatalogError, match="no emission factor for key 'peat'"):
        select_factor(factors, "peat", 2022)


def test_select_scope_without_rows(factors):
    with pytest.raises(CatalogError, match="in scopes hechi.*available scopes: national"):
        select_factor(factors, "diesel", 2022, scope="hechi")


def test_select_year_must_be_int(factors):
    with pytest.raises(TypeError):
        select_factor(factors, "grid_electricity", "2022")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Override merging and listing


def test_override_replaces_and_extends(tmp_path, factors):
    path = write_csv(
        tmp_path,
        [
            {**GRID, "year": "2023", "value": "0.45", "source": "自行核对的附件表3"},
            {**GRID, "year": "2024", "value": "0.43", "source": "广西生态环境厅"},
        ],
        name="local.csv",
    )
    merged = load_factors(override=path)
    assert len(merged) == len(factors) + 1
    replaced = _get(merged, "grid_electricity", "guangxi", 2023)
    assert (replaced.value, replaced.origin) == (0.45, "local.csv:2")
    assert select_factor(merged, "grid_electricity", 2024) == (
        _get(merged, "grid_electricity", "guangxi", 2024),
        2024,
        "",
    )
    # Rows the override does not touch still come from the shipped file.
    assert _get(merged, "raw_coal", "national", 2015).origin.startswith("emission_factors.csv")


def test_user_table_instead_of_shipped(tmp_path):
    path = write_csv(tmp_path, [GRID, COAL])
    own = load_factors(path)
    assert [f.key for f in own] == ["grid_electricity", "raw_coal"]


def test_note_column_is_optional(tmp_path):
    header = [c for c in COLUMNS if c != "note"]
    path = write_csv(tmp_path, [GRID], header=header)
    assert load_factors(path)[0].note == ""


def test_merge_factors_is_by_identity():
    a = EmissionFactor("k", "national", 2020, 1.0, "tCO2/GJ", "全国", "a")
    b = EmissionFactor("k", "national", 2020, 2.0, "tCO2/GJ", "全国", "b")
    c = EmissionFactor("k", "guangxi", 2020, 3.0, "tCO2/GJ", "广西", "c")
    assert merge_factors([a], [b, c]) == [c, b]


def test_factors_table(factors):
    table = factors_table(factors)
    assert len(table) == len(factors)
    assert list(table[0]) == [*COLUMNS, "origin"]
    coal = next(row for row in table if row["key"] == "raw_coal")
    assert coal["ncv"] == 20.908 and coal["oxidation_rate"] == 0.94
    grid = next(row for row in table if row["key"] == "grid_electricity")
    assert grid["ncv"] is None


def test_parse_factors_without_io():
    text = "key,scope,year,value,unit,region,ncv,ncv_unit,carbon_content,carbon_content_unit,"
    text += "oxidation_rate,source\npurchased_heat,national,2015,0.11,tCO2/GJ,全国,,,,,,GB/T\n"
    (row,) = parse_factors(text, "inline.csv")
    assert (row.value, row.origin) == (0.11, "inline.csv:2")


# --------------------------------------------------------------------------------------------
# Error paths: every message names the file, the row and the column


def test_error_missing_column(tmp_path):
    header = [c for c in COLUMNS if c != "value"]
    path = write_csv(tmp_path, [GRID], header=header)
    assert error_of(path) == "my_factors.csv: row 1, column value: missing required column"


def test_error_unknown_column(tmp_path):
    header = [*COLUMNS, "vaule"]
    path = write_csv(tmp_path, [GRID], header=header)
    assert "my_factors.csv: row 1, column vaule: unknown column" in error_of(path)


def test_error_bad_number(tmp_path):
    rows = [GRID, {**GRID, "year": "2021"}, {**GRID, "year": "2020", "value": "abc"}]
    path = write_csv(tmp_path, rows)
    message = error_of(path)
    assert message == ("my_factors.csv: row 4, column value: expected a positive number, got 'abc'")


@pytest.mark.parametrize("bad", ["-0.5", "0", "nan", "inf", ""])
def test_error_not_positive(tmp_path, bad):
    path = write_csv(tmp_path, [{**GRID, "value": bad}])
    assert "my_factors.csv: row 2, column value: expected a positive number" in error_of(path)


def test_error_negative_component(tmp_path):
    path = write_csv(tmp_path, [{**COAL, "ncv": "-20.908"}])
    assert "row 2, column ncv: expected a positive number, got '-20.908'" in error_of(path)


def test_error_unknown_unit(tmp_path):
    path = write_csv(tmp_path, [{**GRID, "unit": "kgCO2/kWh"}])
    message = error_of(path)
    assert "my_factors.csv: row 2, column unit: unknown unit 'kgCO2/kWh'" in message
    assert "tCO2/MWh" in message


def test_error_wrong_unit_for_known_key(tmp_path):
    path = write_csv(tmp_path, [{**COAL, "unit": "tCO2/GJ", "ncv_unit": "GJ/t"}])
    message = error_of(path)
    assert "row 2, column unit: key raw_coal must be in tCO2/t, got 'tCO2/GJ'" in message


def test_error_unknown_component_units(tmp_path):
    path = write_csv(tmp_path, [{**COAL, "ncv_unit": "MJ/kg", "carbon_content_unit": "kgC/GJ"}])
    message = error_of(path)
    assert "row 2, column ncv_unit: unknown unit 'MJ/kg'" in message
    assert "row 2, column carbon_content_unit: unknown unit 'kgC/GJ'" in message


def test_error_ncv_unit_does_not_match_factor_unit(tmp_path):
    gas = {
        **COAL,
        "key": "natural_gas",
        "value": "21.6219",
        "unit": "tCO2/10^4 m3",
        "ncv": "389.31",
        "ncv_unit": "GJ/t",
        "carbon_content": "15.3",
        "oxidation_rate": "0.99",
    }
    path = write_csv(tmp_path, [gas])
    assert "row 2, column ncv_unit: 'GJ/t' does not match the factor unit" in error_of(path)


def test_error_duplicated_key(tmp_path):
    path = write_csv(tmp_path, [GRID, {**GRID, "value": "0.41"}])
    assert error_of(path) == (
        "my_factors.csv: row 3, column key: duplicate of row 2 "
        "(key=grid_electricity, scope=guangxi, year=2022)"
    )


def test_error_inconsistent_fuel_product(tmp_path):
    path = write_csv(tmp_path, [{**COAL, "value": "2.0"}])
    message = error_of(path)
    assert message.startswith("my_factors.csv: row 2, column value: 2.0 does not equal")
    assert "1.9003" in message


def test_rounding_tolerance_follows_written_precision(tmp_path):
    # 1.90 is 1.900299 rounded to two decimals: accepted. 1.9010 is off by 7e-4 at 4 decimals.
    assert load_factors(write_csv(tmp_path, [{**COAL, "value": "1.90"}]))[0].value == 1.9
    bad = write_csv(tmp_path, [{**COAL, "value": "1.9010"}], name="bad.csv")
    assert "bad.csv: row 2, column value: 1.9010 does not equal" in error_of(bad)


def test_error_partial_components(tmp_path):
    path = write_csv(tmp_path, [{**COAL, "carbon_content": "", "oxidation_rate": ""}])
    message = error_of(path)
    assert "row 2, column carbon_content: missing" in message
    assert "row 2, column oxidation_rate: missing" in message


def test_error_fuel_without_components(tmp_path):
    bare = {k: v for k, v in COAL.items() if k not in ("ncv", "carbon_content", "oxidation_rate")}
    bare.update(ncv_unit="", carbon_content_unit="")
    path = write_csv(tmp_path, [bare])
    assert "row 2, column ncv: fuel raw_coal needs ncv" in error_of(path)


def test_error_oxidation_rate_in_percent(tmp_path):
    path = write_csv(tmp_path, [{**COAL, "oxidation_rate": "94"}])
    message = error_of(path)
    assert "row 2, column oxidation_rate: expected a fraction in (0, 1]" in message
    assert "write 0.94 for 94 %" in message


@pytest.mark.parametrize("bad", ["21", "2021.0", "1850", "two thousand"])
def test_error_bad_year(tmp_path, bad):
    path = write_csv(tmp_path, [{**GRID, "year": bad}])
    assert f"row 2, column year: expected a year between 1990 and 2100, got {bad!r}" in error_of(
        path
    )


def test_error_bad_identifiers(tmp_path):
    path = write_csv(tmp_path, [{**GRID, "key": "Grid Electricity", "scope": ""}])
    message = error_of(path)
    assert "row 2, column key: expected a lower-case identifier" in message
    assert "row 2, column scope: expected a lower-case identifier" in message


def test_error_empty_region_and_source(tmp_path):
    path = write_csv(tmp_path, [{**GRID, "region": "", "source": " "}])
    message = error_of(path)
    assert "row 2, column region: must not be empty" in message
    assert "row 2, column source: must not be empty" in message


def test_error_too_many_cells(tmp_path):
    path = tmp_path / "my_factors.csv"
    path.write_text(
        ",".join(COLUMNS) + "\n" + ",".join(["x"] * (len(COLUMNS) + 2)) + "\n", encoding="utf-8"
    )
    assert "my_factors.csv: row 2: has 15 cells but the header has 13" in error_of(path)


def test_all_problems_reported_at_once(tmp_path):
    rows = [{**GRID, "value": "abc"}, {**GRID, "year": "2021", "unit": "kWh"}]
    lines = error_of(write_csv(tmp_path, rows)).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("my_factors.csv: row 2, column value")
    assert lines[1].startswith("my_factors.csv: row 3, column unit")


def test_error_in_override_names_the_override(tmp_path):
    path = write_csv(tmp_path, [{**GRID, "value": "abc"}], name="local.csv")
    with pytest.raises(CatalogError, match=r"^local\.csv: row 2, column value"):
        load_factors(override=path)


def test_blank_lines_are_skipped_but_counted(tmp_path):
    path = tmp_path / "my_factors.csv"
    body = write_csv(tmp_path, [GRID], name="tmp.csv").read_text(encoding="utf-8")
    path.write_text(body + "\n" + body.splitlines()[1].replace("0.4044", "x") + "\n", "utf-8")
    assert "my_factors.csv: row 4, column value" in error_of(path)


def test_error_empty_file(tmp_path):
    path = tmp_path / "my_factors.csv"
    path.write_text("", encoding="utf-8")
    assert error_of(path) == "my_factors.csv: row 1: the file is empty (expected a header row)"


def test_error_missing_file(tmp_path):
    assert "no such file" in error_of(tmp_path / "nope.csv")


def test_error_not_utf8(tmp_path):
    path = write_csv(tmp_path, [GRID])
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    assert error_of(path).startswith("my_factors.csv: not UTF-8 text")


def test_utf8_bom_is_accepted(tmp_path):
    path = write_csv(tmp_path, [GRID])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_factors(path)[0].region == "广西壮族自治区"


def test_catalog_error_is_an_nzc_error():
    assert issubclass(CatalogError, NzcError)


def test_coke_and_fuel_oil_are_their_combustion_products(factors):
    """GB/T 32150-2015 表B.1 defaults: value = NCV × CC × OR × 44/12, by hand:
    coke 28.435 GJ/t × 29.5 tC/TJ × 0.93 × 44/12 = 2.86042 tCO2/t;
    fuel oil 41.816 GJ/t × 21.1 tC/TJ × 0.98 × 44/12 = 3.17046 tCO2/t."""
    rows = {f.key: f for f in factors if f.key in {"coke", "fuel_oil"}}
    assert rows["coke"].value == 2.8604 and rows["fuel_oil"].value == 3.1705
    assert (rows["coke"].ncv, rows["coke"].carbon_content, rows["coke"].oxidation_rate) == (
        28.435, 29.5, 0.93)
    assert combustion_factor(28.435, 29.5, 0.93) == pytest.approx(2.86042, abs=1e-5)
    assert combustion_factor(41.816, 21.1, 0.98) == pytest.approx(3.17046, abs=1e-5)
    assert ENERGY_FIELD_KEYS["coke_t"] == "coke" and ENERGY_FIELD_KEYS["fuel_oil_t"] == "fuel_oil"
