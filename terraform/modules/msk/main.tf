locals {
  serverless  = var.cluster_type == "serverless"
  provisioned = var.cluster_type == "provisioned"
  scram       = local.provisioned && var.auth.scram
  mtls        = local.provisioned && length(var.auth.tls_certificate_authority_arns) > 0

  # Broker ports per auth mode (TLS in transit everywhere; no plaintext listener).
  ports = merge(
    var.auth.iam || local.serverless ? { iam = 9098 } : {},
    local.scram ? { scram = 9096 } : {},
    local.mtls ? { tls = 9094 } : {},
  )

  replication_factor = coalesce(var.replication_factor, min(3, var.broker.count))

  # Broker storage from the expected traffic (msk_features/operations/cost.py's formula, GB = 10^9 bytes), per
  # broker with headroom, in GiB (the unit of volume_size).
  sizing = var.storage_sizing == null ? null : {
    stored_gb = (
      var.storage_sizing.events_per_second * var.storage_sizing.mean_record_bytes * (1 + var.storage_sizing.output_ratio)
      * var.storage_sizing.retention_hours * 3600 * local.replication_factor / 1000000000
    )
  }
  volume_size = local.sizing == null ? var.broker.volume_size : max(1, ceil(local.sizing.stored_gb * 1000000000 * var.storage_sizing.headroom / var.broker.count / pow(2, 30)))
  # What the pipeline needs from the brokers: topics only as declared (the job and the CLI create
  # them), durable transactions for exactly-once sinks, and the retention the topics default to.
  default_server_properties = {
    "auto.create.topics.enable"                = "false"
    "default.replication.factor"               = tostring(local.replication_factor)
    "min.insync.replicas"                      = tostring(max(1, local.replication_factor - 1))
    "num.partitions"                           = "3"
    "unclean.leader.election.enable"           = "false"
    "log.retention.ms"                         = "604800000"
    "transaction.max.timeout.ms"               = "900000"
    "transaction.state.log.replication.factor" = tostring(local.replication_factor)
    "transaction.state.log.min.isr"            = tostring(max(1, local.replication_factor - 1))
    "offsets.retention.minutes"                = "10080"
  }
  server_properties_map = merge(local.default_server_properties, var.server_properties)
  server_properties = join("\n", [
    for key in sort(keys(local.server_properties_map)) : "${key}=${local.server_properties_map[key]}"
  ])
  # Content-hash name: a change of properties or Kafka version creates a new configuration before
  # the old one goes (built-in functions instead of random_id, which needs the hashicorp/random provider).
  configuration_name = "${var.name}-${substr(sha256("${var.kafka_version}\n${local.server_properties}"), 0, 10)}"

  client_rules = {
    for pair in setproduct(keys(var.client_security_group_ids), keys(local.ports)) :
    "${pair[0]}-${pair[1]}" => { security_group_id = var.client_security_group_ids[pair[0]], auth = pair[1], port = local.ports[pair[1]] }
  }
}

# ---------------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------------

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-msk-"
  description = "MSK ${var.name}: brokers, reachable from the client security groups on the auth ports"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-msk" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each = local.client_rules

  security_group_id            = aws_security_group.this.id
  description                  = "Kafka ${each.value.auth} from ${each.key}"
  referenced_security_group_id = each.value.security_group_id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  tags                         = var.tags
}

# ---------------------------------------------------------------------------------------------------
# Serverless
# ---------------------------------------------------------------------------------------------------

resource "aws_msk_serverless_cluster" "this" {
  count = local.serverless ? 1 : 0

  cluster_name = var.name
  tags         = var.tags

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.this.id]
  }

  client_authentication {
    sasl {
      iam {
        enabled = true
      }
    }
  }

  lifecycle {
    precondition {
      condition     = !var.auth.scram && length(var.auth.tls_certificate_authority_arns) == 0
      error_message = "MSK Serverless supports IAM auth only: leave auth.scram false and auth.tls_certificate_authority_arns empty."
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Provisioned
# ---------------------------------------------------------------------------------------------------

resource "aws_msk_configuration" "this" {
  count = local.provisioned ? 1 : 0

  name              = local.configuration_name
  description       = "${var.name}: properties the msk-flink-features pipeline needs"
  kafka_versions    = [var.kafka_version]
  server_properties = local.server_properties

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = local.replication_factor <= var.broker.count
      error_message = "replication_factor (${local.replication_factor}) cannot exceed the broker count (${var.broker.count})."
    }
  }
}

