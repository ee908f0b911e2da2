//! Contract tests: what every implementation of a port must do. Each function panics on the
//! first broken promise. `enbek-testkit`'s own tests run them against the in-memory fakes;
//! `tests/` runs them against the DynamoDB adapters on moto. Each expects fresh, empty storage.

use crate::fixtures;
use enbek_core::audit::AuditEntry;
use enbek_core::domain::{
    Account, BlockedReason, DecisionKind, RefundStatus, ReportStatus, RequestKind, RequestStatus, Role, TicketStatus, VacancySearch,
};
use enbek_core::outbox::{OutboxMessage, OutboxStore};
use enbek_core::page::PageRequest;
use enbek_core::ports::{
    AccessRequestStore, AccountEffect, AccountStore, AttachmentStore, AuditLog, BlockOutcome, CreateAccountError, DecideError,
    DecisionWrite, DueFilter, GrantStore, GrantWriteError, IdempotencyBegin, IdempotencyStore, RateLimit, RateLimiter, StoreError,
    StoredResponse, SubmitError, SweepStore, TicketFilter, TicketStore, UniqueKey, UpdateAccountError, VacancyStore,
};
use enbek_core::ports::{Claim, ProcessedEvents, Settlement};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;

fn t0() -> Timestamp {
    "2026-11-23T05:00:00Z".parse().expect("a timestamp")
}

fn at(mins: i64) -> Timestamp {
    t0().checked_add(SignedDuration::from_mins(mins)).expect("in range")
}

fn audit(actor: &str) -> AuditEntry {
    fixtures::audit(t0(), actor, "test.action")
}

/// Unique values are claimed all or nothing; stale writers lose; blocking bumps the version.
pub async fn account_store(store: &dyn AccountStore) {
    let a = fixtures::account(Role::Citizen, "h1", t0());
    store.create(&a, &[], &audit(&a.id)).await.expect("create");
    assert_eq!(store.get(&a.id).await.unwrap().as_ref(), Some(&a));
    assert_eq!(store.find_by_login(&a.login).await.unwrap().map(|x| x.id), Some(a.id.clone()));
    assert_eq!(store.holder_of(&UniqueKey::Login(a.login.clone())).await.unwrap(), Some(a.id.clone()));

    // The same login again: taken, and nothing of the second account is written.
    let mut b = fixtures::account(Role::Citizen, "h2", t0());
    b.login = a.login.clone();
    match store.create(&b, &[], &audit(&b.id)).await {
        Err(CreateAccountError::Taken(UniqueKey::Login(l))) => assert_eq!(l, a.login),
        other => panic!("expected the login to be taken, got {other:?}"),
    }
    assert_eq!(store.get(&b.id).await.unwrap(), None);

    // An extra unique value taken: that value is named, and the fresh login is not claimed.
    let staff = fixtures::account(Role::Official, "h3", t0());
    let iin = fixtures::iin(42);
    store.create(&staff, &[UniqueKey::StaffIin(iin.clone())], &audit(&staff.id)).await.expect("create staff");
    let other = fixtures::account(Role::Official, "h4", t0());
    match store.create(&other, &[UniqueKey::StaffIin(iin.clone())], &audit(&other.id)).await {
        Err(CreateAccountError::Taken(UniqueKey::StaffIin(i))) => assert_eq!(i, iin),
        x => panic!("expected the IIN to be taken, got {x:?}"),
    }
    assert_eq!(store.holder_of(&UniqueKey::Login(other.login.clone())).await.unwrap(), None, "all or nothing");

    // Sign-in, password change conditioned on the token version, block.
    store.record_sign_in(&a, at(1), &audit(&a.id)).await.expect("sign-in");
    assert_eq!(store.get(&a.id).await.unwrap().unwrap().last_login_at, Some(at(1)));
    let ghost = fixtures::account(Role::Citizen, "h", t0());
    assert!(matches!(store.record_sign_in(&ghost, at(1), &audit("x")).await, Err(UpdateAccountError::NotFound)));

    let mut stale = a.clone();
    stale.token_version += 7;
    assert!(matches!(store.set_password(&stale, "new", at(2), &audit(&a.id)).await, Err(UpdateAccountError::Conflict)));
    store.set_password(&a, "new", at(2), &audit(&a.id)).await.expect("set password");
    let changed = store.get(&a.id).await.unwrap().unwrap();
    assert_eq!((changed.password_hash.as_str(), changed.token_version, changed.must_change_password), ("new", a.token_version + 1, false));
    assert!(
        matches!(store.set_password(&a, "again", at(3), &audit(&a.id)).await, Err(UpdateAccountError::Conflict)),
        "the old version lost"
    );

    // An issued login: created with its journal row, numbered by the gapless sequence.
    let issued = fixtures::account(Role::SecurityAdmin, "temp", t0());
    let row = fixtures::journal_rows(1, t0()).remove(0);
    let number = store.create_issued(&issued, &[UniqueKey::FirstSecurityAdmin], &row, &audit("system")).await.expect("create issued");
    assert_eq!(number, 1);
    assert!(store.get(&issued.id).await.unwrap().unwrap().journal_row.is_some(), "the account points at its row");
    let again = fixtures::account(Role::SecurityAdmin, "temp", t0());
    assert!(matches!(
        store.create_issued(&again, &[UniqueKey::FirstSecurityAdmin], &row, &audit("system")).await,
        Err(CreateAccountError::Taken(UniqueKey::FirstSecurityAdmin))
    ));

    let blocked = store.block(&a.id, BlockedReason::Security, at(4), &audit("admin")).await.expect("block");
    assert!(blocked.is_blocked());
    assert_eq!(blocked.blocked_reason, Some(BlockedReason::Security));
    assert_eq!(blocked.token_version, changed.token_version + 1);
    assert!(matches!(
        store.block(&enbek_core::ids::new_id(), BlockedReason::Security, at(4), &audit("admin")).await,
        Err(UpdateAccountError::NotFound)
    ));
}

