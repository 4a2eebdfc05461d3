"""Terraform CLI tests, offline: fmt, init, validate and the mock-provider ``terraform test`` files.

* ``terraform fmt -check`` over terraform/ (needs only the CLI);
* a real offline ``terraform init -plugin-dir`` + ``validate`` of every module whose provider
  constraint the local binary satisfies (in a copy: the lock file stays out of the source tree);
* ``validate`` of both examples and of flink_app, which require hashicorp/aws >= 6.40, through a
  ``dev_overrides`` CLI config that points hashicorp/aws at the local binary;
* ``terraform test`` (tests/*.tftest.hcl, mock_provider "aws") in every module and example. With a
  provider older than 6.40 the runtime variable is overridden to FLINK-1_20, and
  test_old_provider_rejects_flink_2_2 shows why.

No cloud, no registry: without the CLI or the provider binary these tests are skipped with the reason.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from .conftest import FALLBACK_RUNTIME, report
from .hcl import EXAMPLES, MODULES, ROOT, TERRAFORM, load, unquote

# Directory -> the variable that carries the Flink runtime there.
TEST_DIRS = {
    "examples/serverless": "flink_runtime_environment",
    "examples/provisioned": "flink_runtime_environment",
    "modules/flink_app": "runtime_environment",
    "modules/msk": None,
    "modules/storage": None,
    "modules/kms": None,
    "modules/monitoring": None,
    "modules/model_endpoint": None,
    "modules/msk_topics": None,
    "modules/flink_app/modules/properties": None,
}
DEV_OVERRIDES_WARNING = "Provider development overrides are in effect"
# Configurations with aws_msk_topic (hashicorp/aws >= 6.38): with an older provider binary they run
# on a copy of terraform/ in which the resource is a terraform_data holding the same arguments
# (conftest.stand_in_tree), and test_old_provider_lacks_aws_msk_topic shows why.
MSK_TOPIC_DIRS = {"examples/provisioned", "modules/msk_topics"}


def _directory(relative, aws_provider, tmp_path):
    """Where to run terraform for ``relative``: terraform/ itself, or the aws_msk_topic stand-in copy."""
    if relative not in MSK_TOPIC_DIRS or aws_provider.has_msk_topic:
        return TERRAFORM / relative, ""
    from .conftest import stand_in_tree

    note = f" (aws_msk_topic stood in by terraform_data: provider v{aws_provider.version} < 6.38)"
    return stand_in_tree(tmp_path / "stand-in") / relative, note


def _clean(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_fmt_check(terraform, tf_no_provider, tmp_path):
    proc = tf_no_provider.run(
        ["fmt", "-check", "-recursive", "-diff", "-no-color", str(TERRAFORM)], cwd=ROOT, data_dir=tmp_path
    )
    print(f"terraform fmt -check -recursive terraform/ with {terraform.describe()}: exit {proc.returncode}")
    assert proc.returncode == 0, f"terraform fmt would change:\n{proc.stdout}{proc.stderr}"


def _constraint(directory) -> str:
    providers = load(directory / "versions.tf")["terraform"][0]["required_providers"][0]
    return unquote(providers["aws"]["version"])


@pytest.mark.parametrize("name", ["kms", "storage", "msk", "monitoring", "model_endpoint"])
def test_offline_init_and_validate_module(name, aws_provider, terraform, empty_cli_config, tmp_path):
    """A real `terraform init` against the local provider (filesystem-mirror layout)."""
    if aws_provider.mirror_root is None:
        pytest.skip(f"{aws_provider.binary} is not in a filesystem-mirror layout usable by -plugin-dir")
    from .conftest import TfRunner

    tf = TfRunner(terraform, empty_cli_config)
    work = tmp_path / name
    shutil.copytree(MODULES / name, work, ignore=shutil.ignore_patterns(".terraform*", "tests"))
    constraint = _constraint(work)
    proc = tf.run(
        ["init", "-backend=false", "-input=false", "-no-color", f"-plugin-dir={aws_provider.mirror_root}"],
        cwd=work,
        data_dir=work / ".terraform",
    )
    assert proc.returncode == 0, f"terraform init failed:\n{proc.stdout}\n{proc.stderr}"
    assert f"Installed hashicorp/aws v{aws_provider.version}" in proc.stdout, proc.stdout
    lock = (work / ".terraform.lock.hcl").read_text()
    assert f'version     = "{aws_provider.version}"' in lock
    report(
        f"terraform: modules/{name}: offline init -plugin-dir installed hashicorp/aws "
        f"v{aws_provider.version} (constraint {constraint})"
    )
    proc = tf.run(["validate", "-json", "-no-color"], cwd=work, data_dir=work / ".terraform")
    result = json.loads(proc.stdout)
    assert result["valid"], json.dumps(result["diagnostics"], indent=2)
    assert result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=2)


def _get_modules(tf, directory, data_dir):
    proc = tf.run(["get", "-no-color"], cwd=directory, data_dir=data_dir)
    assert proc.returncode == 0, f"terraform get failed:\n{proc.stdout}\n{proc.stderr}"


# kms, storage, msk, monitoring and model_endpoint are validated after their real init above.
VALIDATE_DIRS = ["examples/serverless", "examples/provisioned", "modules/flink_app", "modules/msk_topics"]


@pytest.mark.parametrize("relative", VALIDATE_DIRS, ids=VALIDATE_DIRS)
def test_validate(relative, tf, aws_provider, data_dir, tmp_path):
    directory, note = _directory(relative, aws_provider, tmp_path)
    if note:
        report(f"terraform: validate terraform/{relative}{note}")
    _get_modules(tf, directory, data_dir)
    proc = tf.run(["validate", "-json", "-no-color"], cwd=directory, data_dir=data_dir)
    result = json.loads(proc.stdout)
    assert result["valid"], json.dumps(result["diagnostics"], indent=2)
    unexpected = [d for d in result["diagnostics"] if DEV_OVERRIDES_WARNING not in d.get("summary", "")]
    assert not unexpected, json.dumps(unexpected, indent=2)
    print(
        f"{relative}: valid against hashicorp/aws v{aws_provider.version} "
        f"(constraint {_constraint(directory)})"
    )


def _runtime_args(relative, aws_provider) -> list[str]:
    variable = TEST_DIRS[relative]
    if variable is None or aws_provider.supports_flink_2_2:
        return []
    return [f"-var={variable}={FALLBACK_RUNTIME}"]


@pytest.mark.parametrize("relative", list(TEST_DIRS), ids=list(TEST_DIRS))
def test_terraform_test(relative, tf, aws_provider, data_dir, tmp_path):
    directory, stand_in_note = _directory(relative, aws_provider, tmp_path)
    _get_modules(tf, directory, data_dir)
    extra = _runtime_args(relative, aws_provider)
    started = time.monotonic()
    proc = tf.run(["test", "-no-color", *extra], cwd=directory, data_dir=data_dir, timeout=600)
    elapsed = time.monotonic() - started
    output = _clean(proc.stdout + proc.stderr)
    summary = re.search(r"(\d+) passed, (\d+) failed", output)
    note = f" with {' '.join(extra)} (provider v{aws_provider.version} < 6.40)" if extra else ""
    note += stand_in_note
    report(
        f"terraform: terraform test in terraform/{relative}{note}: "
        f"{summary.group(0) if summary else 'no summary'} in {elapsed:.1f}s"
    )
    assert proc.returncode == 0 and summary and summary.group(2) == "0", output[-6000:]
    assert int(summary.group(1)) >= 1


def test_old_provider_rejects_flink_2_2(tf, aws_provider, data_dir):
    """Why the runtime is overridden: this provider refuses FLINK-2_2 (only run on providers < 6.40)."""
    if aws_provider.supports_flink_2_2:
        pytest.skip(
            f"provider v{aws_provider.version} accepts FLINK-2_2: the mock tests ran with the default runtime"
        )
    directory = MODULES / "flink_app"
    _get_modules(tf, directory, data_dir)
    proc = tf.run(
        ["test", "-no-color", "-filter=tests/flink_app.tftest.hcl"], cwd=directory, data_dir=data_dir
    )
    output = _clean(proc.stdout + proc.stderr)
    assert proc.returncode != 0
    assert re.search(r"expected runtime_environment to be one of \[.*\], got FLINK-2_2", output), output[
        -3000:
    ]


def test_old_provider_lacks_aws_msk_topic(tf, aws_provider, data_dir):
    """Why aws_msk_topic is stood in: this provider has no such resource (only run on providers < 6.38)."""
    if aws_provider.has_msk_topic:
        pytest.skip(
            f"provider v{aws_provider.version} has aws_msk_topic: the mock tests ran on the real resource"
        )
    directory = MODULES / "msk_topics"
    _get_modules(tf, directory, data_dir)
    proc = tf.run(["validate", "-no-color"], cwd=directory, data_dir=data_dir)
    output = _clean(proc.stdout + proc.stderr)
    assert proc.returncode != 0
    assert 'does not support resource type "aws_msk_topic"' in output, output[-3000:]


def test_msk_topic_stand_in_keeps_the_arguments():
    """The stand-in holds exactly the resource's arguments, and references read them from its input."""
    import hcl2

    from .conftest import msk_topic_stand_in

    def resource(document: dict, kind: str) -> dict:
        (body,) = [r[f'"{kind}"']['"this"'] for r in document["resource"] if f'"{kind}"' in r]
        return {k: v for k, v in body.items() if not k.startswith("__")}

    text = (MODULES / "msk_topics" / "main.tf").read_text()
    real = resource(load(MODULES / "msk_topics" / "main.tf"), "aws_msk_topic")
    stand_in = resource(hcl2.loads(msk_topic_stand_in(text)), "terraform_data")
    arguments = {k: v for k, v in real.items() if k != "for_each"}
    assert set(arguments) == {"cluster_arn", "name", "partition_count", "replication_factor", "configs"}
    assert stand_in["for_each"] == real["for_each"]
    assert {k: v for k, v in stand_in["input"].items() if not k.startswith("__")} == arguments
    assert (
        msk_topic_stand_in('x = aws_msk_topic.this["a"].configs')
        == 'x = terraform_data.this["a"].input.configs'
    )


