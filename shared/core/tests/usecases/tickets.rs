//! Support tickets (TKT-1, TKT-2): filing with access codes, limits, attachments checked in the
//! bucket, status forward only, defects, notifications.

use super::support::*;
use enbek_core::attachments::{object_key, parse_declaration};
use enbek_core::domain::{Role, Ticket, TicketStatus};
use enbek_core::usecases::tickets::{TicketError, TicketQuery, TicketUpdate, ANONYMOUS_FILING_LIMIT, SCOPE};
use enbek_testkit::fixtures::SMALL_PDF;
use jiff::SignedDuration;
use serde_json::{json, Value};

fn form() -> Value {
    json!({
        "full_name": "Сейтқали Әйгерім", "iin": enbek_testkit::fixtures::iin_text("900315", 4, 1),
        "contact_phone": "+7 701 234 56 78", "email": "aigerim@mail.kz",
        "subject": "Кіру мүмкін емес", "description": "Жүйеге кіре алмаймын",
    })
}

#[tokio::test]
async fn tkt_1_2_an_anonymous_ticket_is_numbered_due_in_3_working_days_and_read_with_its_code() {
    let w = World::new();
    let filed = w.tickets().file(None, fields(form()), &origin()).await.unwrap();
    assert_eq!(filed.ticket.number, "T-2026-000001");
    // Monday 23 Nov 2026 10:00 Almaty → Thursday 26 Nov 18:00 Almaty.
    assert_eq!(filed.ticket.due_at, "2026-11-26T13:00:00Z".parse().unwrap());
    assert_ne!(filed.ticket.access_code_sha256, filed.access_code, "only the hash is kept");

    let read = w.tickets().read(None, &filed.ticket.id, Some(&filed.access_code.to_lowercase().replace('-', "")), &origin()).await.unwrap();
    assert!(!read.for_support);
    assert!(matches!(w.tickets().read(None, &filed.ticket.id, None, &origin()).await, Err(TicketError::Unauthenticated)));
    assert!(matches!(w.tickets().read(None, &filed.ticket.id, Some("AAAA-AAAA-AAAA-AAAA"), &origin()).await, Err(TicketError::Forbidden)));
    let support = w.account(Role::Support, "p");
    assert!(w.tickets().read(Some(&support), &filed.ticket.id, None, &origin()).await.unwrap().for_support);
}

#[tokio::test]
async fn tkt_1_anonymous_filing_is_limited_per_source_address() {
    let w = World::new();
    for _ in 0..ANONYMOUS_FILING_LIMIT.max_events {
        w.tickets().file(None, fields(form()), &origin()).await.unwrap();
    }
    let limited = w.tickets().file(None, fields(form()), &origin()).await;
    assert!(matches!(limited, Err(TicketError::TooManyRequests(secs)) if secs > 0), "{limited:?}");
    let mut elsewhere = origin();
    elsewhere.source_ip = "198.51.100.77".into();
    w.tickets().file(None, fields(form()), &elsewhere).await.expect("another address has its own limit");
}

#[tokio::test]
async fn tkt_1_attachments_count_only_when_uploaded_as_declared_and_only_once() {
    let w = World::new();
    let t = w.tickets();
    let declare = |size: usize| {
        parse_declaration(fields(json!({"file_name": "скан.pdf", "content_type": "application/pdf", "size_bytes": size}))).unwrap()
    };
    let good = t.declare_attachment(None, declare(SMALL_PDF.len()), &origin()).await.unwrap();
    assert!(good.url.contains(&object_key(SCOPE, &good.attachment_id)), "the key is the server's, not the file name");
    w.files.put_upload(&object_key(SCOPE, &good.attachment_id), "application/pdf", SMALL_PDF);
    let fake = t.declare_attachment(None, declare(12), &origin()).await.unwrap();
    w.files.put_upload(&object_key(SCOPE, &fake.attachment_id), "application/pdf", b"MZ not a pdf");
    let never = t.declare_attachment(None, declare(10), &origin()).await.unwrap();

    let mut body = form();
    body["attachment_ids"] = json!([good.attachment_id, fake.attachment_id, never.attachment_id, "garbage"]);
    body["email"] = json!("broken@");
    let e = t.file(None, fields(body), &origin()).await.unwrap_err();
    let TicketError::Invalid(e) = e else { panic!("{e:?}") };
    assert_eq!(
        codes(&e),
        pairs(&[
            ("attachment_ids.1", "attachment_invalid"),
            ("attachment_ids.2", "attachment_missing"),
            ("attachment_ids.3", "attachment_missing"),
            ("email", "email_invalid"),
        ]),
        "every problem at once, attachments included"
    );
    let mut body = form();
    body["attachment_ids"] = json!([good.attachment_id]);
    let filed = t.file(None, fields(body.clone()), &origin()).await.unwrap();
    assert_eq!(filed.ticket.attachments.len(), 1);
    let again = t.file(None, fields(body), &origin()).await.unwrap_err();
    assert!(matches!(again, TicketError::Invalid(_)), "an attachment is cited once");
}

