"""Start a training stage script the way `distributed.launcher` in params.yaml says.

Usage: python -m ganrnn.launch pipeline/train_gan.py [script arguments]. With `launcher: none` the
script runs as one process; with `torchrun` it runs under `torch.distributed.run --standalone`
with `nproc_per_node` processes, so the DVC command stays one line either way.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ganrnn import stage
from ganrnn.config import load_params


def command(script: str, script_args: list[str], params_path: Path) -> list[str]:
    """Build the command line that runs `script` with `script_args` under the configured launcher."""
    config = load_params(params_path).distributed
    if config.launcher == "none":
        return [sys.executable, script, *script_args]
    return [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc_per_node={config.nproc_per_node}", script, *script_args,
    ]  # fmt: skip


def main() -> None:
    if len(sys.argv) < 2:
        raise ValueError("usage: python -m ganrnn.launch SCRIPT [ARGS...]; name the stage script to run")
    script, script_args = sys.argv[1], sys.argv[2:]
    params_path = Path(script_args[script_args.index("--params") + 1]) if "--params" in script_args else Path("params.yaml")
    argv = command(script, script_args, params_path)
    sys.stdout.flush()
    # Replacing this process passes DVC's signals straight to the script or to torchrun.
    os.execv(argv[0], argv)


if __name__ == "__main__":
    stage.run(main)
