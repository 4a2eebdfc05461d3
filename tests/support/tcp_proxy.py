"""A loopback TCP forwarder that a test can cut and restore: a server outage without losing its state.

The local S3 API server (moto) keeps its objects in memory, so stopping it would lose them. Put
this in front of it instead: :meth:`TcpProxy.cut` closes the listening socket and every open
connection (clients get resets, then "connection refused", as when the service is unreachable);
:meth:`TcpProxy.restore` listens again on the same port. Threads only; stopped by :meth:`close`
(the test's ``finally``).

The port is below the kernel's ephemeral range: while the proxy is cut, a client retrying
``127.0.0.1:<port>`` from an ephemeral port may be handed that very port and connect to itself
(TCP simultaneous open), which would then hold the port and make :meth:`restore` fail.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading

__all__ = ["TcpProxy"]

_CHUNK = 64 * 1024


def _ephemeral_low() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``upstream`` (host, port) until cut or closed."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.cuts = 0
        self.reset_at_cuts = 0  # connections open when cut
        for _ in range(100):
            self.port = random.randrange(10000, _ephemeral_low())
            try:
                self._listen()
                return
            except OSError:
                continue
        raise OSError("no free port below the ephemeral range for the proxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", self.port))
        except OSError:
            listener.close()
            raise
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), name="proxy-accept", daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut or closed
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._connections |= {client, server}
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), name="proxy-pump", daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(_CHUNK):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                self._drop(sock)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self) -> None:
        """Stop listening and reset every open connection."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections = list(self._connections)
        if listener is not None:
            listener.close()
        for sock in connections:
            with contextlib.suppress(OSError):
                # linger on, 0 s: close() sends a reset, as a dropped connection does
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self._drop(sock)
        self.cuts += 1
        self.reset_at_cuts += len(connections)

    def restore(self) -> None:
        """Listen again on the same port."""
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.cut()
