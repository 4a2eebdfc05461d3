"""Create the Flink ``TableEnvironment`` for Managed Flink or for a local mini-cluster.

On Managed Flink the service owns checkpointing, restarts, parallelism and the classpath (the
``jarfile`` of the run options), so nothing of that is set here: Managed Flink 2.2 throws at start
when application code sets an option outside its list of programmatic options. What the job does set
there (:func:`job_options`) is checked against that list first
(:mod:`flink_jobs.runtime.managed_flink_options`).

Locally (the properties come from a file named by ``$MSK_FEATURES_PROPERTIES``), this module does
what the service would: it adds the uber-jar to ``pipeline.jars``, enables checkpointing (Parquet
files and Kafka transactions are committed on checkpoints), fails fast instead of restarting quietly,
and loads Flink's ``s3-fs-hadoop`` plugin for ``s3a://`` paths, configured for the local S3 server.
``$MSK_FEATURES_FLINK_OPTIONS`` (a JSON object of Flink configuration keys to string values) is applied
last, over those defaults, for local runs only: checkpoint storage and retention, restoring from a
checkpoint or savepoint, state backend, object reuse, mini-batch and network settings for tests and
benchmarks. On Managed Flink the service's configuration rules and the variable is not read.
PyFlink's local gateway never initialises file systems from plugins and overrides
``$FLINK_PLUGINS_DIR`` with its own folder, so the plugin manager is built here from
``$MSK_FEATURES_FLINK_PLUGINS`` (default ``<app root>/target/flink-plugins``).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pyflink.common import Configuration
from pyflink.java_gateway import get_gateway
from pyflink.table import EnvironmentSettings, TableEnvironment

from flink_jobs.config import ENV_PROPERTIES, AppConfig, OfflineConfig
from flink_jobs.runtime.managed_flink_options import DisallowedOptionError, check_options

__all__ = [
    "ENV_FLINK_OPTIONS",
    "ENV_PLUGINS",
    "PLANNER_OPTIONS",
    "DisallowedOptionError",
    "LocalSetupError",
    "create_table_env",
    "is_local",
    "job_options",
    "local_flink_options",
    "resolve_jar",
    "table_options",
]

log = logging.getLogger(__name__)

ENV_PLUGINS = "MSK_FEATURES_FLINK_PLUGINS"
ENV_FLINK_OPTIONS = "MSK_FEATURES_FLINK_OPTIONS"

# Planner options set everywhere (they are job settings, not ones the service controls).
PLANNER_OPTIONS: dict[str, str] = {
    # Each source's validation and routing views feed many sinks. Without this, the planner merges
    # the view's projection into every consumer, so every record's JSON is parsed and validated once
    # per sink (13 times in the fraud pipeline); with it, a view used by several statements is
    # optimised once as a shared block and computed once per record. Measured on the demo's 100k
    # records (2 cores, bounded, checkpoints every 10 s): 180 s without, 76 s with.
    "table.optimizer.reuse-optimize-block-with-digest-enabled": "true",
    # Chained operators hand rows on without a deep copy (Flink's SQL operators copy what they keep
    # in state themselves). Allowed programmatically on Managed Flink 2.2. Measured in
    # docs/benchmarks (validation stage and whole pipelines, side by side).
    "pipeline.object-reuse": "true",
    # The filesystem sink's PartitionCommitter runs at parallelism 1 with max parallelism 1. At job
    # parallelism 1 Flink chains it to its writer, whose vertex has max parallelism 128, and the
    # savepoint records the committer's state under 128; at parallelism 2 it is a vertex of its
    # own with max parallelism 1, and the restore fails ("Max parallelism mismatch between
    # checkpoint/savepoint state and new program"). Never chaining operators of different max
    # parallelism keeps it a vertex of its own at every parallelism, so a savepoint restores at
    # another one (tests/reliability/test_rescale.py). It only passes commit messages: no cost
    # per record. Allowed programmatically on Managed Flink 2.2.
    "pipeline.operator-chaining.chain-operators-with-different-max-parallelism": "false",
}
ENV_JAR = "MSK_FEATURES_JAR"


class LocalSetupError(RuntimeError):
    """A local run is missing something it needs (the uber-jar, the S3 plugin); says how to fix it."""


def is_local() -> bool:
    """True when running outside Managed Flink, i.e. ``$MSK_FEATURES_PROPERTIES`` names the properties."""
    return bool(os.environ.get(ENV_PROPERTIES))


def resolve_jar(app_root: Path, jarfile: str) -> Path:
    """The uber-jar for a local run: ``$MSK_FEATURES_JAR``, else ``<root>/<jarfile>`` (an unzipped
    application), else ``<root>/target/<jarfile>`` (a source checkout after ``make package``)."""
    if os.environ.get(ENV_JAR):
        candidates = [Path(os.environ[ENV_JAR])]
    else:
        candidates = [app_root / jarfile, app_root / "target" / jarfile]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise LocalSetupError(
        "the uber-jar is missing: looked at "
        + ", ".join(str(c) for c in candidates)
        + ". Build it with `make package` (or set $"
        + ENV_JAR
        + ")."
    )


def local_flink_options(raw: str | None = None) -> dict[str, str]:
    """The Flink options of ``$MSK_FEATURES_FLINK_OPTIONS`` (or ``raw``): a JSON object of strings.

    Empty when the variable is unset or blank; :class:`LocalSetupError` naming the problem otherwise.
    Example: ``{"execution.checkpointing.dir": "file:///tmp/chk", "pipeline.object-reuse": "true"}``.
    """
    text = os.environ.get(ENV_FLINK_OPTIONS, "") if raw is None else raw
    if not text.strip():
        return {}
    try:
        options = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LocalSetupError(f"${ENV_FLINK_OPTIONS} is not valid JSON ({exc}): {text[:200]!r}") from None
    if not isinstance(options, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in options.items()
    ):
        raise LocalSetupError(
            f"${ENV_FLINK_OPTIONS} must be a JSON object of strings, e.g. "
            '{"pipeline.object-reuse": "true"}; got ' + repr(text[:200])
        )
    return options


def _s3_options(offline: OfflineConfig | None) -> dict[str, str]:
    if offline is None or not offline.path.startswith("s3a://"):
        return {}
    options: dict[str, str] = {}
    if offline.s3_endpoint:
        options["s3.endpoint"] = offline.s3_endpoint
        options["s3.endpoint.region"] = "us-east-1"
    if offline.s3_path_style:
        options["s3.path.style.access"] = "true"
    if offline.s3_access_key:
        options["s3.access-key"] = offline.s3_access_key
    if offline.s3_secret_key:
        options["s3.secret-key"] = offline.s3_secret_key
    return options


def _initialize_local_filesystems(configuration: Configuration, plugins_dir: Path) -> None:
    """Initialise Flink's FileSystem registry with ``configuration`` and the plugins in ``plugins_dir``."""
    gateway = get_gateway()
    jvm = gateway.jvm
    root = jvm.java.nio.file.Paths.get(str(plugins_dir), gateway.new_array(jvm.java.lang.String, 0))
    descriptors = jvm.org.apache.flink.core.plugin.DirectoryBasedPluginFinder(root).findPlugins()
    j_conf = configuration._j_configuration
    patterns = jvm.org.apache.flink.configuration.CoreOptions.getPluginParentFirstLoaderPatterns(j_conf)
    manager = jvm.org.apache.flink.core.plugin.DefaultPluginManager(descriptors, patterns)
    jvm.org.apache.flink.core.fs.FileSystem.initialize(j_conf, manager)


