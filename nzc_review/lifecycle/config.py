"""Acceptance and re-review rules from a YAML or JSON file (``--rules FILE``).

Both sections are optional; a key left out keeps its default (``docs/lifecycle.md``); the
``acceptance`` section is read by :mod:`nzc_review.mcda.acceptance_rules` (an acceptance meeting
keeps it with its session)::

    acceptance:
      weights: {core: 50, other: 20, projects: 20, accounting: 10}   # must add up to 100
      target_miss_credit: 0.5
      completion_share: 0.5
      require_core_met: true
      require_projects_done: true
      require_core_targets: false
      require_innovative_targets: false
      pass_score: 60
      bands:                                    # best first; lower: null is "no lower bound"
        - {code: excellent, label: 优秀, lower: 85}
        - {code: pass, label: 通过, lower: 60}
        - {code: fail, label: 未通过, lower: null}
      tolerance_pct: 5
    monitor:
      rising_years: 2
      core_exit_years: 2
      missing_exit_years: 2
      target_tolerance_pct: 0
      enabled: [RISING, CORE, NO_DISCLOSURE, ABOVE_TARGET]
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from nzc_review.errors import FieldError, InputError
from nzc_review.lifecycle.monitor import MonitorRules
from nzc_review.mcda.acceptance_rules import (
    AcceptanceRules,
    AcceptanceSection,
    acceptance_rules_from_section,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Monitor(_Model):
    rising_years: int | None = None
    core_exit_years: int | None = None
    missing_exit_years: int | None = None
    target_tolerance_pct: float | None = None
    enabled: list[str] | None = None


class RulesFile(_Model):
    acceptance: AcceptanceSection | None = None
    monitor: _Monitor | None = None


def _given(model: BaseModel) -> dict:
    return {k: v for k, v in model.model_dump(exclude_unset=True).items() if v is not None}


def rules_from_mapping(data: object, source: str = "rules"
                       ) -> tuple[AcceptanceRules, MonitorRules]:
    """Both rule sets from plain data (defaults where a key is left out).

    Raises
    ------
    InputError
        naming the source and the field (``acceptance.weights.core``), read from the
        :class:`~nzc_review.errors.FieldError` the rules raise.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(source, "expected a mapping with `acceptance` and/or `monitor`")
    try:
        parsed = RulesFile.model_validate(data)
    except ValidationError as exc:
        from nzc_review.intake import translate_errors

        raise InputError(source, translate_errors(exc)) from None
    section = "acceptance"
    try:
        acceptance = acceptance_rules_from_section(parsed.acceptance)
        section = "monitor"
        monitor = MonitorRules()
        if parsed.monitor is not None:
            given = _given(parsed.monitor)
            if "enabled" in given:
                given["enabled"] = tuple(given["enabled"])
            monitor = MonitorRules(**given)
    except FieldError as exc:  # RulesError, or McdaError from a band
        where = f"{section}.{exc.name}" if exc.name else section
        raise InputError(source, [(where, exc.detail)]) from None
    return acceptance, monitor


def load_rules(path: str | Path | None) -> tuple[AcceptanceRules, MonitorRules]:
    """Both rule sets from a YAML/JSON file; the defaults when ``path`` is ``None``."""
    if path is None:
        return AcceptanceRules(), MonitorRules()
    from nzc_review.intake.text import read_json, read_yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(path.name, "file not found" if not path.exists() else "not a file")
    data = read_json(path) if path.suffix.lower() == ".json" else read_yaml(path)
    return rules_from_mapping(data, path.name)
