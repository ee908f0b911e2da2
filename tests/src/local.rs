//! The local stack's resources (`make dev`, the benchmarks): the table, bucket and queues of
//! `infra/resources.json`, named as `infra/` names them for a stage, created in moto.

use aws_sdk_sqs::types::QueueAttributeName;

/// Resource names, from `infra/resources.json` as `infra/` names them.
pub struct Names {
    pub table: String,
    pub bucket: String,
    /// `(key, name, dlq name, definition)`: integration (FIFO), notifications, AIS inbound.
    pub queues: Vec<(String, String, String, enbek_aws::resources::QueueDef)>,
}

impl Names {
    pub fn new(stage: &str) -> Self {
        let r = enbek_aws::resources::resources();
        let queues = r
            .queues
            .iter()
            .map(|(key, def)| {
                let (name, dlq) = r.queue_names(stage, key);
                (key.clone(), name, dlq, def.clone())
            })
            .collect();
        Self { table: r.table_name(stage), bucket: r.bucket_name(stage), queues }
    }
}

/// The sender of local e-mail (its domain is verified in moto's SES).
pub const MAIL_FROM: &str = "noreply@enbek.local";

/// The local security administrator (API.md "Local seed").
pub const LOCAL_ADMIN_LOGIN: &str = "admin@enbek.local";
pub const LOCAL_ADMIN_PASSWORD: &str = "Local-Admin-Passw0rd";

/// Verifies [`MAIL_FROM`]'s domain as an SES identity: SES sends only from verified identities
/// (moto checks it too).
pub async fn verify_mail_domain(sdk: &enbek_aws::Aws) -> Result<(), String> {
    let domain = MAIL_FROM.rsplit('@').next().unwrap_or_default();
    sdk.sesv2()
        .create_email_identity()
        .email_identity(domain)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("SES identity: {}", aws_sdk_sesv2::error::DisplayErrorContext(&e)))
}

/// The ARN of the queue at `url`.
pub async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String, String> {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| format!("read {url}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| format!("{url} has no ARN"))
}

/// Creates the dead-letter queue `dlq_name` and the queue `name` that redrives into it after
/// `max_receive_count` receives (both FIFO if `fifo`), as `infra/queues.tf` makes them; or finds
/// them if they exist.
pub async fn create_queue_with_dlq(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    dlq_name: &str,
    fifo: bool,
    max_receive_count: u32,
    visibility_timeout_seconds: u32,
) -> Result<QueueUrls, String> {
    let create = |queue: &str| {
        let mut req = sqs.create_queue().queue_name(queue);
        if fifo {
            req = req.attributes(QueueAttributeName::FifoQueue, "true").attributes(QueueAttributeName::ContentBasedDeduplication, "false");
        }
        req
    };
    let failed = |queue: &str| {
        let queue = queue.to_owned();
        move |e: aws_sdk_sqs::error::SdkError<_, _>| format!("create {queue}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e))
    };
    let dlq = create(dlq_name).send().await.map_err(failed(dlq_name))?.queue_url.unwrap_or_default();
    let dlq_arn = queue_arn(sqs, &dlq).await?;
    let url = create(name)
        .attributes(QueueAttributeName::VisibilityTimeout, visibility_timeout_seconds.to_string())
        .attributes(
            QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{max_receive_count}"}}"#),
        )
        .send()
        .await
        .map_err(failed(name))?
        .queue_url
        .unwrap_or_default();
    Ok(QueueUrls { url, dlq })
}

/// A queue and its dead-letter queue.
pub struct QueueUrls {
    pub url: String,
    pub dlq: String,
}

/// An S3 SDK client for what only tests and the local stage do (buckets, CORS, listing):
/// buckets addressed by path, since `<bucket>.localhost` does not resolve. The functions'
/// own S3 calls go through `enbek_aws::s3::S3Files`.
pub fn s3_client(sdk: &enbek_aws::Aws) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk.config()).force_path_style(true).build())
}

