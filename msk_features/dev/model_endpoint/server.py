"""A local model endpoint that speaks the SageMaker runtime protocol and serves XGBoost artifacts.

``python -m msk_features.dev.model_endpoint.server --model NAME=PATH [--model ...] --port P`` (or
``msk-features local endpoint``, or ``msk-features local up --model NAME=PATH``) serves, on
127.0.0.1 only, what SageMaker runtime's ``InvokeEndpoint`` serves::

    POST /endpoints/<EndpointName>/invocations
    Content-Type: text/csv            Accept: text/csv | application/json | */* (or none)
    Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/sagemaker/aws4_request, ...

so that an AWS SDK client with its endpoint override set to ``http://127.0.0.1:P`` and any
credentials (the Java SDK v2 ``SageMakerRuntimeAsyncClient`` of the job, botocore's
``sagemaker-runtime``) gets what it would get from a real endpoint running SageMaker's built-in
XGBoost container. Each ``NAME`` is an endpoint; ``PATH`` its ``model.tar.gz``
(:mod:`.model_artifact`).

The protocol, as served here (sources: botocore's ``sagemaker-runtime`` 2017-05-13 service model,
``aws/sagemaker-xgboost-container`` ``algorithm_mode/serve.py`` and ``encoder.py``, AWS's Common
Errors pages):

- Authentication: the request must carry a SigV4 ``Authorization`` header scoped to service
  ``sagemaker`` (:mod:`.sigv4`: its shape is checked, the signature bytes are not; any key works).
  Without one: 403 ``MissingAuthenticationTokenException``; malformed: 403
  ``IncompleteSignatureException`` / ``InvalidSignatureException``.
- Unknown endpoint name: 400 ``ValidationError``, "Endpoint NAME of account 123456789012 not found."
  ``X-Amzn-SageMaker-Custom-Attributes`` longer than 1024 characters: 400 ``ValidationError``. The
  custom attributes are otherwise ignored and not returned (the XGBoost container sets none).
- Request body (``Content-Type: text/csv``, parameters such as ``; charset=utf-8`` ignored; no
  header at all is read as text/csv): UTF-8, no header row, one record per line, fields separated
  by ``,``; an empty field is a missing value (the container turns it into ``nan``), as is ``nan``.
  Leading and trailing whitespace of the body and of each field is ignored. Every line must have
  the same number of fields. The container also sniffs other delimiters and reads libsvm and
  recordio-protobuf: this server reads commas only and answers other content types as the
  container does, with 415.
- Prediction: ``Booster.inplace_predict(rows as float64)``, which gives what the container's
  ``Booster.predict(DMatrix(rows))`` gives (the tests hold the two equal) at half the cost: XGBoost
  rounds each value to the nearest float32 before the trees see it (a double just below a split
  threshold that rounds to it goes the threshold's way, as on SageMaker) and predicts float32.
- Response: 200 with header ``x-Amzn-Invoked-Production-Variant: AllTraffic``. ``Accept: text/csv``
  (also no ``Accept`` or ``*/*``: the container's default): ``Content-Type: text/csv;
  charset=utf-8``, one prediction per line, in input order, each line ``repr(float(p))`` of the
  float32 prediction ``p`` (the shortest decimal that reads back as the same float64, which is the
  float32 value exactly; what the container's csv writer prints), ``\\n``-terminated.
  ``Accept: application/json``: ``{"predictions": [{"score": p}, ...]}`` with the same numbers.
  An empty body is answered 200 with an empty body (the container answers 204).
- Model errors: whatever the container would answer with an error status (415 unreadable CSV or
  content type, 400 a payload XGBoost refuses, e.g. more features than the model, 406 an
  ``Accept`` it does not produce) comes back as SageMaker wraps it: 424 ``ModelError`` with
  ``OriginalStatusCode``, ``OriginalMessage``, ``LogStreamArn`` and the message "Received client
  error (415) from primary with message ...".
- Error responses: ``Content-Type: application/json``, the error code in ``x-amzn-ErrorType`` (the
  AWS REST-JSON protocol; botocore and the Java SDK read it there) and ``{"message": ...}`` in the
  body (``{"Message": ...}`` and the extra members for ``ModelError``); every response carries an
  ``x-amzn-RequestId``.

Faults for tests and benchmarks (:class:`EndpointOptions`): a fixed latency added to every
authenticated call of a known endpoint before it is answered, and failures by schedule
(:mod:`.model_faults`: every Nth call, given calls, or a seeded rate; 500 ``InternalFailure``, 503
``ServiceUnavailable``, 424 ``ModelError``, 400 ``ThrottlingException``, 429
``ModelNotReadyException``, or a hang: no answer for ``hang_s`` seconds, then the connection is
closed). The 400 for throttling is what SageMaker sends (AWS's Common Errors lists
``ThrottlingException`` as 400; clients recognise it by its code).

Local-only routes, clearly not SageMaker's and not authenticated: ``GET /_local/health`` (the
endpoints and their artifacts) and ``GET /_local/stats`` (per endpoint: calls, answered, rows
scored, model errors, injected faults by kind; requests refused; calls in flight and the maximum).

The server is a :class:`~http.server.ThreadingHTTPServer` (one thread per connection, HTTP/1.1
keep-alive, a listen backlog of 1024), so a client with ~100 calls in flight gets ~100 threads;
``Booster.predict`` is thread-safe and runs with one thread per call (``nthread=1``, as the
container sets).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import logging
import re
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from msk_features.dev.model_endpoint.faults import FAULTS, FaultKind, FaultPlan
from msk_features.dev.model_endpoint.formats import (
    ContainerError,
    check_content_type,
    encode_csv,
    encode_json,
    negotiate_accept,
    parse_csv,
)
from msk_features.dev.model_endpoint.sigv4 import AuthFailure, check_sigv4
from msk_features.dev.stack import LocalStackError
from msk_features.dev.stack.ports import LOOPBACK
from msk_features.offline.model_artifact import load_booster

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import xgboost

__all__ = [
    "ACCOUNT_ID",
    "HEALTH_PATH",
    "STATS_PATH",
    "EndpointOptions",
    "ModelEndpointServer",
    "main",
    "parse_model_specs",
    "serve",
]

log = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"
VARIANT = "AllTraffic"
HEALTH_PATH = "/_local/health"
STATS_PATH = "/_local/stats"
DEFAULT_HANG_S = 120.0
MAX_CUSTOM_ATTRIBUTES = 1024
# The EndpointName shape of the sagemaker-runtime service model: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*, max 63.
ENDPOINT_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
_INVOCATIONS = re.compile(r"/endpoints/([^/]+)/invocations")
_FAULT_ERRORS: dict[FaultKind, tuple[int, str, str | None]] = {
    "internal": (500, "InternalFailure", "An internal failure occurred."),
    "unavailable": (503, "ServiceUnavailable", "The service is unavailable. Try your call again."),
    "throttle": (400, "ThrottlingException", None),
    "not-ready": (429, "ModelNotReadyException", "The model is not ready yet. Wait and try again."),
}


def parse_model_specs(specs: Sequence[str]) -> dict[str, Path]:
    """``NAME=PATH`` strings as {name: absolute path}; raises ``ValueError`` on a bad or repeated name."""
    models: dict[str, Path] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        name = name.strip()
        if not sep or not path.strip():
            raise ValueError(f"--model {spec!r}: expected NAME=PATH (PATH a model.tar.gz)")
        if not ENDPOINT_NAME.fullmatch(name):
            raise ValueError(
                f"--model {spec!r}: {name!r} is not a SageMaker endpoint name (letters, digits and "
                "hyphens, no leading or trailing hyphen, at most 63 characters)"
            )
        if name in models:
            raise ValueError(f"--model {spec!r}: endpoint {name!r} is given twice")
        models[name] = Path(path.strip()).expanduser().resolve()
    return models


# --------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointOptions:
    """Behaviour of a server beyond the protocol.

    ``latency_ms``: slept before answering each authenticated call of a known endpoint (injected
    failures included). ``faults``: which calls fail and how. ``hang_s``: how long a ``hang`` fault
    holds the connection before closing it unanswered. ``region``: named in ``ModelError`` messages
    and log stream ARNs (any region is accepted in the credential scope).
    """

    latency_ms: float = 0.0
    faults: FaultPlan = field(default_factory=FaultPlan)
    hang_s: float = DEFAULT_HANG_S
    region: str = "us-east-1"


@dataclass
class _EndpointStats:
    calls: int = 0
    answered: int = 0
    rows: int = 0
    model_errors: int = 0
    injected: dict[str, int] = field(default_factory=dict)
    first_call_s: float | None = None  # time.time() of the first call accepted
    last_end_s: float | None = None  # time.time() of the latest call's end


@dataclass(frozen=True)
class _Model:
    name: str
    artifact: Path
    booster: xgboost.Booster
    features: int


class ModelEndpointServer(ThreadingHTTPServer):
    """The HTTP server: ``models`` by endpoint name, on ``(host, port)`` (port 0: any free port).

    :meth:`stop` ends :meth:`serve_forever` and wakes calls sleeping in an injected latency or hang.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(
        self,
        models: Mapping[str, Path],
        host: str = LOOPBACK,
        port: int = 0,
        options: EndpointOptions | None = None,
    ):
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the local model endpoint binds a loopback address only, not {host}")
        if not models:
            raise ValueError("the local model endpoint needs at least one model (NAME=PATH)")
        self.options = options or EndpointOptions()
        self.models: dict[str, _Model] = {}
        for name, artifact in models.items():
            booster = load_booster(artifact)
            self.models[name] = _Model(name, Path(artifact), booster, booster.num_features())
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._stats = {name: _EndpointStats() for name in self.models}
        self._refused: dict[str, int] = {}
        self._in_flight = 0
        self._max_in_flight = 0
        self._in_flight_seconds = 0.0  # the integral of the in-flight count over time
        self._changed = time.monotonic()
        super().__init__((host, port), _Handler)

    def _account(self) -> None:
        """Add the in-flight count since the last change to its integral (under the lock)."""
        now = time.monotonic()
        self._in_flight_seconds += self._in_flight * (now - self._changed)
        self._changed = now

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: what a client's endpoint override points at."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed connection: a client that went away at debug level, anything else with its
        traceback (socketserver would print it to stderr)."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            log.debug("connection from %s ended: %s", client_address, exc)
        else:
            log.exception("error serving %s", client_address)

    def stop(self) -> None:
        """Stop serving (from any thread but the one in :meth:`serve_forever`) and close the socket."""
        self.stopping.set()
        self.shutdown()
        self.server_close()

    # -- counters ---------------------------------------------------------------------------------

    def begin_call(self, name: str) -> int:
        """Count a call of endpoint ``name``; returns its number (from 1)."""
        with self._lock:
            stats = self._stats[name]
            stats.calls += 1
            if stats.first_call_s is None:
                stats.first_call_s = time.time()
            self._account()
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            return stats.calls

    def end_call(
        self, name: str, *, rows: int = 0, model_error: bool = False, fault: str | None = None
    ) -> None:
        """Record how a call of ``name`` ended (answered with ``rows`` scores, a model error, a fault)."""
        with self._lock:
            stats = self._stats[name]
            self._account()
            self._in_flight -= 1
            stats.last_end_s = time.time()
            if fault is not None:
                stats.injected[fault] = stats.injected.get(fault, 0) + 1
            elif model_error:
                stats.model_errors += 1
            else:
                stats.answered += 1
                stats.rows += rows

    def refuse(self, code: str) -> None:
        """Count a request refused before reaching an endpoint (by error code)."""
        with self._lock:
            self._refused[code] = self._refused.get(code, 0) + 1

    def stats(self) -> dict[str, Any]:
        """The counters: ``{"endpoints": {name: {calls, answered, rows, model_errors, injected,
        first_call_s, last_end_s}},
        "refused": {code: n}, "in_flight": n, "max_in_flight": n, "in_flight_seconds": x,
        "cpu_s": x, "options": {...}}``. ``in_flight_seconds`` integrates the number of calls in
        flight (from the request read to the response ready) over time: over a stretch of calls,
        divided by its length it is the mean number in flight, divided by the calls the mean time a
        call spent here (Little's law). ``cpu_s``: this process's CPU time so far."""
        with self._lock:
            self._account()
            return {
                "endpoints": {
                    name: {
                        "calls": s.calls,
                        "answered": s.answered,
                        "rows": s.rows,
                        "model_errors": s.model_errors,
                        "injected": dict(s.injected),
                        "first_call_s": s.first_call_s,
                        "last_end_s": s.last_end_s,
                    }
                    for name, s in self._stats.items()
                },
                "refused": dict(self._refused),
                "in_flight": self._in_flight,
                "max_in_flight": self._max_in_flight,
                "in_flight_seconds": round(self._in_flight_seconds, 3),
                "cpu_s": round(time.process_time(), 3),
                "options": {
                    "latency_ms": self.options.latency_ms,
                    "faults": [rule.spec() for rule in self.options.faults.rules],
                    "seed": self.options.faults.seed,
                    "hang_s": self.options.hang_s,
                },
            }

    def health(self) -> dict[str, Any]:
        """``{"status": "ok", "endpoints": {name: {"artifact": path, "features": n}}}``."""
        return {
            "status": "ok",
            "endpoints": {
                m.name: {"artifact": str(m.artifact), "features": m.features} for m in self.models.values()
            },
        }


