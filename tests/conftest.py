"""Shared fixtures: seeded synthetic data, a saved baseline, GX validation helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import gx_poison_guard as pg
from gx_poison_guard.datasets import correlated_frame  # noqa: F401  (re-exported for the tests)


#: Feature columns of :func:`correlated_frame` (d = 6).
FEATURES = [f"f{i}" for i in range(6)]


def permute_rows(df: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Permute every column independently among a random ``fraction`` of rows (marginals unchanged)."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(df), int(round(fraction * len(df))), replace=False)
    out = df.copy()
    for c in df.columns:
        out.loc[out.index[rows], c] = out[c].to_numpy()[rows][rng.permutation(rows.size)]
    return out, np.sort(rows)


def push_rows(df, baseline, fraction: float, n_features: int, sigmas: float, seed: int):
    """Set ``n_features`` random features of a random ``fraction`` of rows to mu +- sigmas * sd."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(df), int(round(fraction * len(df))), replace=False)
    out = df.copy()
    for r in rows:
        for j in rng.choice(baseline.n_features, n_features, replace=False):
            value = baseline.location[j] + rng.choice([-sigmas, sigmas]) * baseline.scale[j]
            out.iloc[r, out.columns.get_loc(baseline.columns[j])] = value
    return out, np.sort(rows)


@pytest.fixture(scope="session")
def golden() -> pd.DataFrame:
    return correlated_frame(4000, seed=1)


@pytest.fixture(scope="session")
def baseline(golden, tmp_path_factory) -> pg.Baseline:
    b = pg.fit_baseline(golden, columns=FEATURES)
    b.save(tmp_path_factory.mktemp("baseline") / "golden.baseline.jsonl")
    return b


@pytest.fixture(scope="session")
def suite(baseline):
    return pg.build_suite(baseline, name="synthetic", batch_size=400, n_resamples=2000)


@pytest.fixture(scope="session")
def clean_batch() -> pd.DataFrame:
    return correlated_frame(400, seed=7)


@pytest.fixture(scope="session")
def labelled_baseline(tmp_path_factory) -> pg.Baseline:
    """A baseline of the same distribution with a ``label`` column, for the label-agreement check."""
    b = pg.fit_baseline(correlated_frame(4000, seed=1, labels=True), columns=FEATURES, label_column="label")
    b.save(tmp_path_factory.mktemp("labelled") / "golden.baseline.jsonl")
    return b


@pytest.fixture(scope="session")
def labelled_suite(labelled_baseline):
    return pg.build_suite(labelled_baseline, name="labelled", batch_size=400, n_resamples=2000, tests=pg.ALL_TESTS)


@pytest.fixture(scope="session")
def labelled_batch() -> pd.DataFrame:
    return correlated_frame(400, seed=7, labels=True)


@pytest.fixture(scope="session")
def batch_definition():
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = pg.load_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx.data_sources.add_pandas("p").add_dataframe_asset("a").add_batch_definition_whole_dataframe("w")


@pytest.fixture(scope="session")
def validate(batch_definition):
    """validate(df, suite_or_expectation, result_format="COMPLETE") through a real GX batch."""

    def run(df, what, result_format="COMPLETE"):
        batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
        return batch.validate(what, result_format=result_format)

    return run


def expectation_kwargs(baseline, suite, test: str) -> dict:
    """The kwargs build_suite gave the expectation for ``test``."""
    for e in suite.expectations:
        if (e.meta or {}).get("poison_guard_test") == test:
            return {k: v for k, v in e.configuration.kwargs.items() if k != "batch_id"}
    raise KeyError(test)
