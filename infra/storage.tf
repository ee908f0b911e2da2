# The table (single-table design; keys and indexes from resources.json) and the bucket.

resource "aws_dynamodb_table" "main" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-owned key by default and here with the AWS-managed KMS key (server_side_encryption); a customer-managed key is an operator's choice per stage (README).
  name                        = local.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = local.resources.table.hash_key
  range_key                   = local.resources.table.range_key
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = toset(concat(
      [local.resources.table.hash_key, local.resources.table.range_key],
      flatten([for i in local.resources.table.indexes : [i.hash_key, i.range_key]]),
    ))
    content {
      name = attribute.value
      type = "S"
    }
  }

  # gsi1, gsi2 and the sparse staff-activity index of the ACS-9 sweep.
  dynamic "global_secondary_index" {
    for_each = local.resources.table.indexes
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "ALL"
    }
  }

  ttl {
    attribute_name = local.resources.table.ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_s3_bucket" "files" {
  #checkov:skip=CKV_AWS_144:Cross-region replication would copy personal data out of the chosen region (data residency, README); versioning and lifecycle cover recovery.
  #checkov:skip=CKV_AWS_18:Server access logs need a second bucket per stage; every object access is through presigned URLs the functions audit (ACS-12).
  #checkov:skip=CKV2_AWS_62:No event notifications are used: uploads are checked when a record cites them.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256) by default; a customer-managed KMS key is an operator's choice (presigned uploads would then need kms permissions).
  bucket        = local.bucket_name
  force_destroy = !var.deletion_protection
}

resource "aws_s3_bucket_versioning" "files" {
  bucket = aws_s3_bucket.files.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "files" {
  bucket = aws_s3_bucket.files.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "files" {
  bucket                  = aws_s3_bucket.files.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "files_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.files.arn, "${aws_s3_bucket.files.arn}/*"]
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
}

resource "aws_s3_bucket_policy" "files" {
  bucket     = aws_s3_bucket.files.id
  policy     = data.aws_iam_policy_document.files_tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.files]
}

# Browsers upload attachments with presigned PUTs and download with presigned GETs. The rule is
# in resources.json: the local stack and the tests put the same one on their buckets.
resource "aws_s3_bucket_cors_configuration" "files" {
  bucket = aws_s3_bucket.files.id
  cors_rule {
    allowed_origins = var.cors_origins
    allowed_methods = local.resources.bucket.cors.allowed_methods
    allowed_headers = local.resources.bucket.cors.allowed_headers
    expose_headers  = local.resources.bucket.cors.expose_headers
    max_age_seconds = local.resources.bucket.cors.max_age_seconds
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "files" {
  bucket = aws_s3_bucket.files.id
  rule {
    id     = "incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  rule {
    id     = "old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
  }
  # Journal exports are fetched within minutes through a short-lived link.
  rule {
    id     = "exports"
    status = "Enabled"
    filter {
      prefix = "exports/"
    }
    expiration {
      days = 1
    }
  }
  depends_on = [aws_s3_bucket_versioning.files]
}