def test_examples_default_zip_path_points_at_make_package_output():
    """The examples upload target/msk-flink-features-<version>.zip, the file `make package` builds."""
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for example in ("serverless", "provisioned"):
        main = (EXAMPLES / example / "main.tf").read_text()
        assert f'"${{path.root}}/../../../target/msk-flink-features-{version}.zip"' in main


def test_msk_topic_arguments_are_the_providers():
    """Every required argument of aws_msk_topic is set, nothing else than its documented arguments,
    and ``configs`` is a JSON string (``jsonencode``), as the provider documents it
    (tests/terraform/aws_msk_topic_arguments.json: source, date, and why not its schema)."""
    documented = json.loads((Path(__file__).parent / "aws_msk_topic_arguments.json").read_text())
    (body,) = [
        r['"aws_msk_topic"']['"this"']
        for r in load(MODULES / "msk_topics" / "main.tf")["resource"]
        if '"aws_msk_topic"' in r
    ]
    arguments = {k for k in body if not k.startswith("__") and k not in ("for_each", "count", "lifecycle")}
    assert set(documented["required"]) <= arguments, set(documented["required"]) - arguments
    assert arguments <= set(documented["required"]) | set(documented["optional"]), arguments
    locals_text = (MODULES / "msk_topics" / "main.tf").read_text()
    for name in documented["json_string"]:
        assert re.search(rf"{name}\s*=\s*jsonencode\(", locals_text), f"{name} is not built with jsonencode"
