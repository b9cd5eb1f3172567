"""Benchmark: the delivery-risk Monte Carlo, 10,000 draws per application.

Compares the vectorised kernel (nzc_review.evaluation.risk.simulate_emissions) with a plain Python loop
over the very same draws, in the same run, on every bundled example application, and checks
that both give the same emissions. Prints wall times and the ratio.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from nzc_review.evaluation.derive import latest_accounted_year
from nzc_review.evaluation.forecast import project_effects
from nzc_review.evaluation.risk import RiskModel, draw, simulate_emissions
from nzc_review.intake import load_application

ROOT = Path(__file__).resolve().parents[1]


def loop(latest_tco2, latest_year, years, reductions, end_years, draws):
    out = np.empty((len(draws.growth), len(years)))
    for d in range(len(draws.growth)):
        growth = draws.growth[d]
        for j, year in enumerate(years):
            bau = latest_tco2 * (1.0 + growth) ** (year - latest_year)
            cut = 0.0
            for p in range(len(reductions)):
                if end_years[p] + draws.delays[d, p] + 1 <= year:
                    cut += draws.delivered[d, p] * reductions[p]
            out[d, j] = max(0.0, bau - cut)
    return out


def main() -> int:
    model = RiskModel(draws=10_000, growth_sd=0.01)
    total_fast = total_loop = 0.0
    print(f"{'application':<22}{'projects':>9}{'years':>7}{'vectorised s':>14}{'loop s':>10}{'ratio':>8}")
    for path in sorted((ROOT / "examples" / "applications").glob("*.yaml")):
        app = load_application(path)
        latest = latest_accounted_year(app)
        counted, _ = project_effects(app, latest)
        reductions = np.array([p.expected_reduction_tco2_per_year for p, _ in counted])
        ends = np.array([p.end_year for p, _ in counted])
        years = np.arange(latest, app.target_year + 1)
        sampled = draw(model, len(counted), app.bau_growth_rate)
        args = (app.emissions_tco2[latest], latest, years, reductions, ends, sampled)
        t0 = time.perf_counter()
        fast = simulate_emissions(*args)
        t1 = time.perf_counter()
        slow = loop(*args)
        t2 = time.perf_counter()
        if not np.allclose(fast, slow, rtol=1e-12, atol=1e-6):
            print(f"MISMATCH in {path.name}", file=sys.stderr)
            return 1
        total_fast += t1 - t0
        total_loop += t2 - t1
        print(f"{app.id:<22}{len(counted):>9}{len(years):>7}{t1 - t0:>14.4f}{t2 - t1:>10.3f}"
              f"{(t2 - t1) / (t1 - t0):>7.0f}×")
    print(f"{'all':<38}{total_fast:>14.4f}{total_loop:>10.3f}{total_loop / total_fast:>7.0f}×")
    print("results identical: yes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
