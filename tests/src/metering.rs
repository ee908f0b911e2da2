//! What a process asks of AWS, counted by an SDK interceptor on the clients the code under
//! measurement uses ([`enbek_aws::Aws::with_interceptor`]): requests per service and
//! operation, and the DynamoDB items read (what a query or scan pays for, `ScannedCount`,
//! not what it returns). The benchmarks report these beside their timings.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The counts since the last [`Meter::take`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Requests by `Service.Operation` (e.g. `DynamoDB.Query`), retries included.
    pub requests: BTreeMap<String, u64>,
    /// DynamoDB items read: `ScannedCount` of queries and scans, items returned by gets.
    pub items_read: u64,
}

impl Usage {
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Requests of one operation (`"DynamoDB.Query"`).
    pub fn of(&self, operation: &str) -> u64 {
        self.requests.get(operation).copied().unwrap_or(0)
    }
}

/// The interceptor; clones share their counts.
#[derive(Clone, Debug, Default)]
pub struct Meter(Arc<Mutex<Usage>>);

impl Meter {
    /// The counts so far, and a fresh start.
    pub fn take(&self) -> Usage {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "meter"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg.load::<Metadata>().map(|m| format!("{}.{}", m.service(), m.name())).unwrap_or_else(|| "?".into());
        *self.0.lock().unwrap_or_else(|e| e.into_inner()).requests.entry(op).or_default() += 1;
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_dynamodb::operation::{get_item::GetItemOutput, query::QueryOutput, scan::ScanOutput};
        let Ok(out) = ctx.output_or_error() else { return Ok(()) };
        let read = if let Some(q) = out.downcast_ref::<QueryOutput>() {
            q.scanned_count()
        } else if let Some(s) = out.downcast_ref::<ScanOutput>() {
            s.scanned_count()
        } else if let Some(g) = out.downcast_ref::<GetItemOutput>() {
            i32::from(g.item().is_some())
        } else {
            0
        };
        self.0.lock().unwrap_or_else(|e| e.into_inner()).items_read += u64::try_from(read).unwrap_or(0);
        Ok(())
    }
}
