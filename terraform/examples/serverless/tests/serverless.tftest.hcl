# Mock-provider test of the serverless example: `terraform test` in terraform/examples/serverless
# (tests/terraform/test_terraform_cli.py runs it offline). Nothing is created: the mocked provider
# still checks every value against the real provider schema.
#
# The runtime is var.flink_runtime_environment: FLINK-2_2 by default, which hashicorp/aws accepts
# from 6.40 on; with an older provider binary pass -var=flink_runtime_environment=FLINK-1_20.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/test"
      user_id    = "AIDATESTTESTTESTTEST"
    }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
      key_id = "0a1b2c3d-1111-2222-3333-444455556666"
    }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock-bucket" }
  }
  mock_resource "aws_s3_object" {
    defaults = { version_id = "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY" }
  }
  mock_resource "aws_msk_serverless_cluster" {
    defaults = {
      arn                        = "arn:aws:kafka:us-east-1:123456789012:cluster/msk-flink-features-dev/0a1b2c3d-1111-2222-3333-444455556666-s1"
      cluster_uuid               = "0a1b2c3d-1111-2222-3333-444455556666-s1"
      bootstrap_brokers_sasl_iam = "boot-abcd1234.c1.kafka-serverless.us-east-1.amazonaws.com:9098"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/kinesis-analytics/msk-flink-features-dev" }
  }
  mock_resource "aws_cloudwatch_log_stream" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/kinesis-analytics/msk-flink-features-dev:log-stream:application" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/msk-flink-features-dev-flink-mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:msk-flink-features-dev-alarms" }
  }
  mock_resource "aws_kinesisanalyticsv2_application" {
    defaults = { arn = "arn:aws:kinesisanalytics:us-east-1:123456789012:application/msk-flink-features-dev" }
  }
  mock_resource "aws_vpc" {
    defaults = { id = "vpc-0123456789abcdef0", cidr_block = "10.42.0.0/16" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-0123456789abcdef0" }
  }
  mock_resource "aws_vpc_endpoint" {
    defaults = { prefix_list_id = "pl-63a5400a" }
  }
  # What the provider computes for sagemaker-xgboost:3.0-5 in us-east-1 (its registry table).
  mock_data "aws_sagemaker_prebuilt_ecr_image" {
    defaults = { registry_path = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5" }
  }
  mock_resource "aws_sagemaker_endpoint" {
    defaults = { arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/msk-flink-features-dev-fraud-score" }
  }
}

variables {
  code_zip_path = "../../../tests/terraform/fixtures/msk-flink-features-test.zip"
}

run "serverless_stack" {
  command = apply

  # MSK: a serverless cluster with IAM auth, reachable from the application's security group only.
  assert {
    condition     = output.msk_cluster_type == "serverless" && module.msk.iam_auth_enabled == true
    error_message = "The serverless example must create an aws_msk_serverless_cluster with SASL/IAM."
  }
  assert {
    condition     = module.msk.number_of_broker_nodes == null && length(module.msk.ports) == 1 && module.msk.ports["iam"] == 9098
    error_message = "A serverless cluster has no provisioned brokers and listens on 9098 (IAM) only."
  }
  assert {
    condition     = output.bootstrap_brokers_iam == "boot-abcd1234.c1.kafka-serverless.us-east-1.amazonaws.com:9098"
    error_message = "The IAM bootstrap servers must come from the serverless cluster."
  }

  # Topics and permissions come from fraud.manifest.json (tests/terraform holds it equal to the
  # Python spec): with the default topic properties, Terraform's topics are exactly the manifest's.
  assert {
    condition     = jsonencode(output.topics) == jsonencode(jsondecode(file("fraud.manifest.json")).topics)
    error_message = "The topics output must equal the manifest's topics (names, order, partitions, compaction, retention, role, owner)."
  }
  assert {
    condition     = module.flink_app.input_topics == [for s in jsondecode(file("fraud.manifest.json")).sources : s.topic] && module.flink_app.pipeline == "fraud"
    error_message = "The application reads the manifest's sources' topics, in order (and the consumer-lag alarms watch them)."
  }

  # The application: runtime, content-hash zip key, property groups, VPC.
  assert {
    condition     = output.runtime_environment == var.flink_runtime_environment
    error_message = "The application's runtime must be var.flink_runtime_environment."
  }
  assert {
    condition     = module.flink_app.code_s3_key == "flink/msk-flink-features-test-${filesha256(var.code_zip_path)}.zip"
    error_message = "The zip must be uploaded under a key that ends in its SHA-256."
  }
  assert {
    condition = sort(keys(module.flink_app.property_groups)) == sort([
      "kafka", "kafka.sink", "kinesis.analytics.flink.run.options", "offline", "pipeline", "topics",
    ])
    error_message = "The application must carry the run-options, kafka, kafka.sink, offline, pipeline and topics groups."
  }
  assert {
    condition = module.flink_app.property_groups["kinesis.analytics.flink.run.options"] == {
      python  = "main.py"
      jarfile = "lib/pyflink-dependencies.jar"
    }
    error_message = "The run options must name main.py and lib/pyflink-dependencies.jar."
  }
  assert {
    condition = module.flink_app.property_groups["kafka"] == {
      "bootstrap.servers" = "boot-abcd1234.c1.kafka-serverless.us-east-1.amazonaws.com:9098"
      "auth"              = "iam"
      "group.id"          = "msk-flink-features"
      "bounded"           = "false"
      "create.topics"     = "true"
    }
    error_message = "The kafka group must use IAM auth against the cluster's IAM bootstrap servers, and tell the job to create its missing topics (job_creates_topics)."
  }
  assert {
    condition     = module.flink_app.property_groups["offline"] == { path = "s3a://msk-flink-features-dev-lake-123456789012-us-east-1/msk-flink-features" }
    error_message = "offline.path must point into the lake bucket."
  }
  assert {
    condition     = module.flink_app.property_groups["kafka.sink"]["transactional.id.prefix"] == "msk-flink-features-dev"
    error_message = "The transactional id prefix must be the application name (unique per application)."
  }
  assert {
    condition     = module.flink_app.property_groups["pipeline"]["checkpoint.interval.ms"] == tostring(module.flink_app.checkpoint_configuration.checkpoint_interval)
    error_message = "The checkpoint interval of the property group and of the application must be the same value."
  }
  assert {
    condition     = module.flink_app.checkpoint_configuration.configuration_type == "CUSTOM" && module.flink_app.parallelism_configuration.parallelism == var.parallelism
    error_message = "Checkpointing must be CUSTOM and the parallelism must be var.parallelism."
  }
  assert {
    condition     = length(module.flink_app.vpc_subnet_ids) == 2
    error_message = "The application must run in the example's two private subnets."
  }

  # Topics: MSK Serverless has no topic API, so the job creates its missing topics at start; the role
  # may create and describe exactly the manifest's topics, by their full ARNs.
  assert {
    condition     = module.flink_app.job_creates_topics == true
    error_message = "On MSK Serverless the job creates its topics by default (job_creates_topics)."
  }
  assert {
    condition = length([for s in module.flink_app.role_policy_statements : s if s.sid == "KafkaCreateOwnTopics" && toset(s.actions) == toset(["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic"]) && toset(s.resources) == toset([
      for t in jsondecode(file("fraud.manifest.json")).topics : "arn:aws:kafka:us-east-1:123456789012:topic/msk-flink-features-dev/0a1b2c3d-1111-2222-3333-444455556666-s1/${t.name}"
    ])]) == 1
    error_message = "The role may create exactly the manifest's 11 topics (arn:aws:kafka:<region>:<account>:topic/<cluster>/<uuid>/<topic>)."
  }

  # Alarms: consumer lag per input topic (time and offset) and the seven Flink alarms; no broker alarms.
  assert {
    condition     = length(module.monitoring.consumer_lag_alarm_names) == 2 * length(jsondecode(file("fraud.manifest.json")).sources) && length(module.monitoring.flink_alarm_names) == 8 && length(module.monitoring.broker_alarm_names) == 0
    error_message = "Expected 2 consumer-lag alarms per input topic of the manifest (8 for fraud's 4 sources), 7 Flink alarms (lag, restarts, checkpoint duration and failures, CPU, heap, job down) and no broker alarm (MSK Serverless)."
  }
  assert {
    condition     = contains(values(module.monitoring.alarm_metrics), "AWS/Kafka/EstimatedMaxTimeLag") && contains(values(module.monitoring.alarm_metrics), "AWS/KinesisAnalytics/records_lag_max")
    error_message = "The consumer-lag and records_lag_max alarms must be present."
  }
}

# Backfill (docs/backfill.md): unset, no second application; set, a second application from the
# same object with the live groups plus exactly the given backfill group; a reversed range refused.
run "no_backfill_by_default" {
  command = plan

  assert {
    condition     = length(module.backfill) == 0 && output.backfill_application_name == null && output.backfill_output_path == null
    error_message = "Without var.backfill there is no backfill application."
  }
}

run "backfill_application" {
  command = apply

  variables {
    backfill = {
      from         = "2026-11-01T00:00:00Z"
      to           = "2026-11-08T00:00:00Z"
      feature_sets = ["txn_1h", "txn_features"]
      run          = "2026-11-week1"
      parallelism  = 4
    }
  }

  assert {
    condition     = length(module.backfill) == 1 && output.backfill_application_name == "${var.name}-backfill-2026-11-week1"
    error_message = "var.backfill creates one application, <name>-backfill-<run>."
  }
  assert {
    condition = module.backfill[0].property_groups["backfill"] == {
      from           = "2026-11-01T00:00:00Z"
      to             = "2026-11-08T00:00:00Z"
      "feature.sets" = "txn_1h,txn_features"
      run            = "2026-11-week1"
    }
    error_message = "The backfill group must hold exactly the given values (no lookback.seconds: not given)."
  }
  assert {
    # The live groups, except the application's own transactional id prefix (no Kafka sink runs in
    # a backfill), its parallelism and the job's topic creation (a backfill creates none).
    condition = {
      for group, keys in module.backfill[0].property_groups : group => {
        for k, v in keys : k => v if !contains(["transactional.id.prefix", "parallelism", "create.topics"], k)
      } if group != "backfill"
      } == {
      for group, keys in module.flink_app.property_groups : group => {
        for k, v in keys : k => v if !contains(["transactional.id.prefix", "parallelism", "create.topics"], k)
      }
    }
    error_message = "The backfill application must carry the live application's property groups."
  }
  assert {
    condition     = module.backfill[0].property_groups["pipeline"]["parallelism"] == "4" && module.backfill[0].parallelism_configuration.parallelism == 4
    error_message = "backfill.parallelism sizes the backfill application."
  }
  assert {
    condition     = module.backfill[0].code_s3_content_location == module.flink_app.code_s3_content_location && module.backfill[0].code_uploaded == false && module.flink_app.code_uploaded == true
    error_message = "The backfill application runs the live application's object (bucket, key, version), uploaded once."
  }
  assert {
    condition     = length([for s in module.backfill[0].role_policy_statements : s if anytrue([for a in s.actions : startswith(a, "kafka-cluster:")])]) == 0
    error_message = "The backfill role has no kafka-cluster permission."
  }
  assert {
    condition = toset(flatten([for s in module.backfill[0].role_policy_statements : s.resources if s.sid == "LakeWriteBackfill"])) == toset([
      "arn:aws:s3:::${output.lake_bucket_name}/msk-flink-features/backfill", "arn:aws:s3:::${output.lake_bucket_name}/msk-flink-features/backfill/*",
    ]) && flatten([for s in module.backfill[0].role_policy_statements : s.resources if s.sid == "LakeReadArchive"]) == ["arn:aws:s3:::${output.lake_bucket_name}/msk-flink-features/events/*"]
    error_message = "The backfill role reads the archive and writes under backfill/ only."
  }
  assert {
    condition     = output.backfill_output_path == "s3a://${output.lake_bucket_name}/msk-flink-features/backfill/2026-11-week1/features/"
    error_message = "The output path is <offline.path>/backfill/<run>/features/."
  }
}

run "backfill_default_run_name" {
  command = plan

  variables {
    backfill = { from = "2026-11-01T00:00:00Z", to = "2026-11-08T06:30:15Z" }
  }

  assert {
    # flink_jobs.config.BackfillConfig.run_name: compact UTC, seconds only where not zero.
    condition     = output.backfill_application_name == "${var.name}-backfill-20261101T0000Z_20261108T063015Z"
    error_message = "Without backfill.run the run is <from>_<to> in compact UTC."
  }
  assert {
    condition     = module.backfill[0].property_groups["backfill"] == { from = "2026-11-01T00:00:00Z", to = "2026-11-08T06:30:15Z" }
    error_message = "Unset feature_sets and run leave their keys out (the job's defaults: all sets, <from>_<to>)."
  }
}

run "backfill_reversed_range_refused" {
  command = plan

  variables {
    backfill = { from = "2026-11-08T00:00:00Z", to = "2026-11-01T00:00:00Z" }
  }

  expect_failures = [var.backfill]
}

run "backfill_bad_run_name_refused" {
  command = plan

  variables {
    backfill = { from = "2026-11-01T00:00:00Z", to = "2026-11-08T00:00:00Z", run = "week 1" }
  }

  expect_failures = [var.backfill]
}

run "backfill_empty_feature_set_refused" {
  command = plan

  variables {
    backfill = { from = "2026-11-01T00:00:00Z", to = "2026-11-08T00:00:00Z", feature_sets = ["txn_1h", ""] }
  }

  expect_failures = [var.backfill]
}

run "backfill_local_time_refused" {
  command = plan

  variables {
    backfill = { from = "2026-11-01T00:00:00+01:00", to = "2026-11-08T00:00:00Z" }
  }

  expect_failures = [var.backfill]
}

# Scoring (optional): neither model_artifact_s3_uri nor model_endpoint_name, nothing; an artifact,
# an endpoint created here with its alarms and the job's permission on it; a name, only the
# permission; both, refused.
run "no_scoring_by_default" {
  command = apply

  assert {
    condition     = length(module.model_endpoint) == 0 && output.model_endpoint_name == null && length(output.scoring_endpoints) == 0
    error_message = "Without model_artifact_s3_uri or model_endpoint_name no endpoint is created and none is named."
  }
  assert {
    condition     = length([for s in module.flink_app.role_policy_statements : s if anytrue([for a in s.actions : startswith(a, "sagemaker:")])]) == 0
    error_message = "Without scoring the application's role has no SageMaker permission."
  }
  assert {
    condition     = !contains(keys(module.flink_app.property_groups), "scoring") && length(output.model_endpoint_alarm_names) == 0 && !contains(keys(aws_vpc_endpoint.interface), "sagemaker.runtime")
    error_message = "Without scoring: no scoring group, no endpoint alarms, no SageMaker Runtime interface endpoint."
  }
}

run "scoring_endpoint_from_artifact" {
  command = apply

  variables {
    model_artifact_s3_uri = "s3://models-123456789012/models/fraud_score/model.tar.gz"
  }

  assert {
    condition = (
      length(module.model_endpoint) == 1 && output.model_endpoint_name == "msk-flink-features-dev-fraud-score" &&
      module.model_endpoint[0].endpoint_arn == "arn:aws:sagemaker:us-east-1:123456789012:endpoint/msk-flink-features-dev-fraud-score" &&
      startswith(module.model_endpoint[0].endpoint_config_name, "msk-flink-features-dev-fraud-score-") && startswith(module.model_endpoint[0].model_name, "msk-flink-features-dev-fraud-score-") &&
      module.model_endpoint[0].endpoint_type == "serverless"
    )
    error_message = "The artifact creates the endpoint <name>-fraud-score, its (serverless) endpoint configuration and its model."
  }
  assert {
    condition     = module.model_endpoint[0].image_uri == "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
    error_message = "The model runs SageMaker's XGBoost image for the region."
  }
  assert {
    condition     = [for s in module.model_endpoint[0].role_policy_statements : s.resources if s.sid == "ReadModelArtifact"] == [toset(["arn:aws:s3:::models-123456789012/models/fraud_score/model.tar.gz"])]
    error_message = "The endpoint's execution role may read exactly the artifact object."
  }
  assert {
    condition     = module.flink_app.property_groups["scoring"] == { "fraud_score.endpoint" = "msk-flink-features-dev-fraud-score" } && output.scoring_endpoints == tomap({ fraud_score = "msk-flink-features-dev-fraud-score" })
    error_message = "The application's scoring group names the endpoint under fraud_score.endpoint (scoring_name's default)."
  }
  assert {
    condition = [
      for s in module.flink_app.role_policy_statements : { sid = s.sid, actions = s.actions, resources = s.resources }
      if anytrue([for a in s.actions : startswith(a, "sagemaker:")])
      ] == [{
        sid       = "InvokeScoringEndpoints"
        actions   = toset(["sagemaker:InvokeEndpoint"])
        resources = toset(["arn:aws:sagemaker:us-east-1:123456789012:endpoint/msk-flink-features-dev-fraud-score"])
    }]
    error_message = "Exactly one SageMaker statement in the application's role: sagemaker:InvokeEndpoint on that endpoint's ARN."
  }
  assert {
    condition = (
      length(output.model_endpoint_alarm_names) == 3 &&
      toset([for name, metric in module.monitoring.alarm_metrics : metric if startswith(metric, "AWS/SageMaker/")]) == toset(["AWS/SageMaker/Invocation4XXErrors", "AWS/SageMaker/Invocation5XXErrors", "AWS/SageMaker/ModelLatency"])
    )
    error_message = "The created endpoint gets the Invocation4XXErrors, Invocation5XXErrors and ModelLatency alarms."
  }
  assert {
    condition     = aws_vpc_endpoint.interface["sagemaker.runtime"].service_name == "com.amazonaws.us-east-1.sagemaker.runtime" && aws_vpc_endpoint.interface["sagemaker.runtime"].private_dns_enabled == true
    error_message = "The application reaches SageMaker Runtime through an interface endpoint (the VPC has no NAT)."
  }
}

run "bring_your_own_endpoint" {
  command = apply

  variables {
    model_endpoint_name = "Fraud-Scorer-V2"
  }

  assert {
    condition     = length(module.model_endpoint) == 0 && length(output.model_endpoint_alarm_names) == 0 && output.model_endpoint_name == "Fraud-Scorer-V2"
    error_message = "A named endpoint creates no endpoint, configuration, model or alarm."
  }
  assert {
    condition     = module.flink_app.property_groups["scoring"] == { "fraud_score.endpoint" = "Fraud-Scorer-V2" }
    error_message = "The scoring group names the given endpoint under <scoring_name>.endpoint."
  }
  assert {
    condition     = [for s in module.flink_app.role_policy_statements : s.resources if anytrue([for a in s.actions : startswith(a, "sagemaker:")])] == [toset(["arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud-scorer-v2"])]
    error_message = "Only the permission: sagemaker:InvokeEndpoint on that endpoint's ARN, name in lower case as SageMaker writes it."
  }
  assert {
    condition     = contains(keys(aws_vpc_endpoint.interface), "sagemaker.runtime")
    error_message = "The job reaches the named endpoint through the SageMaker Runtime interface endpoint."
  }
}

run "artifact_and_endpoint_name_refused" {
  command = plan

  variables {
    model_artifact_s3_uri = "s3://models-123456789012/models/fraud_score/model.tar.gz"
    model_endpoint_name   = "fraud-scorer"
  }

  expect_failures = [var.model_endpoint_name]
}
