module "properties" {
  source = "./modules/properties"

  # job_creates_topics also tells the job to create its missing topics (kafka.create_topics), so the
  # permission and the behaviour come from one variable.
  application_properties = merge(var.application_properties, {
    kafka = merge(var.application_properties.kafka, {
      create_topics = var.job_creates_topics ? true : var.application_properties.kafka.create_topics
    })
  })
  bootstrap_servers       = var.bootstrap_servers
  offline_path            = var.lake_bucket_name == null ? null : "s3a://${var.lake_bucket_name}/${trim(var.lake_prefix, "/")}"
  transactional_id_prefix = var.name
  manifest                = var.manifest
  scram_secret_arn        = try(var.scram_secret.arn, null)
  scoring_endpoints       = var.scoring_endpoints
}

locals {
  upload_code = var.code_object == null
  zip_exists  = local.upload_code && try(fileexists(var.code_zip_path), false)
  zip_sha256  = local.zip_exists ? filesha256(var.code_zip_path) : "missing"
  # Content-hash key: a new build is a new object, so the application sees a new file_key.
  upload_key = local.upload_code ? try("${var.code_key_prefix}${trimsuffix(basename(var.code_zip_path), ".zip")}-${local.zip_sha256}.zip", null) : null
  # What the application runs: the zip uploaded here, or code_object (uploaded by another instance).
  code_key     = local.upload_code ? one(aws_s3_object.code[*].key) : var.code_object.key
  code_version = local.upload_code ? one(aws_s3_object.code[*].version_id) : var.code_object.version_id

  # A backfill application (application_properties.backfill set) reads the archive and writes its
  # run's folder; it reads no Kafka topic and writes none (flink_jobs/runtime/job.py skips Kafka for it).
  backfill     = var.application_properties.backfill != null
  kafka_access = !local.backfill

  # Region, account and partition from an ARN this module creates (no data source needed).
  log_group_arn_parts = split(":", aws_cloudwatch_log_group.this.arn)
  partition           = local.log_group_arn_parts[1]
  region              = local.log_group_arn_parts[3]
  account_id          = local.log_group_arn_parts[4]
  application_arn     = "arn:${local.partition}:kinesisanalytics:${local.region}:${local.account_id}:application/${var.name}"

  kafka_auth = module.properties.kafka_auth
  kafka_port = { iam = 9098, scram = 9096, mtls = 9094, plaintext = 9092 }[local.kafka_auth]

  # MSK resource ARNs: arn:<p>:kafka:<r>:<a>:<type>/<cluster name>/<cluster uuid>[/<name>]
  topic_arn_prefix    = replace(var.msk_cluster_arn, ":cluster/", ":topic/")
  group_arn_prefix    = replace(var.msk_cluster_arn, ":cluster/", ":group/")
  txn_id_arn_prefix   = replace(var.msk_cluster_arn, ":cluster/", ":transactional-id/")
  input_topic_arns    = [for topic in module.properties.input_topics : "${local.topic_arn_prefix}/${topic}"]
  output_topic_arns   = [for topic in module.properties.output_topics : "${local.topic_arn_prefix}/${topic}"]
  exactly_once        = var.application_properties.kafka_sink.delivery_guarantee == "exactly-once"
  offline_bucket_arn  = module.properties.offline_bucket == null ? null : "arn:${local.partition}:s3:::${module.properties.offline_bucket}"
  offline_prefix      = module.properties.offline_prefix
  offline_object_arns = local.offline_bucket_arn == null ? [] : (local.offline_prefix == "" ? ["${local.offline_bucket_arn}/*"] : ["${local.offline_bucket_arn}/${local.offline_prefix}", "${local.offline_bucket_arn}/${local.offline_prefix}/*"])
  # A backfill's share of the offline path: it reads <path>/events/ (the live job's archive) and
  # writes (and, on restore, deletes uncommitted parts under) <path>/backfill/.
  offline_key_prefix   = try(local.offline_prefix == "" ? "" : "${local.offline_prefix}/", null)
  archive_object_arns  = local.offline_bucket_arn == null ? [] : ["${local.offline_bucket_arn}/${local.offline_key_prefix}events/*"]
  backfill_object_arns = local.offline_bucket_arn == null ? [] : ["${local.offline_bucket_arn}/${local.offline_key_prefix}backfill", "${local.offline_bucket_arn}/${local.offline_key_prefix}backfill/*"]

  # The endpoints the job scores with. SageMaker writes an endpoint's ARN with its name in lower case
  # (CreateEndpoint of "ExampleEndpoint" returns .../endpoint/exampleendpoint: "Understand SageMaker AI
  # log file entries", https://docs.aws.amazon.com/sagemaker/latest/dg/understanding-sagemaker-entries.html),
  # and IAM compares the request's ARN with the policy's: lower-case here too.
  scoring_endpoint_arns = sort(distinct([
    for endpoint in values(var.scoring_endpoints) : "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:endpoint/${lower(endpoint)}"
  ]))
}

