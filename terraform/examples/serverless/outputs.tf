output "msk_cluster_arn" {
  description = "ARN of the MSK Serverless cluster."
  value       = module.msk.cluster_arn
}

output "msk_cluster_type" {
  description = "serverless."
  value       = module.msk.cluster_type
}

output "bootstrap_brokers_iam" {
  description = "Bootstrap servers for SASL/IAM (port 9098), reachable from inside the VPC only."
  value       = module.msk.bootstrap_brokers_by_auth["iam"]
}

output "application_name" {
  description = "Name of the Managed Flink application."
  value       = module.flink_app.application_name
}

output "backfill_application_name" {
  description = "Name of the backfill application (<name>-backfill-<run>), or null when var.backfill is not set."
  value       = try(module.backfill[0].application_name, null)
}

output "backfill_output_path" {
  description = "Where the backfill writes its feature sets (<offline.path>/backfill/<run>/features/), or null when var.backfill is not set."
  value       = try("${module.backfill[0].property_groups["offline"]["path"]}/backfill/${local.backfill_run}/features/", null)
}

output "runtime_environment" {
  description = "Runtime of the Managed Flink application."
  value       = module.flink_app.runtime_environment
}

output "code_s3_uri" {
  description = "Where the zip was uploaded (content-hash key)."
  value       = "s3://${module.flink_app.code_s3_bucket}/${module.flink_app.code_s3_key}"
}

output "lake_bucket_name" {
  description = "Bucket of the Parquet feature and event archive."
  value       = module.storage.lake_bucket_name
}

output "topics" {
  description = "The topics `msk-features topics apply` creates (name, partitions, compacted, retention_ms, role, owner): fraud.manifest.json's, as the application properties name them."
  value       = module.flink_app.topics
}

output "application_properties_json" {
  description = "The application's properties document: save it with `terraform output -raw application_properties_json > app-properties.json` for `msk-features topics apply --properties app-properties.json`."
  value       = module.flink_app.application_properties_json
}

output "client_security_group_id" {
  description = "Security group allowed to reach the brokers: attach it to the machine that runs `msk-features topics apply` inside the VPC."
  value       = module.flink_app.security_group_id
}

output "private_subnet_ids" {
  description = "Private subnets of the example VPC."
  value       = aws_subnet.private[*].id
}

output "dashboard_name" {
  description = "CloudWatch dashboard of consumer lag, Flink lag, checkpoints and restarts."
  value       = module.monitoring.dashboard_name
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.monitoring.sns_topic_arn
}

output "model_endpoint_name" {
  description = "The SageMaker endpoint the job scores with (created from model_artifact_s3_uri, or model_endpoint_name); null without scoring."
  value       = local.model_endpoint_name
}

output "scoring_endpoints" {
  description = "Scoring name -> endpoint, as the application's scoring group names it; empty without scoring."
  value       = module.flink_app.scoring_endpoints
}

output "model_endpoint_alarm_names" {
  description = "The alarms on the created endpoint (Invocation4XXErrors, Invocation5XXErrors, ModelLatency); empty unless model_artifact_s3_uri is set."
  value       = module.monitoring.model_endpoint_alarm_names
}
