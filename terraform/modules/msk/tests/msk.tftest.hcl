# Mock-provider test of modules/msk as a root module.

mock_provider "aws" {
  mock_resource "aws_msk_cluster" {
    defaults = {
      arn          = "arn:aws:kafka:us-east-1:123456789012:cluster/features/uuid-3"
      cluster_uuid = "uuid-3"
    }
  }
  mock_resource "aws_msk_configuration" {
    defaults = {
      arn             = "arn:aws:kafka:us-east-1:123456789012:configuration/features/uuid-c"
      latest_revision = 1
    }
  }
  mock_resource "aws_msk_serverless_cluster" {
    defaults = { arn = "arn:aws:kafka:us-east-1:123456789012:cluster/features/uuid-s" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_features_flink-AbCdEf" }
  }
}

variables {
  name                      = "features"
  vpc_id                    = "vpc-0123456789abcdef0"
  subnet_ids                = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb", "subnet-0cccccccccccccccc"]
  kms_key_arn               = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
  client_security_group_ids = { flink = "sg-0aaaaaaaaaaaaaaaa" }
}

run "serverless_iam" {
  command = plan

  assert {
    condition     = length(aws_msk_serverless_cluster.this) == 1 && length(aws_msk_cluster.this) == 0
    error_message = "cluster_type = serverless creates exactly one aws_msk_serverless_cluster."
  }
  assert {
    condition     = aws_msk_serverless_cluster.this[0].client_authentication[0].sasl[0].iam[0].enabled == true
    error_message = "Serverless uses SASL/IAM."
  }
  assert {
    condition     = [for rule in aws_vpc_security_group_ingress_rule.clients : rule.from_port] == [9098]
    error_message = "Clients may reach a serverless cluster on 9098 only."
  }
}

run "serverless_rejects_scram" {
  command = plan

  variables {
    auth = { scram = true }
  }

  expect_failures = [aws_msk_serverless_cluster.this]
}

run "provisioned_secure_defaults" {
  command = plan

  variables {
    cluster_type = "provisioned"
  }

  assert {
    condition     = aws_msk_cluster.this[0].number_of_broker_nodes == 3 && aws_msk_cluster.this[0].broker_node_group_info[0].instance_type == "kafka.m7g.large"
    error_message = "3 kafka.m7g.large brokers by default."
  }
  assert {
    condition     = aws_msk_cluster.this[0].encryption_info[0].encryption_in_transit[0].client_broker == "TLS" && aws_msk_cluster.this[0].encryption_info[0].encryption_in_transit[0].in_cluster == true
    error_message = "TLS between clients and brokers and inside the cluster."
  }
  assert {
    condition     = aws_msk_cluster.this[0].encryption_info[0].encryption_at_rest_kms_key_arn == var.kms_key_arn
    error_message = "Encryption at rest with the customer-managed key."
  }
  assert {
    condition     = aws_msk_cluster.this[0].client_authentication[0].unauthenticated == false && aws_msk_cluster.this[0].client_authentication[0].sasl[0].iam == true && aws_msk_cluster.this[0].client_authentication[0].sasl[0].scram == false
    error_message = "IAM auth only by default; never unauthenticated."
  }
  assert {
    condition     = strcontains(aws_msk_configuration.this[0].server_properties, "auto.create.topics.enable=false") && strcontains(aws_msk_configuration.this[0].server_properties, "transaction.max.timeout.ms=900000")
    error_message = "The configuration disables topic auto-creation and keeps MSK's transaction limit."
  }
  assert {
    condition     = aws_msk_cluster.this[0].logging_info[0].broker_logs[0].cloudwatch_logs[0].enabled == true && aws_cloudwatch_log_group.broker[0].kms_key_id == var.kms_key_arn
    error_message = "Broker logs go to a KMS-encrypted log group."
  }
  assert {
    condition     = aws_msk_cluster.this[0].enhanced_monitoring == "DEFAULT"
    error_message = "DEFAULT monitoring (free, includes consumer lag) by default."
  }
}

run "provisioned_scram_and_mtls" {
  command = plan

  variables {
    cluster_type = "provisioned"
    auth = {
      scram                          = true
      tls_certificate_authority_arns = ["arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/0a1b2c3d-1111-2222-3333-444455556666"]
    }
  }

  assert {
    condition     = aws_secretsmanager_secret.scram[0].name == "AmazonMSK_features_flink" && aws_secretsmanager_secret.scram[0].kms_key_id == var.kms_key_arn
    error_message = "MSK needs the SCRAM secret named AmazonMSK_* and encrypted with a customer-managed key."
  }
  assert {
    condition     = length(aws_msk_scram_secret_association.this) == 1
    error_message = "The SCRAM secret must be associated with the cluster."
  }
  assert {
    condition     = toset([for rule in aws_vpc_security_group_ingress_rule.clients : rule.from_port]) == toset([9094, 9096, 9098])
    error_message = "Clients may reach IAM (9098), SCRAM (9096) and TLS (9094) ports."
  }
  assert {
    condition     = length(aws_msk_cluster.this[0].client_authentication[0].tls) == 1
    error_message = "mTLS with the given certificate authorities."
  }
}

# Broker storage from the expected traffic, with msk_features/cost.py's formula: 1,000 events/s of
# 1 KB (1,000 bytes), as many bytes again to the output topics, 7 days (168 h), replication 3:
# 1000 x 1000 x 2 x 604800 x 3 = 3,628.8 GB (what `msk-features cost` reports), 1,209.6 GB per broker
# over 3 brokers, x 2 headroom = 2,419.2 GB = 2,253.07 GiB -> 2,254 GiB per broker.
run "provisioned_storage_from_traffic" {
  command = apply

  variables {
    cluster_type = "provisioned"
    storage_sizing = {
      events_per_second = 1000
      mean_record_bytes = 1000
      retention_hours   = 168
    }
  }

  assert {
    condition     = abs(output.storage_sizing.stored_gb - 3628.8) < 0.000001 && output.storage_sizing.replication_factor == 3
    error_message = "1,000 events/s of 1 KB, output ratio 1, 7 days, replication 3 is 3,628.8 GB, as msk-features cost says."
  }
  assert {
    condition     = output.broker_volume_size == 2254 && aws_msk_cluster.this[0].broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size == 2254
    error_message = "Each of the 3 brokers gets ceil(3628.8e9 x 2 / 3 / 2^30) = 2254 GiB."
  }
  assert {
    condition     = output.storage_sizing.used_percent > 49.9 && output.storage_sizing.used_percent <= 50
    error_message = "Headroom 2 keeps the steady state at about 50% of each disk."
  }

  # Storage autoscaling (on by default): target tracking on KafkaBrokerStorageUtilization.
  assert {
    condition = (
      aws_appautoscaling_target.storage[0].service_namespace == "kafka" &&
      aws_appautoscaling_target.storage[0].scalable_dimension == "kafka:broker-storage:VolumeSize" &&
      aws_appautoscaling_target.storage[0].resource_id == aws_msk_cluster.this[0].arn &&
      aws_appautoscaling_target.storage[0].max_capacity == 16384
    )
    error_message = "The scalable target is the cluster's broker-storage volume size, up to 16 TiB per broker."
  }
  assert {
    condition = (
      aws_appautoscaling_policy.storage[0].policy_type == "TargetTrackingScaling" &&
      aws_appautoscaling_policy.storage[0].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "KafkaBrokerStorageUtilization" &&
      aws_appautoscaling_policy.storage[0].target_tracking_scaling_policy_configuration[0].target_value == 60 &&
      aws_appautoscaling_policy.storage[0].target_tracking_scaling_policy_configuration[0].disable_scale_in == true
    )
    error_message = "Target tracking on KafkaBrokerStorageUtilization at 60%, never scaling in."
  }
}

run "provisioned_fixed_volume_without_autoscaling" {
  command = plan

  variables {
    cluster_type        = "provisioned"
    broker              = { volume_size = 500 }
    storage_autoscaling = null
  }

  assert {
    condition     = output.broker_volume_size == 500 && output.storage_sizing == null && length(aws_appautoscaling_target.storage) == 0 && length(aws_appautoscaling_policy.storage) == 0
    error_message = "Without storage_sizing broker.volume_size is used; storage_autoscaling = null creates no scaling target or policy."
  }
}

run "sizing_beyond_16_tib_refused" {
  command = plan

  variables {
    cluster_type   = "provisioned"
    storage_sizing = { events_per_second = 20000, mean_record_bytes = 1000, retention_hours = 168 }
  }

  expect_failures = [aws_msk_cluster.this]
}

run "serverless_has_no_storage_scaling" {
  command = plan

  assert {
    condition     = length(aws_appautoscaling_target.storage) == 0 && output.broker_volume_size == null && length(output.broker_ids) == 0
    error_message = "MSK Serverless manages its own storage."
  }
}
