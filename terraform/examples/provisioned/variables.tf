variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the stack: prefix of every resource, the MSK cluster and the Flink application."
  type        = string
  default     = "msk-flink-features-prod"
}

variable "vpc_cidr" {
  description = "CIDR block of the example VPC (private subnets are /20s carved from it)."
  type        = string
  default     = "10.42.0.0/16"
}

variable "availability_zone_ids" {
  description = "Availability zone ids of the private subnets (one subnet each; 3 for the 3 brokers). Zone ids, not names, name the same zones in every account; the defaults are in us-east-1 (MSK does not support use1-az3)."
  type        = list(string)
  default     = ["use1-az1", "use1-az2", "use1-az4"]
}

variable "code_zip_path" {
  description = "The application zip; null means target/msk-flink-features-0.1.0.zip at the repository root (built by `make package`)."
  type        = string
  default     = null
}

variable "flink_runtime_environment" {
  description = "Managed Flink runtime of the application."
  type        = string
  default     = "FLINK-2_2"
}

variable "parallelism" {
  description = "Parallelism of the Flink application (pipeline.parallelism; one KPU per task here, one task per partition)."
  type        = number
  default     = 3
}

variable "start_application" {
  description = "Start the application on apply. The topics are created in the same apply, before the application (create_topics)."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "Let terraform destroy empty the buckets (keep false for production data)."
  type        = bool
  default     = false
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail); null subscribes nobody."
  type        = string
  default     = null
}

variable "broker_instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "broker_volume_size" {
  description = "EBS storage per broker in GiB; null sizes it from the expected traffic below (the msk module's storage_sizing)."
  type        = number
  default     = null
}

variable "expected_events_per_second" {
  description = "Events per second produced to the input topics, all sources together (sizes the broker storage)."
  type        = number
  default     = 1000
}

variable "mean_record_bytes" {
  description = "Mean size of an input record in bytes, key and value (sizes the broker storage)."
  type        = number
  default     = 1000
}

variable "output_ratio" {
  description = "Bytes the job writes to its output topics (features, dead letters, late events) per input byte, as in `msk-features cost`."
  type        = number
  default     = 1.0
}

variable "retention_hours" {
  description = "Retention of the delete topics in hours: written to the topics (retention.ms, Terraform and the job's topics group) and used to size the broker storage."
  type        = number
  default     = 168
}

variable "replication_factor" {
  description = "Replication factor of the topics (and of the broker defaults); sizes the broker storage."
  type        = number
  default     = 3
}

variable "storage_headroom" {
  description = "Broker storage = stored bytes / brokers x headroom: 2 keeps the steady state at 50% of each disk, the low end of AWS's recommended 50-60% autoscaling target."
  type        = number
  default     = 2.0
}

variable "storage_autoscaling_target" {
  description = "Storage autoscaling target utilization in percent (10-80; AWS recommends 50-60)."
  type        = number
  default     = 60
}

variable "storage_autoscaling_max_gib" {
  description = "Largest volume per broker storage autoscaling may grow to, GiB (MSK allows up to 16384)."
  type        = number
  default     = 16384
}

variable "create_topics" {
  description = "Create the manifest's topics with aws_msk_topic (MSK topic API, Kafka >= 3.6) on apply."
  type        = bool
  default     = true
}

variable "job_creates_topics" {
  description = "Let the job create its missing topics at start instead (the role may then create exactly the manifest's topics); off here, since Terraform creates them."
  type        = bool
  default     = false
}

variable "kafka_version" {
  description = "Apache Kafka version of the cluster."
  type        = string
  default     = "3.9.x"
}
