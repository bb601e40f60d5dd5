"""``poison-guard demo``: the whole product on generated card transactions, from nothing.

Writes into the project: the golden data and three batches under ``data/``,
the contracts ``expectations/card_transactions.yaml`` and
``expectations/breast_cancer.yaml``, their baselines, suites and checkpoints
under ``gx/``; then checks a clean batch (passes), a poisoned batch (trips)
and a batch with seasonal drift (warns: the contract makes whole-batch drift
a warning), and builds Data Docs. Every file is deterministic: running the
demo again rewrites the same data and baselines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.datasets import load_breast_cancer

from .calibration import ALL_TESTS
from .contract import parse_contract
from .datasets import FEATURES, card_poisoning_attack, card_seasonal_drift, card_transactions
from .project import Project, check_batch, docs_page, fit_project_baseline

CARD_CONTRACT = {
    "name": "card_transactions",
    "description": "Card payments that feed the fraud model's daily retraining.",
    "features": FEATURES,
    "id_column": "transaction_id",
    "label_column": "is_fraud",
    "lineage": {"required": ["source"]},
    "golden": "data/card_transactions_golden.csv",
    "batch_size": 500,
    "target_false_block_rate": 0.01,
    # a coherent whole-batch shift (season, promotion) is drift: warn, let the batch through, unless a
    # feature's average moves more than max_drift_sd; broken dependencies, anomalous rows and labels
    # their golden neighbours contradict are poison: block
    "policy": {"mean_shift": "warn", "feature_mean_shift": "warn", "feature_spread_shift": "warn"},
    "max_drift_sd": 1.0,
    # every detector, near_duplicates included (opt-in: batches of 500 are far fewer than the 6,000 held-out rows)
    "detectors": list(ALL_TESTS),
    "quarantine": "quarantine/card_transactions",
}

CANCER_CONTRACT = {
    "name": "breast_cancer",
    "description": "scikit-learn's breast_cancer features (569 rows): 400 golden rows, the rest unseen.",
    "features": {str(c): "float" for c in load_breast_cancer().feature_names},
    "golden": "data/breast_cancer_golden.csv",
    "batch_size": 169,
    "target_false_block_rate": 0.01,
}

EXPECTED = {"clean": "pass", "poisoned": "trip", "drift": "warn"}


def run_demo(project: Project, say: Callable[[str], None] = print, progress=None) -> dict[str, Any]:
    """Run the demo in ``project``; return the outcome of each batch and the Data Docs path."""
    data = project.root / "data"
    (data / "demo").mkdir(parents=True, exist_ok=True)
    say("generating 20,000 golden card transactions and three batches of 500 …")
    card_transactions(20_000, seed=0).to_csv(data / "card_transactions_golden.csv", index=False)
    clean = card_transactions(500, seed=101, start_id=1_000_000)
    batches = {"clean": clean, "poisoned": card_poisoning_attack(clean, seed=1)[0], "drift": card_seasonal_drift(clean)}
    for name, df in batches.items():
        df.to_csv(data / "demo" / f"card_transactions_{name}.csv", index=False)
    # unseen clean rows to red-team the suite with (poison-guard redteam --clean ...)
    card_transactions(5_000, seed=202, start_id=2_000_000).to_csv(data / "demo" / "card_transactions_unseen.csv", index=False)
    _export_breast_cancer(project)

    for raw in (CARD_CONTRACT, CANCER_CONTRACT):
        say(f"fitting the {raw['name']} baseline and calibrating its suite …")
        fit_project_baseline(project, parse_contract(raw, project.contract_path(raw["name"])), progress=progress)

    outcomes = {}
    for name in batches:
        report = check_batch(project, "card_transactions", data / "demo" / f"card_transactions_{name}.csv",
                             lineage={"source": "poison-guard demo", "ingestion_path": f"data/demo/{name}"})
        outcomes[name] = report
        failed = [c["check"] for c in report.checks if not c["success"]]
        say(f"{name:9s} batch: {report.status.upper():5s} (exit {report.exit_code})"
            + (f"; failed: {', '.join(failed)}" if failed else ""))
    index = docs_page(project.context())  # every check above built its page and the index
    return {"outcomes": {k: v.status for k, v in outcomes.items()}, "reports": outcomes, "data_docs": index,
            "as_expected": all(outcomes[k].status == v for k, v in EXPECTED.items())}


def _export_breast_cancer(project: Project) -> None:
    df = load_breast_cancer(as_frame=True).data
    order = np.random.default_rng(1).permutation(len(df))
    df.iloc[order[:400]].to_csv(project.root / "data" / "breast_cancer_golden.csv", index=False)
    df.iloc[order[400:]].to_csv(project.root / "data" / "breast_cancer_unseen.csv", index=False)
