"""File contexts, checkpoints, fresh processes, and the silent-drop guard."""

import json
import subprocess
import sys
import textwrap

import pytest

import gx_poison_guard as pg
from gx_poison_guard.expectations import EXPECTATION_FOR_TEST

from .conftest import push_rows

RUN_STORED = textwrap.dedent(
    """
    import json, sys
    import pandas as pd
    import gx_poison_guard as pg
    ctx = pg.load_context(mode="file", project_root_dir=sys.argv[1])
    pg.get_suite(ctx, "guard")
    cp = ctx.checkpoints.get("guard_cp")
    verdicts = [cp.run(batch_parameters={"dataframe": pd.read_csv(p)}).success for p in sys.argv[2:]]
    print(json.dumps(verdicts))
    """
)


@pytest.fixture(scope="module")
def project(tmp_path_factory, baseline, suite, clean_batch):
    """A file context holding the suite and a checkpoint, plus clean and poisoned CSVs."""
    import great_expectations as gx

    root = tmp_path_factory.mktemp("project")
    ctx = pg.load_context(mode="file", project_root_dir=str(root))
    bd = ctx.data_sources.add_pandas("pandas").add_dataframe_asset("batches").add_batch_definition_whole_dataframe("whole")
    stored = ctx.suites.add(gx.ExpectationSuite(name="guard", expectations=[e for e in suite.expectations], meta=suite.meta))
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name="guard_vd", data=bd, suite=stored))
    ctx.checkpoints.add(gx.Checkpoint(name="guard_cp", validation_definitions=[vd], actions=[]))
    clean = root / "clean.csv"
    clean_batch.to_csv(clean, index=False)
    poisoned = root / "poisoned.csv"
    push_rows(clean_batch, baseline, 0.05, n_features=2, sigmas=8.0, seed=3)[0].to_csv(poisoned, index=False)
    return root, ctx, [str(clean), str(poisoned)]


def test_checkpoint_runs_and_stores_results(project):
    import pandas as pd

    root, ctx, paths = project
    cp = ctx.checkpoints.get("guard_cp")
    verdicts = [cp.run(batch_parameters={"dataframe": pd.read_csv(p)}).success for p in paths]
    assert verdicts == [True, False]
    stored = list((root / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert stored and all(json.loads(p.read_text())["results"] for p in stored)


def test_stored_suite_gives_the_same_verdicts_in_a_fresh_process(project):
    root, _, paths = project
    out = subprocess.run([sys.executable, "-c", RUN_STORED, str(root), *paths], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, False]


def _add_unknown_expectation(root, suite_name="guard"):
    path = root / "gx" / "expectations" / f"{suite_name}.json"
    stored = json.loads(path.read_text())
    stored["expectations"].append({"type": "expect_row_teleportation_to_be_below", "kwargs": {"threshold": 1.0}, "meta": {}})
    path.write_text(json.dumps(stored))
    return path


def test_plain_gx_silently_drops_unregistered_expectations(tmp_path, project):
    """The trap the guard exists for: GX alone loads the suite without our expectations."""
    import shutil

    root, _, _ = project
    copy = tmp_path / "copy"
    shutil.copytree(root / "gx", copy / "gx")
    script = (
        "import sys, great_expectations as gx; ctx = gx.get_context(mode='file', project_root_dir=sys.argv[1]);"
        "print(len(ctx.suites.get('guard').expectations))"
    )
    out = subprocess.run([sys.executable, "-c", script, str(copy)], capture_output=True, text=True, check=True)
    stored = json.loads((copy / "gx" / "expectations" / "guard.json").read_text())["expectations"]
    ours = sum(e["type"] in {c.expectation_type for c in EXPECTATION_FOR_TEST.values()} for e in stored)
    assert ours == 8  # every custom type but the two label checks (the suite has no labels)
    assert int(out.stdout.strip().splitlines()[-1]) == len(stored) - ours  # every one of our types vanished


def test_our_api_refuses_a_suite_with_types_it_cannot_load(tmp_path, project):
    import shutil

    root, _, _ = project
    copy = tmp_path / "copy"
    shutil.copytree(root / "gx", copy / "gx")
    _add_unknown_expectation(copy)
    with pytest.raises(pg.SuiteIncompleteError, match="expect_row_teleportation_to_be_below.*Import gx_poison_guard"):
        pg.load_context(mode="file", project_root_dir=str(copy))
    import great_expectations as gx

    ctx = gx.get_context(mode="file", project_root_dir=str(copy))
    with pytest.raises(pg.SuiteIncompleteError, match="would silently skip them"):
        pg.get_suite(ctx, "guard")