/// A fixed window opening at the first event; a slot is reserved or refused, never both.
pub async fn rate_limiter(limiter: &dyn RateLimiter) {
    let limit = RateLimit { max_events: 3, window: SignedDuration::from_mins(10) };
    let key = format!("contract:{}", enbek_core::ids::new_id());
    for i in 0..3 {
        assert_eq!(limiter.acquire(&key, &limit, at(i)).await.unwrap(), None, "event {i} is within the limit");
    }
    // Opened at t0: 10 minutes later it ends; at minute 4 there are 6 minutes left.
    assert_eq!(limiter.acquire(&key, &limit, at(4)).await.unwrap(), Some(360));
    assert_eq!(limiter.acquire(&key, &limit, at(4)).await.unwrap(), Some(360), "a refusal takes no slot");
    // A slot given back can be taken again.
    limiter.release(&key).await.unwrap();
    assert_eq!(limiter.acquire(&key, &limit, at(5)).await.unwrap(), None);
    assert!(limiter.acquire(&key, &limit, at(5)).await.unwrap().is_some());
    // The window ends: a new one counts from one.
    assert_eq!(limiter.acquire(&key, &limit, at(10)).await.unwrap(), None, "the window has ended");
    assert_eq!(limiter.acquire(&key, &limit, at(11)).await.unwrap(), None);
    assert_eq!(limiter.acquire(&key, &limit, at(11)).await.unwrap(), None);
    assert!(limiter.acquire(&key, &limit, at(12)).await.unwrap().is_some());
    limiter.reset(&key).await.unwrap();
    assert_eq!(limiter.acquire(&key, &limit, at(12)).await.unwrap(), None, "reset clears the window");
    // Releasing what was never taken does nothing.
    let fresh = format!("contract:{}", enbek_core::ids::new_id());
    limiter.release(&fresh).await.unwrap();
    for _ in 0..3 {
        assert_eq!(limiter.acquire(&fresh, &limit, at(0)).await.unwrap(), None);
    }
    assert!(limiter.acquire(&fresh, &limit, at(0)).await.unwrap().is_some());
}

/// Begin, replay, mismatch, in progress, abandon.
pub async fn idempotency_store(store: &dyn IdempotencyStore) {
    let key = enbek_core::ids::new_id();
    assert_eq!(store.begin(&key, "fp-1", t0()).await.unwrap(), IdempotencyBegin::Started);
    assert_eq!(store.begin(&key, "fp-1", t0()).await.unwrap(), IdempotencyBegin::InProgress);
    assert_eq!(store.begin(&key, "fp-2", t0()).await.unwrap(), IdempotencyBegin::Mismatch);
    let response = StoredResponse { status: 201, content_type: Some("application/json".into()), location: None, body: b"{}".to_vec() };
    store.complete(&key, "fp-1", &response, t0()).await.unwrap();
    assert_eq!(store.begin(&key, "fp-1", at(1)).await.unwrap(), IdempotencyBegin::Replay(response));
    assert_eq!(store.begin(&key, "fp-2", at(1)).await.unwrap(), IdempotencyBegin::Mismatch);

    let other = enbek_core::ids::new_id();
    assert_eq!(store.begin(&other, "fp", t0()).await.unwrap(), IdempotencyBegin::Started);
    store.abandon(&other).await.unwrap();
    assert_eq!(store.begin(&other, "fp", t0()).await.unwrap(), IdempotencyBegin::Started, "an abandoned key runs again");
    // A lock left by a request that died expires.
    assert_eq!(store.begin(&other, "fp", at(3)).await.unwrap(), IdempotencyBegin::Started);
}

