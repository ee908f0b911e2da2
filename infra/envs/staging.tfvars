# Staging: a full copy of production's shape with test data. Secrets (cursor_secret,
# mail_seal_key) are passed at apply time: TF_VAR_cursor_secret=… TF_VAR_mail_seal_key=…
stage               = "staging"
region              = "eu-central-1"
architecture        = "arm64"
deletion_protection = true
log_retention_days  = 30
log_level           = "debug"
cors_origins        = ["https://staging.enbek.kz"]
jwt_public_key      = "-----BEGIN PUBLIC KEY-----\n<the staging public key>\n-----END PUBLIC KEY-----\n"
mail_from           = "noreply@staging.enbek.kz"
agreement_version   = "2024-06-20"
# The minimum monthly wage in force, in tenge.
minimum_monthly_wage = 85000
ais_delivery         = "https"
ais_endpoint         = "https://ais-test.enbek.kz/api/portal/v1/documents"
alarm_email          = "ops-staging@enbek.kz"
api_throttle_burst   = 50
api_throttle_rate    = 20
