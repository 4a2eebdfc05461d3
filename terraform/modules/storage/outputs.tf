output "artifact_bucket_name" {
  description = "Name of the versioned bucket that holds the application zips."
  value       = try(aws_s3_bucket.this["artifacts"].bucket, null)
}

output "artifact_bucket_arn" {
  description = "ARN of the artifact bucket."
  value       = try(aws_s3_bucket.this["artifacts"].arn, null)
}

output "lake_bucket_name" {
  description = "Name of the data-lake bucket for Parquet (features and archived raw events)."
  value       = try(aws_s3_bucket.this["lake"].bucket, null)
}

output "lake_bucket_arn" {
  description = "ARN of the data-lake bucket."
  value       = try(aws_s3_bucket.this["lake"].arn, null)
}

output "versioning_status" {
  description = "Versioning status per bucket (artifacts, lake)."
  value       = { for k, v in aws_s3_bucket_versioning.this : k => v.versioning_configuration[0].status }
}

output "sse_kms_key_arn" {
  description = "The KMS key of the buckets' default encryption."
  value       = var.kms_key_arn
}

output "lake_aborts_incomplete_multipart_uploads" {
  description = "Whether the lake's lifecycle aborts incomplete multipart uploads (false by default: the Flink file sink needs them)."
  value       = length(try(aws_s3_bucket_lifecycle_configuration.lake.rule[0].abort_incomplete_multipart_upload, [])) > 0
}