/// Gapless numbers, citing attachments once, versioned updates, the worklist's order and pages.
pub async fn ticket_store(store: &dyn TicketStore, attachments: &dyn AttachmentStore) {
    let a1 = fixtures::attachment("tickets", 10, t0());
    attachments.declare(&a1).await.unwrap();
    assert!(matches!(attachments.declare(&a1).await, Err(StoreError::Conflict) | Err(StoreError::Other(_))), "an ID is declared once");

    let mut first = fixtures::ticket(t0());
    first.attachments = vec![a1.reference(&fixtures::stored(a1.size_bytes))];
    let first = store.create(&first, &audit("anonymous")).await.expect("create");
    assert_eq!(first.number, "T-2026-000001");
    assert_eq!(attachments.get(&a1.id).await.unwrap().unwrap().used_by, Some(format!("ticket:{}", first.id)));

    // Citing it again fails the whole transaction and takes no number.
    let mut again = fixtures::ticket(at(1));
    again.attachments = vec![a1.reference(&fixtures::stored(a1.size_bytes))];
    assert!(store.create(&again, &audit("anonymous")).await.is_err());
    assert_eq!(store.get(&again.id).await.unwrap(), None);
    let second = store.create(&fixtures::ticket(at(2)), &audit("anonymous")).await.unwrap();
    assert_eq!(second.number, "T-2026-000002", "the failed filing took no number");

    // Updates are conditioned on the version.
    let mut moved = first.clone();
    moved.status = TicketStatus::InProgress;
    moved.version = 2;
    assert!(matches!(store.update(&moved, 5, &audit("support"), &[]).await, Err(StoreError::Conflict)));
    store.update(&moved, 1, &audit("support"), &[]).await.expect("update");
    assert!(matches!(store.update(&moved, 1, &audit("support"), &[]).await, Err(StoreError::Conflict)), "the old version lost");

    // The worklist: oldest due first, pages without repeats, filters by status and due.
    for i in 3..8 {
        store.create(&fixtures::ticket(at(i * 60 * 24)), &audit("anonymous")).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut page = PageRequest { limit: 2, cursor: None };
    loop {
        let got = store.list(TicketFilter { status: None, due: None }, &page).await.unwrap();
        seen.extend(got.items.iter().map(|t| (t.due_at, t.id.clone())));
        match got.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "every open ticket once");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "ordered by due time");

    let in_progress =
        store.list(TicketFilter { status: Some(TicketStatus::InProgress), due: None }, &PageRequest::default()).await.unwrap();
    assert_eq!(in_progress.items.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), vec![first.id.clone()]);
    let overdue =
        store.list(TicketFilter { status: None, due: Some(DueFilter::Overdue(first.due_at)) }, &PageRequest::default()).await.unwrap();
    assert!(overdue.items.iter().all(|t| t.due_at < first.due_at));
    let due_later =
        store.list(TicketFilter { status: None, due: Some(DueFilter::NotOverdue(first.due_at)) }, &PageRequest::default()).await.unwrap();
    assert_eq!(overdue.items.len() + due_later.items.len(), 7);

    // A cursor of one list is refused by another.
    let foreign =
        store.list(TicketFilter { status: None, due: None }, &PageRequest { limit: 1, cursor: None }).await.unwrap().next_cursor.unwrap();
    let wrong =
        store.list(TicketFilter { status: Some(TicketStatus::Closed), due: None }, &PageRequest { limit: 1, cursor: Some(foreign) }).await;
    assert!(matches!(wrong, Err(StoreError::InvalidCursor)), "{wrong:?}");
    let garbage =
        store.list(TicketFilter { status: None, due: None }, &PageRequest { limit: 1, cursor: Some("not-a-cursor".into()) }).await;
    assert!(matches!(garbage, Err(StoreError::InvalidCursor)));
}

