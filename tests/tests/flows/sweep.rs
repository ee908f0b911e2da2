//! The inactivity sweep (ACS-9, order No. 419 §28) through the `inactivity-sweep` function
//! against moto: the 30-day boundary, activity from issue and from reactivation, who is never
//! swept, dry runs, a sign-in racing the block, concurrent and repeated runs, the stop near the
//! deadline and its continuation, and the single pre-warning.

use super::access::{ctx, person};
use async_trait::async_trait;
use enbek_aws::dynamo::{DynamoAudit, DynamoOutbox, DynamoSweep};
use enbek_aws::sqs::SqsQueue;
use enbek_core::audit::AuditEntry;
use enbek_core::domain::{Account, AccountStatus, BlockedReason, Role};
use enbek_core::outbox::{OutboxMessage, Queues};
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{AccountStore, AuditLog, BlockOutcome, StaffActivity, StoreError, SweepStore};
use enbek_core::usecases::sweep::{SweepPolicy, SweepRun, Sweeper, ACTOR};
use http::StatusCode;
use integration::*;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const DAY: SignedDuration = SignedDuration::from_hours(24);

fn days(n: i32) -> SignedDuration {
    DAY * n
}

fn at(now: Timestamp) -> Value {
    json!({ "now": now.to_string() })
}

async fn stored(s: &TestStack, id: &str) -> Account {
    s.accounts.get(id).await.unwrap().expect("the account")
}

/// A staff account of `role` that last signed in at `when`; returns it as stored.
async fn staff_signed_in_at(s: &TestStack, role: Role, when: Timestamp) -> Account {
    let back = s.now();
    s.clock.set(when);
    let (id, _) = s.staff_token(role).await;
    s.clock.set(back);
    stored(s, &id).await
}

/// The report's counts: (examined, blocked, already_blocked, skipped_recent_login, prewarned, exempt, complete).
fn counts(r: &Value) -> (u64, u64, u64, u64, u64, u64, bool) {
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
    (
        n("examined"),
        n("blocked"),
        n("already_blocked"),
        n("skipped_recent_login"),
        n("prewarned"),
        n("exempt"),
        r["complete"].as_bool().unwrap(),
    )
}

async fn sweep_audit(s: &TestStack, action: &str) -> Vec<AuditEntry> {
    DynamoAudit::new(s.table.clone()).by_actor(ACTOR, 1000).await.unwrap().into_iter().filter(|e| e.action == action).collect()
}

/// (template, recipient) of every notification now in the queue.
async fn notices(s: &TestStack) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = s
        .notifications_sent()
        .await
        .iter()
        .map(|m| (m["data"]["template"].as_str().unwrap().to_owned(), m["data"]["to"].as_str().unwrap().to_owned()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn acs_9_more_than_30_days_blocks_exactly_30_does_not_and_sign_in_answers_423_inactivity() {
    let s = TestStack::new().await;
    let t0 = s.now();
    let past = staff_signed_in_at(&s, Role::Official, t0 - SignedDuration::from_secs(1)).await;
    let exactly = staff_signed_in_at(&s, Role::CenterStaff, t0).await;
    let report = s.sweep(at(t0 + days(30))).await;
    assert_eq!(counts(&report), (2, 1, 0, 0, 1, 0, true), "{report}");

    let blocked = stored(&s, &past.id).await;
    assert_eq!((blocked.status, blocked.blocked_reason), (AccountStatus::Blocked, Some(BlockedReason::Inactivity)));
    assert_eq!(blocked.token_version, past.token_version + 1, "its tokens stop at once");
    assert_eq!(stored(&s, &exactly.id).await.status, AccountStatus::Active, "exactly 30 days is not more than 30");

    s.clock.set(t0 + days(30));
    let res = s.sign_in(past.login.as_str(), STAFF_PASSWORD).await;
    assert_eq!((res.status, res.code(), res.body["blocked_reason"].as_str()), (StatusCode::LOCKED, "account_blocked", Some("inactivity")));
    assert_eq!(s.sign_in(exactly.login.as_str(), STAFF_PASSWORD).await.status, StatusCode::OK);

    let audit = sweep_audit(&s, "account.blocked").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].target, format!("account:{}", past.id));
    assert_eq!(
        notices(&s).await,
        vec![("inactivity_blocked".to_owned(), past.login.to_string()), ("inactivity_warning".to_owned(), exactly.login.to_string())]
    );
}

