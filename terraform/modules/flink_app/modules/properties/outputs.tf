output "property_groups" {
  description = "Property group id -> (key -> string value): what the application's environment_properties hold."
  value       = local.property_groups
}

output "application_properties" {
  description = "The same groups as the list Managed Flink writes to /etc/flink/application_properties.json."
  value       = local.document
}

output "application_properties_json" {
  description = "application_properties as JSON: the file for `msk-features topics apply --properties FILE` and local runs."
  value       = jsonencode(local.document)
  sensitive   = false
}

output "property_keys" {
  description = "Variable attribute -> property group id and keys (the contract with flink_jobs/config.py)."
  value       = local.property_keys
}

output "open_keys" {
  description = "Variable attribute -> the fixed property group whose other keys it fills (source_topics: the topics group, one key per source)."
  value       = local.open_keys
}

output "kafka_auth" {
  description = "The Kafka auth mode the job uses (plaintext, scram, mtls or iam)."
  value       = local.p.kafka.auth
}

output "consumer_group" {
  description = "The consumer group the job's sources commit offsets to (MSK's consumer-lag metrics are per group)."
  value       = local.p.kafka.group_id
}

output "transactional_id_prefix" {
  description = "The prefix of the Kafka sinks' transactional ids (<prefix>-<sink name>...)."
  value       = local.values.kafka_sink.transactional_id_prefix
}

output "pipeline" {
  description = "The pipeline the properties run (pipeline.name, the manifest's pipeline)."
  value       = local.values.pipeline.name
}

output "input_topics" {
  description = "The topics the job reads: one per source of the manifest, in its order (source_topics renames them)."
  value       = local.input_topics
}

output "output_topics" {
  description = "The topics the job writes: dead-letter, late-events and one per feature set of the manifest."
  value       = local.output_topics
}

output "topics" {
  description = "Every topic the pipeline needs (name, partitions, compacted, retention_ms, role, owner), as flink_jobs.pipelines.pipeline_topics lists them: a versioned source's topic is compacted, without retention."
  value       = local.topic_specs
}

output "source_topics" {
  description = "Source name -> the topic the job reads for it (written to the topics group)."
  value       = local.source_topic_keys
}

output "feature_topics" {
  description = "Feature set name -> the topic the job writes its features to."
  value       = { for fs in local.feature_sets : fs.name => fs.topic }
}

output "offline_bucket" {
  description = "The bucket of offline.path (null when there is no offline group)."
  value       = local.offline_match == null ? null : local.offline_match[0]
}

output "offline_prefix" {
  description = "The key prefix of offline.path without slashes at the ends (empty for the bucket root)."
  value       = local.offline_match == null ? null : trimsuffix(local.offline_match[1], "/")
}

output "checkpoint_interval_ms" {
  description = "pipeline.checkpoint_interval_ms: the application's checkpoint interval (the service, not the job, applies it)."
  value       = local.p.pipeline.checkpoint_interval_ms
}

output "parallelism" {
  description = "pipeline.parallelism: the application's parallelism (the service, not the job, applies it)."
  value       = local.p.pipeline.parallelism
}

output "backfill" {
  description = "The backfill group (key -> value) when application_properties.backfill is set, else null (a live application)."
  value       = lookup(local.property_groups, "backfill", null)
}

output "scoring_endpoints" {
  description = "Scoring name -> the endpoint the job calls for it (the scoring group); empty without scoring_endpoints."
  value       = var.scoring_endpoints
}
