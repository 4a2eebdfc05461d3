"""The local model endpoint as a process: started detached, recognised by its command line, polled.

:class:`ModelEndpointProcess` does for the model endpoint what :class:`~.s3_server.S3Server` does for
moto: the command line (``python -m msk_features.dev.model_endpoint.server --host 127.0.0.1 --port P
--model NAME=PATH ...``, the current interpreter), a log file (``<dir>/model-endpoint.log``), the
environment marker ``MSK_FEATURES_LOCAL_STACK=<state dir>`` that :meth:`~ModelEndpointProcess.owns`
checks before anything signals the pid, and a readiness wait on ``GET /_local/health``. Stopping is
the caller's job, by pid (:func:`msk_features.dev.stack.control.terminate`).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msk_features.dev.stack import LocalStackError
from msk_features.dev.stack.ports import LOOPBACK, free_ports
from msk_features.dev.stack.process import spawn_detached

__all__ = [
    "MODULE",
    "ModelEndpointProcess",
    "ModelEndpointStartError",
    "RunningEndpoint",
    "endpoint_healthy",
    "endpoint_stats",
    "model_specs",
]

log = logging.getLogger(__name__)

MODULE = "msk_features.dev.model_endpoint.server"
ENV_MARKER = "MSK_FEATURES_LOCAL_STACK"
PORT_ATTEMPTS = 3
_HEALTH = "/_local/health"
_STATS = "/_local/stats"


class ModelEndpointStartError(LocalStackError):
    """The endpoint process did not start; the message ends with the tail of its log."""


@dataclass(frozen=True)
class RunningEndpoint:
    """A started endpoint process: its ``pid``, ``port`` and ``url`` (``http://127.0.0.1:PORT``)."""

    pid: int
    port: int
    url: str
    process: subprocess.Popen[bytes]


def model_specs(models: Mapping[str, Path | str]) -> tuple[str, ...]:
    """``{name: path}`` as ``NAME=/absolute/path`` strings, sorted by name (how the stack records them)."""
    return tuple(f"{name}={Path(path).expanduser().resolve()}" for name, path in sorted(models.items()))


def endpoint_healthy(url: str, timeout_s: float = 2.0) -> bool:
    """True if ``GET <url>/_local/health`` answers 200."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + _HEALTH, timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def endpoint_stats(url: str, timeout_s: float = 5.0) -> dict[str, Any]:
    """The endpoint's counters, ``GET <url>/_local/stats`` (see ``ModelEndpointServer.stats``)."""
    with urllib.request.urlopen(url.rstrip("/") + _STATS, timeout=timeout_s) as response:
        data: dict[str, Any] = json.loads(response.read())
    return data


class ModelEndpointProcess:
    """The endpoint process of ``state_dir``; its log is ``<logs_dir>/model-endpoint.log``.

    ``logs_dir`` defaults to ``<state_dir>/logs``.
    """

    def __init__(self, state_dir: Path, logs_dir: Path | None = None):
        self.state_dir = Path(state_dir).resolve()
        self.logs_dir = Path(logs_dir) if logs_dir is not None else self.state_dir / "logs"
        self.log_file = self.logs_dir / "model-endpoint.log"

    def command(self, port: int, models: Sequence[str], extra_args: Sequence[str] = ()) -> list[str]:
        """The command line: this interpreter runs :data:`MODULE` on 127.0.0.1:``port``.

        ``models``: ``NAME=PATH`` strings; ``extra_args``: more options of the module (e.g.
        ``["--latency-ms", "20", "--fail", "model@every:10"]``).
        """
        command = [sys.executable, "-m", MODULE, "--host", LOOPBACK, "--port", str(port)]
        for spec in models:
            command += ["--model", spec]
        return [*command, *extra_args]

    def owns(self, cmdline: Sequence[str], environ: Mapping[str, str] | None, port: int | None) -> bool:
        """True if a process with this argv (and environment, when readable) is our endpoint.

        The argv must run :data:`MODULE` (with ``--port <port>`` if ``port`` is given); a readable
        environment must carry our marker (without ``/proc`` the argv alone decides).
        """
        if MODULE not in cmdline:
            return False
        if port is not None and not any(
            cmdline[i] == "--port" and cmdline[i + 1] == str(port) for i in range(len(cmdline) - 1)
        ):
            return False
        if environ is None:
            return True
        return environ.get(ENV_MARKER) == str(self.state_dir)

    def start(
        self, port: int, models: Sequence[str], extra_args: Sequence[str] = ()
    ) -> subprocess.Popen[bytes]:
        """Start the process in its own session (it outlives the caller); returns it."""
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env[ENV_MARKER] = str(self.state_dir)
        command = self.command(port, models, extra_args)
        log.info("starting the model endpoint: %s", " ".join(command))
        return spawn_detached(command, self.log_file, env, self.state_dir)

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines of the log."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(the model endpoint wrote no log)"
        return f"--- {self.log_file} ---\n" + "\n".join(text.strip().splitlines()[-lines:])

    def wait_ready(self, url: str, is_alive: Callable[[], bool], timeout_s: float = 60.0) -> None:
        """Block until ``url`` answers its health check; raises :class:`ModelEndpointStartError`."""
        deadline = time.monotonic() + timeout_s
        while True:
            if not is_alive():
                tail = self.log_tail()
                problem = "port in use" if "Address already in use" in tail else "the process exited"
                raise ModelEndpointStartError(f"the model endpoint failed to start: {problem}\n{tail}")
            if endpoint_healthy(url, timeout_s=1.0):
                return
            if time.monotonic() > deadline:
                raise ModelEndpointStartError(
                    f"the model endpoint did not answer on {url} within {timeout_s:.0f} s\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def launch(
        self,
        models: Sequence[str],
        extra_args: Sequence[str] = (),
        port: int | None = None,
        timeout_s: float = 60.0,
    ) -> RunningEndpoint:
        """Start the endpoint and wait until it answers; returns its pid, port and URL.

        ``port``: tried first if given and free, else a free port is picked; on "address already in
        use" (another process took it first) up to :data:`PORT_ATTEMPTS` fresh ports are tried. A
        process that fails to start is killed before the error is raised.
        """
        from msk_features.dev.stack.control import pid_alive, reap, terminate

        for attempt in range(1, PORT_ATTEMPTS + 1):
            chosen = port if port is not None and attempt == 1 else free_ports(1)[0]
            process = self.start(chosen, models, extra_args)
            url = f"http://{LOOPBACK}:{chosen}"

            def alive(pid: int = process.pid) -> bool:
                reap(pid)
                return pid_alive(pid)

            try:
                self.wait_ready(url, alive, timeout_s)
            except ModelEndpointStartError as exc:
                terminate(process.pid, alive, grace_s=5.0)
                if "port in use" in str(exc) and attempt < PORT_ATTEMPTS:
                    log.warning("port %d in use (attempt %d of %d); retrying", chosen, attempt, PORT_ATTEMPTS)
                    continue
                raise
            return RunningEndpoint(process.pid, chosen, url, process)
        raise ModelEndpointStartError("could not find a free port for the model endpoint")  # pragma: no cover


def stop_endpoint(process: ModelEndpointProcess, running: RunningEndpoint, grace_s: float = 10.0) -> bool:
    """SIGTERM ``running`` by pid (SIGKILL after ``grace_s``), only while it is still this endpoint;
    True once it is gone."""
    from msk_features.dev.stack.control import pid_alive, read_cmdline, read_environ, reap, terminate

    def ours() -> bool:
        reap(running.pid)
        if not pid_alive(running.pid):
            return False
        return process.owns(read_cmdline(running.pid) or [], read_environ(running.pid), running.port)

    return terminate(running.pid, ours, grace_s=grace_s)
