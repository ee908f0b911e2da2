//! `notify`: e-mails from the `notifications` queue through SES v2 — the answer to an access
//! request (ACS-4/5: login and temporary password, or the refusal with its reason), ticket status
//! changes with the response, the inactivity warning and block notice (ACS-9) and grant report
//! decisions (GRT-2). The rules are in `enbek_core::usecases::notify`; this crate is the
//! template files, configuration and wiring.
//!
//! Templates are files under `templates/`, compiled in: `<name>.kk.txt` and `<name>.ru.txt`
//! (first line the subject, then the body; plain text, not escaped) and `layout.html`, which
//! lays both languages out as HTML (auto-escaped). Every e-mail holds both languages, the
//! recipient's first.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use enbek_aws::consumer::{QueueRoute, SqsControl};
use enbek_aws::dynamo::{DynamoProcessed, Table};
use enbek_aws::ses::SesMailer;
use enbek_core::clock::Clock;
use enbek_core::codes::Lang;
use enbek_core::config::{self, ConfigError};
use enbek_core::mail::{Rendered, Templates};
use enbek_core::usecases::notify::Notify;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    pub queue: QueueRoute,
    /// The sender: an address of a domain verified in SES.
    pub mail_from: String,
    /// `MAIL_SEAL_KEY`, shared with `request-access`: opens the sealed temporary passwords.
    pub mail_seal_key: String,
    /// An SES configuration set (bounce and complaint events), if any.
    pub configuration_set: Option<String>,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: config::required("TABLE_NAME")?,
            queue: QueueRoute { url: config::required("NOTIFICATIONS_QUEUE_URL")?, dlq_url: config::required("NOTIFICATIONS_DLQ_URL")? },
            mail_from: config::required("MAIL_FROM")?,
            mail_seal_key: config::secret("MAIL_SEAL_KEY")?,
            configuration_set: Some(config::optional("SES_CONFIGURATION_SET", "")).filter(|s| !s.is_empty()),
        })
    }
}

macro_rules! template {
    ($name:literal) => {
        ($name, include_str!(concat!("../templates/", $name, ".kk.txt")), include_str!(concat!("../templates/", $name, ".ru.txt")))
    };
}

/// Every template, `(name, Kazakh, Russian)`.
const TEMPLATES: &[(&str, &str, &str)] = &[
    template!("access_request_approved_grant"),
    template!("access_request_approved_reactivate"),
    template!("access_request_approved_change"),
    template!("access_request_approved_block"),
    template!("access_request_refused"),
    template!("ticket_updated"),
    template!("inactivity_warning"),
    template!("inactivity_blocked"),
    template!("grant_report_decided"),
];

const LAYOUT: &str = "layout.html";

/// The template files, compiled once.
pub struct FileTemplates {
    env: Environment<'static>,
}

impl Default for FileTemplates {
    fn default() -> Self {
        Self::new()
    }
}

/// `2026-11-26T04:00:00Z` or `2026-11-26` as `26.11.2026` (the day in Asia/Almaty).
fn date(value: String) -> Result<String, minijinja::Error> {
    let day = match value.parse::<jiff::Timestamp>() {
        Ok(t) => t.to_zoned(enbek_core::calendar::almaty()).date(),
        Err(_) => value
            .parse::<jiff::civil::Date>()
            .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("{value:?} is not a date")))?,
    };
    Ok(day.strftime("%d.%m.%Y").to_string())
}

/// A moment as `26.11.2026 10:00` in Asia/Almaty (the time every recipient's clock shows).
fn datetime(value: String) -> Result<String, minijinja::Error> {
    let t = value
        .parse::<jiff::Timestamp>()
        .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("{value:?} is not a moment")))?;
    Ok(t.to_zoned(enbek_core::calendar::almaty()).strftime("%d.%m.%Y %H:%M").to_string())
}

