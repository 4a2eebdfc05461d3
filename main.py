"""Managed Flink entry point (``kinesis.analytics.flink.run.options`` -> ``python: main.py``).

Reads the runtime properties (Managed Flink's ``/etc/flink/application_properties.json``, or locally
the file named by ``$MSK_FEATURES_PROPERTIES``) and runs the pipeline job. A configuration mistake
exits with a message naming the property group, the key and the expected form; an invalid feature
spec with one naming the feature set and the field.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

APP_ROOT = Path(__file__).resolve().parent
if str(APP_ROOT) not in sys.path:
    sys.path.insert(0, str(APP_ROOT))

from flink_jobs.config import ConfigError, load_config  # noqa: E402
from flink_jobs.features.compiler import FeatureSpecError  # noqa: E402
from flink_jobs.runtime.environment import DisallowedOptionError, LocalSetupError  # noqa: E402
from flink_jobs.runtime.job import run  # noqa: E402


def main() -> int:
    """Load the configuration and run the job; return the process exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        cfg = load_config()
        run(cfg, APP_ROOT)
    except (ConfigError, FeatureSpecError, LocalSetupError, DisallowedOptionError) as exc:
        print(f"msk-flink-features: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
