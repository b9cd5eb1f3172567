"""``check`` and ``evaluate`` at the command line: the innovative-indicator table and the basis
line, and the cost per tonne on the run's basis."""

from __future__ import annotations

import json

from nzc_review.cli.main import main
from tests.conftest import EXAMPLES

PARK = str(EXAMPLES / "park-pass.yaml")


def test_check_table_has_innovative_indicators_and_the_basis(capsys):
    assert main(["check", PARK]) == 0
    out = capsys.readouterr().out
    assert "核算口径：基于位置（同口径：按2022年电网因子）（由排放数据计算的现状值按此口径）" in out
    table = out[out.index("创新指标"):]
    for code in ("YQ-C01", "YQ-C02", "YQ-C03"):
        assert code in table
    assert "不计入核心指标门槛" in table
    assert main(["check", PARK, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["basis"] == "location" and len(data["innovative"]) == 3


def test_evaluate_cost_per_tonne_follows_the_basis(capsys):
    costs = {}
    for basis in ("location", "green_deducted"):
        assert main(["evaluate", PARK, "--format", "json", "--draws", "50",
                     "--accounting-basis", basis]) == 0
        data = json.loads(capsys.readouterr().out)
        costs[basis] = {p["name"]: p for p in data["costs"]["projects"]}
        assert data["costs"]["basis"] == basis
    green = costs["location"]["绿电交易"]
    assert green["cost_cny_per_tco2"] is None and "不减少核算排放" in green["note"]
    assert costs["green_deducted"]["绿电交易"]["cost_cny_per_tco2"] == 0