/// An amount in tiyn as tenge: `123456789` → `1 234 567,89`.
fn tenge(tiyn: i64) -> String {
    let sign = if tiyn < 0 { "-" } else { "" };
    let (whole, frac) = (tiyn.unsigned_abs() / 100, tiyn.unsigned_abs() % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{frac:02}")
}

#[derive(Serialize)]
struct Part {
    lang: Lang,
    subject: String,
    /// Paragraphs, each a list of lines.
    paragraphs: Vec<Vec<String>>,
}

impl FileTemplates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        // A value the data lacks is an error where printed (the message is malformed), but may
        // be tested in `{% if %}`.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.add_filter("date", date);
        env.add_filter("datetime", datetime);
        env.add_filter("tenge", tenge);
        for (name, kk, ru) in TEMPLATES {
            for (lang, source) in [("kk", kk), ("ru", ru)] {
                // The sources are compiled in and checked by the tests; a broken one fails them.
                if let Err(e) = env.add_template_owned(format!("{name}.{lang}.txt"), *source) {
                    tracing::error!(template = name, error = %e, "template does not compile");
                }
            }
        }
        if let Err(e) = env.add_template(LAYOUT, include_str!("../templates/layout.html")) {
            tracing::error!(template = LAYOUT, error = %e, "template does not compile");
        }
        Self { env }
    }

    /// The names of every template.
    pub fn names() -> impl Iterator<Item = &'static str> {
        TEMPLATES.iter().map(|t| t.0)
    }

    fn part(&self, name: &str, lang: Lang, data: &Value) -> Result<Part, String> {
        let file = format!("{name}.{lang}.txt");
        let template = self.env.get_template(&file).map_err(|_| format!("no template {file}"))?;
        let text = template.render(data).map_err(|e| format!("{file}: {e}"))?;
        let (subject, body) = text.split_once('\n').unwrap_or((&text, ""));
        let paragraphs = body
            .split("\n\n")
            .map(|p| p.lines().map(str::trim_end).filter(|l| !l.is_empty()).map(str::to_owned).collect::<Vec<_>>())
            .filter(|p| !p.is_empty())
            .collect();
        Ok(Part { lang, subject: subject.trim().to_owned(), paragraphs })
    }
}

impl Templates for FileTemplates {
    fn render(&self, name: &str, lang: Lang, data: &Value) -> Result<Rendered, String> {
        let order = if lang == Lang::Ru { [Lang::Ru, Lang::Kk] } else { [Lang::Kk, Lang::Ru] };
        let parts = order.iter().map(|l| self.part(name, *l, data)).collect::<Result<Vec<_>, _>>()?;
        let subject = parts.iter().map(|p| p.subject.as_str()).collect::<Vec<_>>().join(" / ");
        let text = parts
            .iter()
            .map(|p| p.paragraphs.iter().map(|para| para.join("\n")).collect::<Vec<_>>().join("\n\n"))
            .collect::<Vec<_>>()
            .join("\n\n————————————\n\n");
        let html = self
            .env
            .get_template(LAYOUT)
            .and_then(|t| t.render(minijinja::context! { subject => &subject, parts => &parts }))
            .map_err(|e| format!("{LAYOUT}: {e}"))?;
        Ok(Rendered { subject, text, html })
    }
}

/// The consumer with its clients, built once.
pub struct App {
    pub notify: Notify,
    pub control: SqsControl,
}

/// The composition root: `main.rs` and the tests build the consumer here.
pub fn notify_app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> App {
    let table = Table::new(aws.dynamodb(), config.table_name);
    App {
        notify: Notify {
            mailer: Arc::new(SesMailer::new(aws.sesv2(), config.mail_from, config.configuration_set)),
            templates: Arc::new(FileTemplates::new()),
            secrets: Arc::new(enbek_core::seal::mail_sealer(&config.mail_seal_key)),
            processed: Arc::new(DynamoProcessed::new(table)),
            clock,
        },
        control: SqsControl::new(aws.sqs(), vec![config.queue]),
    }
}

impl App {
    /// One SQS batch: the failed message IDs out.
    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        enbek_aws::consumer::consume(&self.notify, &self.control, &event).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_compiles_in_both_languages() {
        let t = FileTemplates::new();
        for name in FileTemplates::names() {
            for lang in ["kk", "ru"] {
                assert!(t.env.get_template(&format!("{name}.{lang}.txt")).is_ok(), "{name}.{lang}.txt");
            }
        }
        assert!(t.env.get_template(LAYOUT).is_ok());
    }

    #[test]
    fn amounts_are_tenge_with_grouped_digits() {
        assert_eq!(tenge(123_456_789), "1\u{a0}234\u{a0}567,89");
        assert_eq!(tenge(5), "0,05");
        assert_eq!(tenge(100_000), "1\u{a0}000,00");
    }

