"""Structural tests of terraform/ with python-hcl2: no Terraform CLI, no provider, no cloud.

* every variable has a type and a description, every output a description;
* the application's runtime defaults to FLINK-2_2, and the configurations that use it require
  hashicorp/aws >= 6.40;
* no IAM statement has a ``*`` resource except the EC2 network-interface calls of VPC mode (and the
  key policy, where ``*`` means the key itself); every policy comes from an aws_iam_policy_document;
* every checkov skip is inline with a reason; every module and example has mock-provider tests;
* scoring: sagemaker:InvokeEndpoint only in the application's role, on the scoring endpoints' ARNs
  only; the endpoint's execution role reads its artifact object only; the examples' optional model
  variables (and the validation that refuses both); no pipeline-specific names in the modules.
"""

from __future__ import annotations

import re

import pytest

from .hcl import EXAMPLES, MODULES, TERRAFORM, blocks, labelled_blocks, load, tf_files, unquote

MODULE_NAMES = ["kms", "storage", "msk", "msk_topics", "flink_app", "monitoring", "model_endpoint"]
EXAMPLE_NAMES = ["serverless", "provisioned"]

# The EC2 calls Managed Flink makes with the service-execution role in VPC mode: the only IAM
# statement allowed a "*" resource.
VPC_MODE_ACTIONS = {
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
}
# In a KMS key policy the only valid resource is "*", meaning the key itself.
KEY_POLICY_DOCUMENTS = {("kms", "key_policy")}


def _rel(path) -> str:
    return str(path.relative_to(TERRAFORM))


def test_terraform_tree_exists():
    for name in MODULE_NAMES:
        for file in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
            assert (MODULES / name / file).is_file(), f"modules/{name}/{file} is missing"
    for name in EXAMPLE_NAMES:
        for file in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "vpc.tf", "README.md"):
            assert (EXAMPLES / name / file).is_file(), f"examples/{name}/{file} is missing"
    assert (TERRAFORM / "README.md").is_file()


def test_every_variable_is_typed_and_described():
    problems = []
    count = 0
    for path in tf_files():
        for name, body in blocks(path, "variable"):
            count += 1
            if not str(body.get("type", "")).strip():
                problems.append(f"{_rel(path)}: variable {name} has no type")
            if len(str(unquote(body.get("description", ""))).strip()) < 10:
                problems.append(f"{_rel(path)}: variable {name} has no (real) description")
    assert count > 50
    assert not problems, "\n".join(problems)


def test_every_output_is_described():
    problems = []
    count = 0
    for path in tf_files():
        for name, body in blocks(path, "output"):
            count += 1
            if len(str(unquote(body.get("description", ""))).strip()) < 5:
                problems.append(f"{_rel(path)}: output {name} has no description")
    assert count > 40
    assert not problems, "\n".join(problems)


def _default(path, name):
    return unquote(dict(blocks(path, "variable"))[name].get("default"))


def test_runtime_default_is_flink_2_2():
    assert _default(MODULES / "flink_app" / "variables.tf", "runtime_environment") == "FLINK-2_2"
    for example in EXAMPLE_NAMES:
        assert _default(EXAMPLES / example / "variables.tf", "flink_runtime_environment") == "FLINK-2_2"
        main = (EXAMPLES / example / "main.tf").read_text()
        assert "runtime_environment = var.flink_runtime_environment" in main


def _aws_constraint(path) -> str:
    terraform_block = load(path)["terraform"][0]
    providers = terraform_block["required_providers"][0]
    return unquote(providers["aws"]["version"])


@pytest.mark.parametrize(
    "path",
    [MODULES / "flink_app" / "versions.tf", *(EXAMPLES / name / "versions.tf" for name in EXAMPLE_NAMES)],
    ids=lambda p: _rel(p),
)
def test_flink_2_2_users_require_aws_6_40(path):
    assert _aws_constraint(path) == ">= 6.40"


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_require_terraform_with_mock_providers(name):
    terraform_block = load(EXAMPLES / name / "versions.tf")["terraform"][0]
    assert unquote(terraform_block["required_version"]) == ">= 1.9"


def test_examples_share_one_vpc_definition():
    assert (EXAMPLES / "serverless" / "vpc.tf").read_text() == (
        EXAMPLES / "provisioned" / "vpc.tf"
    ).read_text()


def _statements(body: dict) -> list[dict]:
    """Static and dynamic ``statement`` blocks of an aws_iam_policy_document body."""
    found = list(unquote(body.get("statement", [])))
    for dynamic in unquote(body.get("dynamic", [])):
        if "statement" in dynamic:
            found.extend(dynamic["statement"]["content"])
    for statement in found:
        # A resources expression (e.g. "${local.input_topic_arns}") is one string, not a list.
        if isinstance(statement.get("resources"), str):
            statement["resources"] = [statement["resources"]]
    return found


