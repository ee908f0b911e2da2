# The HTTP API: one route per path of resources.json (ANY <path>: each function's own router
# answers 405 for a method it does not serve), CORS for the portals, stage throttling and JSON
# access logs.

locals {
  http_functions = toset([for name, f in local.functions : name if f.http])
}

resource "aws_apigatewayv2_api" "http" {
  name          = local.prefix
  protocol_type = "HTTP"
  cors_configuration {
    allow_origins  = var.cors_origins
    allow_methods  = ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]
    allow_headers  = ["authorization", "content-type", "idempotency-key", "accept-language", "x-request-id"]
    expose_headers = ["retry-after", "location", "x-request-id", "content-disposition"]
    max_age        = 3600
  }
}

resource "aws_cloudwatch_log_group" "api_access" {
  #checkov:skip=CKV_AWS_158:Access logs hold no secrets (no bodies, no tokens); CloudWatch Logs' own encryption applies.
  #checkov:skip=CKV_AWS_338:Retention is a variable (README).
  name              = "/aws/apigateway/${local.prefix}"
  retention_in_days = var.log_retention_days
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
  default_route_settings {
    throttling_burst_limit   = var.api_throttle_burst
    throttling_rate_limit    = var.api_throttle_rate
    detailed_metrics_enabled = true
  }
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      sourceIp         = "$context.identity.sourceIp"
      method           = "$context.httpMethod"
      routeKey         = "$context.routeKey"
      status           = "$context.status"
      latencyMs        = "$context.responseLatency"
      integrationError = "$context.integrationErrorMessage"
      responseLength   = "$context.responseLength"
      time             = "$context.requestTime"
    })
  }
}

resource "aws_apigatewayv2_integration" "function" {
  for_each               = local.http_functions
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.function[each.key].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 29000
}

resource "aws_apigatewayv2_route" "path" {
  #checkov:skip=CKV_AWS_309:Authorisation is per route inside the functions (EdDSA JWT checked against the account on every request; public routes such as search and registration exist by design, API.md).
  for_each  = local.resources.routes
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "ANY ${each.key}"
  target    = "integrations/${aws_apigatewayv2_integration.function[each.value].id}"
}

resource "aws_lambda_permission" "api" {
  for_each      = local.http_functions
  statement_id  = "api-gateway"
  action        = "lambda:InvokeFunction"
  function_name = module.function[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}
