"""The CLI through main([...]): exit codes 0 pass, 1 tripped, 2 usage/config/input error."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

import gx_poison_guard as pg
from gx_poison_guard.cli import main
from gx_poison_guard.calibration import FEATURE_TESTS
from gx_poison_guard.contract import load_contract, write_contract

from .conftest import correlated_frame, push_rows


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project built once in an empty directory, with clean and poisoned batch files."""
    root = tmp_path_factory.mktemp("cli")
    golden = correlated_frame(3000, seed=1)
    golden.insert(0, "row_id", range(len(golden)))
    golden.to_csv(root / "golden.csv", index=False)
    clean = correlated_frame(400, seed=5)
    clean.insert(0, "row_id", range(10_000, 10_400))
    clean.to_csv(root / "clean.csv", index=False)
    clean.to_parquet(root / "clean.parquet", index=False)
    assert main(["--project", str(root), "--quiet", "baseline", str(root / "golden.csv"), "--name", "tx",
                 "--id-column", "row_id", "--batch-size", "400"]) == 0
    baseline = pg.load_baseline(root / "gx" / "baselines" / "tx.baseline.jsonl")
    poisoned, rows = push_rows(clean, baseline, 0.05, n_features=2, sigmas=8.0, seed=2)
    poisoned.to_csv(root / "poisoned.csv", index=False)
    return root, clean, sorted(clean.row_id.iloc[rows].tolist())


def _check(root, batch, *extra):
    return main(["--project", str(root), "--quiet", "check", str(batch), "--name", "tx", *extra])


def test_baseline_writes_contract_artifact_suite_and_checkpoint(built):
    root, _, _ = built
    contract = load_contract(root / "expectations" / "tx.yaml")
    assert contract.columns == [f"f{i}" for i in range(6)] and contract.id_column == "row_id"
    for path in ("gx/baselines/tx.baseline.jsonl", "gx/expectations/tx.json", "gx/checkpoints/tx.json"):
        assert (root / path).is_file()
    stored = json.loads((root / "gx" / "expectations" / "tx.json").read_text())
    assert {e["kwargs"].get("baseline_path") for e in stored["expectations"]} >= {"gx/baselines/tx.baseline.jsonl"}


def test_clean_batch_passes_with_json_verdict_and_lineage(built, capsys):
    root, _, _ = built
    assert _check(root, root / "clean.csv", "--json", "--source", "kafka:tx", "--ingestion-path", "etl/daily") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["success"] is True and report["tripped"] is False and report["status"] == "pass"
    assert report["lineage"]["source"] == "kafka:tx" and report["lineage"]["ingestion_path"] == "etl/daily"
    assert len(report["lineage"]["batch_sha256"]) == 64
    assert {c["check"] for c in report["checks"]} >= set(FEATURE_TESTS)
    stored = [json.loads(p.read_text())["meta"] for p in (root / "gx" / "uncommitted" / "validations").rglob("*.json")]
    mine = [m["poison_guard"] for m in stored if m.get("poison_guard", {}).get("lineage", {}).get("batch_id")
            == report["lineage"]["batch_id"]]
    assert len(mine) == 1 and mine[0]["lineage"]["batch_sha256"] == report["lineage"]["batch_sha256"]
    assert mine[0]["baseline_sha256"] and mine[0]["contract"] == "tx"


def test_parquet_batches_work(built):
    root, _, _ = built
    assert _check(root, root / "clean.parquet") == 0


