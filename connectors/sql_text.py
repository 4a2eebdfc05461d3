"""Text of SQL literals, shared by the modules that write Flink SQL."""

from __future__ import annotations

__all__ = ["sql_string"]


def sql_string(value: str) -> str:
    """A SQL string literal for ``value`` (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"
