variable "stage" {
  description = "Stage name: every resource is named enbek-<stage>[-<what>]."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.stage))
    error_message = "stage: lower-case letters, digits and dashes, 2–21 characters."
  }
}

variable "region" {
  type    = string
  default = "eu-central-1"
}

variable "aws_endpoint" {
  description = "Local apply only: the one endpoint (moto) every AWS service is called at. null in AWS."
  type        = string
  default     = null
}

variable "artifacts_dir" {
  description = "Where `cargo lambda build --release --output-format zip` left <function>/bootstrap.zip (target/lambda)."
  type        = string
  default     = "../target/lambda"
}

variable "architecture" {
  description = "arm64 (Graviton, cheaper per ms) or x86_64; the zips must be built for it (cargo lambda build --arm64 / --x86-64)."
  type        = string
  default     = "arm64"
  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "log_level" {
  type    = string
  default = "info"
  validation {
    condition     = contains(["error", "warn", "info", "debug"], var.log_level)
    error_message = "log_level: error, warn, info or debug (never trace in production: the AWS SDK then logs whole bodies)."
  }
}

variable "log_retention_days" {
  type    = number
  default = 90
}

variable "cors_origins" {
  description = "Web origins of the portals allowed to call the API and to upload to the bucket."
  type        = list(string)
}

variable "api_throttle_burst" {
  type    = number
  default = 200
}

variable "api_throttle_rate" {
  description = "Requests per second across the stage."
  type        = number
  default     = 100
}

variable "deletion_protection" {
  description = "Protects the table from deletion (true outside throw-away stages)."
  type        = bool
  default     = true
}

variable "jwt_public_key" {
  description = "Ed25519 public key (SPKI PEM) that verifies tokens; the private key is only in the Secrets Manager secret."
  type        = string
}

variable "jwt_previous_public_key" {
  description = "During a key rotation: the previous public key, still accepted (README, Operating)."
  type        = string
  default     = ""
}

variable "cursor_secret" {
  description = "≥ 32 characters; seals list cursors."
  type        = string
  sensitive   = true
}

variable "mail_seal_key" {
  description = "≥ 32 characters, given to request-access and notify only: seals temporary passwords in the notifications queue."
  type        = string
  sensitive   = true
}

variable "mail_from" {
  description = "The sender of e-mail; its domain becomes the SES identity."
  type        = string
}

variable "agreement_version" {
  type = string
}

variable "minimum_monthly_wage" {
  description = "In tenge: the floor of a full-time vacancy's salary_from."
  type        = number
}

variable "ais_delivery" {
  description = "https (AIS \"Labor Market\") or bucket (documents into exchange/ais/ of the bucket; test stages)."
  type        = string
  default     = "https"
  validation {
    condition     = contains(["https", "bucket"], var.ais_delivery)
    error_message = "ais_delivery: https or bucket."
  }
}

variable "ais_endpoint" {
  type    = string
  default = ""
}

variable "ais_timeout_ms" {
  type    = number
  default = 5000
}

variable "inactivity_exempt" {
  description = "Break-glass accounts (IDs or logins) the inactivity sweep never blocks."
  type        = list(string)
  default     = []
}

variable "sweep_schedule" {
  description = "When the inactivity sweep runs, in Asia/Almaty."
  type        = string
  default     = "cron(0 2 * * ? *)"
}

variable "relay_schedule" {
  type    = string
  default = "rate(1 minute)"
}

variable "alarm_email" {
  description = "Optional: an address subscribed to the alarm topic."
  type        = string
  default     = ""
}

variable "http_5xx_percent" {
  description = "Alarm when more than this share of a function's requests answer 5xx over 5 minutes."
  type        = number
  default     = 1
}
