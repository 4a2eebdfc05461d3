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

  name         = var.name
  cluster_type = "serverless"
  vpc_id       = aws_vpc.this.id
  subnet_ids   = aws_subnet.private[*].id
  kms_key_arn  = module.kms.key_arn

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

  application_properties = {
    kafka    = { auth = "iam" }
    pipeline = { parallelism = var.parallelism }
  }

  # MSK Serverless has no topic API: the job creates its missing topics at start, and the role may
  # create exactly the manifest's topics.
  job_creates_topics = var.job_creates_topics

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

  # FLINK-2_2 replaces the deprecated downtime with per-state metrics; 1.x runtimes have only downtime.
  job_down_metrics = startswith(var.flink_runtime_environment, "FLINK-1_") ? ["downtime"] : ["restartingTime", "failingTime"]
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email != null ? 1 : 0

  topic_arn = module.monitoring.sns_topic_arn
  protocol  = "email"
  endpoint  = var.alarm_email
}
