variable "name" {
  description = "Cluster name (also the prefix of the security group, configuration, log group and SCRAM secret)."
  type        = string
}

variable "cluster_type" {
  description = "serverless (aws_msk_serverless_cluster: IAM auth only, AWS manages brokers, storage and encryption) or provisioned (aws_msk_cluster)."
  type        = string
  default     = "serverless"

  validation {
    condition     = contains(["serverless", "provisioned"], var.cluster_type)
    error_message = "cluster_type must be serverless or provisioned."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the brokers, one per availability zone (serverless: at least 2; provisioned: as many as the broker count divides into)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to reach the brokers on the ports of the enabled auth modes, keyed by a static name (e.g. { flink = sg-... })."
  type        = map(string)
  default     = {}
}

variable "auth" {
  description = <<-EOT
    Client authentication. iam: SASL/IAM on port 9098 (the default; the only mode of serverless).
    scram: SASL/SCRAM on 9096 with a Secrets Manager secret named AmazonMSK_<name>_<user> encrypted
    with kms_key_arn. tls_certificate_authority_arns: mutual TLS on 9094 with certificates from these
    AWS Private CA authorities. Unauthenticated and plaintext access are always off.
  EOT
  type = object({
    iam                            = optional(bool, true)
    scram                          = optional(bool, false)
    scram_username                 = optional(string, "flink")
    tls_certificate_authority_arns = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = var.auth.iam || var.auth.scram || length(var.auth.tls_certificate_authority_arns) > 0
    error_message = "Enable at least one of auth.iam, auth.scram, auth.tls_certificate_authority_arns."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key: encryption at rest (provisioned), the SCRAM secret and the broker log group."
  type        = string
}

variable "kafka_version" {
  description = "Apache Kafka version of a provisioned cluster (serverless picks its own)."
  type        = string
  default     = "3.9.x"
}

variable "broker" {
  description = "Provisioned brokers: instance type, count (a multiple of the subnet count), EBS size in GiB and optional provisioned storage throughput in MiB/s."
  type = object({
    instance_type          = optional(string, "kafka.m7g.large")
    count                  = optional(number, 3)
    volume_size            = optional(number, 100)
    provisioned_throughput = optional(number)
  })
  default = {}
}

variable "replication_factor" {
  description = "Replication factor of the pipeline's topics and the broker defaults (default.replication.factor, transaction state log; min.insync.replicas is one less) of a provisioned cluster; null means min(3, broker count). Also the replication of storage_sizing."
  type        = number
  default     = null

  validation {
    condition     = var.replication_factor == null || try(var.replication_factor >= 1, false)
    error_message = "replication_factor must be at least 1 (and at most the broker count)."
  }
}

variable "storage_sizing" {
  description = <<-EOT
    Size each provisioned broker's EBS volume from the expected traffic instead of broker.volume_size,
    with the formula of `msk-features cost` (msk_features/operations/cost.py): stored bytes =
    events_per_second x mean_record_bytes x (1 + output_ratio) x retention_hours x 3600 x
    replication_factor, spread over the brokers, times headroom, in GiB (rounded up). output_ratio is
    the bytes the job writes to its output topics per input byte. headroom 2 keeps the steady state at
    1/2 = 50% of the disk, at the low end of the 50-60% storage-autoscaling target AWS recommends
    (https://docs.aws.amazon.com/msk/latest/developerguide/msk-autoexpand-details.html), below the 85%
    KafkaDataLogsDiskUsed alarm. null: use broker.volume_size.
  EOT
  type = object({
    events_per_second = number
    mean_record_bytes = number
    output_ratio      = optional(number, 1.0)
    retention_hours   = number
    headroom          = optional(number, 2.0)
  })
  default = null

  validation {
    condition = var.storage_sizing == null || try(
      var.storage_sizing.events_per_second >= 0 && var.storage_sizing.mean_record_bytes > 0 && var.storage_sizing.output_ratio >= 0 && var.storage_sizing.retention_hours > 0 && var.storage_sizing.headroom >= 1,
      false,
    )
    error_message = "storage_sizing needs events_per_second >= 0, mean_record_bytes > 0, output_ratio >= 0, retention_hours > 0 and headroom >= 1."
  }
}

variable "storage_autoscaling" {
  description = <<-EOT
    Broker storage autoscaling of a provisioned cluster (Application Auto Scaling, dimension
    kafka:broker-storage:VolumeSize, target tracking on KafkaBrokerStorageUtilization; it only grows
    volumes). target_utilization: percent, 10-80 allowed, AWS recommends 50-60; max_volume_size: GiB
    per broker, at most 16384 (https://docs.aws.amazon.com/msk/latest/developerguide/msk-autoexpand-details.html).
    null disables it. After the first apply the volume size belongs to autoscaling: Terraform ignores
    later changes of it (grow it by hand with UpdateBrokerStorage, or raise max_volume_size).
  EOT
  type = object({
    target_utilization = optional(number, 60)
    max_volume_size    = optional(number, 16384)
  })
  default = {}

  validation {
    condition = var.storage_autoscaling == null || try(
      var.storage_autoscaling.target_utilization >= 10 && var.storage_autoscaling.target_utilization <= 80 && var.storage_autoscaling.max_volume_size >= 1 && var.storage_autoscaling.max_volume_size <= 16384,
      false,
    )
    error_message = "storage_autoscaling.target_utilization must be 10-80 (percent) and max_volume_size 1-16384 (GiB per broker)."
  }
}

variable "server_properties" {
  description = "Broker properties merged over the module's defaults (auto.create.topics.enable=false, replication, transaction limits, retention) for a provisioned cluster."
  type        = map(string)
  default     = {}
}

variable "enhanced_monitoring" {
  description = "Provisioned cluster monitoring level: DEFAULT (free; includes the consumer-lag metrics), PER_BROKER, PER_TOPIC_PER_BROKER or PER_TOPIC_PER_PARTITION."
  type        = string
  default     = "DEFAULT"

  validation {
    condition     = contains(["DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"], var.enhanced_monitoring)
    error_message = "enhanced_monitoring must be DEFAULT, PER_BROKER, PER_TOPIC_PER_BROKER or PER_TOPIC_PER_PARTITION."
  }
}

variable "broker_log_retention_in_days" {
  description = "Retention of the provisioned brokers' CloudWatch log group."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
