//! E-mail: the ports `notify` runs over. Every e-mail is in Kazakh and Russian, both in one
//! message (the recipient's language first), as plain text and HTML.

use async_trait::async_trait;
use serde_json::Value;

/// A rendered e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The subject and bodies of a template for some data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The e-mail templates (files, rendered by a template engine).
pub trait Templates: Send + Sync {
    /// Renders `template` for `data` with `lang`'s part first; an unknown template or data it
    /// cannot render is an error (the message can never be sent).
    fn render(&self, template: &str, lang: crate::codes::Lang, data: &Value) -> Result<Rendered, String>;
}

/// What the mail service made of an e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailAnswer {
    Sent,
    /// Refused for good (an address it will not send to, a message it rejects).
    Rejected(String),
    /// Not now (throttled, unreachable).
    Unavailable(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Mail) -> MailAnswer;
}
