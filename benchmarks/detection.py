"""Detection benchmark: our calibrated suite next to the univariate checks teams use today.

Usage: python benchmarks/detection.py [--batches 50] [--clean-batches 400] [--out benchmarks/RESULTS.md]

For each dataset (sklearn breast_cancer, wine, digits; the generated card transactions), with its
class label, and batch size (200, 1000), rows are split into golden (75 %: the baseline fits on two
thirds of it and holds out one third for calibration, i.e. 50/25 of the pool) and a clean-batch
source (25 %, never seen; for the card data, 20,000 fresh rows from the generator). Each batch is a
random subset of the source, so no row repeats within a batch (repeated rows would inflate every
method's false blocks). Where the real source is smaller than the batch, that batch size runs on a
surrogate instead: per class, a Gaussian mixture fitted to that class's rows of the whole pool
(components chosen by BIC over 1-5), sampled in the pool's class proportions: 20,000 rows split as
above into golden and calibration rows, and a fresh 100,000-row clean source, so that clean batches
do not share one small pool's sampling error. The section title says which data each table used.

Every method is calibrated to block at most 1 % of clean batches on the held-out calibration rows,
then measured on clean batches (realized false-block rate, 95 % Clopper-Pearson upper bound) and on
batches attacked by each scenario of gx_poison_guard.redteam at 1 %, 5 % and 10 % contamination
(share of batches blocked). Drift scenarios (S2b, S9) poison no row: for them the cells say
"blocked / warned"; the goal is to warn (report drift), not to block. Row-level figures (AUROC,
precision@k with k = poisoned rows) use the label-disagreement score for the label scenarios (S5,
S6) and the squared Mahalanobis distance otherwise.

Methods:
  ours     the generated suite as the breaker decides it: drift tests (mean_shift, feature_mean_shift,
           feature_spread_shift) warn, every other check blocks; label checks on, and near_duplicates
           where the batch is no larger than the held-out rows (min-p fusion)
  ours-2of  the same detectors with k-of-m consensus, k = 2: blocks when two blocking detectors fail
           (range checks still block alone); calibrated to the same target
  gx-only  only the suite's GX built-in range checks
  3sigma   a row is flagged when any |z| > the Bonferroni 1 % bound; block when the count of flagged
           rows exceeds its 99th percentile over resampled clean batches
  ks       per-column two-sample KS against the golden fit rows (asymptotic p-values), block when
           any p < 1 % / p (Bonferroni)
  iforest  scikit-learn IsolationForest with defaults, block when the count of rows it predicts as
           outliers exceeds its 99th percentile over resampled clean batches
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

import gx_poison_guard as pg
from gx_poison_guard.baseline import split_golden
from gx_poison_guard.calibration import decide, default_tests
from gx_poison_guard.datasets import FEATURES, card_transactions
from gx_poison_guard.redteam import scenarios
from gx_poison_guard.scoring import DRIFT_TESTS
from gx_poison_guard.stats.calibration import clopper_pearson

METHODS = ("ours", "ours-2of", "gx-only", "3sigma", "ks", "iforest")
LABEL = "label"
FRACTIONS = (0.01, 0.05, 0.10)


def pools() -> dict[str, tuple[pd.DataFrame, pd.DataFrame | None]]:
    """name -> (pool with a ``label`` column, fresh clean source or None)."""
    out = {}
    for name, loader in (("breast_cancer", load_breast_cancer), ("wine", load_wine), ("digits", load_digits)):
        bunch = loader(as_frame=True)
        out[name] = (bunch.data.astype(float).assign(**{LABEL: bunch.target.to_numpy()}), None)
    card = card_transactions(20_000, seed=0)
    fresh = card_transactions(20_000, seed=77, start_id=10**7)
    keep = list(FEATURES) + ["is_fraud"]
    out["card_transactions"] = tuple(df[keep].astype(float).rename(columns={"is_fraud": LABEL}).astype({LABEL: int})
                                     for df in (card, fresh))
    return out


def gmm_surrogate(pool: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """Rows drawn per class from Gaussian mixtures fitted to the standardised pool (BIC over 1-5 components)."""
    from sklearn.mixture import GaussianMixture

    features = [c for c in pool.columns if c != LABEL]
    mu, sd = pool[features].mean(), pool[features].std().replace(0, 1.0)
    classes, counts = np.unique(pool[LABEL], return_counts=True)
    sizes = np.random.default_rng(seed).multinomial(n, counts / counts.sum())
    parts = []
    for c, size in zip(classes, sizes):
        Z = ((pool.loc[pool[LABEL] == c, features] - mu) / sd).to_numpy()
        fits = [GaussianMixture(k, covariance_type="full", reg_covar=1e-3, random_state=seed).fit(Z)
                for k in range(1, min(5, len(Z) // 10) + 1)]
        best = min(fits, key=lambda g: g.bic(Z))
        best.random_state = seed + int(c) + 1
        sample = best.sample(int(size))[0] if size else np.empty((0, len(features)))
        parts.append(pd.DataFrame(sample * sd.to_numpy() + mu.to_numpy(), columns=features).assign(**{LABEL: c}))
    out = pd.concat(parts, ignore_index=True)
    return out.iloc[np.random.default_rng(seed + 99).permutation(len(out))].reset_index(drop=True)


def usable_columns(golden: pd.DataFrame) -> list[str]:
    """Feature columns that vary in the winsorised golden data (digits has constant pixels)."""
    features = golden.drop(columns=LABEL)
    lo, hi = features.quantile(0.005), features.quantile(0.995)
    clipped = features.clip(lo, hi, axis=1)
    return [c for c in features.columns if clipped[c].std() > 0 and features[c].nunique() > 2]


class Baselines:
    """The univariate and off-the-shelf methods, calibrated to 1 % on resampled calibration rows."""

    def __init__(self, b: pg.Baseline, fit_rows: np.ndarray, n: int, rng: np.random.Generator,
                 resamples: int = 2000) -> None:
        cal = b.calibration_rows  # counts are calibrated on the held-out rows, like ours
        self.b, self.golden = b, np.sort(fit_rows, axis=0)  # sorted once for the KS statistic
        self.z_bound = stats.norm.isf(0.01 / (2 * b.n_features))
        self.forest = IsolationForest(random_state=0).fit(fit_rows)
        idx = rng.integers(0, len(cal), size=(resamples, n))
        self.sigma_limit = np.quantile(self._sigma_flags(cal)[idx].sum(axis=1), 0.99)
        self.forest_limit = np.quantile((self.forest.predict(cal) == -1)[idx].sum(axis=1), 0.99)

    def _sigma_flags(self, X: np.ndarray) -> np.ndarray:
        return (np.abs((X - self.b.location) / self.b.scale) > self.z_bound).any(axis=1)

    def ks_p_values(self, X: np.ndarray) -> np.ndarray:
        """Two-sample KS p-value of every column against the golden fit rows (asymptotic distribution)."""
        n, m = len(X), len(self.golden)
        xs = np.sort(X, axis=0)
        p = np.empty(X.shape[1])
        for j in range(X.shape[1]):
            grid = np.concatenate([xs[:, j], self.golden[:, j]])
            f_batch = np.searchsorted(xs[:, j], grid, side="right") / n
            f_golden = np.searchsorted(self.golden[:, j], grid, side="right") / m
            d = np.max(np.abs(f_batch - f_golden))
            p[j] = stats.kstwobign.sf(d * np.sqrt(n * m / (n + m)))
        return p

    def blocked(self, X: np.ndarray) -> dict[str, bool]:
        return {
            "3sigma": bool(self._sigma_flags(X).sum() > self.sigma_limit),
            "ks": bool(self.ks_p_values(X).min() < 0.01 / X.shape[1]),
            "iforest": bool((self.forest.predict(X) == -1).sum() > self.forest_limit),
        }


def verdicts(b, cals, base, batch: pd.DataFrame) -> tuple[dict[str, bool], dict[str, bool], pg.BatchScores]:
    """Which methods block the batch, which of ours only warn, and our scores."""
    X = batch[list(b.columns)].to_numpy(float)
    scores = pg.BatchScores(b, X, batch[LABEL].to_numpy(dtype=object))
    blocked, warned, verdicts_ = {}, {}, {}
    for method, cal in cals.items():
        verdicts_[method] = verdict = decide(cal, scores)
        blocked[method] = cal.blocks(verdict)
        warned[method] = not blocked[method] and cal.warns(verdict)
    blocked["gx-only"] = any(not ok for k, ok in verdicts_["ours"].items() if k.startswith("range:"))
    blocked.update(base.blocked(X))
    return blocked, warned, scores


def run_cell(b, cals, base, source, n, make, n_batches, rng, seed, label_attack=False):
    blocked, warned = dict.fromkeys(METHODS, 0), dict.fromkeys(cals, 0)
    aurocs, precisions = [], []
    for i in range(n_batches):
        clean = source.iloc[rng.choice(len(source), n, replace=False)].reset_index(drop=True)
        attacked = make(clean, seed + i) if make else None
        batch, mask = (attacked.batch, attacked.mask) if attacked else (clean, np.zeros(n, bool))
        hit, warn, scores = verdicts(b, cals, base, batch)
        for m in METHODS:
            blocked[m] += hit[m]
        for m in cals:
            warned[m] += warn[m]
        if mask.any() and not mask.all():
            row = scores.row_label_disagreement if label_attack else scores.row_mahalanobis
            finite = np.where(np.isfinite(row), row, np.finfo(float).max)
            aurocs.append(roc_auc_score(mask, finite))
            k = int(mask.sum())
            precisions.append(mask[np.argsort(-finite, kind="stable")[:k]].mean())
    return blocked, warned, (np.mean(aurocs) if aurocs else None), (np.mean(precisions) if precisions else None)


def split_pool(pool: pd.DataFrame, fresh: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Golden rows (75 %) and the clean-batch source (the rest, or the fresh rows)."""
    order = np.random.default_rng(0).permutation(len(pool))
    cut = int(0.75 * len(pool))
    golden = pool.iloc[order[:cut]]
    source = fresh if fresh is not None else pool.iloc[order[cut:]].reset_index(drop=True)
    return golden, source


