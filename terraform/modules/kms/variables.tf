variable "name" {
  description = "Name of the key's alias (alias/<name>) and its description."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days a scheduled key deletion waits (7 to 30)."
  type        = number
  default     = 30
}

variable "allow_cloudwatch_logs" {
  description = "Let CloudWatch Logs in this account and region encrypt log groups with the key (the MSK broker and Flink application log groups)."
  type        = bool
  default     = true
}

variable "allow_cloudwatch_alarms" {
  description = "Let CloudWatch alarms publish to an SNS topic encrypted with the key."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
