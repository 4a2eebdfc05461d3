"""The local stack: a real Apache Kafka 3.9.1 broker (KRaft) and an S3 API server (moto), on loopback,
and, when models are given, a model endpoint speaking the SageMaker runtime protocol
(:mod:`.model_endpoint`).

``msk-features local up | down | status`` and the pytest fixture ``local_stack`` run the same code,
:class:`msk_features.dev.stack.control.LocalStack`. Everything the stack writes (certificates, data,
logs, pid files, ``endpoints.json``) lives in one state directory, ``<cwd>/.local-stack`` by default.

``LocalStack`` and ``Endpoints`` are importable from this package; they are loaded on first use so
that importing a submodule (e.g. :mod:`.ports`) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Endpoints", "LocalStack", "LocalStackError"]


class LocalStackError(RuntimeError):
    """A problem the user can fix (Java or Maven missing, a port in use, the broker failing to start).

    The message says what went wrong and what to do; the CLI prints it without a traceback.
    """


if TYPE_CHECKING:  # pragma: no cover
    from msk_features.dev.stack.control import Endpoints, LocalStack


def __getattr__(name: str) -> Any:
    """Load ``LocalStack`` and ``Endpoints`` lazily (they import confluent-kafka and boto3)."""
    if name in ("Endpoints", "LocalStack"):
        from msk_features.dev.stack import control

        return getattr(control, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
