//! The nightly inactivity sweep (function `inactivity-sweep`; ACS-9, order No. 419 §28): a
//! staff account not used to sign in for more than the period of its role (default 30
//! calendar days) is blocked, with reason `inactivity`; a configured number of days before,
//! its owner is warned once.
//!
//! - **Activity** is the latest of the last sign-in, the issue of the login and the last
//!   reactivation or password reset by a security administrator ([`Account::last_activity`]).
//! - **Cost** grows with the candidates, not the accounts: the sweep queries only the part of
//!   the sparse `staff-activity` index older than the earliest warning threshold, every shard
//!   in parallel, page by page — never a scan.
//! - **Race safety**: each block is a conditional update that re-checks that the account is
//!   still active with the activity read; a sign-in in between wins (`skipped_recent_login`),
//!   another sweep's block is counted once (`already_blocked`). A rerun finds nothing to do.
//! - **Time**: near the invocation's deadline the sweep stops at a page boundary and reports
//!   `complete: false`; the next run continues (blocked accounts have left the index).

use crate::audit::{AuditEntry, Origin};
use crate::calendar::almaty;
use crate::domain::{Account, Role};
use crate::outbox::{self, OutboxMessage, OutboxStore, Queues};
use crate::page::PageRequest;
use crate::ports::{BlockOutcome, StaffActivity, StoreError, SweepStore, STAFF_ACTIVITY_SHARDS};
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// The actor of the sweep's audit entries.
pub const ACTOR: &str = "system:inactivity-sweep";

/// Who is swept, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepPolicy {
    /// Calendar days of inactivity after which an account of the role is blocked. Only staff
    /// roles may appear (citizens and employers are never in the index).
    pub periods: BTreeMap<Role, u32>,
    /// Days before the block when the owner is warned (0: never).
    pub prewarn_days: u32,
    /// Break-glass accounts (IDs or logins) that are never blocked.
    pub exempt: HashSet<String>,
}

impl SweepPolicy {
    /// 30 calendar days for every staff role, a warning 5 days before, no exemption.
    pub fn default_for_staff() -> Self {
        Self { periods: Role::STAFF.iter().map(|r| (*r, 30)).collect(), prewarn_days: 5, exempt: HashSet::new() }
    }

    /// `center_staff=30,support=45,…` over the defaults; a non-staff role is an error.
    pub fn with_periods(mut self, text: &str) -> Result<Self, String> {
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (role, days) = part.split_once('=').ok_or_else(|| format!("{part:?} is not role=days"))?;
            let role = Role::parse(role.trim()).ok_or_else(|| format!("{role:?} is not a role"))?;
            if !role.is_staff() {
                return Err(format!("{role} accounts are not swept (ACS-9 is about staff accounts)"));
            }
            let days: u32 = days.trim().parse().map_err(|_| format!("{days:?} is not a number of days"))?;
            if days == 0 {
                self.periods.remove(&role);
            } else {
                self.periods.insert(role, days);
            }
        }
        Ok(self)
    }

    fn is_exempt(&self, a: &Account) -> bool {
        self.exempt.contains(&a.id) || self.exempt.contains(a.login.as_str())
    }
}

/// One run: `dry_run` changes nothing and reports what would be done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepRun {
    pub now: Timestamp,
    pub dry_run: bool,
}

/// What a run did (API.md "Inactivity sweep"), also logged as one line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub examined: u64,
    pub blocked: u64,
    pub already_blocked: u64,
    pub skipped_recent_login: u64,
    pub prewarned: u64,
    pub exempt: u64,
    pub complete: bool,
    pub duration_ms: u64,
    pub dry_run: bool,
}

impl SweepReport {
    fn add(&mut self, o: &SweepReport) {
        self.examined += o.examined;
        self.blocked += o.blocked;
        self.already_blocked += o.already_blocked;
        self.skipped_recent_login += o.skipped_recent_login;
        self.prewarned += o.prewarned;
        self.exempt += o.exempt;
        self.complete &= o.complete;
    }
}

/// The sweep and the ports it runs over.
#[derive(Clone)]
pub struct Sweeper {
    pub store: Arc<dyn SweepStore>,
    pub outbox: Arc<dyn OutboxStore>,
    pub queues: Queues,
    pub policy: SweepPolicy,
    /// Accounts read per index query.
    pub page_size: i32,
}

/// `days` calendar days before `now` in Asia/Almaty.
fn days_before(now: Timestamp, days: u32) -> Timestamp {
    now.to_zoned(almaty()).checked_sub(i64::from(days).days()).map(|z| z.timestamp()).unwrap_or(Timestamp::MIN)
}

