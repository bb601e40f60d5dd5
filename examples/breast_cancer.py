"""End-to-end example on data that ships with scikit-learn (no download).

Fits a golden baseline on 400 breast_cancer rows, builds a calibrated suite,
and validates three batches of the 169 unseen rows through Great Expectations:
clean, 10 % of rows with their columns permuted (every column keeps exactly
its values), and 5 % of rows pushed to +-8 sd on three features.

Run: python examples/breast_cancer.py [--workdir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer

import gx_poison_guard as pg
from great_expectations.data_context.types.base import ProgressBarsConfig


def permute_rows(df, fraction, rng):
    rows = rng.choice(len(df), int(round(fraction * len(df))), replace=False)
    out = df.copy()
    for c in df.columns:
        out.loc[rows, c] = out[c].to_numpy()[rows][rng.permutation(rows.size)]
    return out


def push_rows(df, baseline, fraction, rng):
    rows = rng.choice(len(df), int(round(fraction * len(df))), replace=False)
    out = df.copy()
    for r in rows:
        for j in rng.choice(baseline.n_features, 3, replace=False):
            out.iloc[r, j] = baseline.location[j] + rng.choice([-8.0, 8.0]) * baseline.scale[j]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None, help="where to write the baseline artifact")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="poison-guard-"))

    data = load_breast_cancer(as_frame=True).data
    order = np.random.default_rng(1).permutation(len(data))
    golden, unseen = data.iloc[order[:400]], data.iloc[order[400:]].reset_index(drop=True)

    baseline = pg.fit_baseline(golden, columns=list(data.columns), calibration_fraction=0.5)
    baseline.save(workdir / "breast_cancer.baseline.jsonl")
    suite = pg.build_suite(baseline, name="breast_cancer", batch_size=len(unseen))
    cal = suite.meta["gx_poison_guard"]["calibration"]
    print(f"baseline: {workdir / 'breast_cancer.baseline.jsonl'} (sha256 {baseline.sha256[:12]}…)")
    print(f"suite: {len(suite.expectations)} expectations, target false-block rate "
          f"{cal['target_false_block_rate']:.1%}, resampled clean batches blocked {cal['resampled_false_block_rate']:.2%}")

    ctx = pg.load_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)  # keep the output readable
    batch_definition = (ctx.data_sources.add_pandas("pandas").add_dataframe_asset("batches")
                        .add_batch_definition_whole_dataframe("whole"))
    rng = np.random.default_rng(7)
    batches = {
        "clean (unseen rows)": unseen,
        "10% rows permuted": permute_rows(unseen, 0.10, rng),
        "5% rows at +-8 sd": push_rows(unseen, baseline, 0.05, rng),
    }
    for name, df in batches.items():
        res = batch_definition.get_batch(batch_parameters={"dataframe": df}).validate(suite, result_format="COMPLETE")
        failed = [r for r in res.results if not r.success]
        print(f"\n{name}: {'PASSED' if res.success else 'BLOCKED'} ({len(failed)} of {len(res.results)} failed)")
        for r in failed:
            kind = r.expectation_config.type
            column = r.expectation_config.kwargs.get("column")
            rows = r.result.get("unexpected_index_list") if kind.startswith("expect_row_") else None
            print(f"  - {kind}{f' [{column}]' if column else ''}: observed {r.result.get('observed_value')}"
                  + (f", rows {rows[:10]}" if rows else ""))


if __name__ == "__main__":
    main()
