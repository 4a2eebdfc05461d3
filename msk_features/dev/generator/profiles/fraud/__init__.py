"""The fraud profile: the fraud pipeline's realistic test data, exactly as before there were profiles.

* :mod:`~msk_features.dev.generator.profiles.fraud.events`: users and merchants, sessions of clicks
  before purchases, evolving profiles, and the labels of the hidden fraud rule;
* :mod:`~msk_features.dev.generator.profiles.fraud.faults`: invalid values of its four topics;
* :mod:`~msk_features.dev.generator.profiles.fraud.plan`: :class:`GenerateSpec` -> records;
* :mod:`~msk_features.dev.generator.profiles.fraud.profile`: the command's options and summary.

The same seed and options give byte-identical records to those of the generator before profiles.
"""

from msk_features.dev.generator.profiles.fraud.plan import GenerateSpec, build_plan, split_count
from msk_features.dev.generator.profiles.fraud.profile import FraudProfile

__all__ = ["FraudProfile", "GenerateSpec", "build_plan", "split_count"]
