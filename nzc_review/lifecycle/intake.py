"""Reading lifecycle files: any supported file, its kind told by its ``format`` key.

Applications are read by suffix (:mod:`nzc_review.intake`); lifecycle files are read by content.
:func:`load_document` reads a file with the reader of its suffix (YAML, JSON, or the simple
workbook of :mod:`nzc_review.lifecycle.excel`; an unknown suffix is sniffed: a ZIP is read as a
workbook, anything else as YAML, which also reads JSON), then hands the plain data to the
validator registered for its ``format`` (:func:`register_format`, as
:func:`nzc_review.intake.register_reader` does for suffixes). Errors are
:class:`~nzc_review.errors.InputError` naming the file and the field, with pydantic's messages
translated by :func:`nzc_review.intake.translate_errors`.

Cross-checks beyond the schema (河环发〔2023〕23号 三、(二)2 验收评价, 四、(四) 信息披露):

* an acceptance's ``application`` is resolved (a file relative to the acceptance file, or the
  embedded content) and must carry the stated id; achieved indicator codes must belong to the
  application's pilot type (an innovative one, ``YQ-C01``…, must be declared by the application,
  whose direction its value follows), with values of the right kind (yes/no or number,
  :func:`nzc_review.policy.application.check_against_catalog`); project names must be the application's; the
  achieved year must be after the base year and have its emissions;
* a disclosure's years must follow the base year; its indicator codes and values are checked the
  same way; the files of one pilot must agree on the ``pilot`` block and not repeat a year.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from nzc_review.errors import InputError
from nzc_review.files.discover import discover
from nzc_review.intake import load_application, translate_errors, validate_application
from nzc_review.intake.text import read_json, read_yaml
from nzc_review.lifecycle.model import (
    ACCEPTANCE_FORMAT,
    DISCLOSURE_FORMAT,
    MODELS,
    Acceptance,
    Disclosure,
    DisclosureYear,
    PilotInfo,
)
from nzc_review.limits import active, check_structure
from nzc_review.policy import catalog
from nzc_review.policy.application import FORMAT as APPLICATION_FORMAT
from nzc_review.policy.application import Application, IndicatorValue, check_against_catalog

Reader = Callable[[Path], object]
Validator = Callable[[dict, str, Path], object]

_READERS: dict[str, Reader] = {".yaml": read_yaml, ".yml": read_yaml, ".json": read_json}
_FORMATS: dict[str, Validator] = {}
LIFECYCLE_SUFFIXES = (".json", ".xlsx", ".yaml", ".yml")


def register_format(name: str, validator: Validator) -> None:
    """Register ``validator(data, source, path)`` for documents whose ``format`` is ``name``."""
    _FORMATS[name] = validator


def known_formats() -> tuple[str, ...]:
    return tuple(_FORMATS)


@dataclass(frozen=True)
class AcceptanceCase:
    """An acceptance file with the application it refers to, both validated."""

    acceptance: Acceptance
    application: Application
    source: str
    path: Path


@dataclass(frozen=True)
class DisclosureFile:
    """One validated disclosure file."""

    disclosure: Disclosure
    source: str
    path: Path


@dataclass(frozen=True)
class PilotHistory:
    """Every disclosed year of one pilot, merged from its files, years in order; ``sources``
    gives the file of each year."""

    pilot: PilotInfo
    years: dict[int, DisclosureYear]
    sources: dict[int, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.pilot.id


# --- reading ---------------------------------------------------------------------------------


def _read_workbook(path: Path) -> object:
    from nzc_review.lifecycle.excel import read_workbook

    return read_workbook(path)


_READERS[".xlsx"] = _read_workbook


def read_document(path: str | Path) -> dict:
    """The plain data of a file (a mapping), read by suffix or, for other suffixes, by content."""
    path = Path(path)
    source = path.name
    if not path.is_file():
        raise InputError(source, "file not found" if not path.exists() else "not a file")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        with path.open("rb") as handle:
            magic = handle.read(4)
        reader = _read_workbook if magic == b"PK\x03\x04" else read_yaml
    data = reader(path)
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise InputError(source, f"expected a mapping with a `format` key, got {kind}")
    return data


def load_document(path: str | Path) -> object:
    """Read and validate any known document; its kind is told by its ``format`` key.

    Returns an :class:`~nzc_review.policy.application.Application`, an :class:`AcceptanceCase` or a
    :class:`DisclosureFile`.
    """
    path = Path(path)
    data = read_document(path)
    fmt = data.get("format")
    validator = _FORMATS.get(fmt) if isinstance(fmt, str) else None
    if validator is None:
        expected = ", ".join(_FORMATS)
        if fmt is None:
            raise InputError(path.name, [("format", f"required field is missing; expected one of "
                                                     f"{expected}")])
        raise InputError(path.name, [("format", f"unknown format {fmt!r}; expected one of "
                                                f"{expected}")])
    return validator(data, path.name, path)


def _format_of(doc: object) -> str:
    if isinstance(doc, AcceptanceCase):
        return ACCEPTANCE_FORMAT
    if isinstance(doc, DisclosureFile):
        return DISCLOSURE_FORMAT
    return str(getattr(doc, "format", "?"))


def _expect(path: str | Path, kind: type, fmt: str) -> object:
    doc = load_document(path)
    if not isinstance(doc, kind):
        raise InputError(Path(path).name, [("format", f"expected {fmt}, got {_format_of(doc)}")])
    return doc


def load_acceptance(path: str | Path) -> AcceptanceCase:
    """Read an ``nzc-acceptance/1`` file and the application it refers to."""
    return _expect(path, AcceptanceCase, ACCEPTANCE_FORMAT)  # type: ignore[return-value]


def load_disclosure(path: str | Path) -> DisclosureFile:
    """Read one ``nzc-disclosure/1`` file."""
    return _expect(path, DisclosureFile, DISCLOSURE_FORMAT)  # type: ignore[return-value]


# --- translation of pydantic errors ----------------------------------------------------------


def _known_fields() -> set[str]:
    names: set[str] = set()
    for cls in MODELS:
        names.update(cls.model_fields)
    return names


def _translate(exc: ValidationError) -> list[tuple[str, str]]:
    """:func:`nzc_review.intake.translate_errors`, with typo hints from the lifecycle models."""
    out = []
    shown = active().reported_problems
    for where, message in translate_errors(exc):
        if message.startswith("unknown field"):
            message = message.split(" (did you mean", 1)[0]
            name = where.rsplit(".", 1)[-1]
            hint = (difflib.get_close_matches(name, _known_fields(), n=1)
                    if len(out) < shown else [])
            if hint:
                message += f" (did you mean {hint[0]!r}?)"
        out.append((where, message))
    return out


def _validated(model: type, data: dict, source: str):
    check_structure(data, source)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, _translate(exc)) from None


# --- catalog checks through the application's own checker -------------------------------------


def _indicator_problems(app: Application, values: dict, where: str) -> list[tuple[str, str]]:
    """Catalog problems of reported values, located as ``<where>.<code>.value`` etc.

    An innovative indicator (创新指标, ``YQ-C01``…) takes its name and direction from ``app``,
    which declares it; one ``app`` does not declare is a problem of its own."""
    problems = []
    indicators = {}
    for code, v in values.items():
        declared = app.indicators.get(code) if catalog.is_innovative_code(code) else None
        if (declared is None and catalog.is_innovative_code(code)
                and catalog.pilot_type_of_code(code) == app.pilot_type):
            own = sorted(c for c in app.indicators if catalog.is_innovative_code(c))
            problems.append((f"{where}.{code}", (
                f"{code} is an innovative indicator (创新指标) that {app.id} does not declare; "
                + (f"its innovative indicators are {', '.join(own)}" if own else
                   "it declares none (an innovative indicator is declared, with its name and "
                   "direction, in the application)"))))
            continue
        indicators[code] = IndicatorValue(
            current=v.value, benchmark=v.benchmark, basis=v.basis,
            name=declared.name if declared else None,
            direction=declared.direction if declared else None)
    probe = app.model_copy(update={"indicators": indicators, "eligibility": {}, "proofs": {},
                                   "energy": {}})
    for location, message in check_against_catalog(probe):
        parts = location.split(".")
        if parts[0] == "indicators":
            part = parts[2:] if len(parts) > 2 else []
            part = ["value" if p == "current" else p for p in part]
            location = ".".join([where, parts[1], *part])
        problems.append((location, message))
    return problems


def _energy_problems(energy: dict, where: str) -> list[tuple[str, str]]:
    problems = []
    for year, e in energy.items():
        if e is None:
            continue
        if (e.green_electricity_mwh is not None and e.electricity_mwh is not None
                and e.green_electricity_mwh > e.electricity_mwh):
            problems.append((
                where.format(year=year) + ".green_electricity_mwh",
                f"green electricity ({e.green_electricity_mwh:g} MWh) exceeds the electricity "
                f"consumed ({e.electricity_mwh:g} MWh)"))
    return problems


# --- nzc-acceptance/1 ------------------------------------------------------------------------


def _resolve_application(acc: Acceptance, source: str, path: Path) -> Application:
    ref = acc.application
    if ref.content is not None:
        try:
            app = validate_application(ref.content, source)
        except InputError as exc:
            raise InputError(source, [(f"application.content.{w}" if w else "application.content",
                                       m) for w, m in exc.problems]) from None
    else:
        target = (path.parent / ref.file).resolve()
        try:
            app = load_application(target)
        except InputError as exc:
            raise InputError(source, [("application.file", f"{ref.file}: {line}")
                                      for line in exc.message.splitlines()]) from None
    if app.id != ref.id:
        raise InputError(source, [("application.id", f"the application given has id {app.id!r}, "
                                                     f"not {ref.id!r}")])
    return app


def check_acceptance(acc: Acceptance, app: Application) -> list[tuple[str, str]]:
    """Problems of an acceptance against its application and the catalog, as (field, message)."""
    problems: list[tuple[str, str]] = []
    if acc.achieved_year <= app.base_year:
        problems.append(("achieved_year", f"must be after the base year {app.base_year}, got "
                                          f"{acc.achieved_year}"))
    if acc.achieved_year not in acc.emissions_tco2:
        problems.append(("emissions_tco2", f"must give the emissions of the achieved year "
                                           f"{acc.achieved_year} (the operation year the achieved "
                                           "values describe)"))
    problems.extend(_indicator_problems(app, acc.achieved, "achieved"))
    problems.extend(_energy_problems(acc.energy, "energy.{year}"))
    planned = [p.name for p in app.key_projects]
    seen: set[str] = set()
    for i, outcome in enumerate(acc.key_projects):
        if outcome.name in seen:
            problems.append((f"key_projects[{i}].name", f"project {outcome.name!r} listed twice"))
        seen.add(outcome.name)
        if outcome.name not in planned:
            hint = difflib.get_close_matches(outcome.name, planned, n=1, cutoff=0.4)
            problems.append((
                f"key_projects[{i}].name",
                f"no key project named {outcome.name!r} in application {app.id}"
                + (f" (did you mean {hint[0]!r}?)" if hint else
                   f"; expected one of {', '.join(planned) or '(none)'}")))
    return problems


def validate_acceptance(data: dict, source: str, path: Path) -> AcceptanceCase:
    """Validate plain data of an ``nzc-acceptance/1`` file read from ``path``."""
    acc = _validated(Acceptance, data, source)
    app = _resolve_application(acc, source, Path(path))
    problems = check_acceptance(acc, app)
    if problems:
        raise InputError(source, problems)
    return AcceptanceCase(acceptance=acc, application=app, source=source, path=Path(path))


# --- nzc-disclosure/1 ------------------------------------------------------------------------


def pilot_application(pilot: PilotInfo, years: dict[int, DisclosureYear] | None = None,
                      upto: int | None = None) -> Application:
    """The pilot's figures as an :class:`Application`, so that the application's computations
    (derive, accounting) apply: base year from the ``pilot`` block, then every disclosed year
    up to ``upto``."""
    years = {y: d for y, d in (years or {}).items() if upto is None or y <= upto}
    emissions = {y: d.emissions_tco2 for y, d in years.items()}
    profile = {y: d.profile for y, d in years.items() if d.profile is not None}
    if pilot.base_emissions_tco2 is not None:
        emissions[pilot.base_year] = pilot.base_emissions_tco2
    if pilot.base_profile is not None:
        profile[pilot.base_year] = pilot.base_profile
    app = Application.model_validate({"format": APPLICATION_FORMAT, "id": pilot.id,
                                      "pilot_type": pilot.pilot_type, "name": pilot.name,
                                      "base_year": pilot.base_year})
    return app.model_copy(update={
        "emissions_tco2": dict(sorted(emissions.items())),
        "profile": dict(sorted(profile.items())),
        "energy": {y: d.energy for y, d in sorted(years.items()) if d.energy is not None},
    })


def check_disclosure(disclosure: Disclosure) -> list[tuple[str, str]]:
    """Problems of a disclosure beyond its schema, as (field, message)."""
    pilot = disclosure.pilot
    problems: list[tuple[str, str]] = []
    probe = pilot_application(pilot)
    for year, d in disclosure.years.items():
        if year <= pilot.base_year:
            problems.append((f"years.{year}", f"a disclosed year must be after the base year "
                                              f"{pilot.base_year}; give base-year figures as "
                                              "pilot.base_emissions_tco2 and pilot.base_profile"))
        problems.extend(_indicator_problems(probe, d.indicators, f"years.{year}.indicators"))
        problems.extend(_energy_problems({year: d.energy}, "years.{year}.energy"))
        problems.extend(enterprise_problems(pilot, year, d))
    if (pilot.accepted_year is not None and pilot.accepted_year <= pilot.base_year):
        problems.append(("pilot.accepted_year", f"must be after the base year {pilot.base_year}"))
    return problems


def enterprise_problems(pilot: PilotInfo, year: int, d: DisclosureYear
                        ) -> list[tuple[str, str]]:
    """Problems of a year's enterprises (园区企业碳排放情况, YQ-18 of 附件1 表2): only a park lists
    them, and each enterprise once (names compared without surrounding spaces). Enterprises
    summing to more than the park's total are a note of the disclosure, not an error
    (:func:`nzc_review.lifecycle.disclosure.enterprise_table`)."""
    where = f"years.{year}.enterprises"
    if not d.enterprises:
        return []
    if pilot.pilot_type != "park":
        return [(where, f"only a park (pilot_type park) lists its enterprises (园区企业碳排放情况, "
                        f"YQ-18); this pilot is of type {pilot.pilot_type}")]
    problems = []
    first: dict[str, int] = {}
    for i, enterprise in enumerate(d.enterprises):
        name = enterprise.name.strip()
        if name in first:
            problems.append((f"{where}[{i}].name", f"the enterprise {name!r} is listed twice "
                                                   f"(also {where}[{first[name]}])"))
        first.setdefault(name, i)
    return problems


def validate_disclosure(data: dict, source: str, path: Path) -> DisclosureFile:
    """Validate plain data of an ``nzc-disclosure/1`` file read from ``path``."""
    disclosure = _validated(Disclosure, data, source)
    problems = check_disclosure(disclosure)
    if problems:
        raise InputError(source, problems)
    return DisclosureFile(disclosure=disclosure, source=source, path=Path(path))


def _validate_application(data: dict, source: str, path: Path) -> Application:
    return validate_application(data, source)


register_format(APPLICATION_FORMAT, _validate_application)
register_format(ACCEPTANCE_FORMAT, validate_acceptance)
register_format(DISCLOSURE_FORMAT, validate_disclosure)


# --- many files ------------------------------------------------------------------------------


IDENTITY_FIELDS = ("id", "pilot_type", "base_year")


def merge_disclosures(files: Sequence[DisclosureFile]) -> list[PilotHistory]:
    """Group disclosure files by pilot and merge their years.

    The files of one pilot must agree on ``pilot.id``, ``pilot.pilot_type`` and
    ``pilot.base_year`` and must not disclose a year twice. Other ``pilot`` fields may change
    over time (a pilot is accepted after its first disclosures, an organisation is renamed): the
    file with the latest disclosed year wins, field by field, where it gives a value.

    Raises
    ------
    InputError
        naming the later file, the field and the earlier file.
    """
    ordered = sorted(files, key=lambda f: max(f.disclosure.years))
    pilots: dict[str, dict] = {}
    origin: dict[str, str] = {}
    years: dict[str, dict[int, DisclosureYear]] = {}
    sources: dict[str, dict[int, str]] = {}
    for f in ordered:
        pilot = f.disclosure.pilot
        if pilot.id in pilots:
            merged = pilots[pilot.id]
            for name in IDENTITY_FIELDS:
                if merged[name] != getattr(pilot, name):
                    raise InputError(f.source, [(
                        f"pilot.{name}",
                        f"{getattr(pilot, name)!r} differs from {merged[name]!r} given for the "
                        f"same pilot {pilot.id} in {origin[pilot.id]}")])
            merged.update({k: v for k, v in pilot.model_dump().items() if v is not None})
        else:
            pilots[pilot.id], origin[pilot.id] = pilot.model_dump(), f.source
            years[pilot.id], sources[pilot.id] = {}, {}
        for year, d in f.disclosure.years.items():
            if year in years[pilot.id]:
                raise InputError(f.source, [(f"years.{year}", f"pilot {pilot.id} discloses {year} "
                                                              f"also in {sources[pilot.id][year]}")])
            years[pilot.id][year] = d
            sources[pilot.id][year] = str(f.path)
    order = sorted(pilots)
    return [PilotHistory(pilot=PilotInfo.model_validate(pilots[i]),
                         years=dict(sorted(years[i].items())),
                         sources=dict(sorted(sources[i].items()))) for i in order]


def load_histories(inputs: Iterable[str | Path]) -> list[PilotHistory]:
    """Every pilot's disclosures from files and folders.

    Raises
    ------
    InputError
        for the first file that is invalid or not a disclosure; all of them are read first and
        their problems reported together.
    """
    paths = discover(inputs, LIFECYCLE_SUFFIXES)
    if not paths:
        raise InputError("input", "no disclosure files found (expected "
                                  + ", ".join(LIFECYCLE_SUFFIXES) + ")")
    files: list[DisclosureFile] = []
    errors: list[InputError] = []
    for path in paths:
        try:
            files.append(load_disclosure(path))
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise LifecycleInputErrors(errors)
    return merge_disclosures(files)


class LifecycleInputErrors(InputError):
    """Several invalid files at once; the message lists them all."""

    def __init__(self, errors: Sequence[InputError]):
        self.errors = list(errors)
        problems = [(w, m) for e in errors for w, m in
                    ((f"{e.source}: {loc}" if loc else e.source, msg) for loc, msg in e.problems)]
        super().__init__("", problems)

    @property
    def message(self) -> str:
        return "\n".join(e.message for e in self.errors)