#[tokio::test]
async fn acs_9_acs_10_a_login_never_used_counts_from_its_issue_and_a_reactivation_restarts_the_period() {
    let c = ctx().await;
    let s = &c.stack;
    let t0 = s.now();
    // The administrator is a break-glass account here: it must outlive the sweeps below.
    let sweep = s.sweep_function(|config| {
        config.policy.exempt.insert(c.admin_id.clone());
    });
    let run = |now: Timestamp| {
        let sweep = &sweep;
        async move { sweep.handle(at(now), SystemTime::now() + Duration::from_secs(900)).await.expect("the sweep") }
    };
    let p = person(31);
    let granted = c.approved("grant", &p).await;
    let id = granted["account_id"].as_str().unwrap().to_owned();
    let login = granted["login"].as_str().unwrap().to_owned();

    let report = run(t0 + days(30)).await;
    assert_eq!((report["blocked"].as_u64(), report["exempt"].as_u64()), (Some(0), Some(1)), "{report}");
    let report = run(t0 + days(31)).await;
    assert_eq!(report["blocked"], 1, "never signed in: counted from the issue of the login; {report}");
    assert_eq!(stored(s, &id).await.blocked_reason, Some(BlockedReason::Inactivity));

    // ACS-10: reactivated through an access request, the day after.
    s.clock.set(t0 + days(32));
    let fresh = c.approved("reactivate", &p).await["temporary_password"].as_str().unwrap().to_owned();
    let a = stored(s, &id).await;
    assert_eq!((a.status, a.reactivated_at), (AccountStatus::Active, Some(t0 + days(32))));
    let report = run(t0 + days(33)).await;
    assert_eq!(report["blocked"], 0, "the next night: issued 33 days ago, reactivated 1 day ago; {report}");
    assert_eq!(stored(s, &id).await.status, AccountStatus::Active);
    s.clock.set(t0 + days(33));
    assert_eq!(s.sign_in(&login, &fresh).await.status, StatusCode::OK);

    let report = run(t0 + days(63) + SignedDuration::from_secs(1)).await;
    assert_eq!(report["blocked"], 1, "30 days and 1 s after its last sign-in; {report}");
}

#[tokio::test]
async fn acs_9_citizens_and_employers_are_never_swept_and_break_glass_accounts_are_exempt() {
    let s = TestStack::new().await;
    let t0 = s.now();
    let citizen = unique_email("sweep-citizen");
    s.register_citizen(&citizen, "Citizen-Passw0rd-1").await;
    s.employer_token(41, "ТОО «Жібек жолы»").await;
    let (admin_id, _) = s.admin_token().await;
    let admin = stored(&s, &admin_id).await;
    let sweep = s.sweep_function(|config| {
        config.policy.exempt.insert(admin.login.to_string());
    });
    let report = sweep.handle(at(t0 + days(400)), SystemTime::now() + Duration::from_secs(900)).await.unwrap();
    assert_eq!(counts(&report), (1, 0, 0, 0, 0, 1, true), "only the administrator is staff, and it is exempt: {report}");
    s.clock.set(t0 + days(400));
    assert_eq!(s.sign_in(&citizen, "Citizen-Passw0rd-1").await.status, StatusCode::OK, "a citizen unused for 400 days signs in");
    assert_eq!(stored(&s, &admin_id).await.status, AccountStatus::Active);
    assert!(notices(&s).await.is_empty());
}

#[tokio::test]
async fn acs_9_a_dry_run_changes_nothing_and_counts_what_the_real_run_does() {
    let s = TestStack::new().await;
    let t0 = s.now();
    let mut accounts = Vec::new();
    for d in [40, 31, 27] {
        accounts.push(staff_signed_in_at(&s, Role::Support, t0 - days(d)).await);
    }
    let mut input = at(t0);
    input["dry_run"] = json!(true);
    let dry = s.sweep(input).await;
    assert_eq!((counts(&dry), dry["dry_run"].as_bool()), ((3, 2, 0, 0, 1, 0, true), Some(true)));
    for a in &accounts {
        assert_eq!(&stored(&s, &a.id).await, a, "unchanged");
    }
    assert!(sweep_audit(&s, "account.blocked").await.is_empty() && notices(&s).await.is_empty());
    let real = s.sweep(at(t0)).await;
    assert_eq!(counts(&real), counts(&dry));
    assert_eq!(sweep_audit(&s, "account.blocked").await.len(), 2);
}

/// The real adapter, with the account signing in through the sign-in function right after the
/// sweep's query has read it: the race the conditional block must win.
struct SignsInMidway {
    inner: DynamoSweep,
    stack: Arc<TestStack>,
}

#[async_trait]
impl SweepStore for SignsInMidway {
    async fn stale(&self, shard: u32, before: Timestamp, page: &PageRequest) -> Result<Page<StaffActivity>, StoreError> {
        let got = self.inner.stale(shard, before, page).await?;
        for c in &got.items {
            assert_eq!(self.stack.sign_in(c.account.login.as_str(), STAFF_PASSWORD).await.status, StatusCode::OK);
        }
        Ok(got)
    }
    async fn block_inactive(
        &self,
        who: &StaffActivity,
        at: Timestamp,
        audit: &AuditEntry,
        m: &[OutboxMessage],
    ) -> Result<BlockOutcome, StoreError> {
        self.inner.block_inactive(who, at, audit, m).await
    }
    async fn mark_warned(&self, who: &StaffActivity, audit: &AuditEntry, m: &[OutboxMessage]) -> Result<bool, StoreError> {
        self.inner.mark_warned(who, audit, m).await
    }
}

