import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

import gx_poison_guard as pg
from gx_poison_guard.exceptions import BaselineIntegrityError, InputDataError, InsufficientDataError


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(as_frame=True).data


def test_fit_splits_and_learns_on_the_fit_part(cancer):
    b = pg.fit_baseline(cancer, columns=list(cancer.columns), calibration_fraction=0.3, random_state=4)
    assert b.n_features == 30
    assert b.info["n_fit_rows"] == 398 and b.info["n_calibration_rows"] == 171
    assert b.calibration_rows.shape == (171, 30)
    # calibration rows are real golden rows not used for the location
    cal_ids = {tuple(r) for r in b.calibration_rows}
    fit = cancer[[tuple(r) not in cal_ids for r in cancer.to_numpy()]]
    np.testing.assert_allclose(b.location, fit.mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.diag(b.covariance), fit.var().to_numpy(), rtol=1e-10)
    assert np.all(np.linalg.eigvalsh(b.covariance) > 0)


def test_save_load_round_trip(cancer, tmp_path):
    b = pg.fit_baseline(cancer, columns=list(cancer.columns)[:8])
    sha = b.save(tmp_path / "b.jsonl")
    loaded = pg.load_baseline(tmp_path / "b.jsonl", expected_sha256=sha)
    assert loaded.columns == b.columns and loaded.sha256 == sha == b.sha256
    for name in ("location", "scale", "covariance", "correlation", "minimum", "maximum", "clip_low", "clip_high",
                 "clipped_scale", "clipped_kurtosis", "calibration_rows"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(b, name))
    np.testing.assert_array_equal(loaded.forest.threshold, b.forest.threshold)
    np.testing.assert_array_equal(loaded.pca.components, b.pca.components)
    assert loaded.info == b.info


def test_one_changed_byte_fails_load_naming_the_file(cancer, tmp_path):
    b = pg.fit_baseline(cancer, columns=list(cancer.columns)[:5])
    path = tmp_path / "golden.baseline.jsonl"
    b.save(path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x04
    path.write_bytes(bytes(raw))
    with pytest.raises(BaselineIntegrityError, match=r"'.*golden\.baseline\.jsonl' failed its integrity check"):
        pg.load_baseline(path)


@pytest.mark.parametrize(
    "mutate,columns,match",
    [
        (lambda d: d.assign(a=d["a"].where(d.index != 3, np.nan)), ["a", "b"], r"1 row\(s\) with NaN or inf .*first at position 3"),
        (lambda d: d.assign(a=d["a"].where(d.index != 5, np.inf)), ["a", "b"], "NaN or inf"),
        (lambda d: d.assign(b="x"), ["a", "b"], r"non-numeric feature column\(s\): 'b' \((object|str)"),
        (lambda d: d, ["a", "zz"], r"lacks feature column\(s\) \['zz'\]"),
        (lambda d: d.assign(b=1.0), ["a", "b"], r"\['b'\] are constant"),
        (lambda d: d, ["a"], "at least 2 feature columns"),
        (lambda d: d, ["a", "a"], "more than once"),
        (lambda d: d, "a", "non-empty list"),
    ],
)
def test_bad_golden_data_is_refused_with_a_fix(mutate, columns, match):
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(100, 2)), columns=["a", "b"])
    with pytest.raises(InputDataError, match=match):
        pg.fit_baseline(mutate(df), columns=columns)


def test_too_few_rows_for_the_feature_count():
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(20, 10)), columns=list("abcdefghij"))
    with pytest.raises(InsufficientDataError, match="needs at least 22 rows: got 14"):
        pg.fit_baseline(df, columns=list(df.columns))


def test_labels_round_trip_and_are_stratified(tmp_path):
    from sklearn.datasets import load_breast_cancer as load

    data = load(as_frame=True).frame
    b = pg.fit_baseline(data, columns=list(data.columns[:6]), label_column="target", max_reference_rows=100)
    assert b.has_labels and b.label_classes == ("0", "1")
    assert b.reference_rows.shape[1] == 6 and b.calibration_labels.shape == (b.calibration_rows.shape[0],)
    fit_rare = 212 - np.sum(b.calibration_labels == 0)
    assert np.bincount(b.reference_labels)[0] == fit_rare  # the rare class keeps all its fit rows (< 20 k = 400)
    assert b.label_shares.sum() == pytest.approx(1.0) and b.label_shares[0] == pytest.approx(212 / 569)
    sha = b.save(tmp_path / "b.jsonl")
    loaded = pg.load_baseline(tmp_path / "b.jsonl", expected_sha256=sha)
    assert loaded.label_column == "target" and loaded.label_classes == b.label_classes
    for name in ("reference_rows", "reference_labels", "calibration_labels"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(b, name))
    assert pg.fit_baseline(data, columns=list(data.columns[:6]), label_column="target",
                           max_reference_rows=100).save(tmp_path / "again.jsonl") == sha  # deterministic


@pytest.mark.parametrize(
    "labels,match",
    [
        (lambda n: np.where(np.arange(n) == 7, None, 1 + np.arange(n) % 2), r"1 missing value\(s\) \(first at position 7\)"),
        (lambda n: np.ones(n, dtype=int), "at least 2 classes"),
    ],
)
def test_bad_golden_labels_are_refused(labels, match):
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(300, 2)), columns=["a", "b"])
    df["y"] = labels(len(df))
    with pytest.raises(InputDataError, match=match):
        pg.fit_baseline(df, columns=["a", "b"], label_column="y")
    with pytest.raises(InputDataError, match="lacks the label column 'zz'"):
        pg.fit_baseline(df, columns=["a", "b"], label_column="zz")
