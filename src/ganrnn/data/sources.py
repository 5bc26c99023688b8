"""One interface for every data source: `fetch(dataset, config, raw_dir, download_dir)`.

Each dataset module has `fetch_packaged`, `fetch_remote` and `fetch_local`; each writes the
dataset's raw files, in the dataset's original format, into `raw_dir`.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ganrnn.io import replace_dir

log = logging.getLogger(__name__)

# fetch(config, raw_dir, download_dir): download_dir keeps downloaded archives between runs, so a
# failed stage resumes its downloads instead of starting over.
Fetcher = Callable[[Any, Path, Path], None]


class MissingDependencyError(RuntimeError):
    """A package that a packaged data source reads from is not installed."""


def require_package(module: str, distribution: str, purpose: str) -> None:
    """Fail with the pip command when `module` cannot be imported."""
    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(
            f"package '{distribution}' is required for {purpose} but is not installed; "
            f"install it with: pip install {distribution}"
        )


def _registry() -> dict[tuple[str, str], Fetcher]:
    from ganrnn.data import digits, faces, languages, shakespeare

    modules = {"faces": faces, "shakespeare": shakespeare, "languages": languages, "digits": digits}
    return {
        (dataset, source): getattr(module, f"fetch_{source}")
        for dataset, module in modules.items()
        for source in ("packaged", "remote", "local")
    }


def fetch(dataset: str, config: Any, raw_dir: Path, download_dir: Path) -> None:
    """Fetch `dataset` from `config.source` into `raw_dir`, replacing it only on success."""
    registry = _registry()
    key = (dataset, config.source)
    if key not in registry:
        known = sorted({d for d, _ in registry})
        raise ValueError(
            f"no source '{config.source}' for dataset '{dataset}'; datasets: {', '.join(known)}"
        )

    with replace_dir(raw_dir) as staging:
        Path(download_dir).mkdir(parents=True, exist_ok=True)
        registry[key](config, staging, Path(download_dir))
    log.info("fetched %s from the %s source into %s", dataset, config.source, raw_dir)