# ---------------------------------------------------------------------------------------------------
# Code: the zip from target/, under a content-hash key (none with code_object: another instance's)
# ---------------------------------------------------------------------------------------------------

resource "aws_s3_object" "code" {
  count = local.upload_code ? 1 : 0

  bucket                 = var.code_bucket_name
  key                    = local.upload_key
  source                 = var.code_zip_path
  source_hash            = local.zip_sha256
  server_side_encryption = "aws:kms"
  kms_key_id             = var.kms_key_arn
  content_type           = "application/zip"
  tags                   = var.tags

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = local.zip_exists
      error_message = "No application zip at ${var.code_zip_path}: run `make package` at the repository root first."
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/kinesis-analytics/${var.name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_stream" "this" {
  name           = "application"
  log_group_name = aws_cloudwatch_log_group.this.name
}

# ---------------------------------------------------------------------------------------------------
# Network: the application's ENIs may reach the brokers' auth port and HTTPS endpoints only
# ---------------------------------------------------------------------------------------------------

resource "aws_security_group" "this" {
  # checkov:skip=CKV2_AWS_5:Attached to the application's ENIs through aws_kinesisanalyticsv2_application.vpc_configuration, a resource checkov's graph does not follow.
  name_prefix = "${var.name}-flink-"
  description = "Managed Flink ${var.name}: egress to the MSK brokers and HTTPS endpoints"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-flink" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "brokers" {
  # A backfill application talks to no broker.
  count = local.kafka_access ? 1 : 0

  security_group_id            = aws_security_group.this.id
  description                  = "Kafka (${local.kafka_auth}) to the MSK brokers"
  referenced_security_group_id = var.broker_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = local.kafka_port
  to_port                      = local.kafka_port
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https_prefix_lists" {
  for_each = { for index, id in var.egress_https_prefix_list_ids : tostring(index) => id }

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to a gateway endpoint (S3)"
  prefix_list_id    = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  tags              = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https_cidrs" {
  for_each = { for index, cidr in var.egress_https_cidr_blocks : tostring(index) => cidr }

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to interface endpoints (CloudWatch)"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  tags              = var.tags
}

# ---------------------------------------------------------------------------------------------------
# Service-execution role: least privilege
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["kinesisanalytics.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.application_arn]
    }
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${substr(var.name, 0, 31)}-flink-" # name_prefix: at most 38 characters
  description        = "Service-execution role of Managed Flink application ${var.name}"
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
  tags               = var.tags
}

