//! The SES v2 adapter of the [`Mailer`] port: one message with a plain-text and an HTML part,
//! UTF-8, from the configured sender.

use async_trait::async_trait;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use enbek_core::mail::{Mail, MailAnswer, Mailer};

#[derive(Clone, Debug)]
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: aws_sdk_sesv2::Client, from: impl Into<String>, configuration_set: Option<String>) -> Self {
        Self { client, from: from.into(), configuration_set }
    }
}

/// SES's answers that no retry changes (the message or its address is refused).
const REFUSALS: &[&str] = &["MessageRejected", "BadRequestException", "NotFoundException"];

fn utf8(text: &str) -> Result<Content, String> {
    Content::builder().data(text).charset("UTF-8").build().map_err(|e| e.to_string())
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &Mail) -> MailAnswer {
        let message = match (utf8(&mail.subject), utf8(&mail.text), utf8(&mail.html)) {
            (Ok(subject), Ok(text), Ok(html)) => {
                Message::builder().subject(subject).body(Body::builder().text(text).html(html).build()).build()
            }
            _ => return MailAnswer::Rejected("the message cannot be built".into()),
        };
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await;
        match sent {
            Ok(_) => MailAnswer::Sent,
            Err(e) => {
                let code = crate::dynamo::error_code(&e).map(str::to_owned);
                let reason = enbek_core::telemetry::mask_emails(&enbek_core::telemetry::chain(&e));
                match code {
                    Some(c) if REFUSALS.contains(&c.as_str()) => MailAnswer::Rejected(format!("{c}: {reason}")),
                    _ => MailAnswer::Unavailable(reason),
                }
            }
        }
    }
}
