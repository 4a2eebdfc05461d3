"""A small, bounded load generator for the local model endpoint: N concurrent callers for T seconds.

``python -m msk_features.dev.model_endpoint.load --url http://127.0.0.1:P --endpoint NAME
[--clients 64] [--seconds 5] [--rows 1]`` runs ``clients`` threads, each with one keep-alive HTTP/1.1
connection, calling ``POST /endpoints/NAME/invocations`` back to back until ``seconds`` have passed,
and prints calls, calls per second, errors and latency percentiles as one JSON object.

The requests carry a well-formed SigV4 ``Authorization`` header with a fixed fake signature (the
local endpoint checks the header's shape, not its bytes), so the figure measures the server, not a
client SDK's signing. Loopback only: ``url`` must name 127.0.0.0/8 or ::1.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

__all__ = ["LoadResult", "main", "run_load"]

MAX_SECONDS = 120.0


@dataclass(frozen=True)
class LoadResult:
    """What a run did: answered ``calls`` (HTTP 200), ``errors`` (any other outcome), the wall-clock
    ``seconds``, ``calls_per_s`` = calls / seconds, and latency percentiles of the answered calls."""

    clients: int
    seconds: float
    calls: int
    errors: int
    calls_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float


def _headers(body: bytes) -> dict[str, str]:
    now = datetime.now(UTC)
    scope = f"AKIDLOAD/{now:%Y%m%d}/us-east-1/sagemaker/aws4_request"
    return {
        "Content-Type": "text/csv",
        "Accept": "text/csv",
        "X-Amz-Date": f"{now:%Y%m%dT%H%M%SZ}",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=content-type;host;x-amz-date, "
        f"Signature={'0' * 64}",
        "Content-Length": str(len(body)),
    }


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run_load(
    url: str, endpoint: str, clients: int = 64, seconds: float = 5.0, body: bytes = b"1,2,3,4"
) -> LoadResult:
    """Call ``endpoint`` at ``url`` from ``clients`` threads for ``seconds`` (at most 120)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 80
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the load generator only targets loopback addresses, not {host}")
    if not 0 < seconds <= MAX_SECONDS or clients < 1:
        raise ValueError(f"seconds must be within (0, {MAX_SECONDS:.0f}] and clients at least 1")
    path = f"/endpoints/{endpoint}/invocations"
    headers = _headers(body)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def caller(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        start.wait()
        while time.monotonic() < deadline[0]:
            began = time.monotonic()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
            if ok:
                latencies[index].append(time.monotonic() - began)
            else:
                errors[index] += 1
        connection.close()

    threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - began
    answered = sorted(value for per_client in latencies for value in per_client)
    return LoadResult(
        clients=clients,
        seconds=round(elapsed, 3),
        calls=len(answered),
        errors=sum(errors),
        calls_per_s=round(len(answered) / elapsed, 1),
        p50_ms=round(_percentile(answered, 0.50) * 1000, 1),
        p99_ms=round(_percentile(answered, 0.99) * 1000, 1),
        max_ms=round((answered[-1] if answered else float("nan")) * 1000, 1),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run :func:`run_load` from the command line and print its result as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m msk_features.dev.model_endpoint.load", description=__doc__
    )
    parser.add_argument("--url", required=True, help="the endpoint, e.g. http://127.0.0.1:8080")
    parser.add_argument("--endpoint", required=True, help="SageMaker endpoint name to call")
    parser.add_argument("--clients", type=int, default=64, help="concurrent callers [64]")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration, at most 120 [5]")
    parser.add_argument("--rows", type=int, default=1, help="CSV records per call [1]")
    parser.add_argument("--features", type=int, default=4, help="fields per record [4]")
    args = parser.parse_args(argv)
    record = ",".join(str(0.5 + i) for i in range(args.features))
    body = "\n".join([record] * args.rows).encode()
    try:
        result = run_load(args.url, args.endpoint, args.clients, args.seconds, body)
    except ValueError as exc:
        parser.error(str(exc))
    print(json.dumps(asdict(result)))
    return 0 if result.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
