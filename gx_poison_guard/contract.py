"""Data contracts: one reviewed YAML file per dataset in the project's ``expectations/`` folder.

A contract declares what a batch must look like and how the circuit breaker
reacts. Example::

    name: card_transactions
    description: Card payments scored by the fraud model.
    features: {amount: float, distance_km: float, hour: int}
    id_column: transaction_id          # optional: names flagged rows
    label_column: is_fraud             # optional
    lineage:
      required: [source, ingestion_path]
    golden: data/card_transactions_golden.csv   # relative to the project root
    batch_size: 500
    target_false_block_rate: 0.01
    detectors: [mean_shift, correlation_shift, row_mahalanobis]   # default: all but near_duplicates
                                                                  # (label checks only with label_column)
    policy:                            # block or warn, per detector
      mean_shift: warn                 # default: drift tests warn, every other detector blocks
    max_drift_sd: 1.0                  # drift beyond this (golden sd of a feature's mean) blocks
    consensus: 1                       # blocking detectors that must fail together to block
    max_nonfinite_fraction: 0.0        # rows with NaN/inf a batch may hold (quarantined)
    quarantine: quarantine/card_transactions

Loading validates every field and raises :class:`ContractError` naming the
field, what was found and the fix. Nothing here imports Great Expectations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .calibration import ALL_TESTS, DEFAULT_MAX_DRIFT_SD, FEATURE_TESTS
from .exceptions import PoisonGuardError
from .scoring import DRIFT_TESTS, LABEL_TESTS

FEATURE_TYPES = ("float", "int")
LINEAGE_FIELDS = ("source", "ingestion_path")
ACTIONS = ("block", "warn")
#: A detector's action when the contract's policy does not name it: drift warns, poison blocks.
DEFAULT_ACTIONS = {t: "warn" for t in DRIFT_TESTS}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ContractError(PoisonGuardError, ValueError):
    """Raised when a data contract is missing, unreadable or invalid."""

    def __init__(self, path: object, field_name: str, problem: str, fix: str) -> None:
        self.path, self.field = str(path), field_name
        where = f"{self.path}: " if self.path else ""
        super().__init__(f"{where}field {field_name!r} {problem}. {fix}")


@dataclass(frozen=True)
class Contract:
    """A validated data contract (see the module docstring for the file format)."""

    name: str
    features: dict[str, str]
    golden: str
    batch_size: int
    description: str = ""
    id_column: str | None = None
    label_column: str | None = None
    required_lineage: tuple[str, ...] = ()
    target_false_block_rate: float = 0.01
    detectors: tuple[str, ...] = FEATURE_TESTS
    policy: dict[str, str] = field(default_factory=dict)
    max_drift_sd: float = DEFAULT_MAX_DRIFT_SD
    consensus: int = 1
    max_nonfinite_fraction: float = 0.0
    quarantine: str = ""  # folder for flagged rows, relative to the project; parse_contract fills it in

    @property
    def columns(self) -> list[str]:
        return list(self.features)

    def action(self, detector: str) -> str:
        """``"block"`` or ``"warn"`` for a detector (input checks always block)."""
        return self.policy.get(detector, DEFAULT_ACTIONS.get(detector, "block"))

    @property
    def warn_detectors(self) -> tuple[str, ...]:
        return tuple(d for d in self.detectors if self.action(d) == "warn")

    @property
    def full_policy(self) -> dict[str, str]:
        """Every detector's action, defaults included."""
        return {d: self.action(d) for d in self.detectors}

    def to_yaml_dict(self) -> dict[str, Any]:
        """The contract as it is written to disk."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        out["features"] = dict(self.features)
        for key in ("id_column", "label_column"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        out["lineage"] = {"required": list(self.required_lineage)}
        out.update(golden=self.golden, batch_size=self.batch_size,
                   target_false_block_rate=self.target_false_block_rate, detectors=list(self.detectors),
                   policy=dict(self.policy), max_drift_sd=self.max_drift_sd, consensus=self.consensus,
                   max_nonfinite_fraction=self.max_nonfinite_fraction,
                   quarantine=self.quarantine)
        return out


def load_contract(path: str | Path) -> Contract:
    """Read and validate a contract file.

    Raises
    ------
    ContractError
        If the file is missing, not YAML, or a field is missing or invalid.
    """
    path = Path(path)
    try:
        raw = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContractError(path, "name", "cannot be read: the contract file does not exist",
                            "Create it with 'poison-guard baseline GOLDEN --name NAME' or check the path") from None
    except (OSError, YAMLError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ContractError(path, "name", f"cannot be read: {problem}", "Fix the YAML syntax") from None
    return parse_contract(raw, path)


def write_contract(contract: Contract, path: str | Path) -> None:
    """Write ``contract`` as YAML (keys in a stable, reviewable order)."""
    yaml = YAML()
    yaml.default_flow_style = False
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"# Data contract {contract.name!r}: review changes in git. After editing, rebuild the suite with\n"
                 f"#   poison-guard baseline --contract {path.as_posix()}\n")
        yaml.dump(contract.to_yaml_dict(), fh)


def parse_contract(raw: Any, path: str | Path = "") -> Contract:
    """Validate a contract already parsed from YAML or built in code."""
    if not isinstance(raw, dict):
        raise ContractError(path, "name", f"is missing: the file holds {type(raw).__name__}, not a mapping",
                            "Write the contract as 'key: value' lines")
    known = {"name", "description", "features", "id_column", "label_column", "lineage", "golden", "batch_size",
             "target_false_block_rate", "detectors", "policy", "max_drift_sd", "consensus", "max_nonfinite_fraction",
             "quarantine"}
    for key in raw:
        if key not in known:
            raise ContractError(path, str(key), "is not a contract field", f"Use only {sorted(known)}")
    check = _Checker(raw, path)
    features = check.features()
    label_column = check.column("label_column", features)
    detectors = check.detectors(label_column)
    policy = check.policy(detectors)
    name = check.name()
    return Contract(
        name=name,
        features=features,
        golden=check.text("golden", required=True),
        batch_size=check.integer("batch_size", minimum=10),
        description=check.text("description"),
        id_column=check.column("id_column", features),
        label_column=label_column,
        required_lineage=check.lineage(),
        target_false_block_rate=check.fraction("target_false_block_rate", 0.01, upper=0.5),
        detectors=detectors,
        policy=policy,
        max_drift_sd=check.positive("max_drift_sd", DEFAULT_MAX_DRIFT_SD),
        consensus=check.consensus(detectors, policy),
        max_nonfinite_fraction=check.fraction("max_nonfinite_fraction", 0.0, upper=1.0, allow_zero=True),
        quarantine=check.text("quarantine") or f"quarantine/{name}",
    )


class _Checker:
    """Field-by-field validation with errors that name the field and the fix."""

    def __init__(self, raw: dict, path: str | Path) -> None:
        self.raw, self.path = raw, path

    def fail(self, name: str, problem: str, fix: str):
        raise ContractError(self.path, name, problem, fix)

    def name(self) -> str:
        value = self.raw.get("name")
        if not isinstance(value, str) or not _NAME.match(value):
            self.fail("name", f"must be lowercase letters, digits, '_' or '-' (at most 64): got {value!r}",
                      "Use e.g. name: card_transactions")
        return value

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.raw.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty string: got {value!r}", f"Set {key}: <text>")
        return value

    def integer(self, key: str, *, minimum: int) -> int:
        value = self.raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(key, f"must be an integer of at least {minimum}: got {value!r}", f"Set {key}: {max(minimum, 500)}")
        return value

    def fraction(self, key: str, default: float, *, upper: float, allow_zero: bool = False) -> float:
        value = self.raw.get(key, default)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value <= upper
        ok = ok and (value >= 0 if allow_zero else value > 0)
        if not ok:
            bound = "[0" if allow_zero else "(0"
            self.fail(key, f"must be a number in {bound}, {upper}): got {value!r}", f"Set {key}: {default}")
        return float(value)

    def features(self) -> dict[str, str]:
        value = self.raw.get("features")
        if not isinstance(value, dict) or len(value) < 2:
            self.fail("features", f"must map at least 2 column names to a type: got {value!r}",
                      "Write e.g. features: {amount: float, hour: int}")
        bad = {str(k): v for k, v in value.items() if v not in FEATURE_TYPES}
        if bad:
            self.fail("features", f"has unknown types {bad!r}", f"Use one of {list(FEATURE_TYPES)} per column")
        return {str(k): str(v) for k, v in value.items()}

    def column(self, key: str, features: dict[str, str]) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.fail(key, f"must be a column name: got {value!r}", f"Set {key}: <column> or remove it")
        if value in features:
            self.fail(key, f"names feature column {value!r}", f"A {key} must not be one of the features")
        return value

    def lineage(self) -> tuple[str, ...]:
        value = self.raw.get("lineage", {"required": []})
        required = value.get("required") if isinstance(value, dict) else None
        if not isinstance(required, list) or not set(required) <= set(LINEAGE_FIELDS):
            self.fail("lineage", f"must be {{required: [...]}} with fields from {list(LINEAGE_FIELDS)}: got {value!r}",
                      "Write e.g. lineage: {required: [source]}")
        return tuple(required)

    def positive(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
            self.fail(key, f"must be a positive number: got {value!r}", f"Set {key}: {default}")
        return float(value)

    def detectors(self, label_column: str | None) -> tuple[str, ...]:
        default = FEATURE_TESTS + (LABEL_TESTS if label_column else ())
        value = self.raw.get("detectors", list(default))
        if not isinstance(value, list) or not value or not set(value) <= set(ALL_TESTS):
            self.fail("detectors", f"must be a non-empty list from {list(ALL_TESTS)}: got {value!r}",
                      "List the detectors to run, or remove the field to run all")
        needs_label = [d for d in value if d in LABEL_TESTS]
        if needs_label and not label_column:
            self.fail("detectors", f"lists {needs_label!r}, which need labels, but there is no label_column",
                      "Set label_column: <column>, or remove those detectors")
        return tuple(dict.fromkeys(value))

    def consensus(self, detectors: tuple[str, ...], policy: dict[str, str]) -> int:
        value = self.raw.get("consensus", 1)
        blocking = [d for d in detectors if policy.get(d, DEFAULT_ACTIONS.get(d, "block")) == "block"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= max(len(blocking), 1):
            self.fail("consensus", f"must be an integer from 1 to the {len(blocking)} blocking detectors: got {value!r}",
                      "Set consensus: 1 (block when any detector fails)")
        return value

    def policy(self, detectors: tuple[str, ...]) -> dict[str, str]:
        value = self.raw.get("policy") or {}
        if not isinstance(value, dict):
            self.fail("policy", f"must map detectors to block or warn: got {value!r}", "Write e.g. policy: {mean_shift: warn}")
        for detector, action in value.items():
            if detector not in detectors:
                self.fail("policy", f"names {detector!r}, which is not among the contract's detectors",
                          f"Use detectors from {list(detectors)}")
            if action not in ACTIONS:
                self.fail("policy", f"gives {detector!r} the action {action!r}", f"Use one of {list(ACTIONS)}")
        return dict(value)
