"""Free TCP ports on the loopback interface (the local stack only ever binds 127.0.0.1)."""

from __future__ import annotations

import contextlib
import socket

from msk_features.dev.stack import LocalStackError

__all__ = ["LOOPBACK", "free_ports", "is_port_free", "is_port_open"]

LOOPBACK = "127.0.0.1"


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """``count`` distinct ports that are free on ``host`` right now.

    All sockets are held open until every port is picked, so the ports differ from each other; they
    are released before returning, so another process may still take one before we bind it (callers
    retry on "address already in use").
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            try:
                sock.bind((host, 0))
            except OSError as exc:
                raise LocalStackError(f"cannot bind a free port on {host}: {exc}") from exc
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def is_port_free(port: int, host: str = LOOPBACK) -> bool:
    """True if ``port`` can be bound on ``host`` now (nothing listens on it).

    ``SO_REUSEADDR`` is set as the servers set it, so connections of a stopped server lingering in
    TIME_WAIT do not make its port look taken.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def is_port_open(port: int, host: str = LOOPBACK, timeout_s: float = 1.0) -> bool:
    """True if a TCP connection to ``host:port`` succeeds within ``timeout_s``."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout_s):
        return True
    return False
