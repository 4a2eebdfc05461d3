locals {
  buckets = {
    artifacts = "${var.name}-artifacts-${var.bucket_suffix}"
    lake      = "${var.name}-lake-${var.bucket_suffix}"
  }
}

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV_AWS_18:Server access logs need a third bucket per stack; use CloudTrail S3 data events where object-level audit is required.
  # checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice (and cost) left to the user; the lake can be rebuilt from Kafka and the zip from target/.
  # checkov:skip=CKV2_AWS_62:Nothing consumes S3 event notifications in this stack.
  for_each = local.buckets

  bucket        = each.value
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Purpose = each.key })
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.buckets

  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

data "aws_iam_policy_document" "tls_only" {
  for_each = local.buckets

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this[each.key].arn, "${aws_s3_bucket.this[each.key].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyOutdatedTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this[each.key].arn, "${aws_s3_bucket.this[each.key].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id
  policy = data.aws_iam_policy_document.tls_only[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.this["artifacts"].id

  rule {
    id     = "expire-replaced-zips"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.artifact_noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.artifact_abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  # checkov:skip=CKV_AWS_300:By default the lake never aborts incomplete multipart uploads: the Flink file sink's in-progress Parquet parts are multipart uploads that checkpoints and snapshots refer to (see lake_abort_incomplete_multipart_upload_days).
  bucket = aws_s3_bucket.this["lake"].id

  rule {
    id     = "lake"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.lake_noncurrent_version_expiration_days
    }

    dynamic "abort_incomplete_multipart_upload" {
      for_each = var.lake_abort_incomplete_multipart_upload_days != null ? [var.lake_abort_incomplete_multipart_upload_days] : []
      content {
        days_after_initiation = abort_incomplete_multipart_upload.value
      }
    }

    dynamic "transition" {
      for_each = var.lake_transition_to_ia_days != null ? [var.lake_transition_to_ia_days] : []
      content {
        days          = transition.value
        storage_class = "STANDARD_IA"
      }
    }

    dynamic "expiration" {
      for_each = var.lake_expiration_days != null ? [var.lake_expiration_days] : []
      content {
        days = expiration.value
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}