    #[test]
    fn the_recipients_language_comes_first_and_html_is_escaped() {
        let t = FileTemplates::new();
        let data = json!({"request": {"id": "r1"}, "reason": "<script>alert(1)</script> & письмо"});
        let ru = t.render("access_request_refused", Lang::Ru, &data).unwrap();
        assert!(ru.subject.starts_with("В заявке на доступ отказано / "), "{}", ru.subject);
        assert!(ru.text.find("Причина").unwrap() < ru.text.find("Себебі").unwrap());
        assert!(ru.text.contains("<script>alert(1)</script> & письмо"), "plain text is not escaped");
        assert!(ru.html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; письмо"), "{}", ru.html);
        assert!(!ru.html.contains("<script>"));
        let kk = t.render("access_request_refused", Lang::Kk, &data).unwrap();
        assert!(kk.subject.starts_with("Қолжетімділік туралы өтінімнен бас тартылды / "));
    }

    #[test]
    fn a_message_without_the_fields_its_template_prints_is_refused() {
        let t = FileTemplates::new();
        let err = t.render("access_request_refused", Lang::Kk, &json!({"request": {"id": "r1"}})).unwrap_err();
        assert!(err.contains("access_request_refused"), "{err}");
        assert!(t.render("no_such_template", Lang::Kk, &json!({})).unwrap_err().contains("no template"));
    }

    #[test]
    fn ticket_statuses_and_dates_are_words_and_almaty_days() {
        let t = FileTemplates::new();
        let data = json!({"ticket": {"id": "t1", "number": "T-7", "subject": "Кіру", "status": "in_progress",
            "response": "Тексеріп жатырмыз", "due_at": "2026-11-26T20:00:00Z"}});
        let r = t.render("ticket_updated", Lang::Kk, &data).unwrap();
        assert!(r.subject.starts_with("№ T-7 өтініш: жұмыста / Обращение № T-7: в работе"), "{}", r.subject);
        // 20:00 UTC is the next day in Almaty (UTC+5).
        assert!(r.text.contains("27.11.2026"), "{}", r.text);
        assert!(r.text.contains("Тексеріп жатырмыз"));
    }

    #[test]
    fn the_sweep_and_grant_messages_render_as_the_use_cases_write_them() {
        let t = FileTemplates::new();
        // As `usecases::sweep::notice` and `usecases::grants::decide_report` write them.
        let account = json!({"id": "a1", "login": "e.zh@enbek.gov.kz", "full_name": "Жұмабаев Ерлан"});
        let warn = json!({"to": "e.zh@enbek.gov.kz", "lang": "kk", "template": "inactivity_warning", "account": account,
            "last_activity": "2026-10-22T04:00:00Z", "blocks_on": "2026-11-21"});
        let r = t.render("inactivity_warning", Lang::Kk, &warn).unwrap();
        assert!(r.text.contains("22.10.2026") && r.text.contains("21.11.2026") && r.text.contains("Жұмабаев Ерлан"), "{}", r.text);
        let blocked = json!({"account": account, "last_activity": "2026-10-22T04:00:00Z"});
        assert!(t.render("inactivity_blocked", Lang::Kk, &blocked).unwrap().subject.contains("заблокирована"));
        let decided = json!({"grant": {"id": "g1", "contract_number": "Д-17"},
            "report": {"id": "r1", "status": "returned", "total_tiyn": 12_345_678, "comment": "Нет счёта-фактуры"}});
        let r = t.render("grant_report_decided", Lang::Ru, &decided).unwrap();
        assert!(r.subject.starts_with("Отчёт по гранту: возвращён на доработку"), "{}", r.subject);
        assert!(r.text.contains("123\u{a0}456,78 тенге") && r.text.contains("Нет счёта-фактуры"), "{}", r.text);
    }

    #[test]
    fn the_temporary_password_expiry_is_given_to_the_minute_in_almaty_time() {
        let t = FileTemplates::new();
        let data = json!({"request": {"id": "r1"}, "login": "a@enbek.gov.kz", "temporary_password": "4eudQTfRCTasfxDzgrXo",
            "temporary_password_expires_at": "2026-11-26T05:00:00Z"});
        let r = t.render("access_request_approved_grant", Lang::Kk, &data).unwrap();
        assert!(r.text.contains("Уақытша құпиясөз 26.11.2026 10:00 (Астана уақыты) дейін"), "{}", r.text);
        assert!(r.text.contains("Временный пароль действует до 26.11.2026 10:00 (время Астаны)"), "{}", r.text);
        // Relayed without the password: the mail says where to get it.
        let relayed = json!({"request": {"id": "r1"}, "login": "a@enbek.gov.kz", "temporary_password_sent": false});
        let r = t.render("access_request_approved_grant", Lang::Ru, &relayed).unwrap();
        assert!(r.text.contains("Временный пароль получите у администратора"), "{}", r.text);
    }
}
