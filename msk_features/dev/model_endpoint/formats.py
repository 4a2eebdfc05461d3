"""The request and response formats of SageMaker's built-in XGBoost container, as served locally.

What ``aws/sagemaker-xgboost-container`` does (``algorithm_mode/serve.py``, ``encoder.py``) for the
parts the local endpoint serves, and its error statuses for the rest:

- request ``Content-Type``: ``text/csv`` (parameters ignored; none at all is read as text/csv here).
  The container also reads libsvm and recordio-protobuf; this module answers those 415.
- CSV: no header, one record per line, ``,`` between fields, an empty field is missing (NaN). The
  container sniffs the delimiter of the first line; this module reads commas only.
- ``Accept``: none or ``*/*`` means text/csv (the container's default). text/csv: one prediction per
  line; application/json: ``{"predictions": [{"score": p}, ...]}``. Types the container produces but
  this module does not (application/jsonlines, application/x-recordio-protobuf) and unknown ones: 406.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = [
    "ContainerError",
    "check_content_type",
    "encode_csv",
    "encode_json",
    "media_type",
    "negotiate_accept",
    "parse_csv",
]

# The Accept types the container produces; this module produces the first two.
_SERVED_ACCEPTS = ("text/csv", "application/json")
_CONTAINER_ACCEPTS = (
    "application/json",
    "application/jsonlines",
    "application/x-recordio-protobuf",
    "text/csv",
)
_CONTAINER_CONTENT_TYPES = ("text/csv", "text/libsvm", "text/x-libsvm", "application/x-recordio-protobuf")


class ContainerError(Exception):
    """What the XGBoost container answers with an error ``status`` (415, 400, 406) and ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def media_type(header: str | None) -> str:
    """The lower-cased media type of a ``Content-Type`` or ``Accept`` value, parameters dropped."""
    return (header or "").split(";", 1)[0].strip().lower()


def check_content_type(content_type: str | None) -> None:
    """Raise a 415 :class:`ContainerError` unless ``content_type`` is text/csv (None counts as csv)."""
    kind = media_type(content_type) or "text/csv"
    if kind == "text/csv":
        return
    if kind in _CONTAINER_CONTENT_TYPES:
        raise ContainerError(415, f"Content-type {kind} is not served by the local endpoint; send text/csv")
    raise ContainerError(
        415,
        f"Content-type {kind} not supported. Supported content-type is text/csv, text/libsvm, "
        "application/x-recordio-protobuf",
    )


def parse_csv(body: bytes) -> np.ndarray:
    """The records of a text/csv body as a float64 array of shape (records, fields).

    The body is decoded as UTF-8 and stripped; each line is a record and each ``,``-separated field a
    value; fields are stripped, an empty one (or ``nan``) is NaN, i.e. missing. Raises a 415
    :class:`ContainerError` (the container's status for an unreadable payload) on bad UTF-8, a field
    that is not a number, or lines of different lengths.
    """
    import numpy as np

    try:
        text = body.decode("utf-8").strip()
        rows = [[field.strip() or "nan" for field in line.split(",")] for line in text.split("\n")]
        if len({len(row) for row in rows}) != 1:
            raise ValueError("the records have different numbers of fields")
        return np.array(rows, dtype=np.str_).astype(np.float64)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ContainerError(
            415,
            f"Loading csv data failed with Exception, please ensure data is in csv format:\n "
            f"{type(exc)}\n {exc}",
        ) from exc


def negotiate_accept(accept: str | None) -> str:
    """The response type for ``accept``: text/csv for none or ``*/*``, else the type itself.

    Raises a 406 :class:`ContainerError` for a type the container does not produce, or produces but
    this server does not (application/jsonlines, application/x-recordio-protobuf).
    """
    kind = media_type(accept)
    if not kind or kind == "*/*":
        return "text/csv"
    if kind in _SERVED_ACCEPTS:
        return kind
    if kind in _CONTAINER_ACCEPTS:
        raise ContainerError(406, f"Accept type {kind} is not served by the local endpoint; use text/csv")
    raise ContainerError(
        406,
        f"Accept type {kind} is not supported. "
        f"Please use supported accept types: {list(_CONTAINER_ACCEPTS)}.",
    )


def encode_csv(predictions: Sequence[float]) -> bytes:
    """One prediction a line: ``repr(float(p))`` of each float32 ``p``, each line ending in ``\\n``."""
    return "".join(f"{float(p)!r}\n" for p in predictions).encode("ascii")


def encode_json(predictions: Sequence[float]) -> bytes:
    """``{"predictions": [{"score": p}, ...]}`` with each ``p`` as ``float(p)`` (shortest repr)."""
    return json.dumps({"predictions": [{"score": float(p)} for p in predictions]}).encode("ascii")
