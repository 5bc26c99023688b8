"""Entry-point wrapper for pipeline scripts: logging, and one clear line per expected error."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from ganrnn.config import ConfigError
from ganrnn.data.sources import MissingDependencyError
from ganrnn.runtime import setup_logging

EXPECTED_ERRORS = (ConfigError, MissingDependencyError, FileNotFoundError, ValueError)


def run(main: Callable[[], None]) -> None:
    """Run `main`; an expected error prints `error: ...` and exits with status 2, no traceback."""
    setup_logging()
    # SIGTERM (from `kill` or a scheduler) becomes SystemExit, so context managers clean up and
    # the open MLflow run ends as FAILED instead of staying RUNNING.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        main()
    except EXPECTED_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