def test_poisoned_batch_trips_and_quarantines_the_rows(built, capsys):
    root, _, poisoned_ids = built
    assert _check(root, root / "poisoned.csv", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["tripped"] is True
    assert set(poisoned_ids) <= set(report["flagged_rows"]["row_mahalanobis"])
    rows = pd.read_csv(root / report["quarantine"] / "rows.csv")
    assert set(poisoned_ids) <= set(rows.row_id)
    assert (root / "poisoned.csv").exists()  # the batch itself is never deleted


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda df: df.drop(columns=["f2"]), "lacks column(s) ['f2']"),
        (lambda df: df.assign(f1=df.f1.astype(str).where(df.index != 3, "12,5")), "non-numeric feature column(s): 'f1'"),
        (lambda df: df.assign(extra=1.0), "does not declare"),
        (lambda df: df.assign(f0=df.f0.where(df.index != 7, np.nan)), "1 of 400 rows with NaN or inf"),
        (lambda df: df.iloc[:0], "holds no rows"),
    ],
)
def test_batches_that_cannot_be_validated_exit_2_with_one_line(built, tmp_path, capsys, make, message):
    root, clean, _ = built
    path = tmp_path / "bad.csv"
    make(clean).to_csv(path, index=False)
    assert _check(root, path) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_empty_file_unknown_name_and_missing_file_exit_2(built, tmp_path, capsys):
    root, _, _ = built
    (tmp_path / "empty.csv").write_text("")
    assert _check(root, tmp_path / "empty.csv") == 2
    assert main(["--project", str(root), "check", str(root / "clean.csv"), "--name", "nope"]) == 2
    assert "'nope' has no contract (known: ['tx'])" in capsys.readouterr().err
    assert _check(root, tmp_path / "missing.csv") == 2


