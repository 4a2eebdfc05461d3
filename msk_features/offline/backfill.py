"""Run a backfill locally: the pipeline's feature SQL over its archive (see
:mod:`flink_jobs.features.compiler.backfill` for the semantics), then count what it wrote."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from flink_jobs.config import GROUP_BACKFILL, AppConfig, BackfillConfig, ConfigError, to_property_groups
from flink_jobs.features.compiler import backfill_root
from flink_jobs.features.compiler.backfill import selected_feature_sets
from flink_jobs.pipelines import get_pipeline
from flink_jobs.runtime.environment import ENV_FLINK_OPTIONS
from msk_features.operations.outputs import delete_offline, read_offline
from msk_features.runner import REPO_ROOT, run_job

__all__ = ["BackfillRun", "progress_line", "run_backfill"]


@dataclass(frozen=True)
class BackfillRun:
    """A finished backfill: where it wrote and how many rows per feature set."""

    pipeline: str
    backfill: BackfillConfig
    root: str  # <offline>/backfill/<run>
    dataset_prefix: str  # backfill/<run>, relative to the offline path
    rows: dict[str, int]
    replaced_files: int
    seconds: float
    job_seconds: float

    def report(self) -> dict[str, object]:
        """JSON-ready summary (``--output json``)."""
        return {
            "pipeline": self.pipeline,
            "from": _iso(self.backfill.start),
            "to": _iso(self.backfill.end),
            "run": self.backfill.run_name(),
            "output": self.root,
            "replaced_files": self.replaced_files,
            "seconds": round(self.seconds, 1),
            "job_seconds": round(self.job_seconds, 1),
            "rows": self.rows,
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def run_backfill(
    cfg: AppConfig,
    pipeline: str,
    backfill: BackfillConfig,
    properties_dir: Path,
    timeout_s: float = 3600.0,
    status: Callable[[str], object] | None = None,
) -> BackfillRun:
    """Delete the run's previous output, run the backfill job on a local mini-cluster, count rows.

    Raises :class:`ConfigError` for a user mistake (no offline path, an empty range, an unknown
    feature set or pipeline) before any JVM starts."""
    spec = get_pipeline(pipeline)
    if backfill.end <= backfill.start:
        raise ConfigError(GROUP_BACKFILL, "to", "--to must be after --from", "a later instant")
    offline = cfg.offline
    if offline is None:
        raise ConfigError(
            "offline", "path", "a backfill reads the archive under the offline path", "the group"
        )
    cfg = dataclasses.replace(
        cfg, pipeline=dataclasses.replace(cfg.pipeline, name=pipeline), backfill=backfill
    )
    selected = selected_feature_sets(spec, backfill)
    root = backfill_root(offline.path, backfill)
    prefix = root.removeprefix(offline.path + "/")
    started = time.monotonic()
    replaced = delete_offline(offline, prefix)
    effective = properties_dir / f".{pipeline}.{backfill.run_name()}.backfill.json"
    effective.write_text(json.dumps(to_property_groups(cfg), indent=2), encoding="utf-8")
    effective.chmod(0o600)
    if status is not None:
        status(f"backfilling {pipeline} into {root}" + (f" (replacing {replaced} files)" if replaced else ""))
    # A backfill holds its whole range in state until the input ends (module docstring of the
    # compiler's backfill): checkpoints go to files, not to the JobManager's 5 MiB of memory.
    checkpoints = properties_dir / f".{pipeline}.{backfill.run_name()}.checkpoints"
    options = {ENV_FLINK_OPTIONS: json.dumps({"execution.checkpointing.dir": checkpoints.resolve().as_uri()})}
    try:
        run = run_job(effective, REPO_ROOT, timeout_s=timeout_s, extra_env=options)
    finally:
        shutil.rmtree(checkpoints, ignore_errors=True)
    rows = {fs.name: read_offline(offline, f"{prefix}/features/{fs.name}").num_rows for fs in selected}
    return BackfillRun(
        pipeline, backfill, root, prefix, rows, replaced, time.monotonic() - started, run.seconds
    )


@contextlib.contextmanager
def progress_line(console: Console, text: str) -> Iterator[Callable[[str], object]]:
    """A spinner with the elapsed time that keeps ticking while a job runs (on stderr's console);
    yields a function that replaces the text."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(text, total=None)
        yield lambda message: bar.update(task, description=message)
