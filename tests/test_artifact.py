import ast
import pathlib

import numpy as np
import pytest

from gx_poison_guard.artifact import read_artifact, verify_artifact, write_artifact
from gx_poison_guard.exceptions import BaselineIntegrityError

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "gx_poison_guard"


@pytest.fixture
def small_artifact(tmp_path):
    path = tmp_path / "a.jsonl"
    arrays = {"x": np.arange(6.0).reshape(2, 3), "k": np.array([1, 2], dtype=np.int32)}
    sha = write_artifact(path, {"columns": ["a", "b"]}, arrays)
    return path, sha, arrays


def test_round_trip(small_artifact):
    path, sha, arrays = small_artifact
    manifest, got, digest = read_artifact(path, sha)
    assert manifest == {"columns": ["a", "b"]} and digest == sha
    for k, v in arrays.items():
        np.testing.assert_array_equal(got[k], v)
        assert got[k].dtype == v.dtype


def test_every_single_byte_change_is_detected(small_artifact):
    path, sha, _ = small_artifact
    raw = path.read_bytes()
    for i in range(len(raw)):
        for new in {raw[i] ^ 0x01, ord("0") if raw[i] != ord("0") else ord("1")}:
            path.write_bytes(raw[:i] + bytes([new]) + raw[i + 1 :])
            with pytest.raises(BaselineIntegrityError, match=r"a\.jsonl"):
                read_artifact(path, sha)
    path.write_bytes(raw)
    assert verify_artifact(path, sha) == sha


def test_truncation_missing_file_and_wrong_pin_fail_closed(small_artifact):
    path, sha, _ = small_artifact
    raw = path.read_bytes()
    path.write_bytes(raw[:-10])
    with pytest.raises(BaselineIntegrityError, match="failed its integrity check"):
        read_artifact(path)
    path.write_bytes(raw)
    with pytest.raises(BaselineIntegrityError, match="not the baseline this suite was built for"):
        read_artifact(path, "0" * 64)
    with pytest.raises(BaselineIntegrityError, match="cannot be read"):
        read_artifact(path.with_name("missing.jsonl"))
    path.write_bytes(b"not an artifact\n")
    with pytest.raises(BaselineIntegrityError, match="is not a gx-poison-guard-baseline file"):
        read_artifact(path)


def test_only_plain_numeric_dtypes_are_written(tmp_path):
    with pytest.raises(TypeError, match="float64, int32 or int64"):
        write_artifact(tmp_path / "x.jsonl", {}, {"o": np.array(["a"], dtype=object)})


def test_no_module_unpickles_anything():
    banned = {"pickle", "joblib", "cloudpickle", "dill", "marshal", "shelve"}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not banned & {n.split(".")[0] for n in names}, f"{path} imports a code-loading module"
            if isinstance(node, ast.keyword) and node.arg == "allow_pickle":
                assert isinstance(node.value, ast.Constant) and node.value.value is False, path
