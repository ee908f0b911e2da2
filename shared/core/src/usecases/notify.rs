//! `notify`: e-mails from the `notifications` queue through the mail service (SES), each in
//! Kazakh and Russian, rendered from template files (ACS-4/5 answers to access requests, ticket
//! updates, inactivity warnings and blocks, grant report decisions). Each event is sent once
//! (`consume::once`).
//!
//! A message is `{event_id, type, occurred_at, data: {to, lang?, template, …}}`. An access
//! grant's temporary password travels sealed (`temporary_password_sealed`, bound to the event
//! ID): it is opened here, put into the mail body, and nowhere else — not in a log line, the
//! processed-event record, or the dead-letter queue's copy.

use crate::clock::Clock;
use crate::codes::Lang;
use crate::consume::{once, Consumer, Delivery, Handling, Work};
use crate::mail::{Mail, MailAnswer, Mailer, Templates};
use crate::outbox::Event;
use crate::ports::{ProcessedEvents, SecretBox};
use async_trait::async_trait;
use serde_json::Value;
use std::sync::Arc;

pub const CONSUMER: &str = "notify";

#[derive(Clone)]
pub struct Notify {
    pub mailer: Arc<dyn Mailer>,
    pub templates: Arc<dyn Templates>,
    pub secrets: Arc<dyn SecretBox>,
    pub processed: Arc<dyn ProcessedEvents>,
    pub clock: Arc<dyn Clock>,
}

impl Notify {
    /// The e-mail of an event, or why it can never be sent.
    pub fn compose(&self, event: &Event) -> Result<Mail, String> {
        let to = event.data.get("to").and_then(Value::as_str).ok_or("no recipient (`to`)")?;
        email_address::EmailAddress::parse_with_options(to, email_address::Options::default())
            .map_err(|_| format!("the recipient {:?} is not an e-mail address", crate::telemetry::mask(to)))?;
        let template = event.data.get("template").and_then(Value::as_str).ok_or("no template")?;
        let lang = event.data.get("lang").and_then(Value::as_str).and_then(Lang::parse).unwrap_or_default();
        let mut data = event.data.clone();
        if let Some(sealed) = event.data.get("temporary_password_sealed").and_then(Value::as_str) {
            let password = self
                .secrets
                .open_text(&event.event_id, sealed)
                .ok_or("the sealed temporary password does not open (MAIL_SEAL_KEY differs from request-access's?)")?;
            data["temporary_password"] = Value::String(password);
        }
        data["occurred_at"] = serde_json::json!(event.occurred_at);
        let r = self.templates.render(template, lang, &data)?;
        Ok(Mail { to: to.to_owned(), subject: r.subject, text: r.text, html: r.html })
    }
}

#[async_trait]
impl Consumer for Notify {
    fn name(&self) -> &'static str {
        CONSUMER
    }

    async fn handle(&self, d: &Delivery) -> Handling {
        let event = match Event::parse(&d.body) {
            Ok(e) => e,
            Err(reason) => return Handling::unreadable(reason),
        };
        let handled = once(self.processed.as_ref(), CONSUMER, &event, self.clock.now(), || async {
            let mail = match self.compose(&event) {
                Ok(m) => m,
                Err(reason) => return Work::Poison(reason),
            };
            match self.mailer.send(&mail).await {
                MailAnswer::Sent => Work::Done { outcome: "sent", detail: None },
                MailAnswer::Rejected(reason) => Work::Poison(format!("the mail service refused it: {reason}")),
                MailAnswer::Unavailable(reason) => Work::Retry(reason),
            }
        })
        .await;
        Handling { event_id: event.event_id, event_type: event.kind, handled }
    }
}
