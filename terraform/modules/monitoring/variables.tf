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
    failed_checkpoints (numberOfFailedCheckpoints increase within a period), downtime_ms.
  EOT
  type = object({
    max_time_lag_seconds   = optional(number, 300)
    max_offset_lag         = optional(number, 100000)
    records_lag_max        = optional(number, 100000)
    restarts               = optional(number, 0)
    checkpoint_duration_ms = optional(number, 60000)
    failed_checkpoints     = optional(number, 0)
    downtime_ms            = optional(number, 0)
  })
  default = {}
}

variable "job_down_metric_name" {
  description = <<-EOT
    Metric whose value above thresholds.downtime_ms means the job is not running. Managed Flink still
    publishes downtime on FLINK-2_2 but marks it deprecated in favour of per-state time metrics; set
    this to the state metric (e.g. failingTime) once your runtime publishes it.
  EOT
  type        = string
  default     = "downtime"
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
