# Names and the shared definition. infra/resources.json is the one definition of the table,
# its indexes, the bucket, the queues and the API routes: the local stack (make dev) and the
# tests read the same file (enbek_aws::resources), so names cannot drift.

locals {
  resources = jsondecode(file("${path.module}/resources.json"))
  prefix    = "enbek-${var.stage}"

  table_name  = local.prefix
  bucket_name = "${local.prefix}-${local.resources.bucket.suffix}"
  queues = {
    for key, q in local.resources.queues : key => merge(q, {
      name     = "${local.prefix}-${key}${q.fifo ? ".fifo" : ""}"
      dlq_name = "${local.prefix}-${key}-dlq${q.fifo ? ".fifo" : ""}"
    })
  }
  mail_domain = split("@", var.mail_from)[1]
}

data "aws_caller_identity" "current" {}
