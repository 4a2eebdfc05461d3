variable "name" {
  description = "Prefix of the alarm names, the dashboard and the SNS topic."
  type        = string
}

variable "msk_cluster_name" {
  description = "Name of the MSK cluster (the 'Cluster Name' dimension of AWS/Kafka metrics)."
  type        = string
}

variable "consumer_group" {
  description = "Consumer group of the Flink job (the 'Consumer Group' dimension of the consumer-lag metrics)."
  type        = string
}

variable "input_topics" {
  description = "Topics the job reads; each gets EstimatedMaxTimeLag and MaxOffsetLag alarms."
  type        = list(string)
}

variable "application_name" {
  description = "Name of the Managed Flink application (the 'Application' dimension of AWS/KinesisAnalytics metrics)."
  type        = string
}

variable "region" {
  description = "Region of the metrics, for the dashboard widgets."
  type        = string
}

variable "thresholds" {
  description = <<-EOT
    Alarm thresholds: max_time_lag_seconds (EstimatedMaxTimeLag per input topic), max_offset_lag
    (MaxOffsetLag per input topic), records_lag_max (the Flink Kafka source's lag), restarts
    (numRestarts increase within a period), checkpoint_duration_ms (lastCheckpointDuration),
    failed_checkpoints (numberOfFailedCheckpoints increase within a period), job_down_ms (the largest
    of job_down_metrics, milliseconds), flink_cpu_percent (cpuUtilization, Maximum),
    flink_heap_percent (heapMemoryUtilization, Maximum), late_records_dropped (numLateRecordsDropped
    increase within a period). Sources of the defaults are in main.tf.
  EOT
  type = object({
    max_time_lag_seconds   = optional(number, 300)
    max_offset_lag         = optional(number, 100000)
    records_lag_max        = optional(number, 100000)
    restarts               = optional(number, 0)
    checkpoint_duration_ms = optional(number, 60000)
    failed_checkpoints     = optional(number, 0)
    job_down_ms            = optional(number, 0)
    flink_cpu_percent      = optional(number, 80)
    flink_heap_percent     = optional(number, 90)
    late_records_dropped   = optional(number, 0)
  })
  default = {}
}

variable "job_down_metrics" {
  description = <<-EOT
    AWS/KinesisAnalytics metrics (milliseconds, dimension Application) whose largest value above
    thresholds.job_down_ms means the job is not running. FLINK-2_2 deprecates downtime and documents
    restartingTime, cancellingTime and failingTime as its replacements (cancellingTime is left out:
    every stop or update cancels the job). Set ["downtime"] for FLINK-1_x runtimes, which do not
    publish the state metrics.
  EOT
  type        = list(string)
  default     = ["restartingTime", "failingTime"]

  validation {
    condition     = length(var.job_down_metrics) > 0 && alltrue([for m in var.job_down_metrics : contains(["restartingTime", "failingTime", "cancellingTime", "downtime"], m)])
    error_message = "job_down_metrics: one or more of restartingTime, failingTime, cancellingTime (FLINK-2_2) or downtime (deprecated in FLINK-2_2)."
  }
}

variable "broker_alarms" {
  description = <<-EOT
    Alarms on the brokers of a provisioned cluster (MSK Serverless publishes none of these metrics):
    broker_ids are the 'Broker ID' dimension values (the msk module's broker_ids output); kraft
    (a .kraft Kafka version) leaves out the ActiveControllerCount alarm. disk_used_percent
    (KafkaDataLogsDiskUsed), cpu_percent (CpuUser + CpuSystem) and under_replicated_partitions
    (UnderReplicatedPartitions) are per broker. null: no broker alarms.
  EOT
  type = object({
    broker_ids                  = list(string)
    kraft                       = optional(bool, false)
    disk_used_percent           = optional(number, 85)
    cpu_percent                 = optional(number, 60)
    under_replicated_partitions = optional(number, 0)
  })
  default = null
}

variable "model_endpoint_alarms" {
  description = <<-EOT
    Alarms on a SageMaker endpoint the job calls (AWS/SageMaker, dimensions EndpointName and
    VariantName): invocation_4xx_errors and invocation_5xx_errors (Invocation4XXErrors and
    Invocation5XXErrors, Sum within a period, above the threshold: a 4xx means the job sent a request
    the model refused, a 5xx that the model failed) and model_latency_microseconds (ModelLatency,
    Average over evaluation_periods periods, in MICROSECONDS as SageMaker publishes it: 100000 is
    100 ms). null: no endpoint alarms.
  EOT
  type = object({
    endpoint_name              = string
    variant_name               = optional(string, "AllTraffic")
    invocation_4xx_errors      = optional(number, 0)
    invocation_5xx_errors      = optional(number, 0)
    model_latency_microseconds = optional(number, 100000)
  })
  default = null
}

variable "period_seconds" {
  description = "Period of every alarm's statistic."
  type        = number
  default     = 60
}

variable "evaluation_periods" {
  description = "Consecutive breaching periods before an alarm fires (lag and checkpoint-duration alarms)."
  type        = number
  default     = 5
}

variable "create_sns_topic" {
  description = "Create an SNS topic (encrypted with kms_key_arn) for alarm and OK notifications."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "Further ARNs notified on ALARM and OK (e.g. an existing SNS topic)."
  type        = list(string)
  default     = []
}

variable "kms_key_arn" {
  description = "Customer-managed key encrypting the SNS topic (its key policy must let cloudwatch.amazonaws.com use it)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
