"""A gx-poison-guard project: contracts in ``expectations/``, a GX file context in ``gx/``.

Layout (all under the project root)::

    expectations/<name>.yaml             the reviewed data contract
    gx/great_expectations.yml            GX file context (progress bars off)
    gx/expectations/<name>.json          the calibrated suite
    gx/checkpoints/<name>.json           the checkpoint the breaker runs
    gx/baselines/<name>.baseline.jsonl   the golden baseline the suite pins by SHA-256
    quarantine/<name>/                   flagged rows and lineage of every check

:func:`fit_project_baseline` builds everything for one contract;
:func:`check_batch` validates one batch file and returns a :class:`CheckReport`
with the breaker's verdict. The CLI is a thin layer over these two.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .artifact import verify_artifact
from .baseline import fit_baseline
from .breaker import BreakerVerdict, CheckOutcome, decide_breaker
from .contract import Contract, ContractError, load_contract, write_contract
from .expectations import exception_infos
from .context import get_suite, load_context
from .exceptions import InputDataError
from .frames import feature_matrix, nonfinite_rows
from .suite import build_suite

DATASOURCE = "poison_guard"


@dataclass(frozen=True)
class Project:
    """Paths of a project rooted at ``root``."""

    root: Path

    def contract_path(self, name: str) -> Path:
        return self.root / "expectations" / f"{name}.yaml"

    def baseline_path(self, name: str) -> Path:
        return self.root / "gx" / "baselines" / f"{name}.baseline.jsonl"

    def relative(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    def contract(self, name: str) -> Contract:
        path = self.contract_path(name)
        if not path.exists():
            known = sorted(p.stem for p in (self.root / "expectations").glob("*.yaml"))
            raise ContractError(path, "name", f"{name!r} has no contract (known: {known or 'none'})",
                                f"Run 'poison-guard baseline GOLDEN --name {name}' first, or pick a known name")
        return load_contract(path)

    def context(self):
        """The project's GX file context, created on first use, plugin loaded and suites checked."""
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx = load_context(mode="file", project_root_dir=str(self.root))
        _install_docs_styles(self.root / "gx")
        bars = ctx.variables.progress_bars
        globally = bars.get("globally") if isinstance(bars, dict) else getattr(bars, "globally", None)
        if globally is not False:
            ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
            ctx.variables.save()
        return ctx


def _install_docs_styles(gx_dir: Path) -> None:
    """Put the offline stylesheet where GX's page template inlines it.

    GX writes a placeholder copy of its own template there when it creates a
    context; that placeholder is replaced, a stylesheet the user edited is kept.
    """
    import great_expectations

    target = gx_dir / "plugins" / "custom_data_docs" / "styles" / "data_docs_custom_styles.css"
    placeholder = Path(great_expectations.__file__).parent / "render/view/static/styles/data_docs_custom_styles_template.css"
    if not target.exists() or (placeholder.exists() and target.read_bytes() == placeholder.read_bytes()):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((Path(__file__).parent / "assets" / "data_docs_custom_styles.css").read_bytes())


