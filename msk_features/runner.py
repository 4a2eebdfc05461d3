"""Run the pipeline's entry file locally, in its own process, the way Managed Flink would run it.

The job runs as ``python <app root>/main.py`` with ``MSK_FEATURES_PROPERTIES`` naming a local
properties file. ``app_root`` is the source checkout (the default) or an unzipped Managed Flink
artifact. Flink writes its logs into the ``log/`` folder of the installed ``pyflink`` package, not
the console, so a failure shows the tail of the newest log file there as well as the job's stderr.

A bounded local run is short, so its JVM compiles with C1 only (:data:`QUICK_JIT_JVM_ARGS`, unless
``JVM_ARGS`` is set): on 2 cores, the JIT compiler threads spent 15-19 s of CPU (the empty run, the
200,000-event run of 38 s net CPU), and the demo's job took 27.1 s instead of 36.5 s
(docs/benchmarks/jit-2026-12-02.md). Managed Flink runs its own JVM (full tiered compilation); an
unbounded local run keeps it too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import pyflink

from flink_jobs.config import ENV_PROPERTIES

__all__ = [
    "ENV_JVM_ARGS",
    "QUICK_JIT_JVM_ARGS",
    "REPO_ROOT",
    "JobFailed",
    "JobRun",
    "flink_log_dir",
    "quick_jit_env",
    "run_job",
    "site_packages",
]

REPO_ROOT = Path(__file__).resolve().parents[1]

# PyFlink's local launcher (pyflink_gateway_server.py) puts JVM_ARGS on the java command line; on
# Managed Flink or a remote cluster it is not read.
ENV_JVM_ARGS = "JVM_ARGS"
QUICK_JIT_JVM_ARGS = "-XX:TieredStopAtLevel=1"


def quick_jit_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with JVM_ARGS set to C1-only compilation, unless the caller already set JVM_ARGS."""
    return env if env.get(ENV_JVM_ARGS) else {**env, ENV_JVM_ARGS: QUICK_JIT_JVM_ARGS}


class JobFailed(RuntimeError):
    """The job's process exited non-zero; the message carries its stderr and the Flink log tail."""


@dataclass(frozen=True)
class JobRun:
    """A finished local job run."""

    returncode: int
    seconds: float
    stdout: str
    stderr: str


def site_packages() -> list[str]:
    """This interpreter's site-packages folders (where apache-flink and the other packages live)."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def flink_log_dir() -> Path:
    """Where local PyFlink writes its logs (``<site-packages>/pyflink/log``)."""
    return Path(pyflink.__file__).resolve().parent / "log"


def _log_tail(since: float, lines: int = 60) -> str:
    logs = [p for p in flink_log_dir().glob("*.log") if p.stat().st_mtime >= since]
    if not logs:
        return "(no Flink log written)"
    newest = max(logs, key=lambda p: p.stat().st_mtime)
    text = newest.read_text(encoding="utf-8", errors="replace").splitlines()
    interesting = [line for line in text if " ERROR " in line or "Exception" in line or "Caused by" in line]
    return f"{newest}:\n" + "\n".join((interesting or text)[-lines:])


def run_job(
    properties: Path,
    app_root: Path = REPO_ROOT,
    timeout_s: float | None = 1200.0,
    extra_env: dict[str, str] | None = None,
    isolated: bool = False,
    quick_jit: bool = True,
) -> JobRun:
    """Run ``<app_root>/main.py`` with ``properties``; raise :class:`JobFailed` if it fails.

    ``isolated=True`` runs it as Managed Flink would: the working directory is ``app_root`` and
    nothing but the zip's content and the installed third-party packages is importable. Python
    starts without the ``site`` module (``-S -s``), so no ``.pth`` file runs and an editable install
    of this repository cannot leak in; site-packages is put on ``PYTHONPATH`` as a plain folder.

    ``quick_jit`` (the default, for bounded runs) compiles with C1 only unless ``JVM_ARGS`` is set;
    pass False for a long unbounded run, where C2's faster code pays for its compile time.
    """
    entry = app_root / "main.py"
    if not entry.is_file():
        raise FileNotFoundError(f"no entry file at {entry}")
    env = dict(os.environ)
    env[ENV_PROPERTIES] = str(Path(properties).resolve())
    if isolated:
        env["PYTHONPATH"] = os.pathsep.join(site_packages())
    env.update(extra_env or {})
    if quick_jit:
        env = quick_jit_env(env)
    started = time.time()
    cmd = [sys.executable, "-S", "-s", str(entry)] if isolated else [sys.executable, str(entry)]
    try:
        proc = subprocess.run(
            cmd, cwd=app_root, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        limit = f"{timeout_s:.0f} s" if timeout_s is not None else "its time limit"
        raise JobFailed(f"the job did not finish within {limit}\n{_log_tail(started)}") from exc
    run = JobRun(proc.returncode, time.time() - started, proc.stdout, proc.stderr)
    if proc.returncode != 0:
        stderr_tail = "\n".join(proc.stderr.splitlines()[-40:])
        # main.py reports a user-fixable problem as one "msk-flink-features: ..." line: lead with it.
        reasons = [line for line in proc.stderr.splitlines() if line.startswith("msk-flink-features: ")]
        raise JobFailed(
            (f"{reasons[-1]}\n" if reasons else "")
            + f"the job exited with code {proc.returncode}\n--- stderr (tail) ---\n{stderr_tail}\n"
            f"--- Flink log ---\n{_log_tail(started)}"
        )
    return run
