output "application_name" {
  description = "Name of the Managed Flink application (the 'Application' dimension of its metrics)."
  value       = try(aws_kinesisanalyticsv2_application.this.name, null)
}

output "application_arn" {
  description = "ARN of the application."
  value       = try(aws_kinesisanalyticsv2_application.this.arn, null)
}

output "application_version_id" {
  description = "Current version of the application (grows with every update)."
  value       = try(aws_kinesisanalyticsv2_application.this.version_id, null)
}

output "runtime_environment" {
  description = "The application's runtime (FLINK-2_2 by default)."
  value       = try(aws_kinesisanalyticsv2_application.this.runtime_environment, null)
}

output "code_s3_bucket" {
  description = "Bucket of the uploaded zip."
  value       = var.code_bucket_name
}

output "code_s3_key" {
  description = "Key of the zip the application runs (<prefix><zip name>-<sha256>.zip when uploaded here; code_object.key otherwise)."
  value       = try(local.code_key, null)
}

output "code_s3_object_version" {
  description = "S3 version id of the zip the application runs."
  value       = try(local.code_version, null)
}

output "property_groups" {
  description = "The property groups written to the application (group id -> key -> value)."
  value       = module.properties.property_groups
}

output "application_properties_json" {
  description = "The properties document (as /etc/flink/application_properties.json) for `msk-features topics apply --properties FILE` and local runs."
  value       = module.properties.application_properties_json
}

output "pipeline" {
  description = "The pipeline the application runs (the manifest's)."
  value       = module.properties.pipeline
}

output "topics" {
  description = "Every topic the pipeline needs (name, partitions, compacted, retention_ms, role, owner), in the order of flink_jobs.pipelines.pipeline_topics."
  value       = module.properties.topics
}

output "job_creates_topics" {
  description = "Whether the job creates its missing topics at start (the role may then kafka-cluster:CreateTopic exactly the manifest's topics)."
  value       = var.job_creates_topics
}

output "topic_arns" {
  description = "ARNs of every topic of the manifest (input and output), as the role's Kafka statements name them."
  value       = concat(local.input_topic_arns, local.output_topic_arns)
}

output "input_topics" {
  description = "Topics the job reads, one per source of the manifest (the consumer-lag alarms watch these)."
  value       = module.properties.input_topics
}

output "output_topics" {
  description = "Topics the job writes: dead-letter, late-events and one per feature set of the manifest."
  value       = module.properties.output_topics
}

output "source_topics" {
  description = "Source name -> the topic the job reads for it."
  value       = module.properties.source_topics
}

output "feature_topics" {
  description = "Feature set name -> the topic the job writes its features to."
  value       = module.properties.feature_topics
}

output "consumer_group" {
  description = "Consumer group of the job's sources."
  value       = module.properties.consumer_group
}

output "transactional_id_prefix" {
  description = "Transactional id prefix of the exactly-once Kafka sinks."
  value       = module.properties.transactional_id_prefix
}

output "kafka_port" {
  description = "Broker port the application connects to (from kafka.auth)."
  value       = local.kafka_port
}

output "checkpoint_configuration" {
  description = "The application's checkpoint configuration (CUSTOM, interval from pipeline.checkpoint_interval_ms)."
  value       = try(aws_kinesisanalyticsv2_application.this.application_configuration[0].flink_application_configuration[0].checkpoint_configuration[0], null)
}

output "parallelism_configuration" {
  description = "The application's parallelism configuration (CUSTOM, parallelism from pipeline.parallelism)."
  value       = try(aws_kinesisanalyticsv2_application.this.application_configuration[0].flink_application_configuration[0].parallelism_configuration[0], null)
}

output "vpc_subnet_ids" {
  description = "Subnets of the application's VPC configuration."
  value       = try(aws_kinesisanalyticsv2_application.this.application_configuration[0].vpc_configuration[0].subnet_ids, null)
}

output "security_group_id" {
  description = "Security group of the application's ENIs (give it to the MSK module's client_security_group_ids)."
  value       = try(aws_security_group.this.id, null)
}

output "role_arn" {
  description = "ARN of the service-execution role."
  value       = try(aws_iam_role.this.arn, null)
}

output "role_name" {
  description = "Name of the service-execution role."
  value       = try(aws_iam_role.this.name, null)
}

output "log_group_name" {
  description = "CloudWatch log group of the application."
  value       = try(aws_cloudwatch_log_group.this.name, null)
}

output "role_policy_statements" {
  description = "The statements of the role's inline policy (sid, actions, resources), as written to its policy document."
  value = [
    for s in data.aws_iam_policy_document.this.statement : {
      sid       = s.sid
      actions   = s.actions
      resources = s.resources
    }
  ]
}

output "code_uploaded" {
  description = "Whether this instance uploaded the zip (false with code_object: another instance's zip)."
  value       = local.upload_code
}

output "backfill" {
  description = "The application's backfill property group (from, to, feature.sets, run, lookback.seconds as written), or null for a live application."
  value       = module.properties.backfill
}

output "code_s3_content_location" {
  description = "The application's code location as planned (bucket_arn, file_key, object_version): two instances with the same value run the same object."
  value       = try(one(aws_kinesisanalyticsv2_application.this.application_configuration[0].application_code_configuration[0].code_content[0].s3_content_location), null)
}

output "scoring_endpoints" {
  description = "Scoring name -> the SageMaker endpoint the job calls for it (the scoring property group); empty without scoring_endpoints."
  value       = module.properties.scoring_endpoints
}

output "scoring_endpoint_arns" {
  description = "ARNs the role may sagemaker:InvokeEndpoint (the scoring endpoints, names in lower case); empty without scoring_endpoints."
  value       = local.scoring_endpoint_arns
}
