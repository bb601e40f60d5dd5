"""Open GX contexts and stored suites without the silent-bypass trap.

GX 1.24 drops expectations of unregistered types when it loads a stored
suite (it only logs the error), so a checkpoint would then pass poisoned
data. Every path of ours that runs a stored suite goes through
:func:`load_context` (plugin imported, every stored suite checked) or
:func:`get_suite` (one suite checked against its raw stored JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.compatibility import pydantic
from great_expectations.expectations.registry import _registered_expectations

from .exceptions import PoisonGuardError, SuiteIncompleteError


def load_context(**kwargs: Any):
    """Return ``great_expectations.get_context(**kwargs)`` with the plugin registered and stored suites checked.

    With ``project_root_dir`` (or ``context_root_dir``), relative baseline paths
    in suites resolve against that project, as they were written.

    Raises
    ------
    SuiteIncompleteError
        If any stored suite holds an expectation type GX cannot load.

    Examples
    --------
    >>> ctx = load_context(mode="ephemeral")
    """
    from . import expectations  # noqa: F401  (registration side effects)
    from .metrics import set_artifact_root

    if kwargs.get("project_root_dir"):
        set_artifact_root(kwargs["project_root_dir"])
    elif kwargs.get("context_root_dir"):
        set_artifact_root(Path(kwargs["context_root_dir"]).parent)
    context = gx.get_context(**kwargs)
    store = context.expectations_store
    for key in store.list_keys():
        _check_raw_suite(_raw_dict(store.get(key)))
    return context


def get_suite(context, name: str) -> gx.ExpectationSuite:
    """Load suite ``name``, raising if GX dropped any of its stored expectations.

    Raises
    ------
    SuiteIncompleteError
        If the stored suite holds types that are not registered, or GX loaded
        fewer expectations than are stored.
    """
    store = context.expectations_store
    raw = _raw_dict(store.get(store.get_key(name=name, id=None)))
    _check_raw_suite(raw)
    try:
        suite = context.suites.get(name)
    except pydantic.ValidationError as exc:
        first = str(exc).splitlines()
        raise PoisonGuardError(
            f"Suite {name!r} does not match this gx-poison-guard version ({' '.join(first[:3])}). Rebuild it with "
            f"'poison-guard baseline --contract expectations/{name}.yaml' (or build_suite) and review the diff."
        ) from None
    stored = raw.get("expectations") or []
    if len(suite.expectations) != len(stored):
        loaded = {e.expectation_type for e in suite.expectations}
        raise SuiteIncompleteError(name, [e.get("type", "?") for e in stored if e.get("type") not in loaded] or ["?"])
    return suite


def _raw_dict(raw: Any) -> dict:
    """The stored suite as GX wrote it; anything unreadable fails closed."""
    if not isinstance(raw, dict) and hasattr(raw, "to_json_dict"):
        raw = raw.to_json_dict()
    if not isinstance(raw, dict) or not isinstance(raw.get("expectations", []), list):
        raise PoisonGuardError(
            f"A stored expectation suite could not be read as JSON (got {type(raw).__name__}), so it cannot be "
            "checked for dropped expectations. Inspect gx/expectations/ for a damaged file."
        )
    return raw


def _check_raw_suite(raw: dict) -> None:
    stored = raw.get("expectations") or []
    missing = {e.get("type", "?") for e in stored} - set(_registered_expectations)
    if missing:
        raise SuiteIncompleteError(str(raw.get("name", "?")), sorted(missing))
