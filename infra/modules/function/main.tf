# One Lambda function: its role (least privilege: only the statements given), its log group
# (retention, JSON logs at a level), the function itself from its cargo-lambda zip
# (provided.al2023, handler `bootstrap`), X-Ray tracing and reserved concurrency.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Logs are encrypted by CloudWatch Logs' own keys; they carry no secrets (passwords, tokens and full IINs are never logged, tested). A KMS key per stage is an operator's choice (README).
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 90 days, production example 400); personal data in logs should not outlive its use.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid     = "OwnLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # Log streams are created by the runtime with generated names: AWS offers no narrower ARN
    # than the group's streams.
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
  statement {
    sid     = "Tracing"
    actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    # X-Ray has no resource-level permissions: AWS accepts only "*" here.
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = var.statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The functions reach only AWS APIs and AIS over HTTPS; a VPC would add NAT cost and cold-start latency for no isolation gain. An operator who needs private AIS connectivity sets vpc_config (README).
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile per account; the zips are built reproducibly by CI and deployed by Terraform with their SHA-256 (source_code_hash).
  #checkov:skip=CKV_AWS_116:Asynchronous failures go to queues' own DLQs (consumers) or the scheduler's DLQ (schedules); HTTP functions are invoked synchronously and have none.
  #checkov:skip=CKV_AWS_173:Environment variables are encrypted at rest by Lambda's key; the secrets (JWT signing key) are not in them but in Secrets Manager.
  function_name                  = var.name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  filename                       = var.zip
  source_code_hash               = filebase64sha256(var.zip)
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  memory_size                    = var.memory
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  publish                        = true

  environment {
    # SSL_CERT_FILE: the AWS SDK's TLS client loads the platform's root certificates at start-up
    # (rustls-native-certs). Without it, it reads the bundle file *and* every file of the
    # certificate directory (on provided.al2023 a second, trust-annotated bundle): measured, more
    # than half of a function's init beyond a hello-world's (README, "Budgets"). AL2023's bundle.
    variables = merge(var.environment, { RUST_LOG = lower(var.log_level), SSL_CERT_FILE = "/etc/pki/tls/certs/ca-bundle.crt" })
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = upper(var.log_level)
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}
