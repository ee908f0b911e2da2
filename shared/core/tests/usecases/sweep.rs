//! ACS-9 (order No. 419 §28): the inactivity sweep over the in-memory store. The same cases
//! run through the real function against moto in `tests/tests/flows/sweep.rs`.

use super::access::{body, decide};
use super::support::{fields, origin, World};
use async_trait::async_trait;
use enbek_core::audit::AuditEntry;
use enbek_core::domain::{Account, AccountStatus, BlockedReason, Role};
use enbek_core::outbox::OutboxMessage;
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{AccountStore, BlockOutcome, StaffActivity, StoreError, SweepStore};
use enbek_core::usecases::sweep::{SweepPolicy, SweepReport, SweepRun, Sweeper, ACTOR};
use enbek_testkit::MemoryStore;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const DAY: SignedDuration = SignedDuration::from_hours(24);

fn days(n: i64) -> SignedDuration {
    DAY * i32::try_from(n).unwrap()
}

fn sweeper_over(w: &World, store: Arc<dyn SweepStore>, policy: SweepPolicy) -> Sweeper {
    Sweeper { store, outbox: w.store.clone(), queues: w.queues(), policy, page_size: 10 }
}

fn sweeper(w: &World) -> Sweeper {
    sweeper_over(w, w.store.clone(), SweepPolicy::default_for_staff())
}

async fn run(s: &Sweeper, w: &World, dry_run: bool) -> SweepReport {
    s.run(SweepRun { now: w.clock_now(), dry_run }, &|| false).await.expect("the sweep")
}

/// A stored account of `role` issued at `issued`, last signed in at `login` (if any).
fn account(w: &World, role: Role, issued: Timestamp, login: Option<Timestamp>) -> Account {
    let mut a = enbek_testkit::fixtures::account(role, &enbek_testkit::fake_hash("p"), issued);
    a.last_login_at = login;
    w.store.put_account(a.clone());
    a
}

fn ago(w: &World, d: SignedDuration) -> Timestamp {
    w.clock_now() - d
}

fn counts(r: &SweepReport) -> (u64, u64, u64, u64, u64, u64, bool) {
    (r.examined, r.blocked, r.already_blocked, r.skipped_recent_login, r.prewarned, r.exempt, r.complete)
}

fn templates(w: &World) -> Vec<String> {
    w.notifications.sent().iter().map(|m| m["data"]["template"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn acs_9_more_than_30_days_blocks_exactly_30_does_not() {
    let w = World::new();
    let thirty = account(&w, Role::CenterStaff, ago(&w, days(90)), Some(ago(&w, days(30))));
    let past = account(&w, Role::Official, ago(&w, days(90)), Some(ago(&w, days(30) + SignedDuration::from_secs(1))));
    let report = run(&sweeper(&w), &w, false).await;
    assert_eq!(report.blocked, 1);
    let a = w.stored(&past.id).await;
    assert_eq!(
        (a.status, a.blocked_reason, a.token_version),
        (AccountStatus::Blocked, Some(BlockedReason::Inactivity), past.token_version + 1)
    );
    assert!(!w.stored(&thirty.id).await.is_blocked(), "exactly 30 days is not more than 30");
    let audit: Vec<AuditEntry> = w.store.audit_entries().into_iter().filter(|e| e.action == "account.blocked").collect();
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].actor.as_str(), audit[0].target.clone()), (ACTOR, format!("account:{}", past.id)));
    assert!(templates(&w).contains(&"inactivity_blocked".to_owned()), "the owner is told: {:?}", w.notifications.sent());
}

#[tokio::test]
async fn acs_9_a_login_never_used_counts_from_its_issue() {
    let w = World::new();
    let old = account(&w, Role::Support, ago(&w, days(31)), None);
    let new = account(&w, Role::Support, ago(&w, days(10)), None);
    assert_eq!(run(&sweeper(&w), &w, false).await.blocked, 1);
    assert!(w.stored(&old.id).await.is_blocked());
    assert!(!w.stored(&new.id).await.is_blocked());
}

