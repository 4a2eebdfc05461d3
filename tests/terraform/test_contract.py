"""The contract between the Terraform flink_app module and the Python properties loader and specs.

flink_jobs/config.py declares the property groups and keys it reads (``PROPERTY_GROUPS``, the open
group ``feature.topics`` in ``OPEN_GROUPS``, and the open keys of the ``topics`` group, one per
source, ``TOPICS_SOURCE_KEY``). The Terraform side is one typed variable, ``application_properties``
(modules/flink_app/modules/properties/variables.tf, mirrored verbatim in modules/flink_app/variables.tf),
the tables ``local.property_keys`` / ``open_groups`` / ``open_keys`` that map its attributes to group
ids and keys, and the pipeline's manifest (``msk-features manifest``), which gives the sources and
feature sets. These tests fail when either side changes alone:

* static (python-hcl2, always): variable attributes == table entries == loader groups/keys, minus the
  offline ``s3.*`` keys that only local S3 servers use (and that must still exist in the loader);
* manifests: every committed ``terraform/**/<pipeline>.manifest.json`` equals
  ``flink_jobs.features.manifest.manifest(get_pipeline(<pipeline>))``;
* rendered (Terraform CLI, no provider needed: the properties module is pure): the property groups
  Terraform writes for several inputs parse with ``flink_jobs.config.parse_config`` and carry the
  values put in, and the topics Terraform derives equal
  ``flink_jobs.pipelines.pipeline_topics(cfg.topics, cfg.pipeline.name)``.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from flink_jobs.config import (
    GROUP_SCORING,
    GROUP_TOPICS,
    OPEN_GROUPS,
    PROPERTY_GROUPS,
    SCORING_ENDPOINT_KEY,
    TOPICS_SOURCE_KEY,
    TopicsConfig,
    parse_config,
)
from flink_jobs.features.manifest import manifest
from flink_jobs.pipelines import get_pipeline, pipeline_topics

from .hcl import (
    EXAMPLES,
    MODULES,
    PROPERTIES_MODULE,
    TERRAFORM,
    TfType,
    module_locals,
    unquote,
    variable_type,
)

# Keys of the loader that Terraform must never set: they point the Hadoop S3 filesystem at a local
# S3 server, and the scoring client at a local SageMaker-protocol server (and carry their static
# credentials).
TERRAFORM_EXCLUDED = {
    ("offline", "s3.endpoint"),
    ("offline", "s3.path.style.access"),
    ("offline", "s3.access.key"),
    ("offline", "s3.secret.key"),
    ("scoring", "endpoint.override"),
    ("scoring", "access.key"),
    ("scoring", "secret.key"),
}


def terraform_side() -> tuple[TfType, dict, dict, dict, dict]:
    """The variable's type, the mapping tables, and the open keys that come from a variable of their
    own (``open_key_variables``: variable -> group, e.g. scoring_endpoints -> scoring), each such
    variable's type checked too."""
    var_type = variable_type(PROPERTIES_MODULE / "variables.tf", "application_properties")
    local_values = module_locals(PROPERTIES_MODULE / "main.tf")
    open_key_variables = unquote(local_values["open_key_variables"])
    for name in open_key_variables:
        assert variable_type(PROPERTIES_MODULE / "variables.tf", name) == TfType(
            "map", element=TfType("string")
        )
    return (
        var_type,
        unquote(local_values["property_keys"]),
        unquote(local_values["open_groups"]),
        unquote(local_values["open_keys"]),
        open_key_variables,
    )


def loader_side() -> tuple[set[tuple[str, str]], set[str], set[str]]:
    """The loader's fixed (group, key) pairs, its open groups, and the fixed groups with open keys
    (``topics``: a key that is not fixed there names a source, ``TOPICS_SOURCE_KEY``; ``scoring``:
    ``<scoring name>.endpoint``, ``SCORING_ENDPOINT_KEY``)."""
    keys = {(group, key) for group, spec in PROPERTY_GROUPS.items() for key in spec}
    open_keys = ({GROUP_TOPICS} if TOPICS_SOURCE_KEY else set()) | (
        {GROUP_SCORING} if SCORING_ENDPOINT_KEY else set()
    )
    return keys, set(OPEN_GROUPS), open_keys


