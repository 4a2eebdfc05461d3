"""Build the uber-jar and the Managed Flink zip with Maven, then check what is inside them.

`mvn -q -B package` (root pom.xml) must produce
  * target/lib/pyflink-dependencies.jar: Kafka connector + kafka-clients (unrelocated), the MSK IAM
    auth library, the project's Secrets Manager config provider (src/main/java) with the AWS SDK's
    Secrets Manager client, flink-parquet + the Hadoop classes it needs; no Flink runtime, no logging
    backend;
  * target/msk-flink-features-<version>.zip: main.py, flink_jobs/**, connectors/** (Python and
    .sql/.json data files only) and lib/pyflink-dependencies.jar, nothing else.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "target"
JAR = TARGET / "lib" / "pyflink-dependencies.jar"
JAR_ENTRY = "lib/pyflink-dependencies.jar"
SOURCE_PACKAGES = ("flink_jobs", "connectors")
DATA_SUFFIXES = {".py", ".sql", ".json"}

FACTORY_SERVICE = "META-INF/services/org.apache.flink.table.factories.Factory"
REQUIRED_FACTORIES = {
    "org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicTableFactory",  # 'kafka'
    "org.apache.flink.streaming.connectors.kafka.table.UpsertKafkaDynamicTableFactory",  # 'upsert-kafka'
    "org.apache.flink.formats.parquet.ParquetFileFormatFactory",  # format 'parquet'
}
REQUIRED_CLASSES = {
    "software/amazon/msk/auth/iam/IAMLoginModule.class",
    "software/amazon/msk/auth/iam/IAMClientCallbackHandler.class",
    "org/apache/kafka/clients/producer/KafkaProducer.class",
    "org/apache/kafka/clients/consumer/KafkaConsumer.class",
    "org/apache/flink/connector/kafka/sink/KafkaSink.class",
    "org/apache/flink/connector/kafka/source/KafkaSource.class",
    "org/apache/parquet/hadoop/ParquetWriter.class",
    "org/apache/hadoop/conf/Configuration.class",
    # ParquetOutputFormat extends this (flink-parquet reads its settings through it).
    "org/apache/hadoop/mapreduce/lib/output/FileOutputFormat.class",
    # `secretsmanager:` secret references (connectors/kafka_auth.py names this class), its SDK client
    # and the HTTP client it is built with.
    "com/mskflinkfeatures/kafka/SecretsManagerConfigProvider.class",
    "software/amazon/awssdk/services/secretsmanager/SecretsManagerClient.class",
    "software/amazon/awssdk/http/apache5/Apache5HttpClient.class",
}
# SDK HTTP clients the jar must not carry (apache5-client is the one): the size guard for the SDK.
UNWANTED_PREFIXES = (
    "software/amazon/awssdk/http/apache/",
)  # apache-client (4.x): apache5 is the sync client
# The sagemaker model provider's async client runs on netty-nio-client (and netty itself).
REQUIRED_ASYNC_TRANSPORT = (
    "software/amazon/awssdk/http/nio/netty/NettyNioAsyncHttpClient.class",
    "software/amazon/awssdk/services/sagemakerruntime/SageMakerRuntimeAsyncClient.class",
    "com/mskflinkfeatures/model/SageMakerModelProviderFactory.class",
)
REQUIRED_CLASSES_PROVIDER = "com/mskflinkfeatures/kafka/SecretsManagerConfigProvider.class"
# Hadoop's Configuration loads its defaults from here; without it every get() fails.
REQUIRED_RESOURCES = {"core-default.xml"}

# The only Flink code allowed in the jar: the Kafka connector and the Parquet format.
ALLOWED_FLINK_PREFIXES = (
    "org/apache/flink/connector/kafka/",
    "org/apache/flink/streaming/connectors/kafka/",
    "org/apache/flink/streaming/util/serialization/JSONKeyValueDeserializationSchema",
    "org/apache/flink/formats/parquet/",
)
# What Managed Flink / PyFlink already provides; a copy in the user jar shadows it (child-first).
FORBIDDEN_PREFIXES = (
    "org/apache/flink/runtime/",
    "org/apache/flink/streaming/api/environment/",
    "org/apache/flink/streaming/api/datastream/",
    "org/apache/flink/table/api/TableEnvironment.class",
    "org/apache/flink/table/factories/FactoryUtil.class",
    "org/apache/flink/api/common/ExecutionConfig.class",
    "org/apache/flink/configuration/Configuration.class",
    "org/apache/flink/connector/base/",
    "org/apache/flink/connector/file/",
    "org/apache/flink/formats/json/",
    "org/apache/flink/shaded/",
    "org/apache/flink/python/",
    "org/apache/logging/log4j/",
    "org/apache/log4j/",
    "org/slf4j/",
    "ch/qos/logback/",
    "ch/qos/reload4j/",
    "org/apache/commons/logging/",
    "org/apache/commons/lang3/",  # in flink-dist
    "org/xerial/snappy/",  # in flink-dist
    "net/jpountz/",  # in flink-dist
)
SIGNATURE_FILE = re.compile(r"^META-INF/[^/]+\.(SF|DSA|RSA|EC)$", re.IGNORECASE)


def _project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def _pom_value(tag: str) -> str:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    node = ET.parse(ROOT / "pom.xml").getroot().find(tag, ns)
    assert node is not None and node.text, f"pom.xml has no {tag}"
    return node.text.strip()


def _expected_zip_files() -> set[str]:
    """The zip layout, computed from the work tree independently of the assembly descriptor."""
    expected = {"main.py", JAR_ENTRY}
    for package in SOURCE_PACKAGES:
        for path in (ROOT / package).rglob("*"):
            rel = path.relative_to(ROOT)
            if (
                path.is_file()
                and path.suffix in DATA_SUFFIXES
                and "__pycache__" not in rel.parts
                and not any(part.startswith(".") for part in rel.parts)
            ):
                expected.add(rel.as_posix())
    return expected


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def build(built_package: Path) -> dict[str, Path]:
    """The session's Maven build (``built_package`` in conftest): the jar and the versioned zip."""
    zip_path = TARGET / f"msk-flink-features-{_project_version()}.zip"
    assert JAR.is_file(), f"{JAR} was not built"
    assert zip_path.is_file(), f"{zip_path} was not built"
    assert built_package == zip_path
    return {"jar": JAR, "zip": zip_path}


