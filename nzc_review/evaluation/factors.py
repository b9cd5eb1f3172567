"""Emission factors for carbon accounting (碳排放核算排放因子): the shipped table and its loader.

The table lives in ``nzc_review/policy/catalog/emission_factors.csv``; every row names its source
document. This module reads it (or a user's own table with the same columns), validates every
cell, merges a user override, and picks the factor that fits an accounting year.

Where the numbers come from
---------------------------
* Electricity (电力平均二氧化碳排放因子), national / regional / provincial, per data year:
  生态环境部、国家统计局《关于发布2021年电力二氧化碳排放因子的公告》(公告2024年第12号),
  《关于发布2022年电力二氧化碳排放因子的公告》(公告2024年第33号) and
  《关于发布2023年电力二氧化碳排放因子的公告》(公告2025年第47号). The announcements state
  kgCO2/kWh, which is numerically equal to tCO2/MWh. The same announcements publish, for the
  national grid only, the residual-mix factor 全国电力平均二氧化碳排放因子（不包括市场化交易的
  非化石能源电量） (key ``grid_electricity_excl_market_nonfossil``): the green-deducted basis
  counts the non-green rest of purchased electricity at it (:mod:`nzc_review.evaluation.basis`).
* Electricity for enterprise greenhouse-gas reporting (全国碳市场企业排放报告,
  scope ``enterprise_reporting_national``): 生态环境部 notices giving the yearly national grid
  average emission factor (0.6101 for 2015, 0.5810 for 2021, 0.5703 for 2022).
* Fuels: value = NCV × CC × OR × 44/12 (GB/T 32150-2015《工业企业温室气体排放核算和报告通则》,
  fuel-combustion formula; 低位发热量 × 单位热值含碳量 × 碳氧化率 × 44/12), with the default
  parameters of GB/T 32150-2015 附录B / GB/T 2589《综合能耗计算通则》; coke (焦炭: 28.435 GJ/t,
  29.5 tC/TJ, 93 %) and fuel oil (燃料油: 41.816 GJ/t, 21.1 tC/TJ, 98 %) are the defaults of
  GB/T 32150-2015 表B.1 as the 省级温室气体清单编制指南（试行） also gives them, flagged
  ``unverified`` until checked against the printed tables. Biomass carries no factor: its CO2 is
  biogenic and not counted (2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol. 2
  Energy: CO2 from biomass fuels is reported as an information item, outside the energy total), and process emissions and carbon sinks are declared in
  tCO2 with their method (:mod:`nzc_review.evaluation.accounting`).
* Purchased heat: 0.11 tCO2/GJ, the default of GB/T 32150-2015 and the 24 industry accounting
  guidelines (行业企业温室气体排放核算方法与报告指南).

The ``note`` column of each row says how the number was checked; a note containing
``unverified`` marks a number seen in a single secondary source only
(:attr:`EmissionFactor.verified` is then ``False``).

The table is a ``list`` of frozen :class:`EmissionFactor` dataclasses, sorted by
``(key, scope, year)``. Rows are identified by ``(key, scope, year)``.

Examples
--------
>>> factors = load_factors()
>>> factor, used_year, note = select_factor(factors, "grid_electricity", 2022)
>>> factor.scope, factor.value, used_year, note
('guangxi', 0.4044, 2022, '')
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Final, NamedTuple

from nzc_review.errors import CatalogError, one_line

__all__ = [
    "CO2_PER_C",
    "COLUMNS",
    "DEFAULT_SCOPE_ORDER",
    "ENERGY_FIELD_KEYS",
    "EXPECTED_UNITS",
    "FUEL_KEYS",
    "EmissionFactor",
    "FactorSelection",
    "combustion_factor",
    "default_factors_path",
    "factors_table",
    "load_factors",
    "merge_factors",
    "parse_factors",
    "select_factor",
]

#: Mass ratio of CO2 to carbon, 44/12 (molar masses 44 and 12 g/mol), the factor that turns
#: tonnes of oxidised carbon into tonnes of CO2 in the fuel-combustion formula of
#: GB/T 32150-2015 (燃料燃烧排放 = 活动数据 × 单位热值含碳量 × 碳氧化率 × 44/12).
CO2_PER_C: Final[float] = 44 / 12
_CO2_PER_C_EXACT: Final[Decimal] = Decimal(44) / Decimal(12)

#: Columns of a factor table, in file order. ``note`` may be left out of a user's file.
COLUMNS: Final[tuple[str, ...]] = (
    "key",
    "scope",
    "year",
    "value",
    "unit",
    "region",
    "ncv",
    "ncv_unit",
    "carbon_content",
    "carbon_content_unit",
    "oxidation_rate",
    "source",
    "note",
)
_OPTIONAL_COLUMNS: Final[frozenset[str]] = frozenset(
    {"note", "ncv", "ncv_unit", "carbon_content", "carbon_content_unit", "oxidation_rate"}
)
_REQUIRED_COLUMNS: Final[tuple[str, ...]] = tuple(c for c in COLUMNS if c not in _OPTIONAL_COLUMNS)
_COMPONENT_COLUMNS: Final[tuple[str, ...]] = (
    "ncv",
    "ncv_unit",
    "carbon_content",
    "carbon_content_unit",
    "oxidation_rate",
)

#: Units an emission factor may have; the part after ``/`` is the unit of activity data.
VALUE_UNITS: Final[tuple[str, ...]] = ("tCO2/MWh", "tCO2/t", "tCO2/10^4 m3", "tCO2/GJ")
#: Units of net calorific value (低位发热量); must match the activity unit of ``unit``.
NCV_UNITS: Final[tuple[str, ...]] = ("GJ/t", "GJ/10^4 m3")
#: Units of carbon content per unit heat (单位热值含碳量) and their factor to tC/GJ.
CARBON_CONTENT_UNITS: Final[dict[str, Decimal]] = {"tC/TJ": Decimal("0.001"), "tC/GJ": Decimal(1)}

#: Which factor key accounts for which field of an application's ``energy`` block
#: (contract 2, ``nzc-application/1``). Green and on-site renewable electricity carry no factor.
ENERGY_FIELD_KEYS: Final[dict[str, str]] = {
    "electricity_mwh": "grid_electricity",
    "raw_coal_t": "raw_coal",
    "natural_gas_10k_m3": "natural_gas",
    "gasoline_t": "gasoline",
    "diesel_t": "diesel",
    "lpg_t": "lpg",
    "purchased_heat_gj": "purchased_heat",
    "coke_t": "coke",
    "fuel_oil_t": "fuel_oil",
}

#: The unit each known key must have, so that it multiplies the matching ``energy`` field.
EXPECTED_UNITS: Final[dict[str, str]] = {
    "grid_electricity": "tCO2/MWh",
    "grid_electricity_excl_market_nonfossil": "tCO2/MWh",
    "grid_electricity_fossil": "tCO2/MWh",
    "raw_coal": "tCO2/t",
    "natural_gas": "tCO2/10^4 m3",
    "gasoline": "tCO2/t",
    "diesel": "tCO2/t",
    "lpg": "tCO2/t",
    "purchased_heat": "tCO2/GJ",
    "coke": "tCO2/t",
    "fuel_oil": "tCO2/t",
}

#: Keys whose rows must carry the combustion components (NCV, carbon content, oxidation rate).
FUEL_KEYS: Final[frozenset[str]] = frozenset(
    {"raw_coal", "natural_gas", "gasoline", "diesel", "lpg", "coke", "fuel_oil"}
)

#: Default scope preference of :func:`select_factor`: the Guangxi provincial factor, then the
#: southern regional grid (南方区域), then the national average. ``enterprise_reporting_national``
#: is never picked unless asked for.
DEFAULT_SCOPE_ORDER: Final[tuple[str, ...]] = ("guangxi", "southern_grid", "national")

#: Reports one problem: (row number, column or None, message).
_Report = Callable[[int, str | None, str], None]

_SLUG = re.compile(r"[a-z][a-z0-9_]*\Z")
_YEAR_RANGE: Final[tuple[int, int]] = (1990, 2100)
_FACTORS_FILE: Final[str] = "emission_factors.csv"


@dataclass(frozen=True)
class EmissionFactor:
    """One validated row of a factor table.

    Attributes
    ----------
    key, scope, year:
        Identity of the row, e.g. ``("grid_electricity", "guangxi", 2022)``.
    value, unit:
        The factor, e.g. ``0.4044`` ``"tCO2/MWh"``.
    region:
        Where it applies, in words (``全国``, ``广西壮族自治区`` …).
    source:
        Document title and number, table or announcement number.
    ncv, ncv_unit, carbon_content, carbon_content_unit, oxidation_rate:
        Combustion components (fuels only, else ``None``): value = NCV × CC × OR × 44/12.
    note:
        How the number was checked; contains ``unverified`` when it was not.
    origin:
        ``file:row`` the row was read from (shows whether a user override supplied it).
    """

    key: str
    scope: str
    year: int
    value: float
    unit: str
    region: str
    source: str
    ncv: float | None = None
    ncv_unit: str | None = None
    carbon_content: float | None = None
    carbon_content_unit: str | None = None
    oxidation_rate: float | None = None
    note: str = ""
    origin: str = ""

    @property
    def ident(self) -> tuple[str, str, int]:
        """The identity ``(key, scope, year)`` used for duplicates and override merging."""
        return (self.key, self.scope, self.year)

    @property
    def is_combustion(self) -> bool:
        """Whether the row carries NCV × CC × OR components."""
        return self.ncv is not None

    @property
    def verified(self) -> bool:
        """``False`` when the note flags the number as ``unverified``."""
        return "unverified" not in self.note.lower()


class FactorSelection(NamedTuple):
    """What :func:`select_factor` returns; unpacks as ``(factor, used_year, note)``."""

    factor: EmissionFactor
    used_year: int
    note: str


def combustion_factor(
    ncv: float, carbon_content: float, oxidation_rate: float, carbon_content_unit: str = "tC/TJ"
) -> float:
    """Emission factor of a fuel, NCV × CC × OR × 44/12 (GB/T 32150-2015, fuel combustion).

    Parameters
    ----------
    ncv:
        Net calorific value (低位发热量) in GJ per unit of fuel (GJ/t, GJ/10^4 m3).
    carbon_content:
        Carbon content per unit heat (单位热值含碳量) in ``carbon_content_unit``.
    oxidation_rate:
        Carbon oxidation rate (碳氧化率) as a fraction, e.g. ``0.94``.
    carbon_content_unit:
        ``"tC/TJ"`` (default) or ``"tC/GJ"``.

    Returns
    -------
    float
        tCO2 per unit of fuel, e.g. 20.908 GJ/t × 26.37 tC/TJ × 0.94 × 44/12 = 1.9003 tCO2/t.
    """
    if carbon_content_unit not in CARBON_CONTENT_UNITS:
        raise ValueError(f"unknown carbon content unit {carbon_content_unit!r}")
    return float(
        _combustion_exact(
            Decimal(str(ncv)),
            Decimal(str(carbon_content)),
            carbon_content_unit,
            Decimal(str(oxidation_rate)),
        )
    )


def _combustion_exact(ncv: Decimal, cc: Decimal, cc_unit: str, oxidation: Decimal) -> Decimal:
    return ncv * cc * CARBON_CONTENT_UNITS[cc_unit] * oxidation * _CO2_PER_C_EXACT


def default_factors_path() -> Path:
    """Path of the shipped table ``nzc_review/policy/catalog/emission_factors.csv``."""
    return Path(str(resources.files("nzc_review.policy.catalog").joinpath(_FACTORS_FILE)))


def load_factors(
    path: str | Path | None = None, override: str | Path | None = None
) -> list[EmissionFactor]:
    """Read and validate a factor table, optionally merged with a user's override table.

    Parameters
    ----------
    path:
        A CSV with the columns of :data:`COLUMNS` (UTF-8, a BOM is accepted); default the
        shipped ``emission_factors.csv``.
    override:
        A second CSV with the same columns. Its rows replace rows of ``path`` with the same
        ``(key, scope, year)`` and add the others (:func:`merge_factors`).

    Returns
    -------
    list of EmissionFactor
        Sorted by ``(key, scope, year)``.

    Raises
    ------
    CatalogError
        A file cannot be read or a cell is invalid. The message names the file, the row (the
        header is row 1, as a spreadsheet shows it) and the column, one problem per line.
    """
    base_path = Path(path) if path is not None else default_factors_path()
    factors = parse_factors(_read(base_path), base_path.name)
    if override is not None:
        override_path = Path(override)
        factors = merge_factors(factors, parse_factors(_read(override_path), override_path.name))
    return factors


def _read(path: Path) -> str:
    from nzc_review.limits import active

    try:
        if path.is_file() and path.stat().st_size > active().text_file_bytes:
            raise CatalogError(f"{path.name}: the file is too large; at most "
                               f"{active().text_file_bytes:,} bytes are read (input limit)")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CatalogError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(
            f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read ({exc.strerror})") from None


def merge_factors(
    base: Iterable[EmissionFactor], override: Iterable[EmissionFactor]
) -> list[EmissionFactor]:
    """Rows of ``override`` replace rows of ``base`` with the same ``(key, scope, year)``.

    Rows of ``override`` with a new identity are added. Returns a new list sorted by identity.
    """
    merged = {f.ident: f for f in base}
    merged.update((f.ident, f) for f in override)
    return [merged[ident] for ident in sorted(merged)]


def parse_factors(text: str, source_name: str = "<factors>") -> list[EmissionFactor]:
    """Validate the CSV ``text`` of a factor table (no file I/O; see :func:`load_factors`).

    ``source_name`` is the file name used in error messages. Raises :class:`CatalogError`
    listing every problem found.
    """
    problems: list[str] = []

    def problem(row: int, column: str | None, message: str) -> None:
        where = f"row {row}, column {column}" if column else f"row {row}"
        problems.append(one_line(f"{source_name}: {where}: {message}"))  # one line per problem

    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise CatalogError(f"{source_name}: not a valid CSV file ({exc})") from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise CatalogError(f"{source_name}: row 1: the file is empty (expected a header row)")

    header = [cell.strip() for cell in records[0]]
    for column in header:
        if column not in COLUMNS:
            problem(1, column or "(blank)", f"unknown column; expected {', '.join(COLUMNS)}")
    for column in _REQUIRED_COLUMNS:
        if column not in header:
            problem(1, column, "missing required column")
    seen_columns: set[str] = set()
    for column in header:
        if column in seen_columns:
            problem(1, column, "column appears twice")
        seen_columns.add(column)
    if problems:
        raise CatalogError("\n".join(problems))

    factors: list[EmissionFactor] = []
    first_row: dict[tuple[str, str, int], int] = {}
    for index, record in enumerate(records[1:], start=2):
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if len(cells) > len(header):
            problem(index, None, f"has {len(cells)} cells but the header has {len(header)}")
            continue
        row = dict.fromkeys(COLUMNS, "")
        row.update(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
        factor = _parse_row(row, index, f"{source_name}:{index}", problem)
        if factor is None:
            continue
        if factor.ident in first_row:
            key, scope, year = factor.ident
            problem(
                index,
                "key",
                f"duplicate of row {first_row[factor.ident]} "
                f"(key={key}, scope={scope}, year={year})",
            )
            continue
        first_row[factor.ident] = index
        factors.append(factor)
    if problems:
        raise CatalogError("\n".join(problems))
    return sorted(factors, key=lambda f: f.ident)


def _parse_row(
    row: dict[str, str], index: int, origin: str, problem: _Report
) -> EmissionFactor | None:
    """Validate one row; report problems through ``problem`` and return ``None`` if any."""
    before = _ProblemCounter(problem)
    report = before.report

    key = row["key"]
    if not _SLUG.match(key):
        report(index, "key", f"expected a lower-case identifier like grid_electricity, got {key!r}")
    scope = row["scope"]
    if not _SLUG.match(scope):
        report(index, "scope", f"expected a lower-case identifier like national, got {scope!r}")

    year = _parse_year(row["year"], index, report)
    value = _parse_positive(row["value"], index, "value", report)

    unit = row["unit"]
    if unit not in VALUE_UNITS:
        report(index, "unit", f"unknown unit {unit!r}; expected one of {', '.join(VALUE_UNITS)}")
    elif key in EXPECTED_UNITS and unit != EXPECTED_UNITS[key]:
        report(index, "unit", f"key {key} must be in {EXPECTED_UNITS[key]}, got {unit!r}")

    for column in ("region", "source"):
        if not row[column]:
            report(index, column, "must not be empty")

    components = _parse_components(row, index, key, unit, value, report)

    if before.count:
        return None
    assert year is not None and value is not None
    ncv, ncv_unit, cc, cc_unit, oxidation = components
    return EmissionFactor(
        key=key,
        scope=scope,
        year=year,
        value=float(value),
        unit=unit,
        region=row["region"],
        source=row["source"],
        ncv=None if ncv is None else float(ncv),
        ncv_unit=ncv_unit,
        carbon_content=None if cc is None else float(cc),
        carbon_content_unit=cc_unit,
        oxidation_rate=None if oxidation is None else float(oxidation),
        note=row.get("note", ""),
        origin=origin,
    )


class _ProblemCounter:
    """Wraps the problem callback and counts calls, so a row knows whether it failed."""

    def __init__(self, problem: _Report) -> None:
        self._problem = problem
        self.count = 0

    def report(self, row: int, column: str | None, message: str) -> None:
        self.count += 1
        self._problem(row, column, message)


def _parse_year(raw: str, index: int, report: _Report) -> int | None:
    low, high = _YEAR_RANGE
    if not re.fullmatch(r"\d{4}", raw) or not low <= int(raw) <= high:
        report(index, "year", f"expected a year between {low} and {high}, got {raw!r}")
        return None
    return int(raw)


def _parse_decimal(raw: str) -> Decimal | None:
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _parse_positive(raw: str, index: int, column: str, report: _Report) -> Decimal | None:
    number = _parse_decimal(raw)
    if number is None or number <= 0:
        report(index, column, f"expected a positive number, got {raw!r}")
        return None
    return number


def _parse_components(
    row: dict[str, str], index: int, key: str, unit: str, value: Decimal | None, report: _Report
) -> tuple[Decimal | None, str | None, Decimal | None, str | None, Decimal | None]:
    """Parse NCV, CC and OR; check they are all-or-none and that their product equals value."""
    given = [column for column in _COMPONENT_COLUMNS if row[column]]
    if not given:
        if key in FUEL_KEYS:
            report(
                index,
                "ncv",
                f"fuel {key} needs ncv, ncv_unit, carbon_content, carbon_content_unit and "
                "oxidation_rate (value = NCV × CC × OR × 44/12)",
            )
        return None, None, None, None, None
    missing = [column for column in _COMPONENT_COLUMNS if not row[column]]
    for column in missing:
        report(
            index,
            column,
            "missing; give all of ncv, ncv_unit, carbon_content, "
            "carbon_content_unit, oxidation_rate or none of them",
        )

    ncv = _parse_positive(row["ncv"], index, "ncv", report) if row["ncv"] else None
    cc = (
        _parse_positive(row["carbon_content"], index, "carbon_content", report)
        if row["carbon_content"]
        else None
    )
    oxidation = None
    if row["oxidation_rate"]:
        oxidation = _parse_decimal(row["oxidation_rate"])
        if oxidation is None or not 0 < oxidation <= 1:
            hint = (
                " (write 0.94 for 94 %)" if oxidation is not None and 1 < oxidation <= 100 else ""
            )
            report(
                index,
                "oxidation_rate",
                f"expected a fraction in (0, 1]{hint}, got {row['oxidation_rate']!r}",
            )
            oxidation = None

    ncv_unit = row["ncv_unit"] or None
    if ncv_unit is not None:
        if ncv_unit not in NCV_UNITS:
            report(
                index,
                "ncv_unit",
                f"unknown unit {ncv_unit!r}; expected one of {', '.join(NCV_UNITS)}",
            )
            ncv_unit = None
        elif unit in VALUE_UNITS and ncv_unit.split("/", 1)[1] != unit.split("/", 1)[1]:
            report(index, "ncv_unit", f"{ncv_unit!r} does not match the factor unit {unit!r}")
            ncv_unit = None
    cc_unit = row["carbon_content_unit"] or None
    if cc_unit is not None and cc_unit not in CARBON_CONTENT_UNITS:
        report(
            index,
            "carbon_content_unit",
            f"unknown unit {cc_unit!r}; expected one of {', '.join(CARBON_CONTENT_UNITS)}",
        )
        cc_unit = None

    if None not in (ncv, cc, oxidation, ncv_unit, cc_unit, value):
        product = _combustion_exact(ncv, cc, cc_unit, oxidation)
        # "Equal within rounding": the stored value must be the product rounded to the number
        # of decimals it is written with (half a unit in its last place), plus float slack.
        tolerance = Decimal("0.5") * Decimal(10) ** value.as_tuple().exponent + Decimal("1e-12")
        if abs(value - product) > tolerance:
            report(
                index,
                "value",
                f"{row['value']} does not equal ncv × carbon_content × oxidation_rate × 44/12 "
                f"= {float(product):.6g} {unit} (allowed rounding ±{float(tolerance):.2g})",
            )
    return ncv, ncv_unit, cc, cc_unit, oxidation


def select_factor(
    factors: Sequence[EmissionFactor],
    key: str,
    year: int,
    scope: str | Sequence[str] | None = None,
) -> FactorSelection:
    """Pick the factor for an accounting (data) year, by scope preference then by year.

    The factor year follows the data year. Scopes are tried in order (default
    :data:`DEFAULT_SCOPE_ORDER`: Guangxi, southern grid, national); the first scope that has
    any row for ``key`` is used. Within it, the row of ``year`` is taken; if there is none,
    the nearest earlier year, else the nearest later year, and the note says so in Chinese and
    English. The chosen scope is ``result.factor.scope``.

    Parameters
    ----------
    factors:
        A table from :func:`load_factors`.
    key:
        Factor key, e.g. ``"grid_electricity"`` (see :data:`ENERGY_FIELD_KEYS`).
    year:
        The data year being accounted.
    scope:
        One scope or an ordered preference, e.g. ``"enterprise_reporting_national"`` or
        ``("southern_grid", "national")``; default :data:`DEFAULT_SCOPE_ORDER`.

    Returns
    -------
    FactorSelection
        ``(factor, used_year, note)``; ``note`` is ``""`` when ``used_year == year``.

    Raises
    ------
    CatalogError
        No row for ``key`` in any of the scopes.
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be an int, got {year!r}")
    order = (scope,) if isinstance(scope, str) else tuple(scope or DEFAULT_SCOPE_ORDER)
    rows = [f for f in factors if f.key == key]
    if not rows:
        known = ", ".join(sorted({f.key for f in factors})) or "none"
        raise CatalogError(f"no emission factor for key {key!r} (known keys: {known})")
    for wanted in order:
        by_year = {f.year: f for f in rows if f.scope == wanted}
        if not by_year:
            continue
        if year in by_year:
            return FactorSelection(by_year[year], year, "")
        earlier = [y for y in by_year if y < year]
        if earlier:
            used = max(earlier)
            note = (
                f"{year}年无发布值，采用{used}年因子 / "
                f"no {year} value published; the {used} factor is used"
            )
        else:
            used = min(by_year)
            note = (
                f"{year}年无发布值，采用其后最近的{used}年因子 / "
                f"no {year} value published; the nearest later factor ({used}) is used"
            )
        return FactorSelection(by_year[used], used, note)
    available = ", ".join(sorted({f.scope for f in rows}))
    raise CatalogError(
        f"no emission factor for key {key!r} in scopes {', '.join(order)} "
        f"(available scopes: {available})"
    )


def factors_table(factors: Iterable[EmissionFactor]) -> list[dict[str, object]]:
    """One dict per row, with every column of :data:`COLUMNS` plus ``origin``, for listings."""
    names = [*COLUMNS, "origin"]
    return [{name: getattr(factor, name) for name in names} for factor in factors]
