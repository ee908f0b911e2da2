# The queues of resources.json, each with its dead-letter queue and redrive, SQS-managed
# encryption, and a visibility timeout of at least six times its consumer's timeout.

resource "aws_sqs_queue" "dlq" {
  for_each                  = local.queues
  name                      = each.value.dlq_name
  fifo_queue                = each.value.fifo
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "main" {
  for_each                    = local.queues
  name                        = each.value.name
  fifo_queue                  = each.value.fifo
  content_based_deduplication = false
  sqs_managed_sse_enabled     = true
  visibility_timeout_seconds  = each.value.visibility_timeout_seconds
  message_retention_seconds   = 345600
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = each.value.max_receive_count
  })

  lifecycle {
    precondition {
      condition     = each.value.visibility_timeout_seconds >= 6 * local.consumer_timeouts[each.value.consumer]
      error_message = "The visibility timeout of ${each.value.name} must be at least 6 × ${each.value.consumer}'s timeout."
    }
  }
}

# Lambda's event source mappings: a batch size per consumer, partial batch responses.
resource "aws_lambda_event_source_mapping" "consumer" {
  for_each                = local.queues
  event_source_arn        = aws_sqs_queue.main[each.key].arn
  function_name           = module.function[each.value.consumer].arn
  batch_size              = each.value.batch_size
  function_response_types = ["ReportBatchItemFailures"]
}
