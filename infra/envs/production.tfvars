# Production. Secrets (cursor_secret, mail_seal_key) are passed at apply time from the
# operators' vault: TF_VAR_cursor_secret=… TF_VAR_mail_seal_key=… terraform apply -var-file=…
# The region is the operator's decision under the personal-data law (README, data residency).
stage                = "production"
region               = "eu-central-1"
architecture         = "arm64"
deletion_protection  = true
log_retention_days   = 400
log_level            = "info"
cors_origins         = ["https://www.enbek.kz", "https://enbek.kz"]
jwt_public_key       = "-----BEGIN PUBLIC KEY-----\n<the production public key>\n-----END PUBLIC KEY-----\n"
mail_from            = "noreply@enbek.kz"
agreement_version    = "2024-06-20"
minimum_monthly_wage = 85000
ais_delivery         = "https"
ais_endpoint         = "https://ais.enbek.kz/api/portal/v1/documents"
ais_timeout_ms       = 5000
inactivity_exempt    = []
alarm_email          = "ops@enbek.kz"
api_throttle_burst   = 500
api_throttle_rate    = 200
