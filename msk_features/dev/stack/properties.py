"""The local twin of Managed Flink's runtime properties, written from the local stack's endpoints.

``msk-features local up`` writes ``<state dir>/application_properties.json`` in exactly the shape
Managed Flink uses (``[{"PropertyGroupId": ..., "PropertyMap": {...}}]``), pointing the job at the
local broker (PLAINTEXT by default, or SCRAM over TLS) and the local S3 server, in bounded mode so a
local run reads what is there and stops. Run the job with ``MSK_FEATURES_PROPERTIES`` set to it.

The stack holds the topics of several pipelines, so its properties name none (``pipeline.name`` is
left out) unless a caller passes ``pipeline`` (``msk-features local up --pipeline NAME`` with one
name does); otherwise a command names it (``msk-features run NAME``), and without a name the only
pipeline there is runs (:func:`flink_jobs.pipelines.resolve_pipeline_name`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from flink_jobs.config import (
    AppConfig,
    OfflineConfig,
    PipelineConfig,
    RunOptions,
    SinkConfig,
    TopicsConfig,
    to_property_groups,
)

if TYPE_CHECKING:
    from msk_features.dev.stack.control import Endpoints

__all__ = ["DEFAULT_BUCKET", "PROPERTIES_FILE", "local_app_config", "write_local_properties"]

PROPERTIES_FILE = "application_properties.json"
DEFAULT_BUCKET = "msk-features-local"


def local_app_config(
    endpoints: Endpoints,
    auth: Literal["plaintext", "scram"] = "plaintext",
    topics: TopicsConfig | None = None,
    bucket: str | None = None,
    prefix: str = "offline",
    transactional_id_prefix: str = "msk-features-local",
    consumer_group: str = "msk-features-local",
    pipeline: str | None = None,
) -> AppConfig:
    """An :class:`AppConfig` for a bounded local run against ``endpoints``, of ``pipeline`` (``None``:
    not named, see the module docstring)."""
    kafka = endpoints.kafka_config(auth, consumer_group=consumer_group, bounded=True)
    chosen_bucket = bucket or (endpoints.buckets[0] if endpoints.buckets else DEFAULT_BUCKET)
    return AppConfig(
        run_options=RunOptions(python="main.py", jarfile="lib/pyflink-dependencies.jar"),
        kafka=kafka,
        topics=topics or TopicsConfig(),
        sink=SinkConfig(transactional_id_prefix=transactional_id_prefix),
        offline=OfflineConfig(
            path=f"s3a://{chosen_bucket}/{prefix}",
            s3_endpoint=endpoints.s3_endpoint_url,
            s3_path_style=True,
            s3_access_key=endpoints.s3_access_key,
            s3_secret_key=endpoints.s3_secret_key,
        ),
        pipeline=PipelineConfig(name=pipeline, checkpoint_interval_ms=2_000),
    )


def write_local_properties(endpoints: Endpoints, state_dir: Path, **kwargs: Any) -> Path:
    """Write ``<state_dir>/application_properties.json`` for ``endpoints``; return its path."""
    path = Path(state_dir) / PROPERTIES_FILE
    document = to_property_groups(local_app_config(endpoints, **kwargs))
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path
