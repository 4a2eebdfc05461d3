"""Profiles: hand-written generators for the pipelines that have one, chosen by pipeline name.

A profile knows its pipeline's domain (realistic values, hidden rules, derived topics such as the
fraud profile's labels) beyond what the contracts say. A pipeline without a profile gets the
contract-driven generator (:class:`~msk_features.dev.generator.planner.ContractPlanner`).
"""

from __future__ import annotations

from typing import Final

from msk_features.dev.generator.planner import ContractPlanner, Planner
from msk_features.dev.generator.profiles.fraud import FraudProfile

__all__ = ["PROFILES", "planner_for", "profile_options"]

PROFILES: Final[dict[str, Planner]] = {"fraud": FraudProfile()}
"""The profile of each pipeline that has one, by pipeline name."""


def planner_for(pipeline: str) -> Planner:
    """The profile of pipeline ``pipeline``, else the contract-driven generator."""
    return PROFILES.get(pipeline) or ContractPlanner()


def profile_options() -> dict[str, tuple[str, ...]]:
    """Each profile option name and the pipelines whose profile understands it."""
    found: dict[str, list[str]] = {}
    for pipeline, profile in PROFILES.items():
        for option in sorted(profile.options):
            found.setdefault(option, []).append(pipeline)
    return {option: tuple(pipelines) for option, pipelines in found.items()}
