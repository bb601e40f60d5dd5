"""Realized false-block rates and detection rates of calibrated suites (prints tables; not a test).

Usage: python benchmarks/calibration_rates.py [--batches 1000] [--splits 20]

Part 1, synthetic data with a large golden set: a baseline from 20,000 golden rows of a fixed
correlated distribution (one log-normal feature), a suite calibrated to a 1 % false-block rate for
batches of 500 rows, then fresh clean batches from the same distribution through the suite's
verdict (gx_poison_guard.calibration.decide, which a test keeps equal to GX's verdicts), with the
default policy: the drift tests only warn, every other check blocks.

Part 2, sklearn's breast_cancer (a small, heavy-tailed golden set): for each of --splits random
splits, 400 golden rows (half held out for calibration) and 169 unseen rows as the batch; counts
how often the clean batch, a batch with 10 % of rows permuted column-wise (red team S3), and a batch
with 5 % of rows pushed to +-8 sd on 3 features (S1 with low = high = 8) are blocked by the suite,
and how often each multivariate test fails (drift tests: warnings).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats
from sklearn.datasets import load_breast_cancer

import gx_poison_guard as pg
from gx_poison_guard.calibration import FEATURE_TESTS, decide, false_block_rate
from gx_poison_guard.datasets import correlated_frame
from gx_poison_guard.frames import feature_matrix
from gx_poison_guard.redteam import correlation_break, far_outliers
from gx_poison_guard.scoring import DRIFT_TESTS

MULTIVARIATE = FEATURE_TESTS


def synthetic(n_batches: int) -> None:
    print(f"## Synthetic, 20,000 golden rows, batches of 500, target 1 %, {n_batches} fresh clean batches")
    print("| features | blocked | rate | 99% CI | binomial 99% range for the target | by check |")
    print("|---|---|---|---|---|---|")
    for d in (6, 20):
        golden = correlated_frame(20_000, d=d, seed=1)
        b = pg.fit_baseline(golden, columns=list(golden.columns))
        cal = pg.calibrate(b, batch_size=500, warn_tests=DRIFT_TESTS)
        stream = correlated_frame(n_batches * 500, d=d, seed=2).to_numpy()
        r = false_block_rate(cal, b, (stream[i * 500 : (i + 1) * 500] for i in range(n_batches)))
        lo, hi = r.interval()
        blo, bhi = stats.binom.interval(0.99, n_batches, 0.01)
        print(f"| {d} | {r.n_blocked}/{r.n_batches} | {r.rate:.2%} | [{lo:.2%}, {hi:.2%}] | "
              f"[{int(blo)}, {int(bhi)}] | {dict(sorted(r.by_check.items()))} |")


def breast_cancer(n_splits: int) -> None:
    df = load_breast_cancer(as_frame=True).data
    cols = list(df.columns)
    tally: dict[tuple[str, str], int] = {}
    for split in range(n_splits):
        order = np.random.default_rng(split).permutation(len(df))
        golden, held = df.iloc[order[:400]], df.iloc[order[400:]].reset_index(drop=True)
        b = pg.fit_baseline(golden, columns=cols, calibration_fraction=0.5)
        cal = pg.calibrate(b, batch_size=len(held), n_resamples=2000, warn_tests=DRIFT_TESTS)
        cases = {
            "clean": held,
            "10% permuted": correlation_break(held, b, fraction=0.10, seed=100 + split).batch,
            "5% at 8 sd": far_outliers(held, b, fraction=0.05, seed=200 + split, low=8.0, high=8.0,
                                       min_features=3, max_features=3).batch,
        }
        for case, batch in cases.items():
            verdict = decide(cal, pg.BatchScores(b, feature_matrix(batch, cols)))
            tally[(case, "suite")] = tally.get((case, "suite"), 0) + cal.blocks(verdict)
            for test in MULTIVARIATE:
                tally[(case, test)] = tally.get((case, test), 0) + (not verdict[test])
            ranges = any(not ok for k, ok in verdict.items() if k.startswith("range:"))
            tally[(case, "ranges")] = tally.get((case, "ranges"), 0) + ranges
    print(f"\n## breast_cancer, {n_splits} random splits (400 golden rows, calibration_fraction 0.5, batch = 169 unseen rows)")
    columns = ["suite", *MULTIVARIATE, "ranges"]
    print("| batch | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for case in ("clean", "10% permuted", "5% at 8 sd"):
        print(f"| {case} | " + " | ".join(f"{tally[(case, c)]}/{n_splits}" for c in columns) + " |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, default=1000)
    p.add_argument("--splits", type=int, default=20)
    args = p.parse_args()
    t = time.perf_counter()
    synthetic(args.batches)
    breast_cancer(args.splits)
    print(f"\n({time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