def contract_problems(
    var_type: TfType,
    property_keys: dict,
    open_groups: dict,
    open_keys: dict,
    open_key_variables: dict,
    loader_keys: set[tuple[str, str]],
    loader_open: set[str],
    loader_open_keys: set[str],
) -> list[str]:
    """Every mismatch between the Terraform variable, its mapping tables and the loader."""
    problems = []
    mapped = set(property_keys) | set(open_groups) | set(open_keys)
    if var_type.attr_names != mapped:
        problems.append(f"variable groups {sorted(var_type.attr_names)} != mapped groups {sorted(mapped)}")
    for attr, spec in property_keys.items():
        if attr in var_type.attr_names:
            group_type = var_type.attr(attr)
            if group_type.kind != "object" or group_type.attr_names != set(spec["keys"]):
                problems.append(
                    f"group {attr}: variable keys {sorted(group_type.attr_names)} "
                    f"!= mapped keys {sorted(spec['keys'])}"
                )
    for attr in [*open_groups, *open_keys]:
        if attr in var_type.attr_names and (var_type.attr(attr).kind, var_type.attr(attr).element) != (
            "map",
            TfType("string"),
        ):
            problems.append(f"open group {attr} must be map(string)")
    terraform_keys = {
        (spec["group"], key) for spec in property_keys.values() for key in spec["keys"].values()
    }
    expected = loader_keys - TERRAFORM_EXCLUDED
    for group, key in sorted(expected - terraform_keys):
        problems.append(f"the loader reads {group}/{key} but Terraform cannot write it")
    for group, key in sorted(terraform_keys - loader_keys):
        problems.append(f"Terraform writes {group}/{key} but the loader does not read it")
    for group, key in sorted(TERRAFORM_EXCLUDED & terraform_keys):
        problems.append(f"Terraform must not write the local-only key {group}/{key}")
    for group, key in sorted(TERRAFORM_EXCLUDED - loader_keys):
        problems.append(
            f"excluded key {group}/{key} no longer exists in the loader: update TERRAFORM_EXCLUDED"
        )
    if set(open_groups.values()) != loader_open:
        problems.append(f"open groups {sorted(open_groups.values())} != loader's {sorted(loader_open)}")
    terraform_open_keys = set(open_keys.values()) | set(open_key_variables.values())
    if terraform_open_keys != loader_open_keys:
        problems.append(
            f"groups with open keys {sorted(terraform_open_keys)} != loader's {sorted(loader_open_keys)}"
        )
    return problems


def test_terraform_variable_mirrors_the_loader():
    problems = contract_problems(*terraform_side(), *loader_side())
    assert not problems, "\n".join(problems)


def test_flink_app_variable_is_the_properties_variable():
    """modules/flink_app passes the variable through: both copies must have the same type."""
    outer = variable_type(MODULES / "flink_app" / "variables.tf", "application_properties")
    inner = variable_type(PROPERTIES_MODULE / "variables.tf", "application_properties")
    assert outer == inner