def _policy_documents():
    for path in tf_files():
        for type_name, name, body in labelled_blocks(path, "data"):
            if type_name == "aws_iam_policy_document":
                yield path, name, body


def test_no_iam_statement_has_a_star_resource_except_vpc_mode_network_calls():
    documents = list(_policy_documents())
    assert len(documents) >= 4
    problems = []
    vpc_statements = 0
    for path, name, body in documents:
        module = path.parent.name
        for statement in _statements(body):
            resources = statement.get("resources", [])
            if "*" not in resources:
                continue
            if (module, name) in KEY_POLICY_DOCUMENTS:
                continue
            actions = set(statement.get("actions", []))
            if statement.get("sid") == "VpcNetworkInterfaces" and actions <= VPC_MODE_ACTIONS:
                vpc_statements += 1
                continue
            problems.append(
                f"{_rel(path)}: data.aws_iam_policy_document.{name} {statement.get('sid')}: "
                f"* for {sorted(actions)}"
            )
        for statement in _statements(body):
            for resource in statement.get("resources", []):
                # No whole-service wildcards such as arn:aws:kafka:*:*:* either.
                if re.search(r":\*:\*", resource):
                    problems.append(f"{_rel(path)}: {name}: wildcard ARN {resource}")
    assert not problems, "\n".join(problems)
    assert vpc_statements == 1


def test_every_policy_comes_from_a_policy_document():
    """So that the star test above sees every IAM statement: no inline jsonencode() policies."""
    problems = []
    for path in tf_files():
        for type_name, name, body in labelled_blocks(path, "resource"):
            for attribute in ("policy", "assume_role_policy"):
                if attribute in body and "data.aws_iam_policy_document." not in str(body[attribute]):
                    problems.append(f"{_rel(path)}: {type_name}.{name}.{attribute} = {body[attribute]}")
    assert not problems, "\n".join(problems)


def test_kafka_iam_permissions_are_scoped_to_the_cluster():
    (body,) = [b for p, n, b in _policy_documents() if p.parent.name == "flink_app" and n == "this"]
    kafka = [s for s in _statements(body) if any(a.startswith("kafka-cluster:") for a in s["actions"])]
    assert {s["sid"] for s in kafka} == {
        "KafkaConnect",
        "KafkaReadInputTopics",
        "KafkaWriteOutputTopics",
        "KafkaConsumerGroup",
        "KafkaTransactionalIds",
        "KafkaCreateOwnTopics",
    }
    for statement in kafka:
        assert not any(a in ("kafka-cluster:*", "*") for a in statement["actions"])
        for resource in statement["resources"]:
            assert "cluster_arn" in resource or "arn_prefix" in resource or "topic_arns" in resource, resource


CHECKOV_SKIP = re.compile(r"#\s*checkov:skip=(?P<id>[A-Z0-9_]+)(?P<rest>.*)")


def test_every_checkov_skip_is_inline_with_a_reason():
    skips = []
    for path in tf_files():
        for line in path.read_text().splitlines():
            match = CHECKOV_SKIP.search(line)
            if match:
                reason = match.group("rest").lstrip(":").strip()
                assert match.group("rest").startswith(":") and len(reason) > 20, (
                    f"{_rel(path)}: {line.strip()}"
                )
                skips.append(match.group("id"))
    assert skips, "expected the documented skips"


@pytest.mark.parametrize(
    "directory", [*(MODULES / n for n in MODULE_NAMES), *(EXAMPLES / n for n in EXAMPLE_NAMES)], ids=_rel
)
def test_every_module_and_example_has_mock_provider_tests(directory):
    files = sorted((directory / "tests").glob("*.tftest.hcl"))
    assert files, f"{_rel(directory)} has no tests/*.tftest.hcl"
    for file in files:
        text = file.read_text()
        assert 'mock_provider "aws"' in text
        assert "assert {" in text or "expect_failures" in text


def test_readme_module_tables_are_current():
    from .docs import README, regenerate

    text = README.read_text()
    assert text.count("<!-- BEGIN_TF_DOCS") == 8
    stale = "terraform/README.md is stale: run .venv/bin/python -m tests.terraform.docs"
    assert regenerate(text) == text, stale


# --------------------------------------------------------------------------------------------------
# Scoring: the model endpoint and the permission to call it
# --------------------------------------------------------------------------------------------------


def _all_statements():
    for path, name, body in _policy_documents():
        for statement in _statements(body):
            yield path, name, statement


