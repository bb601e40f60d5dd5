"""Time the full gx-poison-guard suite on a large batch against the same computations in numpy.

Usage: python benchmarks/suite_speed.py [--rows 1000000] [--features 20] [--repeats 3]

Prints, for one batch of ROWS x FEATURES correlated Gaussian rows (baseline fitted on 50k rows):
  floor     one read of the array (X.sum()), the memory-bandwidth floor
  core      gx_poison_guard's pure statistics on the matrix (BatchScores: moments, the five batch
            tests on features, the three row scores around the batch's centre); "core w/o isolation"
            leaves the isolation forest out (the label checks and the opt-in near-duplicate check
            are not in this suite: the data has no labels, and near duplicates are for batches no
            larger than the held-out rows)
  GX        batch.validate(suite) through an ephemeral GX context, for the multivariate suite
            without and with the isolation forest, and for the full generated suite (adds the
            per-column built-ins)
Each figure is the median of --repeats runs, with its ratio to the core computation.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def correlated(n: int, d: int, seed: int) -> np.ndarray:
    s = np.random.default_rng(1)
    a = s.normal(size=(d, d))
    cov = a @ a.T + 0.1 * np.eye(d)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    scale, mean = s.uniform(0.5, 5, d), s.normal(0, 10, d)
    L = np.linalg.cholesky(corr)
    return mean + (np.random.default_rng(seed).standard_normal((n, d)) @ L.T) * scale


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--features", type=int, default=20)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()

    import gx_poison_guard as pg
    from gx_poison_guard.calibration import FEATURE_TESTS
    from great_expectations.data_context.types.base import ProgressBarsConfig

    cols = [f"x{i}" for i in range(args.features)]
    golden = pd.DataFrame(correlated(50_000, args.features, seed=2), columns=cols)
    batch = pd.DataFrame(correlated(args.rows, args.features, seed=3), columns=cols)
    X = batch.to_numpy()
    b = pg.fit_baseline(golden, columns=cols)
    b.save(Path(tempfile.mkdtemp()) / "bench.baseline.jsonl")
    full = pg.build_suite(b, name="full", batch_size=args.rows, n_resamples=1000)
    import great_expectations as gx

    custom = [e for e in full.expectations if e.expectation_type.startswith(("expect_batch", "expect_row"))]
    multivariate = gx.ExpectationSuite(name="mv", expectations=custom)
    no_isolation = gx.ExpectationSuite(
        name="mv6", expectations=[e for e in custom if e.expectation_type != "expect_row_isolation_score_to_be_below"]
    )
    ctx = pg.load_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    bd = ctx.data_sources.add_pandas("p").add_dataframe_asset("a").add_batch_definition_whole_dataframe("w")

    def core(tests=FEATURE_TESTS):
        s = pg.BatchScores(b, X)
        s.tests
        for t in tests:
            if t.startswith("row_"):
                s.row_scores(t)

    def validate(suite):
        res = bd.get_batch(batch_parameters={"dataframe": batch}).validate(suite, result_format="SUMMARY")
        assert res.success, "the clean benchmark batch should pass"

    rows = [
        ("floor: X.sum() (one read)", median_time(lambda: X.sum(), args.repeats)),
        ("core w/o isolation forest", median_time(lambda: core(tuple(t for t in FEATURE_TESTS if t != "row_isolation")), args.repeats)),
        (f"core (all {len(FEATURE_TESTS)} tests)", median_time(core, args.repeats)),
        (f"GX: multivariate suite w/o isolation ({len(no_isolation.expectations)})", median_time(lambda: validate(no_isolation), args.repeats)),
        (f"GX: multivariate suite ({len(custom)} expectations)", median_time(lambda: validate(multivariate), args.repeats)),
        (f"GX: full suite ({len(full.expectations)} expectations)", median_time(lambda: validate(full), args.repeats)),
    ]
    ref = rows[2][1]
    print(f"batch {args.rows:,} x {args.features}, baseline 50,000 rows, median of {args.repeats}")
    print(f"{'what':45s} {'seconds':>9s} {'x core':>8s}")
    for name, t in rows:
        print(f"{name:45s} {t:9.3f} {t / ref:8.2f}")


if __name__ == "__main__":
    main()