def test_corrupt_artifact_exits_2(built, tmp_path, capsys):
    root, _, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    artifact = copy / "gx" / "baselines" / "tx.baseline.jsonl"
    raw = bytearray(artifact.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    artifact.write_bytes(bytes(raw))
    assert _check(copy, copy / "clean.csv") == 2
    assert "tx.baseline.jsonl' failed its integrity check" in capsys.readouterr().err


def test_required_lineage_and_warn_policy(built, tmp_path, capsys):
    root, clean, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    contract = load_contract(copy / "expectations" / "tx.yaml")
    raw = {**contract.to_yaml_dict(), "lineage": {"required": ["source"]},
           "policy": {"mean_shift": "warn", "feature_mean_shift": "warn", "feature_spread_shift": "warn",
                      "correlation_shift": "warn"}}
    raw["golden"] = "golden.csv"
    from gx_poison_guard.contract import parse_contract

    write_contract(parse_contract(raw), copy / "expectations" / "tx.yaml")
    assert main(["--project", str(copy), "--quiet", "baseline", "--contract", str(copy / "expectations" / "tx.yaml")]) == 0
    assert _check(copy, copy / "clean.csv") == 2
    assert "requires lineage ['source']" in capsys.readouterr().err
    drift = clean.copy()
    drift["f2"] = drift["f2"] + 0.5 * pg.load_baseline(copy / "gx" / "baselines" / "tx.baseline.jsonl").scale[2]
    drift.to_csv(copy / "drift.csv", index=False)
    assert _check(copy, copy / "drift.csv", "--source", "s3://x", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "warn"
    assert any(c["check"] == "feature_mean_shift" and not c["success"] and c["action"] == "warn" for c in report["checks"])


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert main(["baseline"]) == 2
    assert "needs GOLDEN_FILE and --name" in capsys.readouterr().err


def test_baseline_then_check_in_an_empty_directory(tmp_path, monkeypatch, capsys):
    """The issue's example, verbatim: no --project, no contract written by hand."""
    monkeypatch.chdir(tmp_path)
    correlated_frame(2000, seed=1).to_csv("some.csv", index=False)
    correlated_frame(500, seed=9).to_csv("other.csv", index=False)
    assert main(["baseline", "some.csv", "--name", "x"]) == 0
    capsys.readouterr()
    assert main(["check", "other.csv", "--name", "x", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "pass" and report["contract"] == "x"
    assert len(report["lineage"]["contract_sha256"]) == 64 and len(report["lineage"]["suite_sha256"]) == 64
    assert report["data_docs"].endswith(".html") and (tmp_path / "expectations" / "x.yaml").is_file()


def test_docs_builds_the_site_and_prints_its_index(built, capsys):
    root, _, _ = built
    assert main(["--project", str(root), "--quiet", "docs"]) == 0
    index = capsys.readouterr().out.strip()
    assert index.endswith("index.html") and "tx" in open(index, encoding="utf-8").read()


def test_rebuilding_from_a_contract_file_keeps_it_verbatim(built, tmp_path):
    root, _, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    path = copy / "expectations" / "tx.yaml"
    text = "# reviewed by the data team\n" + path.read_text().replace("batch_size: 400", "batch_size: 400  # daily")
    path.write_text(text)
    assert main(["--project", str(copy), "--quiet", "baseline", "--contract", str(path)]) == 0
    assert path.read_text() == text


def test_a_suite_from_an_older_schema_fails_with_a_rebuild_hint_and_rebuilds(built, tmp_path, capsys):
    root, _, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    path = copy / "gx" / "expectations" / "tx.json"
    stored = json.loads(path.read_text())
    for e in stored["expectations"]:
        e["kwargs"].pop("extreme_threshold", None)  # as written before the extreme-row rule existed
    path.write_text(json.dumps(stored))
    assert _check(copy, copy / "clean.csv") == 2
    assert "does not match this gx-poison-guard version" in capsys.readouterr().err
    contract = str(copy / "expectations" / "tx.yaml")
    assert main(["--project", str(copy), "--quiet", "baseline", "--contract", contract]) == 0
    assert _check(copy, copy / "clean.csv") == 0


def test_label_checks_trip_on_flipped_labels_and_require_the_label_column(tmp_path, capsys):
    golden = correlated_frame(3000, seed=1, labels=True)
    golden.to_csv(tmp_path / "golden.csv", index=False)
    assert main(["--project", str(tmp_path), "--quiet", "baseline", str(tmp_path / "golden.csv"), "--name", "lab",
                 "--label", "label", "--batch-size", "400"]) == 0
    assert load_contract(tmp_path / "expectations" / "lab.yaml").label_column == "label"
    clean = correlated_frame(400, seed=5, labels=True)
    clean.to_csv(tmp_path / "clean.csv", index=False)
    flipped = clean.copy()
    flipped.loc[flipped.index[flipped["label"] == 0][:60], "label"] = 1  # 15 % of rows relabelled as class 1
    flipped.to_csv(tmp_path / "flipped.csv", index=False)
    clean.drop(columns="label").to_csv(tmp_path / "unlabelled.csv", index=False)

    def check(name, *extra):
        return main(["--project", str(tmp_path), "--quiet", "check", str(tmp_path / name), "--name", "lab", *extra])

    assert check("clean.csv") == 0
    capsys.readouterr()
    assert check("flipped.csv", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    failed = {c["check"] for c in report["checks"] if not c["success"]}
    assert {"label_shift", "row_label_disagreement"} & failed
    assert not failed & {"row_mahalanobis", "row_isolation", "correlation_shift"}  # features are untouched
    assert check("unlabelled.csv") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "lacks column(s) ['label']" in err


def test_consensus_blocks_only_when_two_detectors_fail(built, tmp_path, capsys):
    root, clean, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    raw = {**load_contract(copy / "expectations" / "tx.yaml").to_yaml_dict(), "golden": "golden.csv", "consensus": 2}
    from gx_poison_guard.contract import parse_contract

    write_contract(parse_contract(raw), copy / "expectations" / "tx.yaml")
    assert main(["--project", str(copy), "--quiet", "baseline", "--contract", str(copy / "expectations" / "tx.yaml")]) == 0
    capsys.readouterr()
    assert _check(copy, copy / "poisoned.csv", "--json") == 1  # far rows fail several row detectors at once
    report = json.loads(capsys.readouterr().out)
    blocking = [c for c in report["checks"] if not c["success"] and c["action"] == "block" and c["type"].startswith("expect_")
                and c["check"] in pg.ALL_TESTS]
    assert len(blocking) >= 2
    drifted = clean.copy()
    drifted["f2"] = drifted["f2"] + 1.5 * pg.load_baseline(copy / "gx" / "baselines" / "tx.baseline.jsonl").scale[2]
    drifted.to_csv(copy / "drifted.csv", index=False)
    assert _check(copy, copy / "drifted.csv", "--json") == 0  # one blocking detector alone: a warning under 2-of-m
    report = json.loads(capsys.readouterr().out)
    failed = {c["check"]: c["action"] for c in report["checks"] if not c["success"]}
    assert report["status"] == "warn" and failed.get("drift_magnitude") == "block"
    assert [c for c, a in failed.items() if a == "block"] == ["drift_magnitude"]
