"""The Flink options that application code may set on Managed Flink, and the check against them.

Managed Flink 2.2 throws at start when application code sets a Flink configuration key outside its
list of programmatic configuration properties (the Developer Guide's "Programmatic Flink
configuration properties" page). The list, with the page's address and the date it was read, is in
``managed_flink_allowed_options.json`` beside this module (it ships in the zip). The job checks the
options it sets from code on Managed Flink against it before it creates its table environment
(:func:`flink_jobs.runtime.environment.create_table_env`), so that a new option fails with a message naming
the option and the page, not with the service's exception after a deploy; a unit test holds the same
check. Options that only local runs set (checkpointing, restart strategy,
``$MSK_FEATURES_FLINK_OPTIONS``) are not checked: the service owns those settings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "ALLOWED_OPTIONS_FILE",
    "AllowedOptions",
    "DisallowedOptionError",
    "allowed_options",
    "check_options",
]

ALLOWED_OPTIONS_FILE = Path(__file__).with_name("managed_flink_allowed_options.json")


class DisallowedOptionError(RuntimeError):
    """The job would set an option Managed Flink does not let application code set; the message
    names the option, the page that lists the allowed ones and what to do."""


@dataclass(frozen=True)
class AllowedOptions:
    """The allowed list: ``keys`` by ``section`` of the page at ``source``, read on ``read_on``."""

    runtime: str
    source: str
    read_on: str
    sections: Mapping[str, tuple[str, ...]]

    @property
    def keys(self) -> frozenset[str]:
        """Every allowed key, whatever its section."""
        return frozenset(key for keys in self.sections.values() for key in keys)

    def disallowed(self, keys: Iterable[str]) -> list[str]:
        """The keys among ``keys`` that are not on the list, in the order given."""
        allowed = self.keys
        return [key for key in keys if key not in allowed]


@cache
def allowed_options(path: Path = ALLOWED_OPTIONS_FILE) -> AllowedOptions:
    """The list in ``path`` (default: the shipped data file)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return AllowedOptions(
        runtime=document["runtime"],
        source=document["source"],
        read_on=document["read_on"],
        sections={name: tuple(keys) for name, keys in document["sections"].items()},
    )


def check_options(options: Mapping[str, str], allowed: AllowedOptions | None = None) -> None:
    """:class:`DisallowedOptionError` if a key of ``options`` is not on the allowed list."""
    listed = allowed or allowed_options()
    bad = listed.disallowed(options)
    if not bad:
        return
    names = ", ".join(f"'{key}'" for key in bad)
    raise DisallowedOptionError(
        f"the job sets the Flink option{'s' if len(bad) > 1 else ''} {names} from code, which Managed "
        f"Flink {listed.runtime} does not allow (it throws at start for options outside {listed.source}, "
        f"as read on {listed.read_on} into flink_jobs/{ALLOWED_OPTIONS_FILE.name}). Set it only for local "
        "runs (flink_jobs/runtime/environment.py, local branch), or ask AWS to set it for the application "
        "(https://docs.aws.amazon.com/managed-flink/latest/java/reference-modifiable-settings.html)"
    )
