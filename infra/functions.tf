# Every function: one map with shared defaults, one module instance each. A function's IAM
# statements are exactly the ports it uses (README, "Least privilege").

locals {
  table_arns = concat(
    [aws_dynamodb_table.main.arn],
    [for i in local.resources.table.indexes : "${aws_dynamodb_table.main.arn}/index/${i.name}"],
  )
  queue_arn = { for k, q in aws_sqs_queue.main : k => q.arn }
  dlq_arn   = { for k, q in aws_sqs_queue.dlq : k => q.arn }

  # Statements by port.
  table_rw = {
    sid = "Table"
    # Single-table design: items, conditional writes and transactions (whose parts are
    # authorised as the item actions), index queries. No Scan, no table administration.
    actions   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]
    resources = local.table_arns
  }
  send = { for k, arn in local.queue_arn : k => {
    sid       = "Send${replace(title(replace(k, "-", " ")), " ", "")}"
    actions   = ["sqs:SendMessage"]
    resources = [arn]
  } }
  # Objects are created under generated keys: a prefix is the narrowest ARN AWS offers.
  objects = { for prefix in ["attachments/tickets", "attachments/access-requests", "attachments/grants", "exports/access-journal", "exchange/ais"] :
    prefix => "${aws_s3_bucket.files.arn}/${prefix}/*"
  }
  consume = { for k, arn in local.queue_arn : k => {
    sid       = "Consume${replace(title(replace(k, "-", " ")), " ", "")}"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
    resources = [arn]
  } }
  bury = { for k, arn in local.dlq_arn : k => {
    sid       = "DeadLetter${replace(title(replace(k, "-", " ")), " ", "")}"
    actions   = ["sqs:SendMessage"]
    resources = [arn]
  } }

  http_env = merge(
    {
      TABLE_NAME           = local.table_name
      JWT_PUBLIC_KEY       = var.jwt_public_key
      CORS_ALLOWED_ORIGINS = join(",", var.cors_origins)
      CURSOR_SECRET        = var.cursor_secret
    },
    var.jwt_previous_public_key == "" ? {} : { JWT_PREVIOUS_PUBLIC_KEY = var.jwt_previous_public_key },
  )

  defaults = { memory = 256, timeout = 10, reserved_concurrency = -1, http = false }
  # Functions that hash with Argon2id (19 MiB per hash): glibc serves those blocks by mmap and
  # returns them after each hash (without it, RSS grew to 125 MiB in 20 warm sign-ins; with it,
  # it stays at 11 MiB — bench/results).
  argon2_env = { MALLOC_MMAP_THRESHOLD_ = "1048576" }
  # The queue consumers' timeouts: their queues' visibility timeouts must be ≥ 6 × these.
  consumer_timeouts = { "labor-market-sync" = 30, "notify" = 30 }

  functions = { for name, f in {
    "register-account" = {
      description = "Accounts: registration, profile, password, blocking (ACC-1..6)"
      memory      = 512 # Argon2id (19 MiB per hash) and a larger CPU share for it
      http        = true
      env         = merge(local.http_env, local.argon2_env, { AGREEMENT_VERSION = var.agreement_version })
      statements  = [local.table_rw]
    }
    "sign-in" = {
      description = "Sessions: the only holder of the token signing key"
      memory      = 512
      http        = true
      env         = merge(local.http_env, local.argon2_env, { JWT_PRIVATE_KEY_SECRET_ID = aws_secretsmanager_secret.jwt_signing_key.arn })
      statements = [local.table_rw, {
        sid       = "SigningKey"
        actions   = ["secretsmanager:GetSecretValue"]
        resources = [aws_secretsmanager_secret.jwt_signing_key.arn]
      }]
    }
    "post-vacancy" = {
      description = "Vacancies, lay-off notices, candidate outcomes (VAC-1, 2, 5, 6)"
      http        = true
      env         = merge(local.http_env, { INTEGRATION_QUEUE_URL = aws_sqs_queue.main["integration"].url, MINIMUM_MONTHLY_WAGE = tostring(var.minimum_monthly_wage) })
      statements  = [local.table_rw, local.send["integration"]]
    }
    "file-ticket" = {
      description = "Technical-support tickets (TKT-1, 2)"
      http        = true
      env         = merge(local.http_env, { FILES_BUCKET = local.bucket_name, NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.main["notifications"].url })
      statements = [local.table_rw, local.send["notifications"], {
        sid       = "Attachments"
        actions   = ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"]
        resources = [local.objects["attachments/tickets"]]
      }]
    }
    "request-access" = {
      description = "Staff access requests and the registration journal (ACS-1..11)"
      memory      = 512
      http        = true
      env = merge(local.http_env, local.argon2_env, {
        FILES_BUCKET            = local.bucket_name
        NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.main["notifications"].url
        MAIL_SEAL_KEY           = var.mail_seal_key
      })
      statements = [local.table_rw, local.send["notifications"], {
        sid       = "BasisDocumentsAndExports"
        actions   = ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"]
        resources = [local.objects["attachments/access-requests"], local.objects["exports/access-journal"]]
      }]
    }
    "submit-grant-report" = {
      description = "Grants, reports and refunds (GRT-1..4)"
      http        = true
      env = merge(local.http_env, {
        FILES_BUCKET            = local.bucket_name
        INTEGRATION_QUEUE_URL   = aws_sqs_queue.main["integration"].url
        NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.main["notifications"].url
      })
      statements = [local.table_rw, local.send["integration"], local.send["notifications"], {
        sid       = "GrantDocuments"
        actions   = ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"]
        resources = [local.objects["attachments/grants"]]
      }]
    }
    "inactivity-sweep" = {
      description          = "Nightly block of staff accounts unused for their role's period (ACS-9)"
      timeout              = 300
      reserved_concurrency = 1 # one sweep at a time
      env = {
        TABLE_NAME              = local.table_name
        NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.main["notifications"].url
        INACTIVITY_EXEMPT       = join(",", var.inactivity_exempt)
      }
      statements = [local.table_rw, local.send["notifications"]]
    }
    "outbox-relay" = {
      description          = "Sends outbox messages a function could not send at once"
      timeout              = 60
      reserved_concurrency = 1
      env = {
        TABLE_NAME              = local.table_name
        NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.main["notifications"].url
        INTEGRATION_QUEUE_URL   = aws_sqs_queue.main["integration"].url
      }
      statements = [local.table_rw, local.send["notifications"], local.send["integration"]]
    }
    "labor-market-sync" = {
      description          = "Documents to AIS \"Labor Market\" and its messages to the portal (OPS-3, VAC-5, VAC-6, GRT-4)"
      timeout              = local.consumer_timeouts["labor-market-sync"]
      reserved_concurrency = 5 # protects the table and AIS from a backlog's burst
      env = merge(
        {
          TABLE_NAME            = local.table_name
          INTEGRATION_QUEUE_URL = aws_sqs_queue.main["integration"].url
          INTEGRATION_DLQ_URL   = aws_sqs_queue.dlq["integration"].url
          AIS_INBOUND_QUEUE_URL = aws_sqs_queue.main["ais-inbound"].url
          AIS_INBOUND_DLQ_URL   = aws_sqs_queue.dlq["ais-inbound"].url
          AIS_DELIVERY          = var.ais_delivery
          AIS_TIMEOUT_MS        = tostring(var.ais_timeout_ms)
        },
        var.ais_delivery == "https" ? { AIS_ENDPOINT = var.ais_endpoint } : { FILES_BUCKET = local.bucket_name },
      )
      statements = concat(
        [local.table_rw, local.consume["integration"], local.consume["ais-inbound"], local.bury["integration"], local.bury["ais-inbound"]],
        var.ais_delivery == "bucket" ? [{ sid = "ExchangeFolder", actions = ["s3:PutObject"], resources = [local.objects["exchange/ais"]] }] : [],
      )
    }
    "notify" = {
      description          = "E-mail in Kazakh and Russian through SES (ACS-4/5, TKT, ACS-9, GRT-2)"
      timeout              = local.consumer_timeouts["notify"]
      reserved_concurrency = 5 # stays under the SES sending rate
      env = {
        TABLE_NAME              = local.table_name
        NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.main["notifications"].url
        NOTIFICATIONS_DLQ_URL   = aws_sqs_queue.dlq["notifications"].url
        MAIL_FROM               = var.mail_from
        MAIL_SEAL_KEY           = var.mail_seal_key
      }
      statements = [local.table_rw, local.consume["notifications"], local.bury["notifications"], {
        sid       = "SendEmail"
        actions   = ["ses:SendEmail"]
        resources = [aws_sesv2_email_identity.sender.arn]
      }]
    }
    "bootstrap-admin" = {
      description = "Creates the first security administrator once (invoked by hand)"
      memory      = 512
      timeout     = 30
      env         = merge(local.argon2_env, { TABLE_NAME = local.table_name })
      statements  = [local.table_rw]
    }
  } : name => merge(local.defaults, f) }
}

