# Alarms to one SNS topic: the 5xx rate of each HTTP function (from its own request log line),
# throttles of every function, errors of the scheduled and queue functions (the sweep's failures
# among them), the depth of every dead-letter queue, and outbox messages given up.

resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# Each HTTP function logs one JSON line per request ("request finished", with `outcome`).
resource "aws_cloudwatch_log_metric_filter" "requests" {
  for_each       = local.http_functions
  name           = "${local.prefix}-${each.key}-requests"
  log_group_name = module.function[each.key].log_group_name
  pattern        = "{ $.fields.message = \"request finished\" }"
  metric_transformation {
    name          = "Requests"
    namespace     = "Enbek/${var.stage}"
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_log_metric_filter" "server_errors" {
  for_each       = local.http_functions
  name           = "${local.prefix}-${each.key}-5xx"
  log_group_name = module.function[each.key].log_group_name
  pattern        = "{ $.fields.outcome = \"server_error\" }"
  metric_transformation {
    name          = "Http5xx-${each.key}"
    namespace     = "Enbek/${var.stage}"
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "http_5xx_rate" {
  for_each            = local.http_functions
  alarm_name          = "${local.prefix}-${each.key}-5xx-rate"
  alarm_description   = "More than ${var.http_5xx_percent} % of ${each.key}'s requests answered 5xx in 5 minutes."
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = var.http_5xx_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "rate"
    expression  = "100 * errors / MAX([requests, 1])"
    label       = "5xx %"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      metric_name = "Http5xx-${each.key}"
      namespace   = "Enbek/${var.stage}"
      period      = 300
      stat        = "Sum"
    }
  }
  metric_query {
    id = "requests"
    metric {
      metric_name = "Requests"
      namespace   = "Enbek/${var.stage}"
      period      = 300
      stat        = "Sum"
    }
  }
}

# Lambda's own metrics: throttles of every function; errors of the scheduled and queue
# functions (for the sweep: a night's run that did not finish).
locals {
  lambda_alarms = merge(
    { for name in keys(local.functions) : "${name}-throttles" => {
      function    = name
      metric      = "Throttles"
      description = "${name} was throttled (reserved concurrency or the account limit)."
    } },
    { for name in ["inactivity-sweep", "outbox-relay", "labor-market-sync", "notify"] : "${name}-errors" => {
      function    = name
      metric      = "Errors"
      description = "${name} failed an invocation (for the sweep: a night's run did not finish; see its log line)."
    } },
  )
}

resource "aws_cloudwatch_metric_alarm" "lambda" {
  for_each            = local.lambda_alarms
  alarm_name          = "${local.prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = module.function[each.value.function].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each = merge(
    { for k, q in aws_sqs_queue.dlq : k => q.name },
    { scheduler = aws_sqs_queue.scheduler_dlq.name },
  )
  alarm_name          = "${local.prefix}-${each.key}-dlq-not-empty"
  alarm_description   = "Messages in ${each.value}: poison messages (see their failure_reason) or ones that failed maxReceiveCount times. README, Operating: dead-letter queues."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

# outbox-relay's Embedded Metric Format line: messages marked failed after their attempts.
resource "aws_cloudwatch_metric_alarm" "outbox_gave_up" {
  alarm_name          = "${local.prefix}-outbox-failed"
  alarm_description   = "The outbox relay gave up on a message; list and retry it with {\"action\": \"list_failed\"} (README)."
  namespace           = "Enbek"
  metric_name         = "OutboxGaveUp"
  dimensions          = { Function = "outbox-relay" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}