def job_options(job_name: str) -> dict[str, str]:
    """The Flink options the job sets from code everywhere, Managed Flink included: streaming mode,
    UTC as the session time zone, the job's name and :data:`PLANNER_OPTIONS`. Each must be on Managed
    Flink's list of programmatic options (:mod:`flink_jobs.runtime.managed_flink_options`)."""
    return {
        "execution.runtime-mode": "STREAMING",
        "table.local-time-zone": "UTC",
        "pipeline.name": job_name,
        **PLANNER_OPTIONS,
    }


def table_options(cfg: AppConfig, app_root: Path, job_name: str, local: bool) -> dict[str, str]:
    """Every Flink option :func:`create_table_env` sets: :func:`job_options`, and for a local run
    the uber-jar, checkpointing, no restarts, parallelism, the local S3 settings and
    ``$MSK_FEATURES_FLINK_OPTIONS`` last. On Managed Flink (``local`` false) only
    :func:`job_options`: the service owns the rest."""
    options = job_options(job_name)
    if not local:
        return options
    jar = resolve_jar(app_root, cfg.run_options.jarfile)
    options["pipeline.jars"] = jar.as_uri()
    options["execution.checkpointing.interval"] = f"{cfg.pipeline.checkpoint_interval_ms} ms"
    options["execution.checkpointing.mode"] = "EXACTLY_ONCE"
    options["restart-strategy.type"] = "none"
    if cfg.pipeline.parallelism:
        options["parallelism.default"] = str(cfg.pipeline.parallelism)
    options |= _s3_options(cfg.offline)
    extra = local_flink_options()
    if extra:
        log.info("local Flink options from $%s: %s", ENV_FLINK_OPTIONS, extra)
    return options | extra


def create_table_env(cfg: AppConfig, app_root: Path, job_name: str) -> TableEnvironment:
    """A streaming ``TableEnvironment`` set up for ``cfg`` with :func:`table_options`; on Managed
    Flink those are first checked against the service's list (:class:`DisallowedOptionError`)."""
    local = is_local()
    options = table_options(cfg, app_root, job_name, local)
    if not local:
        check_options(options)
    configuration = Configuration()
    for key, value in options.items():
        configuration.set_string(key, value)
    settings = (
        EnvironmentSettings.new_instance().in_streaming_mode().with_configuration(configuration).build()
    )
    table_env = TableEnvironment.create(settings)
    if local and cfg.offline is not None and cfg.offline.path.startswith("s3a://"):
        plugins_dir = Path(os.environ.get(ENV_PLUGINS) or app_root / "target" / "flink-plugins")
        if not (plugins_dir / "s3-fs-hadoop").is_dir():
            raise LocalSetupError(
                f"the offline path is {cfg.offline.path} but Flink's s3-fs-hadoop plugin is not in "
                f"{plugins_dir}/s3-fs-hadoop. Build it with `make package` (or set ${ENV_PLUGINS})."
            )
        _initialize_local_filesystems(configuration, plugins_dir)
        log.info("initialised local file systems with plugins from %s", plugins_dir)
    return table_env
