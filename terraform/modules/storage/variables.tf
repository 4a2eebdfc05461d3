variable "name" {
  description = "Prefix of the bucket names: <name>-artifacts-<suffix> and <name>-lake-<suffix>."
  type        = string
}

variable "bucket_suffix" {
  description = "Suffix that makes the bucket names globally unique, e.g. the account id and region."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for SSE-KMS on both buckets."
  type        = string
}

variable "force_destroy" {
  description = "Let terraform destroy delete non-empty buckets (every object version). Keep false outside throwaway stacks."
  type        = bool
  default     = false
}

variable "artifact_noncurrent_version_expiration_days" {
  description = "Days after which replaced application zips (noncurrent versions) are deleted."
  type        = number
  default     = 90
}

variable "artifact_abort_incomplete_multipart_upload_days" {
  description = "Days after which unfinished zip uploads to the artifact bucket are aborted."
  type        = number
  default     = 7
}

variable "lake_abort_incomplete_multipart_upload_days" {
  description = <<-EOT
    Days after which unfinished multipart uploads in the data lake are aborted; null never aborts.
    The Flink file sink keeps in-progress Parquet parts as multipart uploads and records them in
    checkpoints and snapshots: aborting one makes those unrestorable. Set this only to a value
    larger than the age of the oldest snapshot you may restore from.
  EOT
  type        = number
  default     = null

  validation {
    condition     = var.lake_abort_incomplete_multipart_upload_days == null || coalesce(var.lake_abort_incomplete_multipart_upload_days, 0) >= 30
    error_message = "lake_abort_incomplete_multipart_upload_days must be null or at least 30 (see the description)."
  }
}

variable "lake_noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted lake objects (noncurrent versions) are removed."
  type        = number
  default     = 30
}

variable "lake_transition_to_ia_days" {
  description = "Days after which lake objects move to S3 Standard-IA; null keeps them in Standard."
  type        = number
  default     = null
}

variable "lake_expiration_days" {
  description = "Days after which lake objects expire; null keeps them."
  type        = number
  default     = null
}

variable "tags" {
  description = "Tags for the buckets."
  type        = map(string)
  default     = {}
}
