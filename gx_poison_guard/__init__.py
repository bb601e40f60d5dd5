"""gx-poison-guard: stop poisoned or drifted data before it reaches a training job.

Importing the package registers its metrics and expectations with Great
Expectations (GX has no plugin discovery), so import it before loading any
stored suite, or use :func:`load_context`, which also checks stored suites.

Typical use::

    import gx_poison_guard as pg
    b = pg.fit_baseline(golden_df, columns=cols)
    b.save("golden.baseline.jsonl")
    suite = pg.build_suite(b, name="x", batch_size=500)
"""

from ._version import __version__
from . import expectations, metrics  # noqa: E402,F401  (registers with GX)
from .baseline import Baseline, fit_baseline, load_baseline  # noqa: E402
from .calibration import ALL_TESTS, SuiteCalibration, calibrate  # noqa: E402
from .context import get_suite, load_context  # noqa: E402
from .exceptions import (  # noqa: E402
    BaselineIntegrityError,
    CalibrationError,
    InputDataError,
    InsufficientDataError,
    PoisonGuardError,
    SuiteIncompleteError,
)
from .scoring import BatchScores  # noqa: E402
from .suite import build_suite  # noqa: E402

__all__ = [
    "ALL_TESTS",
    "Baseline",
    "BaselineIntegrityError",
    "BatchScores",
    "CalibrationError",
    "InputDataError",
    "InsufficientDataError",
    "PoisonGuardError",
    "SuiteCalibration",
    "SuiteIncompleteError",
    "build_suite",
    "calibrate",
    "fit_baseline",
    "get_suite",
    "load_baseline",
    "load_context",
]
