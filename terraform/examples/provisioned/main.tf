provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project = "msk-flink-features"
      Stack   = var.name
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  code_zip_path = coalesce(var.code_zip_path, "${path.root}/../../../target/msk-flink-features-0.1.0.zip")

  # The live application's properties; a backfill application gets the same plus its own group.
  application_properties = {
    kafka    = { auth = "iam" }
    topics   = { retention_ms = var.retention_hours * 3600000 }
    pipeline = { parallelism = var.parallelism }
  }

  # A backfill's run name: backfill.run, else <from>_<to> in compact UTC, as
  # flink_jobs.config.BackfillConfig.run_name writes it (20261101T0000Z_20261108T0000Z; seconds
  # only where not zero). It names the application and the output folder backfill/<run>/.
  backfill_times = var.backfill == null ? [] : [for t in [var.backfill.from, var.backfill.to] : formatdate("YYYYMMDD'T'hhmmss", t)]
  backfill_run = var.backfill == null ? null : coalesce(var.backfill.run, join("_", [
    for t in local.backfill_times : "${endswith(t, "00") ? substr(t, 0, length(t) - 2) : t}Z"
  ]))
}

# Scoring (optional): the endpoint the job calls for var.scoring_name, created here from
# var.model_artifact_s3_uri or named by var.model_endpoint_name; neither, no scoring at all.
locals {
  create_model_endpoint = var.model_artifact_s3_uri != null
  scoring_enabled       = var.model_artifact_s3_uri != null || var.model_endpoint_name != null
  # From the module's output, so that the application (which names it) is created after the endpoint.
  model_endpoint_name = local.create_model_endpoint ? module.model_endpoint[0].endpoint_name : var.model_endpoint_name
  scoring_endpoints   = local.scoring_enabled ? { (var.scoring_name) = local.model_endpoint_name } : {}
}

module "model_endpoint" {
  source = "../../modules/model_endpoint"
  count  = local.create_model_endpoint ? 1 : 0

  name           = lower("${var.name}-${replace(var.scoring_name, "_", "-")}")
  model_data_url = var.model_artifact_s3_uri
  # The artifact may sit in the artifact bucket (SSE-KMS with the stack's key).
  model_data_kms_key_arn = module.kms.key_arn
  kms_key_arn            = module.kms.key_arn
  xgboost_image_tag      = var.model_endpoint.xgboost_image_tag

  endpoint_type          = var.model_endpoint.type
  memory_size_in_mb      = var.model_endpoint.memory_size_in_mb
  max_concurrency        = var.model_endpoint.max_concurrency
  instance_type          = var.model_endpoint.instance_type
  initial_instance_count = var.model_endpoint.initial_instance_count
}

module "kms" {
  source = "../../modules/kms"

  name = var.name
}

module "storage" {
  source = "../../modules/storage"

  name          = var.name
  bucket_suffix = "${data.aws_caller_identity.current.account_id}-${var.region}"
  kms_key_arn   = module.kms.key_arn
  force_destroy = var.force_destroy
}

module "msk" {
  source = "../../modules/msk"

  name          = var.name
  cluster_type  = "provisioned"
  kafka_version = var.kafka_version
  vpc_id        = aws_vpc.this.id
  subnet_ids    = aws_subnet.private[*].id
  kms_key_arn   = module.kms.key_arn

  broker = {
    instance_type = var.broker_instance_type
    count         = 3
    volume_size   = var.broker_volume_size
  }
  replication_factor = var.replication_factor

  # The brokers' disks from the expected traffic (msk_features/operations/cost.py's formula; README, "Broker
  # storage"), unless broker_volume_size is given; autoscaling grows them from there.
  storage_sizing = var.broker_volume_size != null ? null : {
    events_per_second = var.expected_events_per_second
    mean_record_bytes = var.mean_record_bytes
    output_ratio      = var.output_ratio
    retention_hours   = var.retention_hours
    headroom          = var.storage_headroom
  }
  storage_autoscaling = {
    target_utilization = var.storage_autoscaling_target
    max_volume_size    = var.storage_autoscaling_max_gib
  }

  client_security_group_ids = {
    flink = module.flink_app.security_group_id
  }
}

module "flink_app" {
  source = "../../modules/flink_app"

  name                = var.name
  runtime_environment = var.flink_runtime_environment
  start_application   = var.start_application

  code_zip_path    = local.code_zip_path
  code_bucket_name = module.storage.artifact_bucket_name
  code_bucket_arn  = module.storage.artifact_bucket_arn
  lake_bucket_name = module.storage.lake_bucket_name
  kms_key_arn      = module.kms.key_arn

  msk_cluster_arn   = module.msk.cluster_arn
  bootstrap_servers = module.msk.bootstrap_brokers_by_auth["iam"]

  # The pipeline's sources and feature sets, hence its topics: `msk-features manifest fraud -o
  # fraud.manifest.json` writes this file (tests/terraform fails when it is stale).
  manifest = jsondecode(file("${path.module}/fraud.manifest.json"))

