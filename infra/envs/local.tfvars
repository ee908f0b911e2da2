# The local apply against moto (make test). Throw-away values only: nothing here is a secret.
stage                = "local"
region               = "us-east-1"
deletion_protection  = false
log_retention_days   = 7
cors_origins         = ["http://localhost:3000", "http://127.0.0.1:3000"]
jwt_public_key       = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"
cursor_secret        = "local-cursor-secret-0123456789abcdef"
mail_seal_key        = "local-mail-seal-key-0123456789abcdef"
mail_from            = "noreply@enbek.local"
agreement_version    = "2024-06-20"
minimum_monthly_wage = 85000
ais_delivery         = "bucket"