data "aws_iam_policy_document" "this" {
  # checkov:skip=CKV_AWS_109:Only the VpcNetworkInterfaces statement has a "*" resource: ec2:CreateNetworkInterfacePermission and the ENI calls Managed Flink makes with this role in VPC mode; every other statement is scoped to ARNs.
  # checkov:skip=CKV_AWS_111:Same statement: ec2:CreateNetworkInterface / DeleteNetworkInterface for the application's ENIs, which AWS documents with "*" for Managed Flink VPC mode.
  # checkov:skip=CKV_AWS_356:Same statement: the only "*" resource, for the EC2 network-interface calls of VPC mode (tests/terraform asserts no other statement has one).
  statement {
    sid       = "ReadApplicationCode"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${var.code_bucket_arn}/${local.code_key}"]
  }

  dynamic "statement" {
    for_each = local.kafka_access && local.kafka_auth == "iam" ? [1] : []
    content {
      sid       = "KafkaConnect"
      actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
      resources = [var.msk_cluster_arn]
    }
  }

  dynamic "statement" {
    for_each = local.kafka_access && local.kafka_auth == "iam" ? [1] : []
    content {
      sid       = "KafkaReadInputTopics"
      actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
      resources = local.input_topic_arns
    }
  }

  dynamic "statement" {
    for_each = local.kafka_access && local.kafka_auth == "iam" ? [1] : []
    content {
      sid       = "KafkaWriteOutputTopics"
      actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
      resources = local.output_topic_arns
    }
  }

  dynamic "statement" {
    # The job creates its missing topics at start (MSK Serverless has no topic API): exactly the
    # manifest's topics, nothing else.
    for_each = local.kafka_access && local.kafka_auth == "iam" && var.job_creates_topics ? [1] : []
    content {
      sid       = "KafkaCreateOwnTopics"
      actions   = ["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic"]
      resources = concat(local.input_topic_arns, local.output_topic_arns)
    }
  }

  dynamic "statement" {
    for_each = local.kafka_access && local.kafka_auth == "iam" ? [1] : []
    content {
      sid       = "KafkaConsumerGroup"
      actions   = ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]
      resources = ["${local.group_arn_prefix}/${module.properties.consumer_group}"]
    }
  }

  dynamic "statement" {
    for_each = local.kafka_access && local.kafka_auth == "iam" && local.exactly_once ? [1] : []
    content {
      sid       = "KafkaTransactionalIds"
      actions   = ["kafka-cluster:DescribeTransactionalId", "kafka-cluster:AlterTransactionalId"]
      resources = ["${local.txn_id_arn_prefix}/${module.properties.transactional_id_prefix}-*"]
    }
  }

  dynamic "statement" {
    for_each = local.offline_bucket_arn != null ? [1] : []
    content {
      sid       = "LakeBucket"
      actions   = ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
      resources = [local.offline_bucket_arn]
    }
  }

  dynamic "statement" {
    for_each = local.offline_bucket_arn != null ? [1] : []
    content {
      sid       = "LakeListPrefix"
      actions   = ["s3:ListBucket"]
      resources = [local.offline_bucket_arn]

      dynamic "condition" {
        for_each = local.offline_prefix == "" ? [] : [1]
        content {
          test     = "StringLike"
          variable = "s3:prefix"
          values   = [local.offline_prefix, "${local.offline_prefix}/*"]
        }
      }
    }
  }

  dynamic "statement" {
    for_each = local.offline_bucket_arn != null && !local.backfill ? [1] : []
    content {
      sid = "LakeObjects"
      actions = [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ]
      resources = local.offline_object_arns
    }
  }

  dynamic "statement" {
    for_each = local.offline_bucket_arn != null && local.backfill ? [1] : []
    content {
      sid       = "LakeReadArchive"
      actions   = ["s3:GetObject"]
      resources = local.archive_object_arns
    }
  }

  dynamic "statement" {
    for_each = local.offline_bucket_arn != null && local.backfill ? [1] : []
    content {
      sid = "LakeWriteBackfill"
      actions = [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ]
      resources = local.backfill_object_arns
    }
  }

  dynamic "statement" {
    for_each = local.kafka_access && var.scram_secret != null ? [1] : []
    content {
      sid       = "ReadScramSecret"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.scram_secret.arn]
    }
  }

  dynamic "statement" {
    for_each = local.kafka_access && var.scram_secret != null ? [1] : []
    content {
      sid       = "DecryptScramSecret"
      actions   = ["kms:Decrypt"]
      resources = [var.scram_secret.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    # Scoring (flink_jobs/features/scoring.py): the job calls exactly these endpoints.
    for_each = length(local.scoring_endpoint_arns) > 0 ? [1] : []
    content {
      sid       = "InvokeScoringEndpoints"
      actions   = ["sagemaker:InvokeEndpoint"]
      resources = local.scoring_endpoint_arns
    }
  }

  statement {
    sid       = "KmsDataKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "DescribeLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
  }

  statement {
    sid       = "DescribeOwnLogStreams"
    actions   = ["logs:DescribeLogStreams"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${aws_cloudwatch_log_group.this.name}:log-stream:*"]
  }

  statement {
    sid       = "WriteOwnLogStream"
    actions   = ["logs:PutLogEvents"]
    resources = [aws_cloudwatch_log_stream.this.arn]
  }

  statement {
    # The only "*": Managed Flink creates the application's ENIs with this role, and these EC2
    # calls do not support resource-level permissions for this use.
    sid = "VpcNetworkInterfaces"
    actions = [
      "ec2:DescribeVpcs",
      "ec2:DescribeSubnets",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeDhcpOptions",
      "ec2:DescribeNetworkInterfaces",
      "ec2:CreateNetworkInterface",
      "ec2:CreateNetworkInterfacePermission",
      "ec2:DeleteNetworkInterface",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# ---------------------------------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------------------------------

# Holds var.topics_ready, so that the application waits for the topics (modules/msk_topics) without
# a module-level depends_on, which would make a cycle (the topics come from this module's manifest).
resource "terraform_data" "topics_ready" {
  input = var.topics_ready
}

resource "aws_kinesisanalyticsv2_application" "this" {
  name                   = var.name
  description            = var.description
  runtime_environment    = var.runtime_environment
  service_execution_role = aws_iam_role.this.arn
  start_application      = var.start_application
  tags                   = var.tags

  application_configuration {
    application_code_configuration {
      code_content_type = "ZIPFILE"

      code_content {
        s3_content_location {
          bucket_arn     = var.code_bucket_arn
          file_key       = local.code_key
          object_version = local.code_version
        }
      }
    }

    application_snapshot_configuration {
      snapshots_enabled = var.snapshots_enabled
    }

    environment_properties {
      dynamic "property_group" {
        for_each = module.properties.property_groups
        content {
          property_group_id = property_group.key
          property_map      = property_group.value
        }
      }
    }

    flink_application_configuration {
      # The service owns checkpointing and parallelism on Managed Flink: pipeline.checkpoint_interval_ms
      # and pipeline.parallelism are applied here (the job ignores them there).
      checkpoint_configuration {
        configuration_type            = "CUSTOM"
        checkpointing_enabled         = true
        checkpoint_interval           = module.properties.checkpoint_interval_ms
        min_pause_between_checkpoints = var.min_pause_between_checkpoints_ms
      }

      monitoring_configuration {
        configuration_type = "CUSTOM"
        log_level          = var.log_level
        metrics_level      = var.metrics_level
      }

      parallelism_configuration {
        configuration_type   = "CUSTOM"
        parallelism          = module.properties.parallelism
        parallelism_per_kpu  = var.parallelism_per_kpu
        auto_scaling_enabled = var.auto_scaling_enabled
      }
    }

    run_configuration {
      application_restore_configuration {
        application_restore_type = var.snapshots_enabled ? "RESTORE_FROM_LATEST_SNAPSHOT" : "SKIP_RESTORE_FROM_SNAPSHOT"
      }

      flink_run_configuration {
        allow_non_restored_state = false
      }
    }

    vpc_configuration {
      security_group_ids = [aws_security_group.this.id]
      subnet_ids         = var.subnet_ids
    }
  }

  cloudwatch_logging_options {
    log_stream_arn = aws_cloudwatch_log_stream.this.arn
  }

  depends_on = [aws_iam_role_policy.this, terraform_data.topics_ready]
}