/// Every AIS document in `bucket`'s exchange folder whose key contains `kind` (all pages),
/// `(key, document)`, skipping the keys in `seen` (and adding the ones read to it).
pub async fn exchange_documents(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    kind: &str,
    seen: &mut std::collections::HashSet<String>,
) -> Result<Vec<(String, serde_json::Value)>, String> {
    let mut out = Vec::new();
    let mut pages = s3.list_objects_v2().bucket(bucket).prefix("exchange/ais/").into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("list the exchange folder: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
        for key in page.contents().iter().filter_map(|o| o.key()).filter(|k| k.contains(kind)) {
            if !seen.insert(key.to_owned()) {
                continue;
            }
            let object = s3.get_object().bucket(bucket).key(key).send().await.map_err(|e| format!("{key}: {e}"))?;
            let bytes = object.body.collect().await.map_err(|e| format!("{key}: {e}"))?.into_bytes();
            out.push((key.to_owned(), serde_json::from_slice(&bytes).map_err(|e| format!("{key}: {e}"))?));
        }
    }
    Ok(out)
}

/// Creates what is missing; returns each queue's URLs by key.
pub async fn create_resources(sdk: &enbek_aws::Aws, names: &Names) -> Result<std::collections::BTreeMap<String, QueueUrls>, String> {
    let dynamo = sdk.dynamodb();
    enbek_aws::dynamo::schema::ensure_table(&dynamo, &names.table).await?;

    let s3 = s3_client(sdk);
    if s3.head_bucket().bucket(&names.bucket).send().await.is_err() {
        s3.create_bucket()
            .bucket(&names.bucket)
            .send()
            .await
            .map_err(|e| format!("create bucket: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
    }
    // Versioned, as in AWS: a cited attachment is pinned to the version checked.
    s3.put_bucket_versioning()
        .bucket(&names.bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder().status(aws_sdk_s3::types::BucketVersioningStatus::Enabled).build(),
        )
        .send()
        .await
        .map_err(|e| format!("bucket versioning: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
    put_bucket_cors(&s3, &names.bucket, &cors_origins()).await?;

    let sqs = sdk.sqs();
    let mut urls = std::collections::BTreeMap::new();
    for (key, queue, dlq_name, def) in &names.queues {
        let created = create_queue_with_dlq(&sqs, queue, dlq_name, def.fifo, def.max_receive_count, def.visibility_timeout_seconds).await?;
        urls.insert(key.clone(), created);
    }
    verify_mail_domain(sdk).await?;
    Ok(urls)
}

/// The environment every function gets on a local stage (the union of what each reads; a
/// function ignores the rest): AWS endpoint and credentials, resource names and URLs, the
/// run's throw-away keys and secrets. `cargo lambda watch` adds the static values of the
/// Cargo.toml metadata ([`static_env`]).
pub fn function_env(
    names: &Names,
    urls: &std::collections::BTreeMap<String, QueueUrls>,
    aws_env: &[(&str, &str)],
    private_pem: &str,
    public_pem: &str,
) -> Vec<(String, String)> {
    let url = |key: &str| urls.get(key).map(|q| (q.url.clone(), q.dlq.clone())).unwrap_or_default();
    let (integration, integration_dlq) = url("integration");
    let (notifications, notifications_dlq) = url("notifications");
    let (inbound, inbound_dlq) = url("ais-inbound");
    let fresh_secret = || uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    let mut vars: Vec<(String, String)> = aws_env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    vars.extend(
        [
            ("TABLE_NAME", names.table.clone()),
            ("FILES_BUCKET", names.bucket.clone()),
            ("NOTIFICATIONS_QUEUE_URL", notifications),
            ("INTEGRATION_QUEUE_URL", integration),
            ("NOTIFICATIONS_DLQ_URL", notifications_dlq),
            ("INTEGRATION_DLQ_URL", integration_dlq),
            ("AIS_INBOUND_QUEUE_URL", inbound),
            ("AIS_INBOUND_DLQ_URL", inbound_dlq),
            // AIS documents into the bucket's exchange folder: there is no AIS on this machine.
            ("AIS_DELIVERY", "bucket".into()),
            ("MAIL_FROM", MAIL_FROM.into()),
            // Seals temporary passwords between request-access and notify: fresh per run, like
            // the queues that carry them.
            ("MAIL_SEAL_KEY", fresh_secret()),
            ("JWT_PRIVATE_KEY", private_pem.to_owned()),
            ("JWT_PUBLIC_KEY", public_pem.to_owned()),
            // Seals list cursors: cursors do not outlive the local stack.
            ("CURSOR_SECRET", fresh_secret()),
            // The local stage may run the sweep as of another date (never set in AWS).
            ("SWEEP_ALLOW_NOW_OVERRIDE", "true".into()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    // As in AWS (infra/modules/function): the root certificates from one bundle file.
    if let Some(bundle) = CA_BUNDLES.iter().find(|p| std::path::Path::new(p).is_file()) {
        vars.push(("SSL_CERT_FILE".into(), (*bundle).into()));
    }
    vars
}

/// Where the platform keeps its root certificates in one file: Amazon Linux 2023 (what Lambda's
/// `provided.al2023` runs), then Debian and its derivatives.
const CA_BUNDLES: [&str; 2] = ["/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt"];

/// The static values of `[workspace.metadata.lambda.env]` and `function`'s
/// `[package.metadata.lambda.env]` (what `cargo lambda watch` gives a function).
pub fn static_env(root: &std::path::Path, function: &str) -> Vec<(String, String)> {
    let section = |file: std::path::PathBuf, header: &str| -> Vec<(String, String)> {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let Some(body) = text.split(header).nth(1) else { return Vec::new() };
        body.lines()
            .take_while(|l| !l.starts_with('['))
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
            .collect()
    };
    let mut vars = section(root.join("Cargo.toml"), "[workspace.metadata.lambda.env]");
    vars.extend(section(root.join("functions").join(function).join("Cargo.toml"), "[package.metadata.lambda.env]"));
    vars
}

/// The portal origins the local stack allows (`CORS_ALLOWED_ORIGINS` of the workspace's
/// `cargo lambda` environment, or of this process's environment).
pub fn cors_origins() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(std::path::Path::new("."));
    let from_env = std::env::var("CORS_ALLOWED_ORIGINS")
        .ok()
        .or_else(|| static_env(root, "register-account").into_iter().find(|(k, _)| k == "CORS_ALLOWED_ORIGINS").map(|(_, v)| v))
        .unwrap_or_default();
    from_env.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The bucket's CORS rule of `infra/resources.json` for `origins`, as Terraform puts it on the
/// real bucket (moto answers browsers by it when started with `MOTO_DISABLE_GLOBAL_CORS=1`).
pub async fn put_bucket_cors(s3: &aws_sdk_s3::Client, bucket: &str, origins: &[String]) -> Result<(), String> {
    use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
    let def = enbek_aws::resources::resources().bucket.cors;
    let rule = CorsRule::builder()
        .set_allowed_origins(Some(origins.to_vec()))
        .set_allowed_methods(Some(def.allowed_methods))
        .set_allowed_headers(Some(def.allowed_headers))
        .set_expose_headers(Some(def.expose_headers))
        .max_age_seconds(def.max_age_seconds)
        .build()
        .map_err(|e| format!("CORS rule: {e}"))?;
    let config = CorsConfiguration::builder().cors_rules(rule).build().map_err(|e| format!("CORS configuration: {e}"))?;
    s3.put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(config)
        .send()
        .await
        .map_err(|e| format!("bucket CORS: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
    Ok(())
}