@pytest.fixture(scope="module")
def jar_names(build: dict[str, Path]) -> list[str]:
    with zipfile.ZipFile(build["jar"]) as jar:
        return jar.namelist()


def test_pom_version_matches_pyproject() -> None:
    assert _pom_value("m:version") == _project_version()


def test_zip_holds_exactly_the_managed_flink_layout(build: dict[str, Path]) -> None:
    with zipfile.ZipFile(build["zip"]) as zf:
        entries = zf.namelist()
    files = {name for name in entries if not name.endswith("/")}
    expected = _expected_zip_files()
    assert sorted(files - expected) == [], "unexpected entries in the zip"
    assert sorted(expected - files) == [], "entries missing from the zip"
    assert len(files) == len([name for name in entries if not name.endswith("/")]), "duplicate entries"
    # Directory entries, if any, may only be parents of expected files.
    parents = {"/".join(f.split("/")[:i]) + "/" for f in expected for i in range(1, f.count("/") + 1)}
    assert sorted({name for name in entries if name.endswith("/")} - parents) == []
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in entries)


def test_zip_sources_match_the_work_tree(build: dict[str, Path]) -> None:
    with zipfile.ZipFile(build["zip"]) as zf:
        for name in sorted(_expected_zip_files() - {JAR_ENTRY}):
            assert zf.read(name) == (ROOT / name).read_bytes(), f"{name} in the zip is stale"


def test_zip_jar_is_the_built_jar(build: dict[str, Path]) -> None:
    with zipfile.ZipFile(build["zip"]) as zf:
        in_zip = zf.read(JAR_ENTRY)
    assert _sha256(in_zip) == _sha256(build["jar"].read_bytes())


def test_jar_size_is_reported(build: dict[str, Path], record_property) -> None:
    size_mb = build["jar"].stat().st_size / (1024 * 1024)
    record_property("pyflink_dependencies_jar_mb", f"{size_mb:.1f}")
    print(f"\n{build['jar'].relative_to(ROOT)}: {size_mb:.1f} MB")
    # A guard rail, not a target: the Hadoop tree unpruned would push this past 100 MB.
    assert 5 < size_mb < 80, f"unexpected jar size {size_mb:.1f} MB"


