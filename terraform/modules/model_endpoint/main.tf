# A SageMaker endpoint serving one model artifact from S3 with SageMaker's built-in XGBoost image
# (or another SageMaker-owned image): the model, its endpoint configuration (serverless by default,
# or instances), the endpoint, and the execution role SageMaker assumes to fetch the artifact and
# write the endpoint's logs. The Flink job calls it with sagemaker:InvokeEndpoint; that permission
# belongs to the job's role (modules/flink_app, scoring_endpoints), not here.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

# SageMaker's built-in XGBoost image for the provider's region. The data source computes the URI
# locally (no API call) from the provider's own table of SageMaker registry accounts per region
# (internal/service/sagemaker/prebuilt_ecr_image_data_source.go, prebuiltECRImageIDByRegion_xgBoost,
# which cites https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-algo-docker-registry-paths.html;
# e.g. us-east-1: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:<tag>).
data "aws_sagemaker_prebuilt_ecr_image" "xgboost" {
  count = var.image_uri == null ? 1 : 0

  repository_name = "sagemaker-xgboost"
  image_tag       = var.xgboost_image_tag
}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  serverless = var.endpoint_type == "serverless"
  image_uri  = var.image_uri != null ? var.image_uri : one(data.aws_sagemaker_prebuilt_ecr_image.xgboost[*].registry_path)

  # s3://<bucket>/<key> -> the one object the execution role may read.
  model_data        = regex("^s3://([^/]+)/(.+)$", var.model_data_url)
  model_data_bucket = local.model_data[0]
  model_data_arn    = "arn:${local.partition}:s3:::${local.model_data_bucket}/${local.model_data[1]}"

  # Serverless Inference does not support network isolation (SageMaker developer guide, "Serverless
  # Inference", feature exclusions: "... VPC configuration, network isolation, data capture ...");
  # an instance endpoint's container runs without network access (it needs none: SageMaker itself
  # downloads the artifact).
  network_isolation = !local.serverless

  # Content-hash names with create_before_destroy: a new artifact, image or capacity creates the new
  # model / configuration first, the endpoint switches to it, then the old one goes (names must be
  # unique, and a model or configuration cannot be changed in place).
  model_name = "${var.name}-${substr(sha256(jsonencode([local.image_uri, var.model_data_url, local.network_isolation])), 0, 10)}"
  variant = {
    variant_name           = var.variant_name
    instance_type          = local.serverless ? null : var.instance_type
    initial_instance_count = local.serverless ? null : var.initial_instance_count
    serverless             = local.serverless ? { memory_size_in_mb = var.memory_size_in_mb, max_concurrency = var.max_concurrency } : null
  }
  endpoint_config_name = "${var.name}-${substr(sha256(jsonencode([local.model_name, local.variant, var.kms_key_arn])), 0, 10)}"

  # SageMaker writes an endpoint's container logs to this group, streams [variant]/[instance id]
  # ("Log groups and streams that Amazon SageMaker AI sends to Amazon CloudWatch Logs",
  # https://docs.aws.amazon.com/sagemaker/latest/dg/logging-cloudwatch.html).
  log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/sagemaker/Endpoints/${var.name}"
}

# ---------------------------------------------------------------------------------------------------
# Execution role: what SageMaker does on the endpoint's behalf
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    # Confused-deputy guard for real-time, serverless and asynchronous inference as SageMaker
    # documents it ("Cross-service confused deputy prevention", SageMaker AI Inference): ArnLike
    # aws:SourceArn arn:<partition>:sagemaker:<region>:<account>:*, and explicitly not the ARN of one
    # model or endpoint.
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${substr(var.name, 0, 31)}-model-" # name_prefix: at most 38 characters
  description        = "Execution role of SageMaker endpoint ${var.name}: reads its model artifact, writes its logs"
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
  tags               = var.tags
}

# The permissions of "CreateModel API: Execution Role Permissions"
# (https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-createmodel-perms),
# scoped as that page describes ("Scope S3 permissions to objects that you specify in the
# PrimaryContainer.ModelDataUrl", ECR to the image's repository), minus what this endpoint does not need:
# - ecr:*: left out. SageMaker's pre-built images are pulled "with service-owned credentials ... Because
#   customer credentials aren't used, any AWS IAM policies ... that deny Amazon ECR permissions don't
#   prevent the use of pre-built images" (Docker Registry Paths and Example Code, the note on pre-built
#   images, https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-algo-docker-registry-paths.html).
# - s3:ListBucket: left out; the scoped CreateModel policy on that page grants s3:GetObject on the
#   artifact object only.
# - cloudwatch:PutMetricData: left out. It takes no resource ("*" only), and the alarms on this
#   endpoint (modules/monitoring) watch the invocation metrics SageMaker itself publishes
#   (AWS/SageMaker). A container that publishes metrics of its own needs it.
# - logs: the page lists logs:CreateLogGroup, CreateLogStream, PutLogEvents and DescribeLogStreams on
#   "*"; here they are scoped to this endpoint's log group and its streams.
data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ReadModelArtifact"
    actions   = ["s3:GetObject"]
    resources = [local.model_data_arn]
  }

  dynamic "statement" {
    for_each = var.model_data_kms_key_arn != null ? [1] : []
    content {
      sid       = "DecryptModelArtifact"
      actions   = ["kms:Decrypt"]
      resources = [var.model_data_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }

  statement {
    sid = "EndpointLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [local.log_group_arn, "${local.log_group_arn}:*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "model-endpoint"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# ---------------------------------------------------------------------------------------------------
# Model, endpoint configuration, endpoint
# ---------------------------------------------------------------------------------------------------

resource "aws_sagemaker_model" "this" {
  # checkov:skip=CKV_AWS_370:Serverless Inference, the default endpoint_type, does not support network isolation (SageMaker developer guide, Serverless Inference feature exclusions); an instance endpoint's model gets enable_network_isolation = true (local.network_isolation, asserted by tests/model_endpoint.tftest.hcl).
  name                     = local.model_name
  execution_role_arn       = aws_iam_role.this.arn
  enable_network_isolation = local.network_isolation
  tags                     = var.tags

  primary_container {
    image          = local.image_uri
    model_data_url = var.model_data_url
  }

  lifecycle {
    create_before_destroy = true
  }

  # SageMaker fetches the artifact with the role when it creates the endpoint: the policy first.
  depends_on = [aws_iam_role_policy.this]
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  name        = local.endpoint_config_name
  kms_key_arn = var.kms_key_arn
  tags        = var.tags

  production_variants {
    variant_name           = var.variant_name
    model_name             = aws_sagemaker_model.this.name
    instance_type          = local.variant.instance_type
    initial_instance_count = local.variant.initial_instance_count

    dynamic "serverless_config" {
      for_each = local.serverless ? [local.variant.serverless] : []
      content {
        memory_size_in_mb = serverless_config.value.memory_size_in_mb
        max_concurrency   = serverless_config.value.max_concurrency
      }
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = var.name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name
  tags                 = var.tags
}