#[tokio::test]
async fn tkt_2_statuses_move_forward_a_defect_takes_10_working_days_and_the_author_is_told() {
    let w = World::new();
    let filed = w.tickets().file(None, fields(form()), &origin()).await.unwrap();
    let support = w.account(Role::Support, "p");
    let update = |v: Value| TicketUpdate::parse(fields(v));

    let t = w
        .tickets()
        .update(&support, &filed.ticket.id, update(json!({"status": "resolved", "defect": true, "response": "Түзетілді"})), &origin())
        .await
        .unwrap();
    assert_eq!(t.status, TicketStatus::Resolved);
    assert_eq!(t.due_at, Ticket::deadline(filed.ticket.received_at, true));
    assert_eq!(t.due_at, "2026-12-07T13:00:00Z".parse().unwrap(), "the 10th working day after receipt");
    let sent = w.notifications.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["data"]["ticket"]["status"], "resolved");
    assert_eq!(sent[0]["data"]["to"], "aigerim@mail.kz");
    assert!(w.store.outbox_messages().is_empty(), "sent at once, so not waiting in the outbox");

    let back = w.tickets().update(&support, &filed.ticket.id, update(json!({"status": "in_progress"})), &origin()).await;
    assert!(matches!(back, Err(TicketError::InvalidTransition { current: TicketStatus::Resolved })));
    let same = w.tickets().update(&support, &filed.ticket.id, update(json!({"response": "Түзетілді"})), &origin()).await.unwrap();
    assert_eq!(same.version, t.version, "nothing new: nothing written");
    assert!(TicketUpdate::parse(fields(json!({"defect": false}))).is_err(), "a found defect stays found");
    assert!(TicketUpdate::parse(fields(json!({}))).is_err(), "an empty update is refused");
}

#[tokio::test]
async fn when_the_queue_is_down_the_notification_waits_in_the_outbox() {
    let w = World::new();
    let filed = w.tickets().file(None, fields(form()), &origin()).await.unwrap();
    let support = w.account(Role::Support, "p");
    w.notifications.fail(true);
    w.tickets().update(&support, &filed.ticket.id, TicketUpdate::parse(fields(json!({"status": "in_progress"}))), &origin()).await.unwrap();
    assert_eq!(w.store.outbox_messages().len(), 1);
    w.notifications.fail(false);
    w.clock.advance(SignedDuration::from_mins(1));
    let report =
        enbek_core::outbox::relay(w.store.as_ref(), &w.queues(), enbek_core::clock::Clock::now(w.clock.as_ref()), 8).await.unwrap();
    assert_eq!((report.sent, report.failed), (1, 0));
    assert!(w.store.outbox_messages().is_empty());
}

#[tokio::test]
async fn only_support_lists_and_changes_tickets_and_the_list_is_by_due_date() {
    let w = World::new();
    let citizen = w.account(Role::Citizen, "p");
    let support = w.account(Role::Support, "p");
    let a = w.tickets().file(None, fields(form()), &origin()).await.unwrap();
    w.clock.advance(SignedDuration::from_hours(48));
    let b = w.tickets().file(Some(&citizen), fields(form()), &origin()).await.unwrap();
    let q = || TicketQuery::parse(enbek_core::input::Fields::from_query(Some("limit=10")).unwrap());
    assert!(matches!(w.tickets().list(&citizen, q()).await, Err(TicketError::Forbidden)));
    let bad = TicketQuery::parse(enbek_core::input::Fields::from_query(Some("status=lost")).unwrap());
    assert!(matches!(w.tickets().list(&citizen, bad).await, Err(TicketError::Forbidden)), "the caller before the query");
    let list = w.tickets().list(&support, q()).await.unwrap();
    assert_eq!(list.items.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), vec![a.ticket.id.clone(), b.ticket.id.clone()]);
    let upd = TicketUpdate::parse(fields(json!({"status": "closed"})));
    assert!(matches!(w.tickets().update(&citizen, &a.ticket.id, upd, &origin()).await, Err(TicketError::Forbidden)));
    assert!(w.tickets().read(Some(&citizen), &b.ticket.id, None, &origin()).await.is_ok(), "the signed-in author reads it");
    assert!(matches!(w.tickets().read(Some(&citizen), &a.ticket.id, None, &origin()).await, Err(TicketError::Forbidden)));
}