def test_contract_check_fails_when_one_side_changes():
    """The comparison above is not vacuous: a key added or dropped on either side is reported."""
    var_type, property_keys, open_groups, open_keys, open_key_variables = terraform_side()
    loader_keys, loader_open, loader_open_keys = loader_side()

    def problems_with(**changes) -> list[str]:
        args = {
            "var_type": var_type,
            "property_keys": property_keys,
            "open_groups": open_groups,
            "open_keys": open_keys,
            "open_key_variables": open_key_variables,
            "loader_keys": loader_keys,
            "loader_open": loader_open,
            "loader_open_keys": loader_open_keys,
        }
        return contract_problems(**{**args, **changes})

    assert not problems_with()
    assert any(
        "kafka/client.rack" in p for p in problems_with(loader_keys=loader_keys | {("kafka", "client.rack")})
    )
    assert any(
        "pipeline/parallelism" in p
        for p in problems_with(loader_keys=loader_keys - {("pipeline", "parallelism")})
    )

    table_minus = {
        **property_keys,
        "kafka": {**property_keys["kafka"], "keys": dict(property_keys["kafka"]["keys"])},
    }
    del table_minus["kafka"]["keys"]["group_id"]
    problems = problems_with(property_keys=table_minus)
    assert any("kafka/group.id" in p for p in problems) and any("group kafka" in p for p in problems)

    assert problems_with(loader_open=loader_open | {"extra.open"})
    # The topics group's source keys: the loader dropping them, or the table losing source_topics.
    assert any("open keys" in p for p in problems_with(loader_open_keys=set()))
    assert any("source_topics" in p for p in problems_with(open_keys={}))
    # The scoring group's endpoint keys: Terraform losing scoring_endpoints, or the loader its own.
    assert any("open keys" in p for p in problems_with(open_key_variables={}))
    assert any("open keys" in p for p in problems_with(loader_open_keys=loader_open_keys - {"scoring"}))
    # A local-only key of the scoring group written by Terraform is reported.
    table_local = {
        **property_keys,
        "scoring": {
            **property_keys["scoring"],
            "keys": {**property_keys["scoring"]["keys"], "endpoint_override": "endpoint.override"},
        },
    }
    assert any(
        "local-only key scoring/endpoint.override" in p for p in problems_with(property_keys=table_local)
    )
    # The old fixed source keys would be reported as keys the loader does not read.
    table_plus = {
        **property_keys,
        "topics": {
            **property_keys["topics"],
            "keys": {**property_keys["topics"]["keys"], "profiles": "profiles"},
        },
    }
    assert any("topics/profiles" in p for p in problems_with(property_keys=table_plus))


# --------------------------------------------------------------------------------------------------
# The committed manifests
# --------------------------------------------------------------------------------------------------

MANIFEST_FILES = sorted(p for p in TERRAFORM.rglob("*.manifest.json") if ".terraform" not in p.parts)


def test_every_example_reads_a_committed_manifest():
    for example in ("provisioned", "serverless"):
        main = (EXAMPLES / example / "main.tf").read_text()
        assert 'manifest = jsondecode(file("${path.module}/fraud.manifest.json"))' in main, example
        assert (EXAMPLES / example / "fraud.manifest.json") in MANIFEST_FILES