def run_size(label: str, golden: pd.DataFrame, source: pd.DataFrame, n: int, args) -> list[str]:
    """Fit, calibrate and measure every method for one data set and batch size; return table lines."""
    rng = np.random.default_rng(0)
    fit_index, _ = split_golden(len(golden), 1 / 3, 0)
    cols = usable_columns(golden.iloc[fit_index])
    b = pg.fit_baseline(golden, columns=cols, calibration_fraction=1 / 3, label_column=LABEL)
    fit_rows = golden[cols].to_numpy()[fit_index]
    source = source[cols + [LABEL]]
    tests = default_tests(b) + (("near_duplicates",) if n <= b.calibration_rows.shape[0] else ())
    cals = {"ours": pg.calibrate(b, batch_size=n, n_resamples=2000, tests=tests, warn_tests=DRIFT_TESTS),
            "ours-2of": pg.calibrate(b, batch_size=n, n_resamples=2000, tests=tests, warn_tests=DRIFT_TESTS,
                                     consensus=2)}
    base = Baselines(b, fit_rows, n, rng)
    clean, clean_warned, _, _ = run_cell(b, cals, base, source, n, None, args.clean_batches, rng, 0)
    lines = [f"\n## {label} ({len(cols)} features, {len(b.label_classes)} classes, golden {len(golden)} rows, "
             f"clean source {len(source)} rows), batches of {n}\n",
             "| scenario | share | " + " | ".join(METHODS) + " | row AUROC | precision@k |",
             "|---" * (len(METHODS) + 4) + "|",
             "| S0 clean: false-block rate [95% upper bound] | 0 | " + " | ".join(
                 f"{clean[m] / args.clean_batches:.1%} [{clopper_pearson(clean[m], args.clean_batches)[1]:.1%}]"
                 for m in METHODS) + " | | |",
             "| S0 clean: warned (drift tests) | 0 | " + " | ".join(
                 f"{clean_warned[m] / args.clean_batches:.1%}" if m in cals else "" for m in METHODS) + " | | |"]
    for s in scenarios(LABEL):
        for f in ((1.0,) if s.drift else FRACTIONS):
            make = (lambda batch, seed, s=s, f=f: s.make(batch, b, f, seed))
            hit, warn, auroc, prec = run_cell(b, cals, base, source, n, make, args.batches, rng, 1000,
                                              label_attack=s.id in ("S5", "S6", "S6b", "S7"))
            share = "drift" if s.drift else f"{f:.0%}"
            cells = [f"{hit[m] / args.batches:.0%}" + (f" / {warn[m] / args.batches:.0%}" if s.drift and m in cals else "")
                     for m in METHODS]
            lines.append(f"| {s.id} {s.name} | {share} | " + " | ".join(cells)
                         + " | " + ("" if auroc is None else f"{auroc:.2f}") + " | " + ("" if prec is None else f"{prec:.2f}") + " |")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, default=40, help="attacked batches per cell")
    p.add_argument("--clean-batches", type=int, default=400, help="clean batches per dataset and size")
    p.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    p.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = p.parse_args()
    started = time.perf_counter()
    lines = [f"# Detection benchmark\n\nMade by `python benchmarks/detection.py --batches {args.batches} "
             f"--clean-batches {args.clean_batches} --sizes {' '.join(map(str, args.sizes))}` "
             "(see the script's docstring for the protocol). Cells: share of batches blocked; for the drift "
             "scenarios S2b and S9, blocked / warned.\n"]
    for name, (pool, fresh) in pools().items():
        for n in args.sizes:
            golden, source = split_pool(pool, fresh)
            label = name
            if len(source) < n:
                surrogate = gmm_surrogate(pool, 20_000)
                golden, _ = split_pool(surrogate, None)
                source = gmm_surrogate(pool, 100_000, seed=1)
                label = f"{name}: per-class Gaussian-mixture surrogate of the {len(pool)} rows"
            lines += run_size(label, golden, source, n, args)
            print(f"{name} n={n} done at {time.perf_counter() - started:.0f} s", flush=True)
    lines.append(f"\nTotal time {time.perf_counter() - started:.0f} s.")
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
