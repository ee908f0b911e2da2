//! Secrets read once at start-up from Secrets Manager (feature `secrets`): `sign-in`'s token
//! signing key lives there, never in the repository or a plain environment variable.

/// The `SecretString` of the secret `id` (a name or an ARN), current version.
pub async fn secret_string(aws: &crate::Aws, id: &str) -> Result<String, String> {
    let client = aws_sdk_secretsmanager::Client::new(aws.config());
    let out = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| format!("read secret {id}: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(&e)))?;
    out.secret_string.filter(|s| !s.trim().is_empty()).ok_or_else(|| format!("secret {id} has no SecretString"))
}