/// One open request per person and kind; a decision is taken once; the journal numbers rows.
pub async fn access_request_store(requests: &dyn AccessRequestStore, accounts: &dyn AccountStore, attachments: &dyn AttachmentStore) {
    let doc = fixtures::attachment("access-requests", 10, t0());
    attachments.declare(&doc).await.unwrap();
    let request = fixtures::access_request(RequestKind::Grant, 11, &doc, "staff-1", t0());
    requests.submit(&request, &audit("staff-1")).await.expect("submit");
    assert_eq!(requests.get(&request.id).await.unwrap().as_ref(), Some(&request));

    let doc2 = fixtures::attachment("access-requests", 10, t0());
    attachments.declare(&doc2).await.unwrap();
    let mut duplicate = fixtures::access_request(RequestKind::Grant, 11, &doc2, "staff-1", at(1));
    duplicate.user.iin = request.user.iin.clone();
    assert!(matches!(requests.submit(&duplicate, &audit("staff-1")).await, Err(SubmitError::Duplicate)));
    assert_eq!(attachments.get(&doc2.id).await.unwrap().unwrap().used_by, None, "the refused submission cited nothing");

    // Approve: the account, its unique values and the journal row appear together.
    let mut decided = request.clone();
    decided.status = RequestStatus::Approved;
    decided.decision = Some(enbek_core::domain::access::Decision {
        decision: DecisionKind::Approve,
        reason: None,
        decided_by: "admin".into(),
        decided_at: at(2),
        account_id: None,
        journal_number: None,
    });
    let mut account: Account = fixtures::account(Role::CenterStaff, "h", at(2));
    account.iin = Some(request.user.iin.clone());
    account.must_change_password = true;
    let row = enbek_core::domain::JournalRow {
        number: 0,
        region: None,
        letter_number: "1".into(),
        letter_date: request.letter.date,
        incoming_number: request.id.clone(),
        incoming_date: request.letter.date,
        user_full_name: request.user.full_name(),
        login: account.login.clone(),
        systems: vec!["АИС".into()],
        registered_at: at(2),
        basis: "приказ".into(),
        administrator: "Әкімші Әкімші".into(),
        note: "выдан логин".into(),
        registration_completed_at: None,
        account_id: account.id.clone(),
        request_id: request.id.clone(),
    };
    let message = OutboxMessage::notification("access_request.approved", at(2), serde_json::json!({"to": "x"}));
    let write = DecisionWrite {
        request: decided.clone(),
        effect: AccountEffect::Create(account.clone()),
        journal: Some(row.clone()),
        audit: audit("admin"),
        outbox: vec![message],
    };
    assert_eq!(requests.decide(write.clone()).await.expect("decide"), Some(1));
    let stored = accounts.get(&account.id).await.unwrap().expect("the account exists");
    assert!(stored.journal_row.is_some(), "the account points at its journal row");
    assert_eq!(accounts.holder_of(&UniqueKey::StaffIin(request.user.iin.clone())).await.unwrap(), Some(account.id.clone()));
    assert_eq!(requests.get(&request.id).await.unwrap().unwrap().decision.unwrap().journal_number, Some(1));
    assert!(matches!(requests.decide(write).await, Err(DecideError::AlreadyDecided)), "a decision is taken once");

    // The decision released the open-request marker: a new request of that kind may be filed.
    let doc3 = fixtures::attachment("access-requests", 10, t0());
    attachments.declare(&doc3).await.unwrap();
    let mut next = fixtures::access_request(RequestKind::Change, 11, &doc3, "staff-1", at(3));
    next.user.iin = request.user.iin.clone();
    requests.submit(&next, &audit("staff-1")).await.expect("submit after the decision");

    // Pending first, then decided.
    let list = requests.list(None, &PageRequest::default()).await.unwrap();
    assert_eq!(list.items.iter().map(|r| r.status).collect::<Vec<_>>(), vec![RequestStatus::Pending, RequestStatus::Approved]);
    let pending = requests.list(Some(RequestStatus::Pending), &PageRequest::default()).await.unwrap();
    assert_eq!(pending.items.len(), 1);

    // The journal: rows in [from, to).
    let rows = requests.journal(at(2), at(3), &PageRequest::default()).await.unwrap();
    assert_eq!(rows.items.iter().map(|r| r.number).collect::<Vec<_>>(), vec![1]);
    assert!(requests.journal(at(3), at(4), &PageRequest::default()).await.unwrap().items.is_empty());
    assert!(requests.journal(at(0), at(2), &PageRequest::default()).await.unwrap().items.is_empty(), "`to` is exclusive");

    // Completing the registration (ACS-5) sets the row's completion once.
    store_completes_registration(accounts, requests, &stored).await;
}

async fn store_completes_registration(accounts: &dyn AccountStore, requests: &dyn AccessRequestStore, account: &Account) {
    accounts.set_password(account, "new", at(5), &audit(&account.id)).await.expect("first password change");
    let rows = requests.journal(at(0), at(10), &PageRequest::default()).await.unwrap();
    assert_eq!(rows.items[0].registration_completed_at, Some(at(5)));
    assert_eq!(accounts.get(&account.id).await.unwrap().unwrap().journal_row, None);
}

