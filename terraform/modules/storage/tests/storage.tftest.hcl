# Mock-provider test of modules/storage as a root module.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name          = "features"
  bucket_suffix = "123456789012-us-east-1"
  kms_key_arn   = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
}

run "secure_buckets" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this["artifacts"].bucket == "features-artifacts-123456789012-us-east-1" && aws_s3_bucket.this["lake"].bucket == "features-lake-123456789012-us-east-1"
    error_message = "One artifact bucket and one lake bucket."
  }
  assert {
    condition     = alltrue([for v in aws_s3_bucket_versioning.this : v.versioning_configuration[0].status == "Enabled"])
    error_message = "Both buckets are versioned."
  }
  assert {
    condition     = alltrue([for c in aws_s3_bucket_server_side_encryption_configuration.this : one(one(c.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" && one(one(c.rule).apply_server_side_encryption_by_default).kms_master_key_id == var.kms_key_arn])
    error_message = "SSE-KMS with the customer-managed key on both buckets."
  }
  assert {
    condition     = alltrue([for b in aws_s3_bucket_public_access_block.this : b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets])
    error_message = "Public access is blocked on both buckets."
  }
  assert {
    condition = alltrue([for doc in data.aws_iam_policy_document.tls_only : anytrue([
      for s in doc.statement : s.effect == "Deny" && anytrue([for c in s.condition : c.variable == "aws:SecureTransport" && contains(c.values, "false")])
    ])])
    error_message = "Both bucket policies deny requests without TLS."
  }
  assert {
    condition     = length(aws_s3_bucket_lifecycle_configuration.lake.rule[0].abort_incomplete_multipart_upload) == 0
    error_message = "By default the lake never aborts the multipart uploads the Flink file sink may still need."
  }
  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.artifacts.rule[0].abort_incomplete_multipart_upload[0].days_after_initiation == 7
    error_message = "Unfinished zip uploads are aborted after 7 days."
  }
}

run "lake_abort_only_after_long_retention" {
  command = plan

  variables {
    lake_abort_incomplete_multipart_upload_days = 7
  }

  expect_failures = [var.lake_abort_incomplete_multipart_upload_days]
}
