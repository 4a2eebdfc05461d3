"""A local stack's endpoints as a running stack would write them, for tests that start nothing."""

from __future__ import annotations

from pathlib import Path

from msk_features.dev.stack.control import Endpoints

__all__ = ["fake_endpoints"]


def fake_endpoints(state: Path) -> Endpoints:
    """endpoints.json as a running broker and S3 server would have it (nothing listens there)."""
    return Endpoints(
        state_dir=str(state),
        kafka_version="3.9.1",
        kafka_plaintext_bootstrap="127.0.0.1:1",
        kafka_scram_bootstrap="127.0.0.1:2",
        kafka_controller_port=3,
        scram_username="u",
        scram_password="p",
        ca_file=str(state / "ca.pem"),
        s3_endpoint_url="http://127.0.0.1:4",
        s3_access_key="test",
        s3_secret_key="test",
        s3_region="us-east-1",
        buckets=(),
        topics=(),
        kafka_pid=0,
        s3_pid=0,
    )