#[tokio::test]
async fn acs_9_acs_10_a_reactivated_account_counts_from_its_reactivation() {
    // Before: a reactivated account kept its old last sign-in and was blocked again the next night.
    let w = World::new();
    let staff = w.account(Role::CenterStaff, "p");
    let admin = w.account(Role::SecurityAdmin, "p");
    let grant = w.access().submit(&staff, fields(body(&w, "grant", 7).await), &origin()).await.unwrap();
    let approve = || decide(json!({"decision": "approve"}));
    let id = w.access().decide(&admin, &grant.id, approve(), &origin()).await.unwrap().account_id.unwrap();
    let mut a = w.stored(&id).await;
    a.last_login_at = Some(w.clock_now());
    w.store.put_account(a);

    w.clock.advance(days(40));
    let report = run(&sweeper(&w), &w, false).await;
    assert!(report.blocked >= 1);
    assert_eq!(w.stored(&id).await.blocked_reason, Some(BlockedReason::Inactivity));

    let reactivate = w.access().submit(&staff, fields(body(&w, "reactivate", 7).await), &origin()).await.unwrap();
    w.access().decide(&admin, &reactivate.id, approve(), &origin()).await.unwrap();
    let a = w.stored(&id).await;
    assert_eq!((a.status, a.reactivated_at), (AccountStatus::Active, Some(w.clock_now())));

    w.clock.advance(DAY);
    run(&sweeper(&w), &w, false).await;
    assert!(!w.stored(&id).await.is_blocked(), "the next night: its last sign-in is 41 days old, its reactivation 1 day");
    w.clock.advance(days(30));
    run(&sweeper(&w), &w, false).await;
    assert!(w.stored(&id).await.is_blocked(), "31 days after the reactivation, unused");
}

#[tokio::test]
async fn acs_9_citizens_and_employers_are_not_swept_and_exempt_accounts_are_counted() {
    let w = World::new();
    let citizen = account(&w, Role::Citizen, ago(&w, days(400)), None);
    let employer = account(&w, Role::Employer, ago(&w, days(400)), Some(ago(&w, days(300))));
    let by_id = account(&w, Role::SecurityAdmin, ago(&w, days(400)), None);
    let by_login = account(&w, Role::SecurityAdmin, ago(&w, days(400)), None);
    let mut policy = SweepPolicy::default_for_staff();
    policy.exempt = [by_id.id.clone(), by_login.login.to_string()].into_iter().collect();
    let report = run(&sweeper_over(&w, w.store.clone(), policy), &w, false).await;
    assert_eq!(counts(&report), (2, 0, 0, 0, 0, 2, true));
    for a in [citizen, employer, by_id, by_login] {
        assert_eq!(w.stored(&a.id).await.status, AccountStatus::Active, "{}", a.role);
    }
    assert!(w.notifications.sent().is_empty());
}

#[tokio::test]
async fn acs_9_a_dry_run_changes_nothing_and_counts_what_a_real_run_does() {
    let w = World::new();
    for d in [31, 40, 26] {
        account(&w, Role::Official, ago(&w, days(d)), None);
    }
    let dry = run(&sweeper(&w), &w, true).await;
    assert_eq!(counts(&dry), (3, 2, 0, 0, 1, 0, true));
    assert!(dry.dry_run);
    assert!(w.store.audit_entries().is_empty() && w.store.outbox_messages().is_empty() && w.notifications.sent().is_empty());
    let real = run(&sweeper(&w), &w, false).await;
    assert_eq!(counts(&real), counts(&dry));
    assert!(!real.dry_run);
}

/// A store where each candidate signs in right after the sweep read it (`race`), or where every
/// read yields to the other tasks (`interleave`), so that two sweeps read before either writes.
struct Racing {
    inner: Arc<MemoryStore>,
    race: bool,
}

#[async_trait]
impl SweepStore for Racing {
    async fn stale(&self, shard: u32, before: Timestamp, page: &PageRequest) -> Result<Page<StaffActivity>, StoreError> {
        let got = self.inner.stale(shard, before, page).await?;
        if self.race {
            for c in &got.items {
                let at = c.account.last_activity() + DAY * 40;
                let audit = enbek_testkit::fixtures::audit(at, &c.account.id, "session.created");
                self.inner.record_sign_in(&c.account, at, &audit).await.expect("the sign-in");
            }
        }
        tokio::task::yield_now().await;
        Ok(got)
    }
    async fn block_inactive(
        &self,
        who: &StaffActivity,
        at: Timestamp,
        audit: &AuditEntry,
        m: &[OutboxMessage],
    ) -> Result<BlockOutcome, StoreError> {
        tokio::task::yield_now().await;
        self.inner.block_inactive(who, at, audit, m).await
    }
    async fn mark_warned(&self, who: &StaffActivity, audit: &AuditEntry, m: &[OutboxMessage]) -> Result<bool, StoreError> {
        self.inner.mark_warned(who, audit, m).await
    }
}