@pytest.mark.parametrize("path", MANIFEST_FILES, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_committed_manifest_is_current(path: Path):
    """A spec change without regenerating the file Terraform reads fails here."""
    pipeline = path.name.removesuffix(".manifest.json")
    expected = json.loads(json.dumps(manifest(get_pipeline(pipeline))))
    committed = json.loads(path.read_text(encoding="utf-8"))
    rel = path.relative_to(TERRAFORM.parent)
    assert committed == expected, (
        f"{rel} is not the manifest of pipeline '{pipeline}': run "
        f"`msk-features manifest {pipeline} -o {rel}` and commit the result"
    )


# --------------------------------------------------------------------------------------------------
# Rendered by Terraform itself
# --------------------------------------------------------------------------------------------------

SCRAM_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_features_flink-AbCdEf"

CASES = {
    # What the examples deploy: IAM auth, defaults elsewhere.
    "defaults": {
        "bootstrap_servers": "b-1.example.kafka.us-east-1.amazonaws.com:9098,b-2.example.kafka:9098",
        "offline_path": "s3a://lake-bucket/msk-flink-features",
        "transactional_id_prefix": "msk-flink-features-dev",
        "application_properties": {},
    },
    # SCRAM, renamed topics, feature-topic overrides, at-least-once, no offline group.
    "scram": {
        "bootstrap_servers": "b-1.example:9096",
        "transactional_id_prefix": "app",
        "scram_secret_arn": SCRAM_SECRET_ARN,
        "application_properties": {
            "kafka": {"auth": "scram", "group_id": "g1"},
            "topics": {"partitions": 6, "retention_ms": -1},
            "source_topics": {"transactions": "txns"},
            "kafka_sink": {"delivery_guarantee": "at-least-once"},
            "feature_topics": {"txn_1m": "online-txn-1m", "session": "online-sessions"},
        },
    },
    # Every key of every group set (mTLS so that the ssl.* keys make sense).
    "every_key": {
        "application_properties": {
            "run_options": {
                "python": "main.py",
                "jarfile": "lib/pyflink-dependencies.jar",
                "py_files": "extra.zip",
            },
            "kafka": {
                "bootstrap_servers": "b-1.example:9094",
                "auth": "mtls",
                "group_id": "features",
                "sasl_username": "unused",
                "sasl_password": "secretsmanager:AmazonMSK_unused:password",
                "ssl_truststore_location": "/tmp/truststore.pem",
                "ssl_truststore_type": "PEM",
                "ssl_keystore_location": "/tmp/keystore.p12",
                "ssl_keystore_type": "PKCS12",
                "ssl_keystore_password": "secretsmanager:features/keystore:keystore_password",
                "ssl_key_password": "secretsmanager:features/keystore:key_password",
                "scan_startup_mode": "group-offsets",
                "bounded": True,
                "create_topics": False,
            },
            "topics": {
                "dead_letter": "dl",
                "late_events": "le",
                "partitions": 12,
                "retention_ms": 86400000,
            },
            "kafka_sink": {
                "delivery_guarantee": "exactly-once",
                "transactional_id_prefix": "every-key",
                "transaction_timeout_ms": 900000,
            },
            "offline": {"path": "s3a://bucket/prefix/sub"},
            "pipeline": {
                "name": "fraud",
                "version": "1.2.3",
                "watermark_delay_seconds": 45,
                "idle_timeout_seconds": 120,
                "checkpoint_interval_ms": 30000,
                "parallelism": 4,
                "feature_sets": "txn_1m,txn_1h",
                "added_feature_sets": "txn_1m",
                "switch_over": "2026-11-24T10:00:00Z",
            },
            "scoring": {
                "region": "eu-west-1",
                "max_in_flight": 16,
                "attempt_timeout_ms": 1500,
                "max_attempts": 2,
                "backoff_ms": 50,
            },
            "backfill": {
                "from": "2026-11-01T00:00:00Z",
                "to": "2026-11-08T00:00:00.250Z",
                "feature_sets": "txn_1h,session",
                "run": "2026-11-week1",
                "lookback_seconds": 172800,
            },
            "source_topics": {"transactions": "t", "clicks": "c", "profiles": "p"},
            "feature_topics": {"txn_features": "scoring-vector"},
        },
    },
    # A backfill application (the examples' var.backfill): the live defaults plus the backfill group.
    "backfill": {
        "bootstrap_servers": "b-1.example:9098",
        "offline_path": "s3a://lake-bucket/msk-flink-features",
        "application_properties": {
            "backfill": {"from": "2026-11-01T00:00:00Z", "to": "2026-11-08T00:00:00Z"},
        },
    },
    # One source's topic renamed (the versioned one), nothing else.
    "source_override": {
        "bootstrap_servers": "b-1.example:9098",
        "application_properties": {"source_topics": {"profiles": "user-profiles"}},
    },
}
# Rendered with the others but not parsed by the loader's generic test above: the defaults plus one
# scoring endpoint (the scoring group, flink_jobs/features/scoring.py), see test_rendered_scoring_group.
SCORING_CASES = {
    "scoring": {
        **CASES["defaults"],
        "scoring_endpoints": {"fraud_score": "msk-flink-features-dev-fraud-score"},
    },
}
# The reference pipeline, as the Python side declares it, and its manifest (what Terraform reads).
PIPELINE = get_pipeline("fraud")
MANIFEST = json.loads(json.dumps(manifest(PIPELINE)))


def write_manifest(directory: Path, document: dict | None = None) -> str:
    """Write ``document`` (the fraud manifest by default) into ``directory``; the HCL that reads it."""
    (directory / "fraud.manifest.json").write_text(json.dumps(document or MANIFEST))
    return 'jsondecode(file("${path.module}/fraud.manifest.json"))'


@pytest.fixture(scope="module")
def rendered(tf_no_provider, tmp_path_factory) -> dict[str, dict]:
    """Apply a root module that instantiates the properties module once per case; return the outputs."""
    work = tmp_path_factory.mktemp("properties-contract")
    manifest_hcl = write_manifest(work)
    lines = []
    for name, args in {**CASES, **SCORING_CASES}.items():
        lines.append(f'module "{name}" {{')
        lines.append(f'  source = "{PROPERTIES_MODULE}"')
        for key, value in args.items():
            lines.append(f"  {key} = jsondecode({json.dumps(json.dumps(value))})")
        lines.append(f"  manifest = {manifest_hcl}")
        lines.append("}")
        lines.append(f'output "{name}" {{')
        lines.append(f"  value = module.{name}")
        lines.append("}")
    (work / "main.tf").write_text("\n".join(lines) + "\n")
    data_dir = work / ".tf-data"
    for args in (
        ["init", "-input=false", "-no-color"],
        ["apply", "-auto-approve", "-input=false", "-no-color"],
    ):
        proc = tf_no_provider.run(args, cwd=work, data_dir=data_dir)
        assert proc.returncode == 0, f"terraform {args[0]} failed:\n{proc.stdout}\n{proc.stderr}"
    proc = tf_no_provider.run(["output", "-json"], cwd=work, data_dir=data_dir)
    assert proc.returncode == 0, proc.stderr
    return {name: value["value"] for name, value in json.loads(proc.stdout).items()}


@pytest.mark.parametrize("case", list(CASES))
def test_rendered_properties_parse_with_the_loader(rendered, case):
    out = rendered[case]
    document = json.loads(out["application_properties_json"])
    assert document == out["application_properties"]
    cfg = parse_config(document, source=f"terraform case {case}")
    # The property map Terraform writes is exactly the group map: no group twice, strings only.
    groups = {g["PropertyGroupId"]: g["PropertyMap"] for g in document}
    assert groups == out["property_groups"]
    assert all(isinstance(v, str) for m in groups.values() for v in m.values())
    assert cfg.run_options.python == "main.py"
    assert cfg.run_options.jarfile == "lib/pyflink-dependencies.jar"
    # What IAM, monitoring and topic creation are derived from matches what the job will use.
    assert out["consumer_group"] == cfg.kafka.consumer_group
    assert out["transactional_id_prefix"] == cfg.sink.transactional_id_prefix
    assert out["kafka_auth"] == cfg.kafka.auth
    # The topics the job will use (Python, from the rendered properties) are Terraform's, in order.
    assert cfg.pipeline.name == out["pipeline"] == MANIFEST["pipeline"]
    specs = pipeline_topics(cfg.topics, cfg.pipeline.name)
    assert [
        (t["name"], t["partitions"], t["compacted"], t["retention_ms"], t["role"], t["owner"])
        for t in out["topics"]
    ] == [(s.name, s.partitions, s.compacted, s.retention_ms, s.role, s.owner) for s in specs]
    assert out["input_topics"] == [s.name for s in specs if s.role == "input"]
    assert out["output_topics"] == [s.name for s in specs if s.role != "input"]
    assert out["source_topics"] == {
        s.name: cfg.topics.source_topic(s.name, s.topic) for s in PIPELINE.sources
    }
    assert out["feature_topics"] == {
        name: cfg.topics.feature_topic(name) for name in PIPELINE.feature_set_names()
    }
    assert out["checkpoint_interval_ms"] == cfg.pipeline.checkpoint_interval_ms
    assert out["parallelism"] == cfg.pipeline.parallelism


def test_rendered_defaults(rendered):
    cfg = parse_config(rendered["defaults"]["application_properties"])
    assert cfg.kafka.auth == "iam"
    assert cfg.kafka.bootstrap_servers.endswith(":9098")
    assert cfg.kafka.bounded is False
    assert cfg.sink.delivery_guarantee == "exactly-once"
    assert cfg.sink.transactional_id_prefix == "msk-flink-features-dev"
    assert cfg.sink.transaction_timeout_ms <= 900_000
    assert cfg.offline is not None and cfg.offline.path == "s3a://lake-bucket/msk-flink-features"
    assert cfg.offline.s3_endpoint is None and cfg.offline.s3_access_key is None
    assert cfg.pipeline.checkpoint_interval_ms == 60_000 and cfg.pipeline.parallelism == 1
    # Every source's topic is written explicitly (the manifest's); nothing else differs from the defaults.
    assert cfg.topics == TopicsConfig(sources={s["name"]: s["topic"] for s in MANIFEST["sources"]})
    assert pipeline_topics(cfg.topics, "fraud") == pipeline_topics(TopicsConfig(), "fraud")
    # With default topic properties Terraform's topics are the manifest's, value for value.
    assert rendered["defaults"]["topics"] == MANIFEST["topics"]
    assert rendered["defaults"]["offline_bucket"] == "lake-bucket"
    assert rendered["defaults"]["offline_prefix"] == "msk-flink-features"


def test_rendered_scram_and_feature_topics(rendered):
    out = rendered["scram"]
    cfg = parse_config(out["application_properties"])
    assert (cfg.kafka.auth, cfg.kafka.consumer_group) == ("scram", "g1")
    # Only references to the secret's keys, which the Kafka client resolves at run time.
    assert cfg.kafka.scram_username == f"secretsmanager:{SCRAM_SECRET_ARN}:username"
    assert cfg.kafka.scram_password == f"secretsmanager:{SCRAM_SECRET_ARN}:password"
    assert cfg.offline is None and "offline" not in out["property_groups"]
    assert cfg.topics.feature_topic("txn_1m") == "online-txn-1m"
    assert cfg.topics.feature_topic("txn_1h") == "features-txn-1h"
    assert cfg.topics.retention_ms == -1 and cfg.topics.partitions == 6
    assert cfg.topics.source_topic("transactions") == "txns" and out["input_topics"][0] == "txns"
    assert cfg.sink.delivery_guarantee == "at-least-once"


def test_rendered_source_topic_override(rendered):
    """source_topics renames a source's topic: the topics group names it, the loader reads it, and
    the job's topics, IAM's input list and topic creation all use it instead of the manifest's."""
    out = rendered["source_override"]
    assert out["property_groups"]["topics"]["profiles"] == "user-profiles"
    cfg = parse_config(json.loads(out["application_properties_json"]), source="source_override")
    assert cfg.topics.sources["profiles"] == "user-profiles"
    assert cfg.topics.source_topic("profiles") == "user-profiles"
    specs = pipeline_topics(cfg.topics, "fraud")
    (profiles,) = [s for s in specs if s.owner == "profiles"]
    assert (profiles.name, profiles.compacted, profiles.retention_ms) == ("user-profiles", True, None)
    assert out["input_topics"] == ["transactions", "clicks", "user-profiles", "labels"]
    assert "profiles" not in {t["name"] for t in out["topics"]}
    assert out["source_topics"] == {
        "transactions": "transactions",
        "clicks": "clicks",
        "profiles": "user-profiles",
        "labels": "labels",
    }


def test_rendered_every_key_covers_the_whole_table(rendered):
    """With every attribute set, Terraform writes every (group, key) of its mapping table."""
    _, property_keys, open_groups, open_keys, _ = terraform_side()
    groups = rendered["every_key"]["property_groups"]
    written = {(g, k) for g, m in groups.items() for k in m}
    table = {(spec["group"], key) for spec in property_keys.values() for key in spec["keys"].values()}
    sources = {(group, s.name) for group in open_keys.values() for s in PIPELINE.sources}
    assert sources <= written
    assert written - {(g, k) for g, k in written if g in open_groups.values()} - sources == table
    cfg = parse_config(rendered["every_key"]["application_properties"])
    assert cfg.run_options.py_files == "extra.zip"
    assert cfg.kafka.bounded is True and cfg.kafka.starting_offsets == "group-offsets"
    assert cfg.pipeline.version == "1.2.3" and cfg.pipeline.watermark_delay_s == 45
    assert cfg.kafka.create_topics is False and cfg.pipeline.added_feature_sets == ("txn_1m",)
    assert rendered["every_key"]["offline_prefix"] == "prefix/sub"
    assert cfg.backfill is not None and cfg.backfill.feature_sets == ("txn_1h", "session")
    assert cfg.backfill.lookback_s == 172800 and cfg.backfill.run_name() == "2026-11-week1"
    assert (cfg.scoring.region, cfg.scoring.max_in_flight, cfg.scoring.attempt_timeout_ms) == (
        "eu-west-1",
        16,
        1500,
    )
    assert (cfg.scoring.max_attempts, cfg.scoring.backoff_ms, cfg.scoring.endpoints) == (2, 50, {})


def test_rendered_backfill_group(rendered):
    """The backfill group Terraform writes is the loader's: a live application has none, and a
    backfill's unset keys are left out, so the job's defaults (all sets, <from>_<to>) apply."""
    from datetime import UTC, datetime

    assert "backfill" not in rendered["defaults"]["property_groups"]
    assert parse_config(rendered["defaults"]["application_properties"]).backfill is None
    out = rendered["backfill"]
    assert out["property_groups"]["backfill"] == {
        "from": "2026-11-01T00:00:00Z",
        "to": "2026-11-08T00:00:00Z",
    }
    cfg = parse_config(out["application_properties"])
    assert cfg.backfill is not None
    assert (cfg.backfill.start, cfg.backfill.end) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 8, tzinfo=UTC),
    )
    assert cfg.backfill.feature_sets == () and cfg.backfill.lookback_s is None
    # The examples name the application and the output folder with this run name.
    assert cfg.backfill.run_name() == "20261101T0000Z_20261108T0000Z"