resource "aws_cloudwatch_log_group" "broker" {
  count = local.provisioned ? 1 : 0

  name              = "/aws/msk/${var.name}/broker"
  retention_in_days = var.broker_log_retention_in_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_msk_cluster" "this" {
  count = local.provisioned ? 1 : 0

  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.broker.count
  enhanced_monitoring    = var.enhanced_monitoring
  tags                   = var.tags

  broker_node_group_info {
    instance_type   = var.broker.instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.this.id]

    storage_info {
      ebs_storage_info {
        volume_size = local.volume_size

        dynamic "provisioned_throughput" {
          for_each = var.broker.provisioned_throughput != null ? [var.broker.provisioned_throughput] : []
          content {
            enabled           = true
            volume_throughput = provisioned_throughput.value
          }
        }
      }
    }
  }

  client_authentication {
    unauthenticated = false

    sasl {
      iam   = var.auth.iam
      scram = var.auth.scram
    }

    dynamic "tls" {
      for_each = local.mtls ? [var.auth.tls_certificate_authority_arns] : []
      content {
        certificate_authority_arns = tls.value
      }
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = var.kms_key_arn

    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this[0].arn
    revision = aws_msk_configuration.this[0].latest_revision
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.broker[0].name
      }
    }
  }

  lifecycle {
    # Storage autoscaling grows the volumes; MSK cannot shrink them, so a plan back to the first size
    # would fail. (A lifecycle block cannot depend on a variable: this holds without autoscaling too.)
    ignore_changes = [broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size]

    precondition {
      condition     = local.volume_size >= 1 && local.volume_size <= 16384
      error_message = "The broker volume size (${local.volume_size} GiB, from broker.volume_size or storage_sizing) must be 1-16384 GiB: add brokers, shorten the retention or use tiered storage."
    }
  }
}

# Storage autoscaling: target tracking on KafkaBrokerStorageUtilization, scale-out only
# (https://docs.aws.amazon.com/msk/latest/developerguide/msk-autoexpand.html).
resource "aws_appautoscaling_target" "storage" {
  count = local.provisioned && var.storage_autoscaling != null ? 1 : 0

  service_namespace  = "kafka"
  scalable_dimension = "kafka:broker-storage:VolumeSize"
  resource_id        = aws_msk_cluster.this[0].arn
  min_capacity       = 1
  max_capacity       = var.storage_autoscaling.max_volume_size
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "storage" {
  count = local.provisioned && var.storage_autoscaling != null ? 1 : 0

  name               = "${var.name}-broker-storage"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.storage[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.storage[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.storage[0].resource_id

  target_tracking_scaling_policy_configuration {
    # MSK storage cannot shrink.
    disable_scale_in = true
    target_value     = var.storage_autoscaling.target_utilization

    predefined_metric_specification {
      predefined_metric_type = "KafkaBrokerStorageUtilization"
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# SASL/SCRAM (provisioned only): MSK requires the secret's name to start with AmazonMSK_ and a
# customer-managed key.
# ---------------------------------------------------------------------------------------------------

data "aws_secretsmanager_random_password" "scram" {
  count = local.scram ? 1 : 0

  password_length     = 32
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "scram" {
  # checkov:skip=CKV2_AWS_57:SCRAM credentials also live in the Flink application's properties; rotating them is a coordinated redeploy, not a Secrets Manager rotation Lambda.
  count = local.scram ? 1 : 0

  name                    = "AmazonMSK_${var.name}_${var.auth.scram_username}"
  description             = "SASL/SCRAM credentials of ${var.auth.scram_username} on MSK ${var.name}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "scram" {
  count = local.scram ? 1 : 0

  secret_id = aws_secretsmanager_secret.scram[0].id
  secret_string = jsonencode({
    username = var.auth.scram_username
    password = data.aws_secretsmanager_random_password.scram[0].random_password
  })

  lifecycle {
    # The data source draws a new password on every plan; keep the first one.
    ignore_changes = [secret_string]
  }
}

resource "aws_msk_scram_secret_association" "this" {
  count = local.scram ? 1 : 0

  cluster_arn     = aws_msk_cluster.this[0].arn
  secret_arn_list = [aws_secretsmanager_secret.scram[0].arn]

  depends_on = [aws_secretsmanager_secret_version.scram]
}
