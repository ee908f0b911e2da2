terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
  # State: local by default (the local apply in `make test` keeps it in a temporary file).
  # Staging and production keep it in S3 with S3-native locking: copy backend.tf.example to
  # backend.tf and run `terraform init -backend-config=envs/<stage>.backend.hcl` (README).
}

provider "aws" {
  region = var.region

  # Local apply (make test, make dev): every service at the one loopback endpoint of moto,
  # with throw-away credentials. Unset in AWS.
  access_key                  = var.aws_endpoint == null ? null : "local"
  secret_key                  = var.aws_endpoint == null ? null : "local"
  skip_credentials_validation = var.aws_endpoint != null
  skip_metadata_api_check     = var.aws_endpoint != null
  skip_region_validation      = var.aws_endpoint != null
  s3_use_path_style           = var.aws_endpoint != null

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      apigatewayv2   = endpoints.value
      cloudwatch     = endpoints.value
      dynamodb       = endpoints.value
      iam            = endpoints.value
      lambda         = endpoints.value
      logs           = endpoints.value
      s3             = endpoints.value
      scheduler      = endpoints.value
      secretsmanager = endpoints.value
      sesv2          = endpoints.value
      sns            = endpoints.value
      sqs            = endpoints.value
      sts            = endpoints.value
    }
  }

  default_tags {
    tags = {
      project = "enbek"
      stage   = var.stage
    }
  }
}
