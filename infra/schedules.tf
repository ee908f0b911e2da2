# EventBridge Scheduler: the nightly inactivity sweep in Asia/Almaty and the outbox relay every
# minute, with a role that may invoke only those two functions and a DLQ for invocations that
# failed after the retries.

resource "aws_sqs_queue" "scheduler_dlq" {
  name                      = "${local.prefix}-scheduler-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.prefix}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeScheduledFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.function["inactivity-sweep"].arn, module.function["outbox-relay"].arn]
  }
  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.scheduler_dlq.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${local.prefix}-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

locals {
  schedules = {
    "inactivity-sweep" = { expression = var.sweep_schedule, timezone = "Asia/Almaty", input = "{}" }
    "outbox-relay"     = { expression = var.relay_schedule, timezone = "Asia/Almaty", input = "{}" }
  }
}

resource "aws_scheduler_schedule" "function" {
  #checkov:skip=CKV_AWS_297:The schedules' input is `{}`: there is nothing to protect with a customer-managed key.
  for_each                     = local.schedules
  name                         = "${local.prefix}-${each.key}"
  schedule_expression          = each.value.expression
  schedule_expression_timezone = each.value.timezone
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = module.function[each.key].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = each.value.input
    retry_policy {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 3600
    }
    dead_letter_config {
      arn = aws_sqs_queue.scheduler_dlq.arn
    }
  }
}
