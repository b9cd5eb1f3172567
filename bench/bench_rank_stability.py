"""Benchmark: vectorised rank stability vs pymcdm's TOPSIS called once per weight sample.

10,000 Dirichlet weight samples x 100 candidates x 20 criteria (seeded random data).
Both sides score the *same* weight samples; the closeness coefficients must agree
(allclose) and the ranks must be equal, else the script exits with status 1.

pymcdm is a benchmark-only dependency (the ``bench`` extra). Its TOPSIS defaults to
min-max normalisation; vector normalisation is passed explicitly so both compute
Hwang & Yoon's TOPSIS. (pymcdm normalises a cost column as ``1 - x/||x||``; the distances
to the ideal and anti-ideal are unchanged by that flip, so the results are the same.)

Run: ``.venv/bin/python bench/bench_rank_stability.py``
"""

from __future__ import annotations

import sys
import time

import numpy as np

from nzc_review.mcda import ranking

N_SAMPLES = 10_000
N_CANDIDATES = 100
N_CRITERIA = 20
SEED = 20240601
CONCENTRATION = 100.0
REPEATS = 3


def make_problem() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    matrix = rng.uniform(1.0, 100.0, size=(N_CANDIDATES, N_CRITERIA))
    weights = rng.dirichlet(np.full(N_CRITERIA, 2.0))
    benefit = rng.random(N_CRITERIA) < 0.7
    return matrix, weights, benefit


def run_ours(matrix, weights, benefit) -> tuple[ranking.RankStability, list[float]]:
    times = []
    result = None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = ranking.rank_stability(
            matrix,
            weights,
            benefit,
            n_samples=N_SAMPLES,
            concentration=CONCENTRATION,
            top_k=10,
            seed=SEED,
        )
        times.append(time.perf_counter() - t0)
    return result, times


def run_pymcdm(matrix, samples, benefit) -> tuple[np.ndarray, np.ndarray, float]:
    from pymcdm import normalizations
    from pymcdm.methods import TOPSIS

    topsis = TOPSIS(normalization_function=normalizations.vector_normalization)
    types = np.where(benefit, 1, -1)
    scores = np.empty((samples.shape[0], matrix.shape[0]))
    ranks = np.empty_like(scores)
    t0 = time.perf_counter()
    for s, w in enumerate(samples):
        pref = topsis(matrix, w, types)
        scores[s] = pref
        ranks[s] = topsis.rank(pref)
    return scores, ranks, time.perf_counter() - t0


def main() -> int:
    try:
        from importlib.metadata import version

        import pymcdm  # noqa: F401

        pm_version = version("pymcdm")
    except ImportError:
        print("pymcdm is not installed: .venv/bin/pip install pymcdm  (the 'bench' extra)")
        return 2
    matrix, weights, benefit = make_problem()
    print(
        f"rank stability: {N_SAMPLES} weight samples x {N_CANDIDATES} candidates x "
        f"{N_CRITERIA} criteria ({int((~benefit).sum())} cost), Dirichlet "
        f"concentration {CONCENTRATION:g}, seed {SEED}; pymcdm {pm_version}"
    )

    ours, times = run_ours(matrix, weights, benefit)
    t_ours = min(times)
    pm_scores, pm_ranks, t_pm = run_pymcdm(matrix, ours.weight_samples, benefit)

    scores_ok = np.allclose(ours.scores, pm_scores, rtol=1e-10, atol=1e-12)
    ranks_ok = np.array_equal(ours.ranks, pm_ranks)
    max_diff = float(np.abs(ours.scores - pm_scores).max())
    ratio = t_pm / t_ours

    print(
        f"nzc_review.mcda.ranking.rank_stability (vectorised, best of {REPEATS}): "
        f"{t_ours:8.3f} s  (first run {times[0]:.3f} s)"
    )
    print(f"pymcdm TOPSIS in a Python loop ({N_SAMPLES} calls):            {t_pm:8.3f} s")
    print(f"speed-up: {ratio:.1f}x")
    print(f"closeness coefficients allclose: {scores_ok} (max |difference| {max_diff:.2e})")
    print(f"ranks equal: {ranks_ok}")
    print(f"aim (< 1 s and >= 10x faster): {'met' if t_ours < 1.0 and ratio >= 10 else 'NOT met'}")
    top = np.argsort(-ours.top_k_probability)[:3]
    for i in top:
        lo, hi = ours.rank_interval[i]
        print(
            f"  candidate {i:3d}: base rank {ours.base_ranks[i]:3d}, "
            f"P(top {ours.top_k}) = {ours.top_k_probability[i]:.3f}, "
            f"rank 5th-95th percentile {lo}-{hi}"
        )
    if not (scores_ok and ranks_ok):
        print("RESULTS DIFFER")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