def read_table(path: str | Path, *, what: str = "batch") -> pd.DataFrame:
    """Read a CSV or Parquet file; raise :class:`InputDataError` saying why it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"The {what} file {str(path)!r} does not exist. Check the path.")
    suffix = path.suffix.lower()
    readers = {".parquet": pd.read_parquet, ".pq": pd.read_parquet, ".csv": pd.read_csv, ".txt": pd.read_csv,
               ".gz": pd.read_csv}
    if suffix not in readers:
        raise InputDataError(f"The {what} file {str(path)!r} is neither CSV nor Parquet (got {suffix!r}). "
                             "Save it as .csv or .parquet.")
    try:
        df = readers[suffix](path)
    except pd.errors.EmptyDataError:
        df = pd.DataFrame()
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputDataError(f"The {what} file {str(path)!r} cannot be parsed: {first}. Check its format.") from None
    if len(df) == 0:
        raise InputDataError(f"The {what} file {str(path)!r} holds no rows. An empty batch cannot be shown to be clean.")
    return df


def fit_project_baseline(project: Project, contract: Contract, *, source: str | Path | None = None,
                         random_state: int = 0, progress=None) -> dict[str, Any]:
    """Fit the baseline of ``contract``, write contract, artifact, suite and checkpoint; return a summary.

    ``source`` is the contract file it was read from: it is kept verbatim (comments included) as
    ``expectations/NAME.yaml``. Without it, the contract is written from ``contract``.
    """
    import great_expectations as gx

    golden = read_table(project.root / contract.golden, what="golden")
    _check_columns(golden, contract, what="golden data", allow_extra=True)
    label = contract.label_column if "row_label_disagreement" in contract.detectors else None
    baseline = fit_baseline(golden, columns=contract.columns, label_column=label, random_state=random_state)
    artifact = project.baseline_path(contract.name)
    baseline.save(artifact)
    baseline.path = Path(project.relative(artifact))  # the suite pins a path relative to the project
    suite = build_suite(baseline, name=contract.name, batch_size=contract.batch_size,
                        target_false_block_rate=contract.target_false_block_rate, tests=contract.detectors,
                        id_column=contract.id_column, warn_tests=contract.warn_detectors,
                        consensus=contract.consensus, max_drift_sd=contract.max_drift_sd,
                        random_state=random_state, progress=progress)
    for position, expectation in enumerate(suite.expectations):
        # stable ids: rebuilding from unchanged inputs leaves the committed suite byte-identical
        column = expectation.configuration.kwargs.get("column", "")
        expectation.id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"gx-poison-guard/{contract.name}/{position}/"
                                                            f"{expectation.expectation_type}/{column}"))
    suite.meta["gx_poison_guard"]["contract"] = contract.to_yaml_dict()
    _store_contract(project, contract, source)
    ctx = project.context()
    _forget_unreadable_suite(ctx, contract.name)
    stored = ctx.suites.add_or_update(suite)
    vd = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=contract.name, data=_batch_definition(ctx, contract.name), suite=stored))
    ctx.checkpoints.add_or_update(gx.Checkpoint(
        name=contract.name, validation_definitions=[vd], actions=[], result_format={"result_format": "COMPLETE"}))
    cal = suite.meta["gx_poison_guard"]["calibration"]
    return {"contract": project.relative(project.contract_path(contract.name)), "baseline": project.relative(artifact),
            "baseline_sha256": baseline.sha256, "suite": contract.name, "expectations": len(suite.expectations),
            "golden_rows": int(len(golden)), "resampled_false_block_rate": cal["resampled_false_block_rate"]}


def _forget_unreadable_suite(ctx, name: str) -> None:
    """Remove stored suite ``name`` if this version cannot parse it (an older schema), so it can be rebuilt."""
    from great_expectations.compatibility import pydantic

    store = ctx.expectations_store
    key = store.get_key(name=name, id=None)
    if not store.has_key(key):
        return
    try:
        ctx.suites.get(name)
    except pydantic.ValidationError:
        store.remove_key(key)


def _store_contract(project: Project, contract: Contract, source: str | Path | None) -> None:
    target = project.contract_path(contract.name)
    if source is None:
        write_contract(contract, target)
    elif Path(source).resolve() != target.resolve():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(Path(source).read_bytes())


def _batch_definition(ctx, name: str):
    sources = ctx.data_sources.all()
    source = sources[DATASOURCE] if DATASOURCE in sources else ctx.data_sources.add_pandas(DATASOURCE)
    assets = {a.name: a for a in source.assets}
    asset = assets[name] if name in assets else source.add_dataframe_asset(name)
    definitions = {d.name: d for d in asset.batch_definitions}
    return definitions["whole"] if "whole" in definitions else asset.add_batch_definition_whole_dataframe("whole")


@dataclass
class CheckReport:
    """Everything one check decided; ``to_json`` is the CLI's ``--json`` output."""

    contract: str
    status: str
    exit_code: int
    batch: dict[str, Any]
    lineage: dict[str, Any]
    checks: list[dict[str, Any]] = field(default_factory=list)
    flagged_rows: dict[str, list] = field(default_factory=dict)
    quarantine: str | None = None
    validation_result: str | None = None
    data_docs: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["success"] = self.status != "trip"
        out["tripped"] = self.status == "trip"
        return out


