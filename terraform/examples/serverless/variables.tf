variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the stack: prefix of every resource, the MSK cluster and the Flink application."
  type        = string
  default     = "msk-flink-features-dev"
}

variable "vpc_cidr" {
  description = "CIDR block of the example VPC (private subnets are /20s carved from it)."
  type        = string
  default     = "10.42.0.0/16"
}

variable "availability_zone_ids" {
  description = "Availability zone ids of the private subnets (one subnet each; at least 2 for MSK Serverless). Zone ids, not names, name the same zones in every account; the defaults are in us-east-1 (MSK does not support use1-az3)."
  type        = list(string)
  default     = ["use1-az1", "use1-az2"]
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
  description = "Parallelism of the Flink application (pipeline.parallelism; one KPU per task here)."
  type        = number
  default     = 1
}

variable "start_application" {
  description = "Start the application on apply (the job creates its missing topics at start when job_creates_topics)."
  type        = bool
  default     = false
}

variable "job_creates_topics" {
  description = "Let the job create its missing topics at start through the Kafka admin API (MSK Serverless has no topic API); the role may create exactly the manifest's topics. false: create them with `msk-features topics apply` from inside the VPC."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let terraform destroy empty the buckets (a dev stack: true)."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail); null subscribes nobody."
  type        = string
  default     = null
}