  application_properties = local.application_properties

  # Terraform creates the topics (module.topics); the application is created after them.
  job_creates_topics = var.job_creates_topics
  topics_ready       = module.topics.topic_arns

  # The scoring group and sagemaker:InvokeEndpoint on that endpoint only (none without scoring).
  scoring_endpoints = local.scoring_endpoints

  vpc_id                       = aws_vpc.this.id
  subnet_ids                   = aws_subnet.private[*].id
  broker_security_group_id     = module.msk.security_group_id
  egress_https_cidr_blocks     = [aws_vpc.this.cidr_block]
  egress_https_prefix_list_ids = [aws_vpc_endpoint.s3.prefix_list_id]
}

# The manifest's topics, through the MSK topic API (no host inside the VPC needed).
module "topics" {
  source = "../../modules/msk_topics"

  create             = var.create_topics
  cluster_arn        = module.msk.cluster_arn
  kafka_version      = module.msk.kafka_version
  topics             = module.flink_app.topics
  replication_factor = module.msk.replication_factor
}

# An optional backfill (docs/backfill.md, "Ranges one machine cannot hold"): the same zip and
# properties plus the backfill group, as an application of its own that reads the archive, writes
# backfill/<run>/ under the same offline path and ends when its bounded input ends.
module "backfill" {
  source = "../../modules/flink_app"
  count  = var.backfill != null ? 1 : 0

  name                = "${var.name}-backfill-${local.backfill_run}"
  description         = "msk-flink-features backfill ${local.backfill_run}: ${var.backfill.from} to ${var.backfill.to} from the archive"
  runtime_environment = var.flink_runtime_environment
  start_application   = true

  # The object the live application runs: nothing is uploaded a second time.
  code_bucket_name = module.storage.artifact_bucket_name
  code_bucket_arn  = module.storage.artifact_bucket_arn
  code_object = {
    key        = module.flink_app.code_s3_key
    version_id = module.flink_app.code_s3_object_version
  }
  lake_bucket_name = module.storage.lake_bucket_name
  kms_key_arn      = module.kms.key_arn

  # The loader requires the kafka group; a backfill connects to no broker, and with the backfill
  # group set the module gives its role no kafka-cluster permission and its security group no rule.
  msk_cluster_arn   = module.msk.cluster_arn
  bootstrap_servers = module.msk.bootstrap_brokers_by_auth["iam"]
  manifest          = jsondecode(file("${path.module}/fraud.manifest.json"))

  application_properties = merge(local.application_properties, {
    pipeline = merge(local.application_properties.pipeline, {
      parallelism = coalesce(var.backfill.parallelism, var.parallelism)
    })
    backfill = {
      from             = var.backfill.from
      to               = var.backfill.to
      feature_sets     = length(var.backfill.feature_sets) > 0 ? join(",", var.backfill.feature_sets) : null
      run              = var.backfill.run
      lookback_seconds = var.backfill.lookback_seconds
    }
  })

  # It creates no topic and reads none: no topic permission, and no wait for the topics.
  job_creates_topics = false

  vpc_id                       = aws_vpc.this.id
  subnet_ids                   = aws_subnet.private[*].id
  broker_security_group_id     = module.msk.security_group_id
  egress_https_cidr_blocks     = [aws_vpc.this.cidr_block]
  egress_https_prefix_list_ids = [aws_vpc_endpoint.s3.prefix_list_id]
}

module "monitoring" {
  source = "../../modules/monitoring"

  name             = var.name
  region           = var.region
  msk_cluster_name = module.msk.cluster_name
  consumer_group   = module.flink_app.consumer_group
  input_topics     = module.flink_app.input_topics
  application_name = module.flink_app.application_name
  kms_key_arn      = module.kms.key_arn

  # The created endpoint's errors and latency, on the same SNS topic (an endpoint that was brought
  # along is its owner's to watch).
  model_endpoint_alarms = local.create_model_endpoint ? {
    endpoint_name              = module.model_endpoint[0].endpoint_name
    variant_name               = module.model_endpoint[0].variant_name
    invocation_4xx_errors      = var.model_endpoint.invocation_4xx_errors
    invocation_5xx_errors      = var.model_endpoint.invocation_5xx_errors
    model_latency_microseconds = var.model_endpoint.model_latency_microseconds
  } : null

  # FLINK-2_2 replaces the deprecated downtime with per-state metrics; 1.x runtimes have only downtime.
  job_down_metrics = startswith(var.flink_runtime_environment, "FLINK-1_") ? ["downtime"] : ["restartingTime", "failingTime"]

  broker_alarms = {
    broker_ids = module.msk.broker_ids
    kraft      = endswith(var.kafka_version, ".kraft")
  }
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email != null ? 1 : 0

  topic_arn = module.monitoring.sns_topic_arn
  protocol  = "email"
  endpoint  = var.alarm_email
}
