"""Red-team scenarios do what their recipes say; the harness counts what the suite catches."""

import numpy as np
import pandas as pd
import pytest

import gx_poison_guard as pg
from gx_poison_guard import redteam as rt
from gx_poison_guard.cli import main

from .conftest import correlated_frame


@pytest.fixture(scope="module")
def batch():
    df = correlated_frame(400, seed=11)
    return df.assign(label=(df["f0"] > df["f0"].median()).astype(int))


def _z(df, baseline):
    return (df[list(baseline.columns)].to_numpy() - baseline.location) / baseline.scale


def test_replaced_rows_match_the_mask_and_the_rest_is_untouched(batch, baseline):
    for scenario in rt.scenarios("label"):
        out = scenario.make(batch, baseline, 0.05, 3)
        assert len(out.batch) == len(batch) and out.mask.dtype == bool
        if scenario.drift:
            assert not out.mask.any()
            continue
        assert out.mask.sum() == 20, scenario.id
        same = np.isclose(out.batch[batch.columns].to_numpy(float), batch.to_numpy(float)).all(axis=1)
        assert same[~out.mask].all(), scenario.id  # clean rows stay as they were
        if scenario.id not in ("S11",):
            assert not same[out.mask].all(), scenario.id


def test_seeds_make_scenarios_reproducible(batch, baseline):
    a = rt.far_outliers(batch, baseline, fraction=0.05, seed=1)
    b = rt.far_outliers(batch, baseline, fraction=0.05, seed=1)
    c = rt.far_outliers(batch, baseline, fraction=0.05, seed=2)
    pd.testing.assert_frame_equal(a.batch, b.batch)
    assert not a.batch.equals(c.batch)


def test_recipes(batch, baseline):
    far = rt.far_outliers(batch, baseline, fraction=0.1, seed=0, low=6, high=10)
    z = np.abs(_z(far.batch, baseline))[far.mask]
    assert ((z >= 6) & (z <= 10)).any(axis=1).all() and ((z >= 6).sum(axis=1) <= 3).all()
    broken = rt.correlation_break(batch, baseline, fraction=0.2, seed=0)
    for c in baseline.columns:  # marginals of the batch kept exactly
        assert sorted(broken.batch[c]) == pytest.approx(sorted(batch[c]))
    jointly = rt.jointly_unlikely(batch, baseline, fraction=0.1, seed=0)
    assert np.abs(_z(jointly.batch, baseline))[jointly.mask].max() <= 2.0 + 1e-9
    trigger = rt.backdoor_trigger(batch, baseline, fraction=0.1, seed=0, label_column="label", target_label=7)
    assert (trigger.batch.loc[trigger.mask, "label"] == 7).all()
    flips = rt.label_flip(batch, baseline, fraction=0.1, seed=0, label_column="label", mode="boundary")
    changed = flips.batch["label"].to_numpy() != batch["label"].to_numpy()
    assert (changed == flips.mask).all()
    pd.testing.assert_frame_equal(flips.batch[list(baseline.columns)], batch[list(baseline.columns)])
    drift = rt.whole_batch_drift(batch, baseline, seed=0, shift_sd=0.5, n_features=2)
    moved = np.abs(_z(drift.batch, baseline) - _z(batch, baseline)).mean(axis=0)
    assert np.sum(np.isclose(moved, 0.5)) == 2 and np.sum(np.isclose(moved, 0.0)) == baseline.n_features - 2
    season = rt.seasonal_drift(batch, baseline, amplitude_sd=3.0)
    values, before = season.batch[list(baseline.columns)].to_numpy(), batch[list(baseline.columns)].to_numpy()
    assert (values >= np.minimum(baseline.minimum, before)).all() and (values <= np.maximum(baseline.maximum, before)).all()
    wild = rt.seasonal_drift(batch, baseline, amplitude_sd=3.0, respect_bounds=False)
    assert (wild.batch[list(baseline.columns)].to_numpy() > baseline.maximum).any()
    with pytest.raises(ValueError, match="fraction must lie in"):
        rt.far_outliers(batch, baseline, fraction=0.0, seed=0)


def test_harness_counts_false_blocks_and_catches(baseline):
    cal = pg.calibrate(baseline, batch_size=400, n_resamples=1000)
    clean = [correlated_frame(400, seed=300 + i) for i in range(6)]
    rows = {(r.scenario, r.fraction): r for r in rt.run_redteam(baseline, cal, clean, fractions=(0.05,))}
    assert rows[("S0", 0.0)].batches == 6 and rows[("S0", 0.0)].blocked == 0
    far = rows[("S1", 0.05)]
    assert far.blocked == 6 and far.rows_caught > 0.8
    assert rows[("S11", 0.05)].rows_caught == 0.0  # the known-hard ceiling stays hard
    assert rows[("S9", 0.0)].drift and rows[("S9", 0.0)].rows_caught is None
    policy = {"mean_shift": "warn", "feature_mean_shift": "warn", "feature_spread_shift": "warn"}
    cal = pg.calibrate(baseline, batch_size=400, n_resamples=1000, warn_tests=tuple(policy))
    drift = {r.scenario: r for r in rt.run_redteam(baseline, cal, clean, fractions=(0.05,)) if r.drift}
    assert drift["S2b"].blocked == 0 and drift["S2b"].warned == 6  # reported as drift, let through
    assert "| S1 | far outliers" in rt.format_table(list(rows.values()))


def test_redteam_command(tmp_path, capsys):
    from gx_poison_guard.demo import run_demo
    from gx_poison_guard.project import Project

    project = Project(tmp_path)
    run_demo(project, say=lambda _: None)
    assert main(["--project", str(tmp_path), "redteam", "--name", "card_transactions", "--batches", "3",
                 "--fractions", "0.1", "--clean", str(tmp_path / "data/demo/card_transactions_clean.csv"), "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert {r["scenario"] for r in out["rows"]} >= {"S0", "S1", "S3", "S6", "S9"}  # S6: the contract has a label
    assert main(["--project", str(tmp_path), "redteam", "--name", "card_transactions", "--batches", "0"]) == 2
