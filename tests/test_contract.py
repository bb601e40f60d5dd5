import pytest

from gx_poison_guard.breaker import CheckOutcome, decide_breaker
from gx_poison_guard.contract import ContractError, load_contract, parse_contract, write_contract

VALID = {"name": "tx", "features": {"a": "float", "b": "int"}, "golden": "golden.csv", "batch_size": 100}


def test_round_trip(tmp_path):
    c = parse_contract({**VALID, "id_column": "id", "policy": {"mean_shift": "warn"},
                        "lineage": {"required": ["source"]}})
    write_contract(c, tmp_path / "tx.yaml")
    again = load_contract(tmp_path / "tx.yaml")
    assert again == c and again.action("mean_shift") == "warn" and again.action("row_mahalanobis") == "block"


@pytest.mark.parametrize(
    "change,field,fix",
    [
        ({"name": "Bad Name"}, "name", "Use e.g. name: card_transactions"),
        ({"features": {"a": "float"}}, "features", "at least 2"),
        ({"features": {"a": "float", "b": "text"}}, "features", "unknown types"),
        ({"batch_size": 3}, "batch_size", "at least 10"),
        ({"target_false_block_rate": 0.9}, "target_false_block_rate", "must be a number in (0, 0.5)"),
        ({"detectors": ["nope"]}, "detectors", "non-empty list"),
        ({"policy": {"mean_shift": "ignore"}}, "policy", "Use one of ['block', 'warn']"),
        ({"detectors": ["row_mahalanobis"], "policy": {"mean_shift": "warn"}}, "policy", "not among"),
        ({"id_column": "a"}, "id_column", "must not be one of the features"),
        ({"lineage": {"required": ["weather"]}}, "lineage", "fields from"),
        ({"colour": "red"}, "colour", "is not a contract field"),
        ({"golden": None}, "golden", "non-empty string"),
        ({"max_drift_sd": 0}, "max_drift_sd", "must be a positive number"),
        ({"max_drift_sd": "big"}, "max_drift_sd", "must be a positive number"),
        ({"consensus": 0}, "consensus", "must be an integer from 1"),
        ({"detectors": ["row_mahalanobis"], "consensus": 2}, "consensus", "from 1 to the 1 blocking"),
        ({"detectors": ["row_label_disagreement"]}, "detectors", "need labels, but there is no label_column"),
    ],
)
def test_invalid_fields_are_named_with_a_fix(change, field, fix):
    with pytest.raises(ContractError, match=rf"field '{field}'.*{__import__('re').escape(fix)}"):
        parse_contract({**VALID, **change}, "expectations/tx.yaml")


def test_unreadable_files(tmp_path):
    with pytest.raises(ContractError, match="does not exist"):
        load_contract(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("name: [unclosed")
    with pytest.raises(ContractError, match="Fix the YAML syntax"):
        load_contract(tmp_path / "bad.yaml")


def test_breaker_policy():
    drift = CheckOutcome("mean_shift", success=False, detector=True)
    poison = CheckOutcome("row_mahalanobis", success=False, detector=True)
    column = CheckOutcome("expect_column_values_to_be_between", success=False, detector=False, column="a")
    errored = CheckOutcome("mean_shift", success=False, detector=True, raised=True)
    ok = CheckOutcome("correlation_shift", success=True, detector=True)
    warn_drift = {"mean_shift": "warn"}
    assert decide_breaker([ok], {}).status == "pass"
    assert decide_breaker([ok, drift], warn_drift).status == "warn"
    assert decide_breaker([drift, poison], warn_drift).blocking == [poison]
    assert decide_breaker([column], {"expect_column_values_to_be_between": "warn"}).tripped  # input checks always block
    assert decide_breaker([errored], warn_drift).tripped  # an error never passes
    assert decide_breaker([], {}).tripped  # nothing ran: fail closed


def test_drift_warns_and_poison_blocks_by_default_and_labels_add_the_label_checks():
    from gx_poison_guard.calibration import FEATURE_TESTS
    from gx_poison_guard.scoring import LABEL_TESTS

    c = parse_contract(VALID)
    assert c.detectors == FEATURE_TESTS and c.max_drift_sd == 1.0 and c.consensus == 1
    assert c.warn_detectors == ("mean_shift", "feature_mean_shift", "feature_spread_shift")
    assert c.action("drift_magnitude") == "block" and c.action("correlation_shift") == "block"
    assert parse_contract({**VALID, "policy": {"mean_shift": "block"}}).action("mean_shift") == "block"
    labelled = parse_contract({**VALID, "label_column": "y", "consensus": 2})
    assert labelled.detectors == FEATURE_TESTS + LABEL_TESTS and labelled.consensus == 2
    assert "near_duplicates" not in labelled.detectors  # opt-in
    assert labelled.full_policy["label_shift"] == "block"