/// Publishing, searching by partition newest first, closing once.
pub async fn vacancy_store(store: &dyn VacancyStore, outbox: &dyn OutboxStore) {
    let employer = fixtures::account(Role::Employer, "h", t0());
    let until = enbek_core::calendar::local_date(t0()).checked_add(jiff::ToSpan::days(30)).unwrap();
    let mut ids = Vec::new();
    for (i, (title, region)) in [("Бухгалтер", "751110000"), ("Бас бухгалтер", "751110000"), ("Сварщик", "711110000")].iter().enumerate()
    {
        let v = fixtures::vacancy(title, region, "2411", &employer, at(i as i64), until);
        let m = OutboxMessage::integration("vacancy.published", at(i as i64), &v.id, serde_json::json!({ "id": v.id }));
        store.publish(&v, &audit(&employer.id), &[m]).await.expect("publish");
        ids.push(v.id);
    }
    let search = |region: Option<&str>, words: &[&str]| VacancySearch {
        region: region.map(str::to_owned),
        occupation_code: None,
        words: words.iter().map(|w| w.to_string()).collect(),
    };
    let today = enbek_core::calendar::local_date(t0());
    let all = store.search(&search(None, &[]), today, &PageRequest::default()).await.unwrap();
    assert_eq!(
        all.items.iter().map(|v| v.id.clone()).collect::<Vec<_>>(),
        vec![ids[2].clone(), ids[1].clone(), ids[0].clone()],
        "newest first"
    );
    let word = store.search(&search(None, &["бухгалтер"]), today, &PageRequest::default()).await.unwrap();
    assert_eq!(word.items.len(), 2);
    let oblast = store.search(&search(Some("71"), &[]), today, &PageRequest::default()).await.unwrap();
    assert_eq!(oblast.items.iter().map(|v| v.id.clone()).collect::<Vec<_>>(), vec![ids[2].clone()]);
    let after_expiry = store.search(&search(None, &[]), until.tomorrow().unwrap(), &PageRequest::default()).await.unwrap();
    assert!(after_expiry.items.is_empty(), "expired vacancies are not listed");

    // Paging newest first, no repeats.
    let mut seen = BTreeSet::new();
    let mut page = PageRequest { limit: 1, cursor: None };
    loop {
        let got = store.search(&search(None, &[]), today, &page).await.unwrap();
        for v in got.items {
            assert!(seen.insert(v.id), "a vacancy repeated across pages");
        }
        match got.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);

    // Closing: once, and the vacancy leaves every search.
    let mut closed = store.get(&ids[0]).await.unwrap().unwrap();
    closed.status = enbek_core::domain::VacancyStatus::Closed;
    store.close(&closed, &audit(&employer.id), &[]).await.expect("close");
    assert!(matches!(store.close(&closed, &audit(&employer.id), &[]).await, Err(StoreError::Conflict)));
    let word = store.search(&search(None, &["бухгалтер"]), today, &PageRequest::default()).await.unwrap();
    assert_eq!(word.items.iter().map(|v| v.id.clone()).collect::<Vec<_>>(), vec![ids[1].clone()]);

    // The outbox holds what publishing wrote, oldest first, until delivered.
    let pending = outbox.pending(at(60), 10).await.unwrap();
    assert_eq!(pending.len(), 3);
    assert!(pending.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    assert!(outbox.pending(at(0), 10).await.unwrap().is_empty(), "`before` is exclusive");
    outbox.delivered(&pending[0].event_id).await.unwrap();
    assert!(!outbox.is_pending(&pending[0].event_id).await.unwrap());
    assert!(outbox.is_pending(&pending[1].event_id).await.unwrap());
    assert!(!outbox.reschedule(&pending[0]).await.unwrap(), "a sent message is not brought back");

    // A failed send moves the message to its next try; given up, it leaves `pending` for `failed`.
    let mut later = outbox.get(&pending[1].event_id).await.unwrap().expect("still there");
    later.attempts = 1;
    later.next_attempt_at = Some(at(120));
    later.last_error = Some("queue down".into());
    assert!(outbox.reschedule(&later).await.unwrap());
    let due: Vec<String> = outbox.pending(at(60), 10).await.unwrap().into_iter().map(|m| m.event_id).collect();
    assert_eq!(due, vec![pending[2].event_id.clone()], "not due before its next try");
    assert_eq!(outbox.pending(at(121), 10).await.unwrap().last().map(|m| m.event_id.clone()), Some(later.event_id.clone()));
    later.failed = true;
    assert!(outbox.reschedule(&later).await.unwrap());
    assert!(outbox.pending(at(1000), 10).await.unwrap().iter().all(|m| m.event_id != later.event_id));
    let failed = outbox.failed(10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].attempts, failed[0].last_error.as_deref()), (1, Some("queue down")));
}

