"""Energy consumption in standard coal, the renewable share and the clean-energy use rate.

Conversion coefficients: GB/T 2589-2020《综合能耗计算通则》附录A (当量值 for electricity and
heat), kept in ``catalog/energy_conversion.yaml``. Field meanings (contract 2 ``energy``):
``electricity_mwh`` is electricity bought from the grid, ``green_electricity_mwh`` the part of
it bought as green electricity (绿电交易/绿证), ``onsite_renewable_mwh`` renewable electricity
generated and used on site (not bought, so not in ``electricity_mwh``).

Definitions used (stated in every report):

* total energy consumption (综合能源消费量, tce) = Σ field × coefficient, on-site renewable
  electricity included;
* renewable energy consumption share (可再生能源消费比重, 表1/表2) = (on-site renewable +
  green electricity) / total × 100, both at 当量值;
* clean energy use rate (清洁能源使用率, 表1/表2/表4/表5) = (grid and on-site electricity +
  natural gas + LPG) / total × 100: the share of clean energy in total energy use, as the
  indicator of the same name in GB/T 36132-2018《绿色园区评价要求》; coal, oil products and
  purchased heat count as not clean.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from nzc_review.errors import CatalogError
from nzc_review.policy.application import Energy

CLEAN_FIELDS = ("electricity_mwh", "onsite_renewable_mwh", "natural_gas_10k_m3", "lpg_t")


@dataclass(frozen=True)
class Conversion:
    field: str
    tce: float
    unit: str
    name_zh: str
    source: str


@cache
def conversions() -> dict[str, Conversion]:
    """The tce coefficient of every ``energy`` field."""
    text = resources.files("nzc_review.policy.catalog").joinpath("energy_conversion.yaml").read_text(
        encoding="utf-8"
    )
    data = yaml.safe_load(text)
    try:
        out = {k: Conversion(field=k, **v) for k, v in data.items()}
    except TypeError as exc:
        raise CatalogError(f"catalog file energy_conversion.yaml: {exc}") from None
    missing = set(Energy.model_fields) - set(out) - {"green_electricity_mwh"}
    if missing:
        raise CatalogError(f"catalog file energy_conversion.yaml: no entry for {sorted(missing)}")
    return out


@dataclass(frozen=True)
class EnergyBalance:
    total_tce: float
    by_field_tce: dict[str, float]
    renewable_share_pct: float | None
    clean_energy_rate_pct: float | None


def energy_balance(energy: Energy) -> EnergyBalance:
    """Total consumption in tce, per field, and the two shares (``None`` when total is 0)."""
    table = conversions()
    by_field = {
        name: amount * table[name].tce
        for name in table
        if (amount := getattr(energy, name)) is not None
    }
    total = sum(by_field.values())
    if total <= 0:
        return EnergyBalance(total, by_field, None, None)
    green = (energy.green_electricity_mwh or 0.0) * table["electricity_mwh"].tce
    renewable = by_field.get("onsite_renewable_mwh", 0.0) + green
    clean = sum(by_field.get(name, 0.0) for name in CLEAN_FIELDS)
    return EnergyBalance(total, by_field, renewable / total * 100, clean / total * 100)