module "function" {
  source   = "./modules/function"
  for_each = local.functions

  name                 = "${local.prefix}-${each.key}"
  description          = each.value.description
  zip                  = "${var.artifacts_dir}/${each.key}/bootstrap.zip"
  architecture         = var.architecture
  memory               = each.value.memory
  timeout              = each.value.timeout
  reserved_concurrency = each.value.reserved_concurrency
  environment          = each.value.env
  statements           = each.value.statements
  log_level            = var.log_level
  log_retention_days   = var.log_retention_days
}

# The token signing key: the secret is declared here, its value is put by an operator
# (README, "Deploying to AWS") and read once at start-up by sign-in only.
resource "aws_secretsmanager_secret" "jwt_signing_key" {
  #checkov:skip=CKV2_AWS_57:Rotating the signing key needs the public key deployed to every verifier first; it is a documented manual procedure (README), not a rotation Lambda.
  #checkov:skip=CKV_AWS_149:Encrypted with the AWS-managed key of Secrets Manager; a customer-managed key is an operator's choice.
  name                    = "${local.prefix}/jwt-signing-key"
  description             = "Ed25519 private key (PKCS#8 PEM) that sign-in signs tokens with"
  recovery_window_in_days = var.deletion_protection ? 30 : 0
}

# The sender's domain, verified in SES (DKIM records to publish are in the outputs).
resource "aws_sesv2_email_identity" "sender" {
  email_identity = local.mail_domain
}