def test_invoke_endpoint_only_in_the_application_role_on_the_scoring_endpoints():
    """Exactly one statement anywhere grants a sagemaker: action: the application's
    InvokeScoringEndpoints, sagemaker:InvokeEndpoint alone, on the scoring endpoints' ARNs, and only
    when there are scoring endpoints (a dynamic statement)."""
    found = [
        (path, name, statement)
        for path, name, statement in _all_statements()
        if any(str(a).startswith("sagemaker:") for a in statement.get("actions", []))
    ]
    assert [(p.parent.name, n, s.get("sid")) for p, n, s in found] == [
        ("flink_app", "this", "InvokeScoringEndpoints")
    ]
    (_, _, statement) = found[0]
    assert statement["actions"] == ["sagemaker:InvokeEndpoint"]
    assert statement["resources"] == ["${local.scoring_endpoint_arns}"]
    (body,) = [b for p, n, b in _policy_documents() if p.parent.name == "flink_app" and n == "this"]
    (dynamic,) = [
        d["statement"]
        for d in unquote(body.get("dynamic", []))
        if "statement" in d and d["statement"]["content"][0].get("sid") == "InvokeScoringEndpoints"
    ]
    assert dynamic["for_each"] == "${length(local.scoring_endpoint_arns) > 0 ? [1] : []}"
    (arns,) = [
        e["scoring_endpoint_arns"]
        for e in load(MODULES / "flink_app" / "main.tf")["locals"]
        if "scoring_endpoint_arns" in e
    ]
    # arn:<partition>:sagemaker:<region>:<account>:endpoint/<name in lower case>, as SageMaker writes it.
    assert ":sagemaker:${local.region}:${local.account_id}:endpoint/${lower(endpoint)}" in arns, arns


def test_model_endpoint_role_reads_only_its_artifact_and_writes_only_its_logs():
    """The endpoint's execution role: GetObject on the artifact object, Decrypt through S3, its own
    log group; no ECR (SageMaker pulls its own images), no bucket listing, no wildcard resource."""
    main = MODULES / "model_endpoint" / "main.tf"
    (body,) = [
        b for t, n, b in labelled_blocks(main, "data") if t == "aws_iam_policy_document" and n == "this"
    ]
    statements = {s["sid"]: s for s in _statements(body)}
    assert set(statements) == {"ReadModelArtifact", "DecryptModelArtifact", "EndpointLogs"}
    assert statements["ReadModelArtifact"]["actions"] == ["s3:GetObject"]
    assert statements["ReadModelArtifact"]["resources"] == ["${local.model_data_arn}"]
    assert statements["DecryptModelArtifact"]["actions"] == ["kms:Decrypt"]
    assert statements["EndpointLogs"]["resources"] == ["${local.log_group_arn}", "${local.log_group_arn}:*"]
    actions = {a for s in statements.values() for a in s["actions"]}
    assert not any(a.startswith(("ecr:", "cloudwatch:")) or a.endswith("*") for a in actions), actions
    (assume,) = [
        b
        for t, n, b in labelled_blocks(main, "data")
        if t == "aws_iam_policy_document" and n == "assume_role"
    ]
    (trust,) = _statements(assume)
    assert trust["principals"][0]["identifiers"] == ["sagemaker.amazonaws.com"]
    assert trust["condition"][0]["variable"] == "aws:SourceArn"


SCORING_VARIABLES = ("model_artifact_s3_uri", "model_endpoint_name", "scoring_name", "model_endpoint")


def test_examples_have_the_same_optional_model_variables():
    """Both examples take the same optional model (artifact, or an existing endpoint's name, or
    neither), refuse both together, and default the scoring name to the pipeline's fraud_score."""
    declared = {}
    for example in EXAMPLE_NAMES:
        variables = dict(blocks(EXAMPLES / example / "variables.tf", "variable"))
        assert set(SCORING_VARIABLES) <= set(variables), example
        declared[example] = {name: variables[name] for name in SCORING_VARIABLES}
        assert unquote(variables["model_artifact_s3_uri"]["default"]) is None
        assert unquote(variables["model_endpoint_name"]["default"]) is None
        assert unquote(variables["scoring_name"]["default"]) == "fraud_score"
        conditions = [str(v["condition"]) for v in variables["model_endpoint_name"]["validation"]]
        assert "${var.model_endpoint_name == null || var.model_artifact_s3_uri == null}" in conditions
    assert declared["serverless"] == declared["provisioned"]


def test_generic_modules_name_no_pipeline():
    """The modules are the pipeline's infrastructure, not the fraud pipeline's: names such as the
    scoring's come from the examples (scoring_name) and the manifest."""
    problems = [
        f"{_rel(path)}:{number}: {line.strip()}"
        for path in tf_files()
        if MODULES in path.parents
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "fraud" in line.lower()
    ]
    assert not problems, "\n".join(problems)