def check_batch(project: Project, name: str, batch_path: str | Path, *, lineage: dict[str, str | None]) -> CheckReport:
    """Validate one batch file against contract ``name`` and decide the breaker.

    Raises
    ------
    PoisonGuardError
        When the batch cannot be validated at all (unknown contract, unreadable
        or empty file, missing or extra columns, non-numeric values, NaN/inf
        beyond the contract's allowance, missing lineage, damaged baseline).
        The CLI turns these into exit code 2.
    """
    contract = project.contract(name)
    batch_path = Path(batch_path)
    record = _lineage(contract, batch_path, lineage)
    record["contract_sha256"] = _file_sha256(project.contract_path(name))
    record["suite_sha256"] = _file_sha256(project.root / "gx" / "expectations" / f"{name}.json")
    df = read_table(batch_path)
    _check_columns(df, contract, what="batch", allow_extra=False)
    X = feature_matrix(df, contract.columns)
    bad = nonfinite_rows(X)
    if bad.size > contract.max_nonfinite_fraction * len(df):
        raise InputDataError(
            f"The batch has {bad.size} of {len(df)} rows with NaN or inf in feature columns, more than the contract "
            f"allows ({contract.max_nonfinite_fraction:.2%}). Fix the upstream step or raise max_nonfinite_fraction."
        )
    ctx = project.context()
    suite = get_suite(ctx, name)
    pinned = suite.meta["gx_poison_guard"]["baseline"]
    verify_artifact(project.root / pinned["path"], pinned["sha256"])  # damaged artifact: exit 2, one line
    clean = df.drop(index=df.index[bad]) if bad.size else df
    result, key = _run_checkpoint(ctx, suite, clean, record)
    page = build_docs(ctx, [key])
    outcomes, checks, flagged = _read_results(result, contract)
    verdict = decide_breaker(outcomes, contract.full_policy, contract.consensus)
    ids = _row_ids(df, contract)
    quarantine = _quarantine(project, contract, df, bad, flagged, ids, record, verdict)
    return CheckReport(
        contract=name, status=verdict.status, exit_code=1 if verdict.tripped else 0,
        batch={"path": str(batch_path), "rows": int(len(df)), "nonfinite_rows": int(bad.size)},
        lineage=record, checks=checks, flagged_rows=flagged, quarantine=quarantine, validation_result=str(key),
        data_docs=page,
    )


def build_docs(ctx, keys: list | None = None) -> str | None:
    """Build the local Data Docs site; return the file path of the page of ``keys[0]`` (or of the index)."""
    ctx.build_data_docs(resource_identifiers=keys or None)
    return docs_page(ctx, keys[0] if keys else None)


def docs_page(ctx, key=None) -> str | None:
    """File path of the Data Docs page of ``key`` (default: the index), built or not."""
    urls = ctx.get_docs_sites_urls(resource_identifier=key)
    url = next((u.get("site_url") for u in urls if u.get("site_url")), None)
    return url[len("file://"):] if url and url.startswith("file://") else url


def _check_columns(df: pd.DataFrame, contract: Contract, *, what: str, allow_extra: bool) -> None:
    expected = contract.columns + [c for c in (contract.id_column, contract.label_column) if c]
    label_optional = "row_label_disagreement" not in contract.detectors
    missing = [c for c in expected if c not in df.columns and not (c == contract.label_column and label_optional)]
    if missing:
        raise InputDataError(f"The {what} lacks column(s) {missing!r} that contract {contract.name!r} requires. "
                             "Fix the producing step, or update the contract.")
    extra = [str(c) for c in df.columns if c not in expected]
    if extra and not allow_extra:
        raise InputDataError(f"The {what} has column(s) {extra!r} that contract {contract.name!r} does not declare. "
                             "Drop them upstream, or declare them in the contract.")
    feature_matrix(df, contract.columns, what=what)  # raises on non-numeric features


def _lineage(contract: Contract, batch_path: Path, given: dict[str, str | None]) -> dict[str, Any]:
    missing = [f for f in contract.required_lineage if not given.get(f)]
    if missing:
        flags = " ".join(f"--{f.replace('_', '-')} ..." for f in missing)
        raise InputDataError(f"Contract {contract.name!r} requires lineage {missing!r} for every batch, "
                             f"and the batch came without it. Pass {flags}.")
    digest = _file_sha256(batch_path)
    return {
        "batch_id": f"{_dt.datetime.now(_dt.timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}",
        "source": given.get("source"),
        "ingestion_path": given.get("ingestion_path") or str(batch_path),
        "ingested_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "batch_sha256": digest,
    }


def _file_sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _run_checkpoint(ctx, suite, df: pd.DataFrame, lineage: dict[str, Any]):
    """Run the suite's checkpoint; store lineage and versions in the validation result's meta."""
    name = suite.name
    result = ctx.checkpoints.get(name).run(batch_parameters={"dataframe": df})
    key, vr = next(iter(result.run_results.items()))
    suite_meta = suite.meta.get("gx_poison_guard", {})
    vr.meta["poison_guard"] = {
        "lineage": lineage, "package_version": suite_meta.get("package_version"),
        "baseline_sha256": suite_meta.get("baseline", {}).get("sha256"),
        "contract": suite_meta.get("contract", {}).get("name", name),
    }
    ctx.validation_results_store.set(key, vr)
    return vr, key


