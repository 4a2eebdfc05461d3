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
  description = "Start the application on apply; leave false for the first apply and create the topics first (see README)."
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
  description = "EBS storage per broker in GiB."
  type        = number
  default     = 100
}

variable "kafka_version" {
  description = "Apache Kafka version of the cluster."
  type        = string
  default     = "3.9.x"
}