#[tokio::test]
async fn acs_9_a_sign_in_between_the_read_and_the_block_wins() {
    let w = World::new();
    let a = account(&w, Role::CenterStaff, ago(&w, days(90)), Some(ago(&w, days(45))));
    let racing = Arc::new(Racing { inner: w.store.clone(), race: true });
    let report = run(&sweeper_over(&w, racing, SweepPolicy::default_for_staff()), &w, false).await;
    assert_eq!(counts(&report), (1, 0, 0, 1, 0, 0, true));
    assert_eq!(w.stored(&a.id).await.status, AccountStatus::Active);
    assert!(w.store.audit_entries().iter().all(|e| e.action != "account.blocked"));
}

#[tokio::test]
async fn acs_9_two_sweeps_at_once_block_each_account_once_and_a_rerun_does_nothing() {
    let w = World::new();
    let stale: Vec<Account> = (0..24).map(|i| account(&w, Role::Support, ago(&w, days(31 + i)), None)).collect();
    let interleaved = Arc::new(Racing { inner: w.store.clone(), race: false });
    let s = sweeper_over(&w, interleaved, SweepPolicy::default_for_staff());
    let (a, b) = tokio::join!(run(&s, &w, false), run(&s, &w, false));
    assert_eq!(a.blocked + b.blocked, 24, "{a:?} {b:?}");
    assert_eq!(a.examined + b.examined, a.blocked + b.blocked + a.already_blocked + b.already_blocked);
    assert!(a.already_blocked + b.already_blocked > 0, "the two runs did overlap: {a:?} {b:?}");
    let blocks = w.store.audit_entries().into_iter().filter(|e| e.action == "account.blocked").count();
    assert_eq!(blocks, 24, "one audit entry per account");
    assert_eq!(templates(&w).len(), 24, "one notice per account");
    for a in &stale {
        assert_eq!(w.stored(&a.id).await.token_version, a.token_version + 1, "bumped once");
    }
    assert_eq!(counts(&run(&s, &w, false).await), (0, 0, 0, 0, 0, 0, true));
}

#[tokio::test]
async fn acs_9_near_the_deadline_the_sweep_stops_at_a_page_boundary_and_the_next_run_continues() {
    let w = World::new();
    for i in 0..40 {
        account(&w, Role::Official, ago(&w, days(31 + i)), None);
    }
    let mut s = sweeper(&w);
    s.page_size = 2;
    let stop = AtomicBool::new(true);
    let first = s.run(SweepRun { now: w.clock_now(), dry_run: false }, &|| stop.load(Ordering::SeqCst)).await.unwrap();
    assert!(!first.complete);
    assert!(first.blocked > 0 && first.blocked < 40, "{first:?}");
    assert!(first.blocked <= 2 * u64::from(enbek_core::ports::STAFF_ACTIVITY_SHARDS), "one page per shard: {first:?}");
    stop.store(false, Ordering::SeqCst);
    let second = s.run(SweepRun { now: w.clock_now(), dry_run: false }, &|| stop.load(Ordering::SeqCst)).await.unwrap();
    assert!(second.complete);
    assert_eq!((first.blocked + second.blocked, second.already_blocked), (40, 0), "{first:?} {second:?}");
    let blocks = w.store.audit_entries().into_iter().filter(|e| e.action == "account.blocked").count();
    assert_eq!(blocks, 40, "each block with its audit entry: nothing half-done");
}

#[tokio::test]
async fn acs_9_the_warning_is_sent_once_per_period_of_inactivity() {
    let w = World::new();
    let a = account(&w, Role::CenterStaff, ago(&w, days(90)), Some(ago(&w, days(26))));
    let s = sweeper(&w);
    assert_eq!(counts(&run(&s, &w, false).await), (1, 0, 0, 0, 1, 0, true));
    assert_eq!(templates(&w), vec!["inactivity_warning"]);
    for _ in 0..3 {
        w.clock.advance(DAY);
        assert_eq!(run(&s, &w, false).await.prewarned, 0, "not every night");
    }
    assert_eq!(templates(&w), vec!["inactivity_warning"]);
    // A sign-in starts a new period: warned again 25 days later, once.
    let now = w.clock_now();
    w.store.record_sign_in(&w.stored(&a.id).await, now, &enbek_testkit::fixtures::audit(now, &a.id, "session.created")).await.unwrap();
    w.clock.advance(days(26));
    assert_eq!(run(&s, &w, false).await.prewarned, 1);
    assert_eq!(run(&s, &w, false).await.prewarned, 0);
    w.clock.advance(days(5));
    assert_eq!(run(&s, &w, false).await.blocked, 1);
    assert_eq!(templates(&w), vec!["inactivity_warning", "inactivity_warning", "inactivity_blocked"]);
}