def _read_results(result, contract: Contract):
    outcomes, checks, flagged = [], [], {}
    for r in result.results:
        config = r.expectation_config
        detector = (config.meta or {}).get("poison_guard_test")
        raised = any(info.get("raised_exception") for info in exception_infos(r))
        column = config.kwargs.get("column")
        outcomes.append(CheckOutcome(detector or config.type, bool(r.success), bool(detector), raised, column))
        checks.append({"check": detector or config.type, "type": config.type, "column": column,
                       "success": bool(r.success), "action": contract.action(detector) if detector else "block",
                       "severity": str(config.severity.value if hasattr(config.severity, "value") else config.severity),
                       "observed_value": _observed(r.result or {}), "error": raised})
        if detector and "unexpected_index_list" in (r.result or {}):
            flagged[detector] = list(r.result["unexpected_index_list"] or [])
    return outcomes, checks, flagged


def _observed(result: dict):
    """The result's observed value; map-type built-ins report their unexpected percentage instead."""
    if result.get("observed_value") is not None:
        return result["observed_value"]
    percent = result.get("unexpected_percent")
    return None if percent is None else f"{percent:.3g}% of rows unexpected"


def _row_ids(df: pd.DataFrame, contract: Contract) -> np.ndarray:
    return df[contract.id_column].to_numpy() if contract.id_column else np.asarray(df.index)


def _quarantine(project, contract, df, nonfinite, flagged, ids, lineage, verdict: BreakerVerdict) -> str | None:
    """Copy flagged and non-finite rows (never the source file's only copy) for human review."""
    flagged_ids = {i for rows in flagged.values() for i in rows}
    mask = np.isin(ids, list(flagged_ids)) if flagged_ids else np.zeros(len(df), bool)
    mask[nonfinite] = True
    if not mask.any() and not verdict.tripped:
        return None
    folder = project.root / contract.quarantine / lineage["batch_id"]
    folder.mkdir(parents=True, exist_ok=True)
    df[mask].to_csv(folder / "rows.csv", index=contract.id_column is None)
    summary = {"lineage": lineage, "status": verdict.status,
               "blocking": [o.check for o in verdict.blocking], "warnings": [o.check for o in verdict.warnings],
               "flagged_rows": {k: [_plain(v) for v in rows] for k, rows in flagged.items()},
               "nonfinite_row_positions": [int(i) for i in nonfinite]}
    (folder / "lineage.json").write_text(json.dumps(summary, indent=2, default=str))
    return project.relative(folder)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def redteam_project(project: Project, name: str, *, clean_path: str | Path | None = None, n_batches: int = 50,
                    fractions: tuple[float, ...] = (0.01, 0.05, 0.10), seed: int = 0):
    """Run the red-team scenarios against contract ``name``'s baseline and calibrated thresholds.

    Returns the table rows and a description of where the clean batches came from.
    """
    from .baseline import load_baseline
    from .calibration import calibrate
    from .redteam import run_redteam

    contract = project.contract(name)
    ctx = project.context()
    pinned = get_suite(ctx, name).meta["gx_poison_guard"]["baseline"]
    baseline = load_baseline(project.root / pinned["path"], pinned["sha256"])
    calibration = calibrate(baseline, batch_size=contract.batch_size, tests=contract.detectors,
                            target_false_block_rate=contract.target_false_block_rate,
                            warn_tests=contract.warn_detectors, consensus=contract.consensus,
                            batch_floors={"drift_magnitude": contract.max_drift_sd})  # same settings as the suite
    rng = np.random.default_rng(seed)
    if clean_path is not None:
        pool = read_table(clean_path, what="clean")
        _check_columns(pool, contract, what="clean data", allow_extra=True)
        source = f"{clean_path} ({len(pool)} rows; each batch a random subset)"
    else:
        pool = pd.DataFrame(baseline.calibration_rows, columns=list(baseline.columns))
        if baseline.has_labels:
            pool[baseline.label_column] = np.array(baseline.label_classes, dtype=object)[baseline.calibration_labels]
        source = (f"the baseline's {len(pool)} held-out calibration rows (thresholds were set on them, so the "
                  "false-block rate is optimistic; pass --clean with unseen rows)")
    label = contract.label_column if contract.label_column in pool.columns else None
    n = contract.batch_size
    if len(pool) >= n:  # rows within a batch never repeat, so one odd clean row cannot count n times
        batches = (pool.iloc[rng.choice(len(pool), n, replace=False)].reset_index(drop=True) for _ in range(n_batches))
    else:
        source += f"; only {len(pool)} rows for batches of {n}, so rows repeat within a batch (biased, use more)"
        batches = (pool.iloc[rng.integers(0, len(pool), n)].reset_index(drop=True) for _ in range(n_batches))
    rows = run_redteam(baseline, calibration, batches, policy=contract.full_policy, fractions=fractions,
                       label_column=label, seed=seed)
    return rows, source
