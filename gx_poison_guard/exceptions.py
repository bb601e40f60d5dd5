"""Errors raised by gx-poison-guard.

Every error message says what was wrong, what was found instead and how to fix
it, on one line, so that a CLI can print it as it is. Each leaf also subclasses
the built-in exception that fits, so callers may catch either.
"""

from __future__ import annotations


class PoisonGuardError(Exception):
    """Base class of every error raised by gx-poison-guard."""


class InputDataError(PoisonGuardError, ValueError):
    """Raised when a data frame cannot be validated (missing or non-numeric columns, empty)."""


class InsufficientDataError(InputDataError):
    """Raised when there are too few rows to estimate what a statistic needs."""

    def __init__(self, *, what: str, n_rows: int, n_required: int, fix: str) -> None:
        self.n_rows = n_rows
        self.n_required = n_required
        super().__init__(
            f"{what} needs at least {n_required} rows: got {n_rows}. {fix}"
        )


class BaselineIntegrityError(PoisonGuardError, ValueError):
    """Raised when a baseline artifact is missing, corrupted or does not match its pinned hash."""

    def __init__(self, path: object, problem: str, fix: str) -> None:
        self.path = str(path)
        super().__init__(f"Baseline artifact {self.path!r} {problem}. {fix}")


class CalibrationError(PoisonGuardError, ValueError):
    """Raised when thresholds cannot be calibrated to the requested false-block rate."""


class SuiteIncompleteError(PoisonGuardError, RuntimeError):
    """Raised when a stored suite holds expectation types that GX could not load.

    GX 1.24 silently drops unregistered expectation types when it loads a
    suite, so a checkpoint would pass poisoned data. This error closes the
    breaker instead.
    """

    def __init__(self, suite_name: str, missing: list[str]) -> None:
        self.suite_name = suite_name
        self.missing = sorted(missing)
        super().__init__(
            f"Suite {suite_name!r} holds expectation types that are not registered, so GX "
            f"would silently skip them: {', '.join(self.missing)}. Import gx_poison_guard "
            "(or use gx_poison_guard.load_context) before loading the suite, and install the "
            "gx-poison-guard version that wrote it."
        )
