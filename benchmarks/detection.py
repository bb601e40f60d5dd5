"""Detection benchmark: our calibrated suite next to the univariate checks teams use today.

Usage: python benchmarks/detection.py [--batches 50] [--clean-batches 400] [--out benchmarks/RESULTS.md]

For each dataset (sklearn breast_cancer, wine, digits; the generated card transactions) and batch
size (200, 1000), rows are split into golden (75 %: the baseline fits on two thirds of it and holds
out one third for calibration, i.e. 50/25 of the pool) and a clean-batch source (25 %, never seen;
for the card data, fresh rows from the generator). Each batch is a random subset of the source, so no
row repeats within a batch (repeated rows would inflate every method's false blocks). Where the real
source is smaller than the batch, that batch size runs on a surrogate instead: a Gaussian mixture
fitted to the whole pool (components chosen by BIC over 1-5), from which 20,000 rows are drawn and
split the same way; the section title says which data each table used. Every method is calibrated to block at most 1 %
of clean batches on the held-out calibration rows, then measured on batches drawn with replacement
from the unseen source, clean (realized false-block rate, 95 % Clopper-Pearson interval) and attacked
by each scenario of gx_poison_guard.redteam at 1 %, 5 % and 10 % contamination (batch detection rate).
Row-level figures (AUROC, precision@k with k = poisoned rows) use the squared Mahalanobis distance.

Methods:
  ours     the generated suite's verdict (gx_poison_guard.calibration.decide), every check blocking
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
from gx_poison_guard.calibration import decide
from gx_poison_guard.datasets import FEATURES, card_transactions
from gx_poison_guard.redteam import scenarios
from gx_poison_guard.stats.calibration import clopper_pearson

METHODS = ("ours", "gx-only", "3sigma", "ks", "iforest")
FRACTIONS = (0.01, 0.05, 0.10)


def pools() -> dict[str, tuple[pd.DataFrame, pd.DataFrame | None]]:
    """name -> (pool, fresh clean source or None)."""
    out = {}
    for name, loader in (("breast_cancer", load_breast_cancer), ("wine", load_wine), ("digits", load_digits)):
        df = loader(as_frame=True).data
        out[name] = (df.astype(float), None)
    card = card_transactions(20_000, seed=0)[list(FEATURES)].astype(float)
    fresh = card_transactions(20_000, seed=77, start_id=10**7)[list(FEATURES)].astype(float)
    out["card_transactions"] = (card, fresh)
    return out


def gmm_surrogate(pool: pd.DataFrame, n: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """Rows drawn from a Gaussian mixture fitted to the standardised pool (BIC over 1-5 components)."""
    from sklearn.mixture import GaussianMixture

    mu, sd = pool.mean(), pool.std().replace(0, 1.0)
    Z = ((pool - mu) / sd).to_numpy()
    fits = [GaussianMixture(k, covariance_type="full", reg_covar=1e-3, random_state=seed).fit(Z) for k in range(1, 6)]
    best = min(fits, key=lambda g: g.bic(Z))
    sample, _ = best.sample(n)
    return pd.DataFrame(sample * sd.to_numpy() + mu.to_numpy(), columns=pool.columns)


def usable_columns(golden: pd.DataFrame) -> list[str]:
    """Columns that vary in the winsorised golden data (digits has constant pixels)."""
    lo, hi = golden.quantile(0.005), golden.quantile(0.995)
    clipped = golden.clip(lo, hi, axis=1)
    return [c for c in golden.columns if clipped[c].std() > 0 and golden[c].nunique() > 2]


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


def verdicts(b, cal, base, batch: pd.DataFrame) -> tuple[dict[str, bool], np.ndarray]:
    X = batch[list(b.columns)].to_numpy(float)
    scores = pg.BatchScores(b, X)
    verdict = decide(cal, scores)
    out = {"ours": not all(verdict.values()),
           "gx-only": any(not ok for k, ok in verdict.items() if k.startswith("range:"))}
    out.update(base.blocked(X))
    return out, scores.row_mahalanobis


def run_cell(b, cal, base, source, n, make, n_batches, rng, seed):
    blocked = dict.fromkeys(METHODS, 0)
    aurocs, precisions = [], []
    for i in range(n_batches):
        clean = source.iloc[rng.choice(len(source), n, replace=False)].reset_index(drop=True)
        attacked = make(clean, seed + i) if make else None
        batch, mask = (attacked.batch, attacked.mask) if attacked else (clean, np.zeros(n, bool))
        v, d2 = verdicts(b, cal, base, batch)
        for m in METHODS:
            blocked[m] += v[m]
        if mask.any() and not mask.all():
            finite = np.where(np.isfinite(d2), d2, np.finfo(float).max)
            aurocs.append(roc_auc_score(mask, finite))
            k = int(mask.sum())
            precisions.append(mask[np.argsort(-finite)[:k]].mean())
    return blocked, (np.mean(aurocs) if aurocs else None), (np.mean(precisions) if precisions else None)


def run_size(label: str, pool: pd.DataFrame, fresh: pd.DataFrame | None, n: int, args) -> list[str]:
    """Fit, calibrate and measure every method for one data set and batch size; return table lines."""
    rng = np.random.default_rng(0)
    order = rng.permutation(len(pool))
    cut = int(0.75 * len(pool))
    golden = pool.iloc[order[:cut]]
    source = fresh if fresh is not None else pool.iloc[order[cut:]].reset_index(drop=True)
    fit_index, _ = split_golden(len(golden), 1 / 3, 0)
    cols = usable_columns(golden.iloc[fit_index])
    b = pg.fit_baseline(golden, columns=cols, calibration_fraction=1 / 3)
    fit_rows = golden[cols].to_numpy()[fit_index]
    source = source[cols]
    cal = pg.calibrate(b, batch_size=n, n_resamples=2000)
    base = Baselines(b, fit_rows, n, rng)
    clean, _, _ = run_cell(b, cal, base, source, n, None, args.clean_batches, rng, 0)
    lines = [f"\n## {label} ({len(cols)} features, golden {cut} rows, clean source {len(source)} rows), batches of {n}\n",
             "| scenario | share | " + " | ".join(METHODS) + " | row AUROC | precision@k |",
             "|---" * (len(METHODS) + 4) + "|",
             "| S0 clean: false-block rate [95% upper bound] | 0 | " + " | ".join(
                 f"{clean[m] / args.clean_batches:.1%} [{clopper_pearson(clean[m], args.clean_batches)[1]:.1%}]"
                 for m in METHODS) + " | | |"]
    for s in scenarios():
        for f in ((1.0,) if s.drift else FRACTIONS):
            make = (lambda batch, seed, s=s, f=f: s.make(batch, b, f, seed))
            hit, auroc, prec = run_cell(b, cal, base, source, n, make, args.batches, rng, 1000)
            share = "drift" if s.drift else f"{f:.0%}"
            lines.append(f"| {s.id} {s.name} | {share} | " + " | ".join(f"{hit[m] / args.batches:.0%}" for m in METHODS)
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
             "(see the script's docstring for the protocol). Cells: share of batches blocked.\n"]
    for name, (pool, fresh) in pools().items():
        for n in args.sizes:
            source_rows = len(fresh) if fresh is not None else len(pool) - int(0.75 * len(pool))
            if source_rows >= n:
                label, data, fresh_n = f"{name}", pool, fresh
            else:
                label, data, fresh_n = f"{name}: Gaussian-mixture surrogate of the {len(pool)} rows", gmm_surrogate(pool), None
            lines += run_size(label, data, fresh_n, n, args)
            print(f"{name} n={n} done at {time.perf_counter() - started:.0f} s", flush=True)
    lines.append(f"\nTotal time {time.perf_counter() - started:.0f} s.")
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