#[tokio::test]
async fn acs_9_an_account_signing_in_while_the_sweep_runs_is_not_blocked() {
    let s = Arc::new(TestStack::new().await);
    let t0 = s.now();
    let a = staff_signed_in_at(&s, Role::CenterStaff, t0 - days(45)).await;
    let sweeper = Sweeper {
        store: Arc::new(SignsInMidway { inner: DynamoSweep::new(s.table.clone()), stack: s.clone() }),
        outbox: Arc::new(DynamoOutbox::new(s.table.clone())),
        queues: Queues { notifications: Some(Arc::new(SqsQueue::new(s.sqs.clone(), s.notifications_url.clone()))), integration: None },
        policy: SweepPolicy::default_for_staff(),
        page_size: 100,
    };
    let report = sweeper.run(SweepRun { now: t0, dry_run: false }, &|| false).await.unwrap();
    assert_eq!((report.examined, report.blocked, report.skipped_recent_login), (1, 0, 1), "{report:?}");
    let after = stored(&s, &a.id).await;
    assert_eq!((after.status, after.last_login_at), (AccountStatus::Active, Some(t0)));
    assert!(sweep_audit(&s, "account.blocked").await.is_empty());
    assert!(notices(&s).await.is_empty());
}

#[tokio::test]
async fn acs_9_two_sweeps_at_once_block_each_account_once_and_a_rerun_does_nothing() {
    let s = TestStack::new().await;
    let t0 = s.now();
    let mut accounts = Vec::new();
    for i in 0..12 {
        accounts.push(staff_signed_in_at(&s, Role::Official, t0 - days(31 + i)).await);
    }
    let (a, b) = tokio::join!(s.sweep(at(t0)), s.sweep(at(t0)));
    let (a, b) = (counts(&a), counts(&b));
    assert_eq!(a.1 + b.1, 12, "{a:?} {b:?}");
    for r in [a, b] {
        assert_eq!(r.0, r.1 + r.2 + r.3, "every account read is accounted for: {r:?}");
    }
    assert_eq!(sweep_audit(&s, "account.blocked").await.len(), 12);
    assert_eq!(notices(&s).await.len(), 12);
    for x in &accounts {
        assert_eq!(stored(&s, &x.id).await.token_version, x.token_version + 1, "bumped once");
    }
    assert_eq!(counts(&s.sweep(at(t0)).await), (0, 0, 0, 0, 0, 0, true), "a rerun finds nothing to do");
}

#[tokio::test]
async fn acs_9_near_the_deadline_the_sweep_stops_at_a_page_boundary_and_the_next_run_continues() {
    let s = TestStack::new().await;
    let t0 = s.now();
    for i in 0..20 {
        staff_signed_in_at(&s, Role::Support, t0 - days(31 + i)).await;
    }
    let sweep = s.sweep_function(|config| config.page_size = 1);
    // The deadline has come: every shard stops after its first page.
    let first = sweep.handle(at(t0), SystemTime::now()).await.unwrap();
    let (_, blocked_first, ..) = counts(&first);
    assert_eq!(first["complete"], false, "{first}");
    assert!(blocked_first > 0 && blocked_first <= u64::from(enbek_core::ports::STAFF_ACTIVITY_SHARDS), "{first}");
    assert_eq!(sweep_audit(&s, "account.blocked").await.len() as u64, blocked_first, "every block done whole");

    let second = sweep.handle(at(t0), SystemTime::now() + Duration::from_secs(900)).await.unwrap();
    assert_eq!(second["complete"], true, "{second}");
    assert_eq!(blocked_first + second["blocked"].as_u64().unwrap(), 20, "{first} {second}");
    assert_eq!(second["already_blocked"], 0);
    assert_eq!(sweep_audit(&s, "account.blocked").await.len(), 20);
}

#[tokio::test]
async fn acs_9_the_pre_warning_is_sent_once_per_period_of_inactivity() {
    let s = TestStack::new().await;
    let t0 = s.now();
    let a = staff_signed_in_at(&s, Role::SecurityAdmin, t0).await;
    assert_eq!(counts(&s.sweep(at(t0 + days(24))).await), (0, 0, 0, 0, 0, 0, true), "not yet in the warning window");
    assert_eq!(s.sweep(at(t0 + days(25) + SignedDuration::from_secs(1))).await["prewarned"], 1);
    for d in 26..=30 {
        assert_eq!(s.sweep(at(t0 + days(d))).await["prewarned"], 0, "day {d}: no daily repeat");
    }
    let sent = s.notifications_sent().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0]["data"]["template"].as_str(), sent[0]["data"]["to"].as_str()),
        (Some("inactivity_warning"), Some(a.login.as_str()))
    );
    assert!(sent[0]["data"]["blocks_on"].is_string(), "{}", sent[0]);
    assert_eq!(sweep_audit(&s, "account.inactivity_warned").await.len(), 1);
    assert_eq!(s.sweep(at(t0 + days(30) + SignedDuration::from_secs(1))).await["blocked"], 1);
}