/// Stand-alone entries, by actor newest first and by day.
pub async fn audit_log(log: &dyn AuditLog) {
    let actor = format!("contract-{}", enbek_core::ids::new_id());
    for i in 0..3 {
        log.record(&fixtures::audit(at(i), &actor, &format!("read.{i}"))).await.unwrap();
    }
    let newest = log.by_actor(&actor, 2).await.unwrap();
    assert_eq!(newest.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["read.2", "read.1"]);
    let day = enbek_core::calendar::local_date(t0());
    let mut all = Vec::new();
    let mut page = PageRequest { limit: 2, cursor: None };
    loop {
        let got = log.by_day(day, &page).await.unwrap();
        all.extend(got.items.into_iter().filter(|e| e.actor == actor).map(|e| e.action));
        match got.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(all, vec!["read.0", "read.1", "read.2"]);
}

/// Money never leaves a grant beyond what it has; decisions are taken once.
pub async fn grant_store(store: &dyn GrantStore, attachments: &dyn AttachmentStore) {
    let recipient = enbek_core::ids::new_id();
    let grant = fixtures::grant(&recipient, 1_000, t0());
    store.award(&grant, &audit("staff")).await.expect("award");
    let other = fixtures::grant(&enbek_core::ids::new_id(), 500, at(1));
    store.award(&other, &audit("staff")).await.expect("award");
    assert_eq!(store.get(&grant.id).await.unwrap().as_ref(), Some(&grant));
    let all = store.list(None, &PageRequest::default()).await.unwrap();
    assert_eq!(all.items.iter().map(|g| g.id.clone()).collect::<Vec<_>>(), vec![other.id.clone(), grant.id.clone()], "newest first");
    let own = store.list(Some(&recipient), &PageRequest::default()).await.unwrap();
    assert_eq!(own.items.iter().map(|g| g.id.clone()).collect::<Vec<_>>(), vec![grant.id.clone()]);

    // A report takes its total, citing its attachments; one that does not fit writes nothing.
    let doc = fixtures::attachment(&format!("grants/{}", grant.id), 10, t0());
    attachments.declare(&doc).await.unwrap();
    let mut first = fixtures::grant_report(&grant, 600, at(2));
    first.expenses[0].attachments = vec![doc.reference(&fixtures::stored(10))];
    store.submit_report(&first, &audit("recipient"), &[]).await.expect("600 of 1000");
    assert_eq!(attachments.get(&doc.id).await.unwrap().unwrap().used_by, Some(format!("grant_report:{}", first.id)));
    let g = store.get(&grant.id).await.unwrap().unwrap();
    assert_eq!((g.available_tiyn, g.spent_tiyn), (400, 600));
    let too_much = fixtures::grant_report(&grant, 401, at(3));
    assert!(matches!(store.submit_report(&too_much, &audit("recipient"), &[]).await, Err(GrantWriteError::Exceeded)));
    assert_eq!(store.report(&grant.id, &too_much.id).await.unwrap(), None, "nothing of the refused report is written");
    let exact = fixtures::grant_report(&grant, 400, at(4));
    store.submit_report(&exact, &audit("recipient"), &[]).await.expect("exactly what is left");
    assert_eq!(store.get(&grant.id).await.unwrap().unwrap().available_tiyn, 0);

    // Returning a report gives its total back; a decision is taken once.
    let mut returned = first.clone();
    returned.status = ReportStatus::Returned;
    store.decide_report(&returned, &audit("staff"), &[]).await.expect("return");
    assert!(matches!(store.decide_report(&returned, &audit("staff"), &[]).await, Err(GrantWriteError::AlreadyDecided)));
    let g = store.get(&grant.id).await.unwrap().unwrap();
    assert_eq!((g.available_tiyn, g.spent_tiyn), (600, 400));
    let mut accepted = exact.clone();
    accepted.status = ReportStatus::Accepted;
    store.decide_report(&accepted, &audit("staff"), &[]).await.expect("accept");
    assert_eq!(store.get(&grant.id).await.unwrap().unwrap().available_tiyn, 600, "an accepted report still counts");
    let reports = store.reports(&grant.id, &PageRequest::default()).await.unwrap();
    assert_eq!(reports.items.iter().map(|r| r.status).collect::<Vec<_>>(), vec![ReportStatus::Returned, ReportStatus::Accepted]);

    // Refunds: applied, then confirmed within what is left, once.
    let refund = fixtures::refund(&grant, 500, at(5));
    store.apply_refund(&refund, &audit("recipient"), &[]).await.expect("apply");
    let big = fixtures::refund(&grant, 700, at(6));
    store.apply_refund(&big, &audit("recipient"), &[]).await.expect("apply (not yet checked against the grant)");
    let mut confirmed = refund.clone();
    confirmed.status = RefundStatus::Confirmed;
    store.decide_refund(&confirmed, &audit("staff"), &[]).await.expect("confirm");
    assert!(matches!(store.decide_refund(&confirmed, &audit("staff"), &[]).await, Err(GrantWriteError::AlreadyDecided)));
    let mut too_big = big.clone();
    too_big.status = RefundStatus::Confirmed;
    assert!(matches!(store.decide_refund(&too_big, &audit("staff"), &[]).await, Err(GrantWriteError::Exceeded)));
    assert_eq!(store.refund(&grant.id, &big.id).await.unwrap().unwrap().status, RefundStatus::Pending, "nothing written");
    let g = store.get(&grant.id).await.unwrap().unwrap();
    assert_eq!((g.available_tiyn, g.refunded_tiyn, g.spent_tiyn), (100, 500, 400));
    assert_eq!(g.available_tiyn + g.refunded_tiyn + g.spent_tiyn, g.amount_tiyn, "the money adds up");
    assert_eq!(store.refunds(&grant.id, &PageRequest::default()).await.unwrap().items.len(), 2);
}

/// The sparse staff-activity index: only active staff, only the stale part, every shard; blocks
/// and warnings conditioned on what was read.
pub async fn sweep_store(store: &dyn SweepStore, accounts: &dyn AccountStore) {
    let day = |d: i64| t0().checked_sub(SignedDuration::from_hours(24 * d)).expect("in range");
    let mut stale = Vec::new();
    for d in [40, 35, 31] {
        let a = fixtures::account(Role::Official, "h", day(d));
        accounts.create(&a, &[], &audit("system")).await.unwrap();
        stale.push(a);
    }
    let fresh = fixtures::account(Role::Support, "h", day(3));
    accounts.create(&fresh, &[], &audit("system")).await.unwrap();
    let citizen = fixtures::account(Role::Citizen, "h", day(90));
    accounts.create(&citizen, &[], &audit("system")).await.unwrap();
    let all = |before: Timestamp| async move {
        let mut found = Vec::new();
        for shard in 0..enbek_core::ports::STAFF_ACTIVITY_SHARDS {
            let mut page = PageRequest { limit: 1, cursor: None };
            loop {
                let got = store.stale(shard, before, &page).await.unwrap();
                let keys: Vec<&String> = got.items.iter().map(|c| &c.activity_key).collect();
                assert!(keys.windows(2).all(|w| w[0] <= w[1]), "oldest first");
                found.extend(got.items);
                match got.next_cursor {
                    Some(c) => page.cursor = Some(c),
                    None => break,
                }
            }
        }
        found
    };
    let found = all(day(30)).await;
    let mut ids: Vec<String> = found.iter().map(|c| c.account.id.clone()).collect();
    ids.sort();
    let mut want: Vec<String> = stale.iter().map(|a| a.id.clone()).collect();
    want.sort();
    assert_eq!(ids, want, "only active staff older than the cutoff; never a citizen");

    // A block is conditioned on the activity read; a sign-in in between wins.
    let read = found.iter().find(|c| c.account.id == stale[0].id).unwrap().clone();
    assert_eq!(store.block_inactive(&read, t0(), &audit("sweep"), &[]).await.unwrap(), BlockOutcome::Blocked);
    assert_eq!(store.block_inactive(&read, t0(), &audit("sweep"), &[]).await.unwrap(), BlockOutcome::AlreadyBlocked);
    let blocked = accounts.get(&stale[0].id).await.unwrap().unwrap();
    assert_eq!((blocked.blocked_reason, blocked.token_version), (Some(BlockedReason::Inactivity), stale[0].token_version + 1));
    let racing = found.iter().find(|c| c.account.id == stale[1].id).unwrap().clone();
    accounts.record_sign_in(&stale[1], t0(), &audit(&stale[1].id)).await.unwrap();
    assert_eq!(store.block_inactive(&racing, t0(), &audit("sweep"), &[]).await.unwrap(), BlockOutcome::RecentActivity);
    assert!(!accounts.get(&stale[1].id).await.unwrap().unwrap().is_blocked());
    let left: Vec<String> = all(day(30)).await.into_iter().map(|c| c.account.id).collect();
    assert_eq!(left, vec![stale[2].id.clone()], "blocked and active-again accounts left the stale part");

    // A warning is recorded once per period of inactivity.
    let warn = all(day(30)).await.remove(0);
    assert!(store.mark_warned(&warn, &audit("sweep"), &[]).await.unwrap());
    let again = all(day(30)).await.remove(0);
    assert!(!store.mark_warned(&again, &audit("sweep"), &[]).await.unwrap(), "not twice");
}

/// `ProcessedEvents`: a claim is exclusive while its lease lasts, released claims and lapsed
/// leases can be claimed again, a settled event is done for good.
pub async fn processed_events(store: &dyn ProcessedEvents) {
    let lease = SignedDuration::from_mins(16);
    let settled = Settlement { outcome: "sent".into(), event_type: "ticket.updated".into(), detail: None };
    assert_eq!(store.claim("notify", "e1", t0(), lease).await.unwrap(), Claim::Claimed);
    assert_eq!(store.claim("notify", "e1", at(1), lease).await.unwrap(), Claim::Busy, "held by the first claim");
    assert_eq!(store.claim("labor-market-sync", "e1", at(1), lease).await.unwrap(), Claim::Claimed, "records are per consumer");
    store.release("notify", "e1").await.unwrap();
    assert_eq!(store.claim("notify", "e1", at(2), lease).await.unwrap(), Claim::Claimed, "released: claimable again");
    store.settle("notify", "e1", at(3), &settled).await.unwrap();
    assert_eq!(store.claim("notify", "e1", at(4), lease).await.unwrap(), Claim::Done);
    assert_eq!(store.claim("notify", "e1", at(60), lease).await.unwrap(), Claim::Done, "done stays done");
    store.release("notify", "e1").await.unwrap();
    assert_eq!(store.claim("notify", "e1", at(61), lease).await.unwrap(), Claim::Done, "a release never undoes a settlement");
    // A poisoned event keeps its reason but is handled again when redriven.
    let poisoned =
        Settlement { outcome: enbek_core::ports::POISONED.into(), event_type: "x".into(), detail: Some("AIS answered 400".into()) };
    assert_eq!(store.claim("notify", "e3", t0(), lease).await.unwrap(), Claim::Claimed);
    store.settle("notify", "e3", at(1), &poisoned).await.unwrap();
    assert_eq!(store.claim("notify", "e3", at(2), lease).await.unwrap(), Claim::Claimed, "redriven after a fix");
    // A crashed invocation's claim lapses with its lease.
    assert_eq!(store.claim("notify", "e2", t0(), lease).await.unwrap(), Claim::Claimed);
    assert_eq!(store.claim("notify", "e2", at(17), lease).await.unwrap(), Claim::Claimed);
}

/// Vacancy activity (VAC-6): AIS's response counts apply in `as_of` order only, for existing
/// vacancies; employers' reports count, and hires stop at the vacancy's positions.
pub async fn vacancy_activity(store: &dyn VacancyStore, activity: &dyn enbek_core::ais::ActivityStore) {
    use enbek_core::domain::{CandidateOutcome, OutcomeKind};
    let employer = fixtures::account(Role::Employer, "h", t0());
    let until = enbek_core::calendar::local_date(t0()).checked_add(jiff::ToSpan::days(30)).unwrap();
    let v = fixtures::vacancy("Токарь", "751110000", "7223", &employer, t0(), until);
    store.publish(&v, &audit(&employer.id), &[]).await.unwrap();
    assert_eq!(store.activity(&v.id).await.unwrap(), Default::default());
    assert_eq!(activity.record_responses("no-such-vacancy", 1, at(1), at(1)).await.unwrap(), None);
    assert_eq!(activity.record_responses(&v.id, 5, at(10), at(11)).await.unwrap(), Some(true));
    assert_eq!(activity.record_responses(&v.id, 3, at(5), at(12)).await.unwrap(), Some(false), "an older count is stale");
    assert_eq!(activity.record_responses(&v.id, 5, at(10), at(12)).await.unwrap(), Some(false), "the same count again");
    let a = store.activity(&v.id).await.unwrap();
    assert_eq!((a.responses_count, a.responses_as_of), (5, Some(at(10))));
    let outcome = |kind| CandidateOutcome {
        id: enbek_core::ids::new_id(),
        vacancy_id: v.id.clone(),
        kind,
        iin: fixtures::iin(1),
        on: until,
        reported_by: employer.id.clone(),
        reported_at: at(20),
    };
    store.report_outcome(&outcome(OutcomeKind::InterviewInvitation), 1, &audit(&employer.id), &[]).await.unwrap();
    store.report_outcome(&outcome(OutcomeKind::Hire), 1, &audit(&employer.id), &[]).await.unwrap();
    let again = store.report_outcome(&outcome(OutcomeKind::Hire), 1, &audit(&employer.id), &[]).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "one position, one hire: {again:?}");
    let a = store.activity(&v.id).await.unwrap();
    assert_eq!((a.responses_count, a.invitations_count, a.hires_count, a.updated_at), (5, 1, 1, Some(at(20))));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    #[tokio::test]
    async fn the_memory_store_keeps_every_contract() {
        account_store(&MemoryStore::new()).await;
        rate_limiter(&MemoryStore::new()).await;
        idempotency_store(&MemoryStore::new()).await;
        let s = MemoryStore::new();
        ticket_store(&s, &s).await;
        let s = MemoryStore::new();
        access_request_store(&s, &s, &s).await;
        let s = MemoryStore::new();
        vacancy_store(&s, &s).await;
        audit_log(&MemoryStore::new()).await;
        let s = MemoryStore::new();
        grant_store(&s, &s).await;
        let s = MemoryStore::new();
        sweep_store(&s, &s).await;
        processed_events(&MemoryStore::new()).await;
        let s = MemoryStore::new();
        vacancy_activity(&s, &s).await;
    }
}
