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
