output "api_endpoint" {
  value = aws_apigatewayv2_api.http.api_endpoint
}

output "table_name" {
  value = aws_dynamodb_table.main.name
}

output "bucket_name" {
  value = aws_s3_bucket.files.bucket
}

output "queue_urls" {
  value = { for k, q in aws_sqs_queue.main : k => q.url }
}

output "dlq_urls" {
  value = { for k, q in aws_sqs_queue.dlq : k => q.url }
}

output "function_names" {
  value = { for k, f in module.function : k => f.function_name }
}

output "jwt_signing_key_secret_arn" {
  description = "Put the Ed25519 private key here (README, Deploying to AWS, step 3)."
  value       = aws_secretsmanager_secret.jwt_signing_key.arn
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}
