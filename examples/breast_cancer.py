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
from gx_poison_guard.redteam import correlation_break, far_outliers
from gx_poison_guard.scoring import DRIFT_TESTS
from great_expectations.data_context.types.base import ProgressBarsConfig


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
    # drift tests warn (GX severity "warning"); everything else blocks
    suite = pg.build_suite(baseline, name="breast_cancer", batch_size=len(unseen), warn_tests=DRIFT_TESTS)
    cal = suite.meta["gx_poison_guard"]["calibration"]
    print(f"baseline: {workdir / 'breast_cancer.baseline.jsonl'} (sha256 {baseline.sha256[:12]}…)")
    print(f"suite: {len(suite.expectations)} expectations, target false-block rate "
          f"{cal['target_false_block_rate']:.1%}, resampled clean batches blocked {cal['resampled_false_block_rate']:.2%}")

    ctx = pg.load_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)  # keep the output readable
    batch_definition = (ctx.data_sources.add_pandas("pandas").add_dataframe_asset("batches")
                        .add_batch_definition_whole_dataframe("whole"))
    batches = {
        "clean (unseen rows)": unseen,
        "10% rows permuted": correlation_break(unseen, baseline, fraction=0.10, seed=7).batch,
        "5% rows at +-8 sd": far_outliers(unseen, baseline, fraction=0.05, seed=7, low=8.0, high=8.0,
                                          min_features=3, max_features=3).batch,
    }
    for name, df in batches.items():
        res = batch_definition.get_batch(batch_parameters={"dataframe": df}).validate(suite, result_format="COMPLETE")
        failed = [r for r in res.results if not r.success]
        blocking = [r for r in failed if str(getattr(r.expectation_config.severity, "value", r.expectation_config.severity))
                    != "warning"]
        verdict = "BLOCKED" if blocking else "WARNED" if failed else "PASSED"
        print(f"\n{name}: {verdict} ({len(failed)} of {len(res.results)} failed, {len(blocking)} blocking)")
        for r in failed:
            kind = r.expectation_config.type
            column = r.expectation_config.kwargs.get("column")
            rows = r.result.get("unexpected_index_list") if kind.startswith("expect_row_") else None
            print(f"  - {kind}{f' [{column}]' if column else ''}: observed {r.result.get('observed_value')}"
                  + (f", rows {rows[:10]}" if rows else ""))


if __name__ == "__main__":
    main()