def test_table_factories_are_discoverable(build: dict[str, Path], jar_names: list[str]) -> None:
    with zipfile.ZipFile(build["jar"]) as jar:
        text = jar.read(FACTORY_SERVICE).decode()
    listed = {line.split("#", 1)[0].strip() for line in text.splitlines()} - {""}
    assert sorted(REQUIRED_FACTORIES - listed) == [], f"missing from {FACTORY_SERVICE}"
    names = set(jar_names)
    for cls in listed:
        assert cls.replace(".", "/") + ".class" in names, f"{cls} is listed but not in the jar"


def test_required_classes_are_present(jar_names: list[str]) -> None:
    names = set(jar_names)
    assert sorted((REQUIRED_CLASSES | REQUIRED_RESOURCES) - names) == []


def test_config_provider_class_is_the_one_the_connector_names(jar_names: list[str]) -> None:
    """Every config provider class ``client_properties`` may name is in the jar, and it is a Kafka
    ConfigProvider (its class file names the interface)."""
    from connectors.kafka_auth import CONFIG_PROVIDER_CLASSES

    names = set(jar_names)
    for provider, cls in CONFIG_PROVIDER_CLASSES.items():
        assert cls.replace(".", "/") + ".class" in names, f"{provider}: {cls} is not in the jar"
    with zipfile.ZipFile(JAR) as jar:
        code = jar.read(REQUIRED_CLASSES_PROVIDER)
    assert b"org/apache/kafka/common/config/provider/ConfigProvider" in code
    assert [n for n in jar_names if n.startswith(UNWANTED_PREFIXES)][:5] == []
    assert [c for c in REQUIRED_ASYNC_TRANSPORT if c not in names] == []
    assert any(n.startswith("io/netty/") for n in jar_names), "netty, the async client's transport"


def test_kafka_is_not_relocated(jar_names: list[str]) -> None:
    relocated = [n for n in jar_names if "org/apache/kafka/" in n and not n.startswith("org/apache/kafka/")]
    assert relocated[:5] == [], "kafka-clients must keep its package names (MSK IAM, SQL WITH options)"
    assert not any(n.startswith("org/apache/flink/kafka/shaded/") for n in jar_names)


def test_no_flink_runtime_or_logging_inside(jar_names: list[str]) -> None:
    forbidden = [n for n in jar_names if n.startswith(FORBIDDEN_PREFIXES)]
    assert forbidden[:10] == [], "classes Managed Flink already provides"
    flink_classes = [n for n in jar_names if n.startswith("org/apache/flink/") and n.endswith(".class")]
    foreign_flink = [n for n in flink_classes if not n.startswith(ALLOWED_FLINK_PREFIXES)]
    assert foreign_flink[:10] == [], "Flink classes other than the Kafka connector and the Parquet format"


def test_no_signature_files_or_module_descriptors(jar_names: list[str]) -> None:
    assert [n for n in jar_names if SIGNATURE_FILE.match(n)] == []
    assert "module-info.class" not in jar_names


def test_kafka_clients_version_is_the_connectors_own(build: dict[str, Path]) -> None:
    """kafka-clients must be the version flink-connector-kafka declares, not an override."""
    connector_version = _pom_value("m:properties/m:flink.connector.kafka.version")
    parent_pom = (
        Path.home()
        / ".m2/repository/org/apache/flink/flink-connector-kafka-parent"
        / connector_version
        / f"flink-connector-kafka-parent-{connector_version}.pom"
    )
    if not parent_pom.is_file():
        pytest.skip(f"{parent_pom} not in the default local Maven repository")
    declared = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", parent_pom.read_text())
    assert declared, f"no kafka.version in {parent_pom.name}"
    with zipfile.ZipFile(build["jar"]) as jar:
        props = jar.read("kafka/kafka-version.properties").decode()
    shaded = re.search(r"^version=(\S+)", props, re.MULTILINE)
    assert shaded and shaded.group(1) == declared.group(1)
