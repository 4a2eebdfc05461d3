output "cluster_type" {
  description = "serverless or provisioned."
  value       = var.cluster_type
}

output "cluster_arn" {
  description = "ARN of the cluster."
  value       = local.serverless ? try(aws_msk_serverless_cluster.this[0].arn, null) : try(aws_msk_cluster.this[0].arn, null)
}

output "cluster_name" {
  description = "Name of the cluster (the 'Cluster Name' dimension of its CloudWatch metrics)."
  value       = var.name
}

output "cluster_uuid" {
  description = "UUID of the cluster (part of its topic, group and transactional-id ARNs)."
  value       = local.serverless ? try(aws_msk_serverless_cluster.this[0].cluster_uuid, null) : try(aws_msk_cluster.this[0].cluster_uuid, null)
}

output "bootstrap_brokers_by_auth" {
  description = "Bootstrap servers per enabled auth mode: iam (9098), scram (9096), tls (9094)."
  value = local.serverless ? {
    iam = try(aws_msk_serverless_cluster.this[0].bootstrap_brokers_sasl_iam, null)
    } : {
    for auth, servers in {
      iam   = try(aws_msk_cluster.this[0].bootstrap_brokers_sasl_iam, null)
      scram = try(aws_msk_cluster.this[0].bootstrap_brokers_sasl_scram, null)
      tls   = try(aws_msk_cluster.this[0].bootstrap_brokers_tls, null)
    } : auth => servers if contains(keys(local.ports), auth)
  }
}

output "ports" {
  description = "Broker port per enabled auth mode."
  value       = local.ports
}

output "security_group_id" {
  description = "Security group of the brokers."
  value       = try(aws_security_group.this.id, null)
}

output "iam_auth_enabled" {
  description = "Whether SASL/IAM is enabled (always on serverless)."
  value       = local.serverless ? try(aws_msk_serverless_cluster.this[0].client_authentication[0].sasl[0].iam[0].enabled, null) : try(aws_msk_cluster.this[0].client_authentication[0].sasl[0].iam, null)
}

output "number_of_broker_nodes" {
  description = "Broker count of a provisioned cluster (null for serverless)."
  value       = try(aws_msk_cluster.this[0].number_of_broker_nodes, null)
}

output "client_broker_encryption" {
  description = "Encryption between clients and brokers of a provisioned cluster (TLS; serverless is always TLS)."
  value       = local.serverless ? "TLS" : try(aws_msk_cluster.this[0].encryption_info[0].encryption_in_transit[0].client_broker, null)
}

output "encryption_at_rest_kms_key_arn" {
  description = "KMS key encrypting a provisioned cluster's storage (serverless uses an AWS-owned key)."
  value       = try(aws_msk_cluster.this[0].encryption_info[0].encryption_at_rest_kms_key_arn, null)
}

output "configuration_arn" {
  description = "ARN of the MSK configuration of a provisioned cluster."
  value       = try(aws_msk_configuration.this[0].arn, null)
}

output "configuration_name" {
  description = "Name of the MSK configuration (content-hash suffix)."
  value       = try(aws_msk_configuration.this[0].name, null)
}

output "server_properties" {
  description = "The broker properties of a provisioned cluster's configuration."
  value       = local.provisioned ? local.server_properties_map : null
}

output "broker_log_group_name" {
  description = "CloudWatch log group of a provisioned cluster's broker logs."
  value       = try(aws_cloudwatch_log_group.broker[0].name, null)
}

output "scram_secret_arn" {
  description = "ARN of the SCRAM secret (null unless auth.scram)."
  value       = try(aws_secretsmanager_secret.scram[0].arn, null)
}

output "scram_secret_name" {
  description = "Name of the SCRAM secret (AmazonMSK_<name>_<user>)."
  value       = try(aws_secretsmanager_secret.scram[0].name, null)
}

output "scram_credentials" {
  description = "SCRAM user name and password for the application's kafka.sasl_username / kafka.sasl_password (null unless auth.scram)."
  value       = try(jsondecode(aws_secretsmanager_secret_version.scram[0].secret_string), null)
  sensitive   = true
}

output "kafka_version" {
  description = "Kafka version of a provisioned cluster (the topic API of modules/msk_topics needs 3.6 or later; a .kraft suffix means KRaft metadata mode)."
  value       = local.provisioned ? var.kafka_version : null
}

output "replication_factor" {
  description = "Replication factor of the pipeline's topics (default.replication.factor of a provisioned cluster; MSK Serverless uses 3)."
  value       = local.provisioned ? local.replication_factor : 3
}

output "broker_ids" {
  description = "Broker ids of a provisioned cluster, 1..count (the 'Broker ID' dimension of per-broker AWS/Kafka metrics); empty for serverless."
  value       = local.provisioned ? [for i in range(1, var.broker.count + 1) : tostring(i)] : []
}

output "broker_volume_size" {
  description = "EBS volume per broker at creation, in GiB (storage_sizing's result, else broker.volume_size); null for serverless."
  value       = local.provisioned ? local.volume_size : null
}

output "storage_sizing" {
  description = "How the broker volume was sized: the stored GB (GB = 10^9 bytes, all replicas) from storage_sizing, the broker count, the headroom and the resulting GiB per broker; null when broker.volume_size was used."
  value = local.provisioned && local.sizing != null ? {
    stored_gb          = local.sizing.stored_gb
    brokers            = var.broker.count
    replication_factor = local.replication_factor
    headroom           = var.storage_sizing.headroom
    volume_size_gib    = local.volume_size
    used_percent       = 100 * local.sizing.stored_gb * 1000000000 / var.broker.count / (local.volume_size * pow(2, 30))
  } : null
}

output "storage_autoscaling" {
  description = "The storage autoscaling target (percent) and the maximum volume per broker (GiB); null when disabled or serverless."
  value = local.provisioned && var.storage_autoscaling != null ? {
    target_utilization = aws_appautoscaling_policy.storage[0].target_tracking_scaling_policy_configuration[0].target_value
    max_volume_size    = aws_appautoscaling_target.storage[0].max_capacity
  } : null
}
