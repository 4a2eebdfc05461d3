"""Starting a local server as a detached process that outlives the command that started it."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["spawn_detached"]


def spawn_detached(
    command: Sequence[str], log_file: Path, env: Mapping[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own session (so it survives the CLI exiting), no stdin, stdout and
    stderr truncated into ``log_file`` (only this run's output). Stopping it is the caller's job, by pid.
    """
    with open(log_file, "wb") as out:
        return subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