def test_rendered_scoring_group(rendered):
    """scoring_endpoints adds one group, scoring, with <scoring name>.endpoint = the endpoint, and
    changes nothing else; without it there is no scoring group."""
    out = rendered["scoring"]
    assert out["property_groups"]["scoring"] == {"fraud_score.endpoint": "msk-flink-features-dev-fraud-score"}
    others = {g: m for g, m in out["property_groups"].items() if g != "scoring"}
    assert others == rendered["defaults"]["property_groups"]
    document = json.loads(out["application_properties_json"])
    assert {g["PropertyGroupId"]: g["PropertyMap"] for g in document} == out["property_groups"]
    # No endpoint, no limit: no scoring group (every_key sets the limits).
    assert all("scoring" not in rendered[case]["property_groups"] for case in CASES if case != "every_key")
    assert "fraud_score.endpoint" not in rendered["every_key"]["property_groups"]["scoring"]


def test_loader_reads_the_scoring_group(rendered):
    """The job reads the scoring group Terraform writes: the endpoint of each scoring given one, the
    loader's defaults for the limits; no endpoint override or static keys (local servers only)."""
    cfg = parse_config(json.loads(rendered["scoring"]["application_properties_json"]), source="scoring")
    assert cfg.scoring.endpoints == {"fraud_score": "msk-flink-features-dev-fraud-score"}
    assert cfg.scoring.endpoint_override is None and cfg.scoring.access_key is None
    assert set(cfg.scoring.endpoints) <= set(PIPELINE.scoring_names())
    # The scores topic the job writes is Terraform's (IAM, topic creation).
    specs = pipeline_topics(cfg.topics, "fraud")
    assert [t["name"] for t in rendered["scoring"]["topics"] if t["role"] == "scores"] == [
        s.name for s in specs if s.role == "scores"
    ]