class _Handler(BaseHTTPRequestHandler):
    """One connection: SageMaker's InvokeEndpoint and the two local routes."""

    protocol_version = "HTTP/1.1"
    # TCP_NODELAY on every connection: a response is written as its headers, then its body; with
    # Nagle's algorithm on, the body waits for the client's ACK of the headers, which a client
    # delays by up to 40 ms (Linux's delayed ACK): measured, ~50 ms added to every call at the
    # client (252 ms seen by the provider for a 200 ms endpoint), not counted by the endpoint's own
    # clock (docs/benchmarks/scoring-2026-12-04.md).
    disable_nagle_algorithm = True
    server: ModelEndpointServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    # -- plumbing ---------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(
        self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(
        self, status: int, code: str, message: str | None, extra: Mapping[str, Any] | None = None
    ) -> None:
        body = {"message": message} if extra is None else {"Message": message, **extra}
        self._send(status, json.dumps(body).encode("utf-8"), "application/json", {"x-amzn-ErrorType": code})

    # -- routes -----------------------------------------------------------------------------------

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == HEALTH_PATH:
            self._send(200, json.dumps(self.server.health()).encode(), "application/json")
        elif path == STATS_PATH:
            self._send(200, json.dumps(self.server.stats()).encode(), "application/json")
        else:
            self._unknown_operation()

    def do_POST(self) -> None:
        body = self._read_body()
        match = _INVOCATIONS.fullmatch(urlsplit(self.path).path)
        if match is None:
            self._unknown_operation()
            return
        auth = check_sigv4(dict(self.headers.items()))
        if isinstance(auth, AuthFailure):
            self.server.refuse(auth.code)
            self._error(auth.status, auth.code, auth.message)
            return
        name = unquote(match.group(1))
        model = self.server.models.get(name)
        if model is None:
            self.server.refuse("ValidationError")
            self._error(400, "ValidationError", f"Endpoint {name} of account {ACCOUNT_ID} not found.")
            return
        attributes = self.headers.get("X-Amzn-SageMaker-Custom-Attributes")
        if attributes is not None and len(attributes) > MAX_CUSTOM_ATTRIBUTES:
            self.server.refuse("ValidationError")
            self._error(
                400,
                "ValidationError",
                "1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_CUSTOM_ATTRIBUTES}",
            )
            return
        call = self.server.begin_call(name)
        self._call_open = True
        try:
            self._invoke(model, call, body)
        finally:
            if self._call_open:  # an exception before the call was counted as ended
                self._end_call(model, model_error=True)

    def _end_call(self, model: _Model, **outcome: Any) -> None:
        """Count the end of the current call (once) before its response is written."""
        self._call_open = False
        self.server.end_call(model.name, **outcome)

    def do_PUT(self) -> None:
        self._read_body()
        self._unknown_operation()

    do_DELETE = do_PUT

    def _unknown_operation(self) -> None:
        self._error(404, "UnknownOperationException", None)

    # -- InvokeEndpoint ---------------------------------------------------------------------------

    def _invoke(self, model: _Model, call: int, body: bytes) -> None:
        options = self.server.options
        if options.latency_ms > 0:
            self.server.stopping.wait(options.latency_ms / 1000.0)
        fault = options.faults.fault_for(model.name, call)
        if fault is not None:
            self._end_call(model, fault=fault)
            self._inject(model, call, fault)
            return
        try:
            check_content_type(self.headers.get("Content-Type"))
            predictions = self._predict(model, parse_csv(body)) if body.strip() else []
            accept = negotiate_accept(self.headers.get("Accept"))
        except ContainerError as exc:
            self._end_call(model, model_error=True)
            self._model_error(model, exc.status, exc.message)
            return
        payload = encode_json(predictions) if accept == "application/json" else encode_csv(predictions)
        if not body.strip():
            payload = b""
        content_type = "text/csv; charset=utf-8" if accept == "text/csv" else accept
        self._end_call(model, rows=len(predictions))
        self._send(200, payload, content_type, {"x-Amzn-Invoked-Production-Variant": VARIANT})

    @staticmethod
    def _predict(model: _Model, rows: np.ndarray) -> list[float]:
        import xgboost

        try:
            return [float(p) for p in model.booster.inplace_predict(rows, validate_features=False)]
        except (xgboost.core.XGBoostError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ContainerError(400, f"Unable to evaluate payload provided: {first}") from exc

    def _model_error(self, model: _Model, status: int, message: str) -> None:
        region = self.server.options.region
        group = f"/aws/sagemaker/Endpoints/{model.name}"
        side = "client" if status < 500 else "server"
        self._error(
            424,
            "ModelError",
            f'Received {side} error ({status}) from primary with message "{message}". See '
            f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#logEventViewer:group={group} in account {ACCOUNT_ID} for more information.",
            {
                "OriginalStatusCode": status,
                "OriginalMessage": message,
                "LogStreamArn": f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{group}",
            },
        )

    def _inject(self, model: _Model, call: int, fault: FaultKind) -> None:
        log.info("call %d of %s: injected %s", call, model.name, fault)
        if fault == "hang":
            self.server.stopping.wait(self.server.options.hang_s)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)  # the client sees the connection close
            return
        if fault == "model":
            self._model_error(model, 500, f"injected failure of call {call}")
            return
        status, code, message = _FAULT_ERRORS[fault]
        self._error(status, code, message)


