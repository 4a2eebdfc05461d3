# Mock-provider test of modules/model_endpoint as a root module: the model, its endpoint
# configuration (serverless by default, instances on request), the endpoint and the execution role.
# Nothing is created; the mocked provider still checks every value against the provider's schema.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  # What the provider computes for sagemaker-xgboost:3.0-5 in us-east-1 (its registry table).
  mock_data "aws_sagemaker_prebuilt_ecr_image" {
    defaults = { registry_path = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/fraud-score-model-mock" }
  }
  mock_resource "aws_sagemaker_endpoint" {
    defaults = { arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud-score" }
  }
}

variables {
  name           = "fraud-score"
  model_data_url = "s3://artifacts-123456789012-us-east-1/models/fraud_score/model.tar.gz"
  kms_key_arn    = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
}

run "serverless_by_default" {
  command = apply

  assert {
    condition     = aws_sagemaker_endpoint.this.name == "fraud-score" && aws_sagemaker_endpoint.this.endpoint_config_name == aws_sagemaker_endpoint_configuration.this.name
    error_message = "The endpoint is named var.name and uses the module's endpoint configuration."
  }
  assert {
    condition = (
      length(aws_sagemaker_endpoint_configuration.this.production_variants) == 1 &&
      aws_sagemaker_endpoint_configuration.this.production_variants[0].variant_name == "AllTraffic" &&
      aws_sagemaker_endpoint_configuration.this.production_variants[0].model_name == aws_sagemaker_model.this.name &&
      aws_sagemaker_endpoint_configuration.this.production_variants[0].instance_type == null &&
      aws_sagemaker_endpoint_configuration.this.production_variants[0].initial_instance_count == null
    )
    error_message = "One variant, AllTraffic, serving the module's model, with no instance type or count (serverless)."
  }
  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.production_variants[0].serverless_config[0].memory_size_in_mb == 2048 && aws_sagemaker_endpoint_configuration.this.production_variants[0].serverless_config[0].max_concurrency == 5
    error_message = "Serverless by default: 2048 MB, at most 5 concurrent invocations."
  }
  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.kms_key_arn == var.kms_key_arn
    error_message = "The endpoint configuration is encrypted with the given key."
  }
  assert {
    condition = (
      aws_sagemaker_model.this.primary_container[0].image == "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5" &&
      aws_sagemaker_model.this.primary_container[0].model_data_url == var.model_data_url &&
      data.aws_sagemaker_prebuilt_ecr_image.xgboost[0].repository_name == "sagemaker-xgboost" &&
      data.aws_sagemaker_prebuilt_ecr_image.xgboost[0].image_tag == "3.0-5" &&
      output.image_uri == aws_sagemaker_model.this.primary_container[0].image
    )
    error_message = "The model runs SageMaker's XGBoost image for the region (sagemaker-xgboost:3.0-5) on the given artifact."
  }
  assert {
    condition     = aws_sagemaker_model.this.enable_network_isolation == false
    error_message = "Serverless Inference does not support network isolation: it must be off for a serverless endpoint."
  }
  assert {
    condition     = aws_sagemaker_model.this.execution_role_arn == aws_iam_role.this.arn && length(regexall("^fraud-score-[0-9a-f]{10}$", aws_sagemaker_model.this.name)) == 1 && length(regexall("^fraud-score-[0-9a-f]{10}$", aws_sagemaker_endpoint_configuration.this.name)) == 1
    error_message = "The model runs with the module's role; model and configuration are named <name>-<10 hex of a content hash>."
  }

  # The execution role: assumable by SageMaker for this account and region only; reads exactly the
  # artifact object, writes only this endpoint's log group; nothing else (no ECR, no "*").
  assert {
    condition = (
      one(data.aws_iam_policy_document.assume_role.statement[0].principals).identifiers == toset(["sagemaker.amazonaws.com"]) &&
      one(data.aws_iam_policy_document.assume_role.statement[0].condition).test == "ArnLike" &&
      one(data.aws_iam_policy_document.assume_role.statement[0].condition).variable == "aws:SourceArn" &&
      tolist(one(data.aws_iam_policy_document.assume_role.statement[0].condition).values) == tolist(["arn:aws:sagemaker:us-east-1:123456789012:*"])
    )
    error_message = "Only sagemaker.amazonaws.com may assume the role, for SageMaker resources of this account and region (aws:SourceArn)."
  }
  assert {
    condition = output.role_policy_statements == [
      {
        sid       = "ReadModelArtifact"
        actions   = toset(["s3:GetObject"])
        resources = toset(["arn:aws:s3:::artifacts-123456789012-us-east-1/models/fraud_score/model.tar.gz"])
      },
      {
        sid       = "EndpointLogs"
        actions   = toset(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"])
        resources = toset(["arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/fraud-score", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/fraud-score:*"])
      },
    ]
    error_message = "The role may read the artifact object and write the endpoint's own log group, and nothing else."
  }
  assert {
    condition     = output.endpoint_name == "fraud-score" && output.endpoint_arn == "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud-score" && output.variant_name == "AllTraffic"
    error_message = "The outputs name the endpoint, its ARN and its variant."
  }
}

run "instance_endpoint" {
  command = plan

  variables {
    endpoint_type          = "instance"
    instance_type          = "ml.c5.large"
    initial_instance_count = 2
  }

  assert {
    condition = (
      aws_sagemaker_endpoint_configuration.this.production_variants[0].instance_type == "ml.c5.large" &&
      aws_sagemaker_endpoint_configuration.this.production_variants[0].initial_instance_count == 2 &&
      length(aws_sagemaker_endpoint_configuration.this.production_variants[0].serverless_config) == 0
    )
    error_message = "endpoint_type = instance: instance_type x initial_instance_count, no serverless_config."
  }
  assert {
    condition     = aws_sagemaker_model.this.enable_network_isolation == true
    error_message = "An instance endpoint's container runs with network isolation."
  }
}

run "explicit_image_and_encrypted_artifact" {
  command = plan

  variables {
    image_uri              = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
    model_data_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
  }

  assert {
    condition     = length(data.aws_sagemaker_prebuilt_ecr_image.xgboost) == 0 && aws_sagemaker_model.this.primary_container[0].image == var.image_uri
    error_message = "A given image_uri is used as is (no image lookup)."
  }
  assert {
    condition = length([
      for s in data.aws_iam_policy_document.this.statement : s
      if s.sid == "DecryptModelArtifact" && s.actions == toset(["kms:Decrypt"]) && s.resources == toset([var.model_data_kms_key_arn]) &&
      try(one(s.condition).variable == "kms:ViaService" && tolist(one(s.condition).values) == tolist(["s3.us-east-1.amazonaws.com"]), false)
    ]) == 1
    error_message = "An SSE-KMS artifact: the role may decrypt with its key through S3 only."
  }
}

run "model_change_renames_model_and_configuration" {
  command = plan

  variables {
    model_data_url = "s3://artifacts-123456789012-us-east-1/models/fraud_score/v2/model.tar.gz"
  }

  assert {
    condition     = output.model_name != run.serverless_by_default.model_name && output.endpoint_config_name != run.serverless_by_default.endpoint_config_name
    error_message = "A new artifact is a new model name and a new configuration name (each created before the old one goes)."
  }
}

run "upper_case_name_refused" {
  command = plan

  variables {
    name = "Fraud-Score"
  }

  expect_failures = [var.name]
}

run "artifact_must_be_an_s3_tar_gz" {
  command = plan

  variables {
    model_data_url = "s3://artifacts/models/fraud_score/model.json"
  }

  expect_failures = [var.model_data_url]
}

run "unsupported_serverless_memory_refused" {
  command = plan

  variables {
    memory_size_in_mb = 1500
  }

  expect_failures = [var.memory_size_in_mb]
}

run "xgboost_latest_tag_refused" {
  command = plan

  variables {
    xgboost_image_tag = "latest"
  }

  expect_failures = [var.xgboost_image_tag]
}
