"""The circuit breaker's decision: pure, and independent of GX.

GX's ``CheckpointResult.success`` ignores severity, so "whole-batch drift
only warns while poison blocks" is decided here, from each check's outcome
and the contract's policy:

* failed checks whose action is ``block`` trip the breaker when there are at
  least ``consensus`` of them (default 1: any; k-of-m consensus otherwise,
  and then fewer failures are reported as warnings);
* a failed check whose action is ``warn`` is reported, the batch goes through;
* checks that guard the input itself (column set, types, nulls, ranges, row
  count: GX built-ins) always block;
* a check that raised instead of deciding (a metric error, a missing
  artifact) always blocks: an input that cannot be validated never passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASS, WARN, TRIP = "pass", "warn", "trip"


@dataclass(frozen=True)
class CheckOutcome:
    """One expectation's outcome as the breaker sees it.

    Attributes
    ----------
    check : str
        Detector name (e.g. ``"mean_shift"``) or the GX expectation type of a built-in.
    success : bool
    detector : bool
        True for gx-poison-guard detectors (policy applies); False for built-in input checks.
    raised : bool
        True when the check errored instead of deciding.
    column : str or None
        The column of a per-column built-in.
    """

    check: str
    success: bool
    detector: bool
    raised: bool = False
    column: str | None = None


@dataclass(frozen=True)
class BreakerVerdict:
    """What the breaker decided, and why."""

    status: str
    blocking: list[CheckOutcome] = field(default_factory=list)
    warnings: list[CheckOutcome] = field(default_factory=list)

    @property
    def tripped(self) -> bool:
        return self.status == TRIP


def decide_breaker(outcomes: list[CheckOutcome], policy: dict[str, str], consensus: int = 1) -> BreakerVerdict:
    """Apply a block/warn ``policy`` (detector -> action; default block) to check outcomes.

    Examples
    --------
    >>> drift = CheckOutcome("mean_shift", success=False, detector=True)
    >>> decide_breaker([drift], {"mean_shift": "warn"}).status
    'warn'
    >>> decide_breaker([drift], {}).status
    'trip'
    >>> rows = CheckOutcome("row_mahalanobis", success=False, detector=True)
    >>> decide_breaker([rows], {}, consensus=2).status, decide_breaker([rows, drift], {}, consensus=2).status
    ('warn', 'trip')
    """
    if not outcomes:
        return BreakerVerdict(TRIP, blocking=[CheckOutcome("no checks ran", False, False, raised=True)])
    failed = [o for o in outcomes if not o.success]
    always = [o for o in failed if o.raised or not o.detector]
    voting = [o for o in failed if o not in always and policy.get(o.check, "block") == "block"]
    blocking = always + (voting if len(voting) >= consensus else [])
    warnings = [o for o in failed if o not in blocking]
    status = TRIP if blocking else WARN if warnings else PASS
    return BreakerVerdict(status, blocking, warnings)