impl Sweeper {
    /// Runs the sweep at `run.now`; `should_stop` is asked after every page (the invocation's
    /// deadline is near).
    pub async fn run(&self, run: SweepRun, should_stop: &(dyn Fn() -> bool + Sync)) -> Result<SweepReport, StoreError> {
        let started = std::time::Instant::now();
        // The earliest point any role is warned or blocked at: what the index is asked for.
        let Some(query_before) =
            self.policy.periods.values().map(|d| days_before(run.now, d.saturating_sub(self.policy.prewarn_days))).max()
        else {
            return Ok(SweepReport { complete: true, dry_run: run.dry_run, ..SweepReport::default() });
        };
        let origin = Origin::system(format!("inactivity-sweep:{}", run.now));
        let shards = (0..STAFF_ACTIVITY_SHARDS).map(|shard| self.sweep_shard(shard, query_before, run, &origin, should_stop));
        let mut report = SweepReport { complete: true, dry_run: run.dry_run, ..SweepReport::default() };
        for shard in futures::future::join_all(shards).await {
            report.add(&shard?);
        }
        report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            examined = report.examined,
            blocked = report.blocked,
            already_blocked = report.already_blocked,
            skipped_recent_login = report.skipped_recent_login,
            prewarned = report.prewarned,
            exempt = report.exempt,
            complete = report.complete,
            dry_run = report.dry_run,
            duration_ms = report.duration_ms,
            "inactivity sweep finished"
        );
        Ok(report)
    }

    async fn sweep_shard(
        &self,
        shard: u32,
        before: Timestamp,
        run: SweepRun,
        origin: &Origin,
        should_stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<SweepReport, StoreError> {
        let mut report = SweepReport { complete: true, ..SweepReport::default() };
        let mut page = PageRequest { limit: self.page_size, cursor: None };
        loop {
            let got = self.store.stale(shard, before, &page).await?;
            for candidate in &got.items {
                self.consider(candidate, run, origin, &mut report).await?;
            }
            // A cursor is a position in the index: it stays valid when the accounts before it
            // have left the index (blocked).
            match got.next_cursor {
                None => return Ok(report),
                Some(c) => page.cursor = Some(c),
            }
            if should_stop() {
                report.complete = false;
                return Ok(report);
            }
        }
    }

    async fn consider(&self, who: &StaffActivity, run: SweepRun, origin: &Origin, report: &mut SweepReport) -> Result<(), StoreError> {
        let a = &who.account;
        let Some(days) = self.policy.periods.get(&a.role).copied() else { return Ok(()) };
        report.examined += 1;
        let activity = a.last_activity();
        let block_before = days_before(run.now, days);
        let warn_before = days_before(run.now, days.saturating_sub(self.policy.prewarn_days));
        if activity >= warn_before {
            return Ok(());
        }
        if self.policy.is_exempt(a) {
            report.exempt += 1;
            tracing::info!(account = %a.id, role = %a.role, "inactivity sweep: exempt (break-glass) account left active");
            return Ok(());
        }
        if activity < block_before {
            if run.dry_run {
                report.blocked += 1;
                return Ok(());
            }
            let audit = AuditEntry::new(run.now, ACTOR, "account.blocked", format!("account:{}", a.id), origin)
                .with_details(json!({ "blocked_reason": "inactivity", "last_activity": activity, "period_days": days }));
            let messages = notice(a, "inactivity_blocked", run.now, json!({ "last_activity": activity }));
            match self.store.block_inactive(who, run.now, &audit, &messages).await? {
                BlockOutcome::Blocked => {
                    report.blocked += 1;
                    outbox::deliver(self.outbox.as_ref(), &self.queues, &messages).await;
                }
                BlockOutcome::AlreadyBlocked => report.already_blocked += 1,
                BlockOutcome::RecentActivity => report.skipped_recent_login += 1,
            }
        } else if self.policy.prewarn_days > 0 && a.inactivity_warned_for != Some(activity) {
            if run.dry_run {
                report.prewarned += 1;
                return Ok(());
            }
            let blocks_on = activity.to_zoned(almaty()).checked_add(i64::from(days).days()).map(|z| z.date()).ok();
            let audit = AuditEntry::new(run.now, ACTOR, "account.inactivity_warned", format!("account:{}", a.id), origin)
                .with_details(json!({ "last_activity": activity, "blocks_on": blocks_on }));
            let messages = notice(a, "inactivity_warning", run.now, json!({ "last_activity": activity, "blocks_on": blocks_on }));
            if self.store.mark_warned(who, &audit, &messages).await? {
                report.prewarned += 1;
                outbox::deliver(self.outbox.as_ref(), &self.queues, &messages).await;
            }
        }
        Ok(())
    }
}

/// The e-mail (Kazakh and Russian) to the account's corporate address, if its login is one.
fn notice(a: &Account, template: &str, at: Timestamp, extra: serde_json::Value) -> Vec<OutboxMessage> {
    let Some(to) = a.login.email() else { return Vec::new() };
    let mut data = json!({
        "to": to,
        "lang": crate::codes::Lang::Kk,
        "template": template,
        "account": { "id": a.id, "login": a.login, "full_name": a.full_name() },
    });
    if let (serde_json::Value::Object(d), serde_json::Value::Object(e)) = (&mut data, extra) {
        d.extend(e);
    }
    vec![OutboxMessage::notification(&format!("account.{template}"), at, data)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_per_staff_role_and_citizens_cannot_be_swept() {
        let p = SweepPolicy::default_for_staff().with_periods("support=45, official=0").unwrap();
        assert_eq!(p.periods.get(&Role::Support), Some(&45));
        assert_eq!(p.periods.get(&Role::CenterStaff), Some(&30));
        assert_eq!(p.periods.get(&Role::Official), None, "0 turns the sweep off for a role");
        assert!(SweepPolicy::default_for_staff().with_periods("citizen=30").is_err());
        assert!(SweepPolicy::default_for_staff().with_periods("support").is_err());
    }

    #[test]
    fn thirty_calendar_days_in_almaty() {
        let now: Timestamp = "2026-11-25T19:30:00Z".parse().unwrap();
        assert_eq!(days_before(now, 30), "2026-10-26T19:30:00Z".parse::<Timestamp>().unwrap());
    }
}