def test_examples_scoring_name_is_a_scoring_of_the_pipeline():
    """The examples' default scoring_name is a scoring the fraud pipeline declares."""
    from .hcl import blocks

    for example in ("serverless", "provisioned"):
        default = unquote(
            dict(blocks(EXAMPLES / example / "variables.tf", "variable"))["scoring_name"]["default"]
        )
        assert default in [scoring.name for scoring in PIPELINE.scorings], (example, default)


def plan_properties_module(tf_no_provider, directory: Path, body: str, document: dict | None = None):
    """``terraform plan`` of a root module holding one instance of the properties module, with
    ``body`` as its arguments and ``document`` (the fraud manifest by default) as its manifest."""
    manifest_hcl = write_manifest(directory, document)
    (directory / "main.tf").write_text(
        f'module "p" {{\n  source   = "{PROPERTIES_MODULE}"\n  manifest = {manifest_hcl}\n'
        + textwrap.indent(textwrap.dedent(body).strip(), "  ")
        + "\n}\n"
    )
    data_dir: Path = directory / ".tf-data"
    init = tf_no_provider.run(["init", "-input=false", "-no-color"], cwd=directory, data_dir=data_dir)
    assert init.returncode == 0, init.stderr
    return tf_no_provider.run(["plan", "-input=false", "-no-color"], cwd=directory, data_dir=data_dir)


