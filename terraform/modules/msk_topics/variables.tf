variable "create" {
  description = "Create the topics with aws_msk_topic. The MSK topic API exists only for provisioned clusters on Kafka 3.6 or later; on MSK Serverless the job creates its topics (flink_app's job_creates_topics)."
  type        = bool
  default     = true
}

variable "cluster_arn" {
  description = "ARN of the provisioned MSK cluster."
  type        = string
}

variable "kafka_version" {
  description = "Kafka version of the cluster (e.g. 3.9.x, 3.9.x.kraft, 4.0.x.kraft): the topic API needs 3.6 or later."
  type        = string

  validation {
    condition = !var.create || try(
      tonumber(regex("^(\\d+)\\.(\\d+)", var.kafka_version)[0]) > 3 ||
      (tonumber(regex("^(\\d+)\\.(\\d+)", var.kafka_version)[0]) == 3 && tonumber(regex("^(\\d+)\\.(\\d+)", var.kafka_version)[1]) >= 6),
      false,
    )
    error_message = "aws_msk_topic needs a provisioned cluster on Kafka 3.6 or later (the MSK topic API): upgrade the cluster, or set create = false and create the topics with `msk-features topics apply`."
  }
}

variable "topics" {
  description = "The pipeline's topics, as flink_app's topics output lists them: name, partitions, compacted (cleanup.policy=compact, no retention.ms) and retention_ms (null: the cluster's log.retention.ms)."
  type = list(object({
    name         = string
    partitions   = number
    compacted    = bool
    retention_ms = number
  }))
}

variable "replication_factor" {
  description = "Replication factor of every topic (the MSK module's replication_factor output)."
  type        = number

  validation {
    condition     = var.replication_factor >= 1
    error_message = "replication_factor must be at least 1."
  }
}

variable "min_insync_replicas" {
  description = "min.insync.replicas of every topic; null leaves the cluster's default (the MSK configuration sets replication_factor - 1)."
  type        = number
  default     = null
}