# --------------------------------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------------------------------


def serve(
    models: Mapping[str, Path],
    host: str = LOOPBACK,
    port: int = 0,
    options: EndpointOptions | None = None,
    ready: Callable[[ModelEndpointServer], None] | None = None,
) -> None:
    """Load ``models``, bind ``host:port`` and serve until SIGTERM or SIGINT (then return).

    ``ready`` is called with the bound server before serving starts (e.g. to print its URL).
    Raises :class:`~msk_features.offline.model_artifact.ModelArtifactError` for an artifact that
    does not load and ``OSError`` when the port is taken.
    """
    server = ModelEndpointServer(models, host, port, options)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping", signum)
        server.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if ready is not None:
            ready(server)
        server.serve_forever(poll_interval=0.2)
    finally:
        server.stopping.set()
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m msk_features.dev.model_endpoint.server``."""
    parser = argparse.ArgumentParser(
        prog="python -m msk_features.dev.model_endpoint.server",
        description="A local SageMaker-runtime endpoint serving XGBoost model.tar.gz artifacts "
        "(loopback only).",
    )
    parser.add_argument(
        "--model",
        action="append",
        required=True,
        metavar="NAME=PATH",
        help="endpoint NAME serves PATH (repeatable)",
    )
    parser.add_argument("--host", default=LOOPBACK, help="loopback address to bind [127.0.0.1]")
    parser.add_argument("--port", type=int, default=0, help="port to bind [0: any free port]")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="latency added to every call [0]")
    parser.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="KIND@SCHEDULE",
        help=f"fault rule (repeatable); KIND: {', '.join(FAULTS)}",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of rate:P fault rules [0]")
    parser.add_argument(
        "--hang-s", type=float, default=DEFAULT_HANG_S, help="how long a hang holds a call [120]"
    )
    parser.add_argument(
        "--region", default="us-east-1", help="region named in ModelError messages [us-east-1]"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser


def options_from(
    latency_ms: float, fail: Sequence[str], seed: int, hang_s: float, region: str
) -> EndpointOptions:
    """:class:`EndpointOptions` from command-line values; raises ``ValueError`` on a bad one."""
    if latency_ms < 0 or hang_s < 0:
        raise ValueError("--latency-ms and --hang-s must not be negative")
    return EndpointOptions(
        latency_ms=latency_ms, faults=FaultPlan.parse(fail, seed), hang_s=hang_s, region=region
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server from the command line; prints ``Model endpoint listening on URL`` when bound."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        models = parse_model_specs(args.model)
        options = options_from(args.latency_ms, args.fail, args.seed, args.hang_s, args.region)
    except ValueError as exc:
        parser.error(str(exc))

    def ready(server: ModelEndpointServer) -> None:
        for model in server.models.values():
            log.info("endpoint %s: %s (%d features)", model.name, model.artifact, model.features)
        print(f"Model endpoint listening on {server.url}", flush=True)

    started = time.monotonic()
    try:
        serve(models, args.host, args.port, options, ready)
    except (OSError, ValueError, LocalStackError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    log.info("stopped after %.1f s", time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