def test_invalid_properties_are_refused_by_terraform(tf_no_provider, tmp_path):
    """The variable's validations reject what the loader would reject at start."""
    proc: subprocess.CompletedProcess = plan_properties_module(
        tf_no_provider,
        tmp_path,
        """
        bootstrap_servers = "b:9098"
        application_properties = {
          kafka_sink = { transaction_timeout_ms = 3600000 }
        }
        """,
    )
    assert proc.returncode != 0
    assert "transaction_timeout_ms must be from 1000 to 900000" in proc.stderr


def test_the_manifest_is_enough(tf_no_provider, tmp_path):
    """The manifest is the only pipeline input: the module plans with it and defaults elsewhere."""
    proc = plan_properties_module(tf_no_provider, tmp_path, 'bootstrap_servers = "b:9098"')
    assert proc.returncode == 0, proc.stderr


MANIFEST_OTHER_FORMAT = {**MANIFEST, "format": 2}
MANIFEST_RENAMED_FEATURE_TOPIC = {
    **MANIFEST,
    "feature_sets": [
        {**MANIFEST["feature_sets"][0], "topic": "online-txn-1m"},
        *MANIFEST["feature_sets"][1:],
    ],
}


@pytest.mark.parametrize(
    ("properties", "document", "message"),
    [
        ("{}", MANIFEST_OTHER_FORMAT, "The manifest's format is not 1"),
        ("{}", {"format": 1}, "must be the decoded output of `msk-features manifest`"),
        ("{}", MANIFEST_RENAMED_FEATURE_TOPIC, "feature set topics are not the defaults"),
        (
            '{ source_topics = { payments = "payments" } }',
            None,
            "source_topics keys must be source names of the manifest's pipeline",
        ),
        (
            '{ feature_topics = { txn_1d = "features-1d" } }',
            None,
            "feature_topics keys must be feature set names of the manifest's pipeline",
        ),
        ('{ source_topics = { profiles = "bad topic!" } }', None, "must be Kafka topic names"),
        ('{ pipeline = { name = "other" } }', None, "pipeline.name must be null or the manifest's pipeline"),
    ],
    ids=[
        "format-2",
        "not-a-manifest",
        "renamed-feature-topic-in-file",
        "unknown-source",
        "unknown-feature-set",
        "bad-topic-name",
        "other-pipeline",
    ],
)
def test_manifest_mismatches_are_refused(tf_no_provider, tmp_path, properties, document, message):
    """What the job would refuse at start (or what would make IAM disagree with it) fails the plan."""
    proc = plan_properties_module(
        tf_no_provider,
        tmp_path,
        f'bootstrap_servers = "b:9098"\napplication_properties = {properties}',
        document,
    )
    assert proc.returncode != 0
    assert message in " ".join(proc.stderr.split()), proc.stderr


@pytest.mark.parametrize(
    "kafka",
    [
        {"auth": "scram", "sasl_username": "flink", "sasl_password": "a-literal-password"},
        {"auth": "mtls", "ssl_keystore_location": "/k.p12", "ssl_keystore_password": "a-literal-password"},
    ],
)
def test_literal_passwords_are_refused(tf_no_provider, tmp_path, kafka):
    """Terraform state and the properties are readable: a password must be a secret reference."""
    proc = plan_properties_module(
        tf_no_provider,
        tmp_path,
        f"application_properties = jsondecode({json.dumps(json.dumps({'kafka': kafka}))})",
    )
    assert proc.returncode != 0
    assert "take a secret reference" in " ".join(proc.stderr.split())
    # (Terraform's diagnostic echoes the refused value: it is in the caller's configuration anyway.)
