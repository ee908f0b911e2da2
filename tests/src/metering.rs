//! What a process asks of AWS, counted by an SDK interceptor on the clients the code under
//! measurement uses ([`enbek_aws::Aws::with_interceptor`]) and, for the S3 calls made without
//! an SDK client, as their observer ([`enbek_aws::Aws::with_observer`]): requests per service and
//! operation, DynamoDB items read (what a query or scan pays for, `ScannedCount`, not what it
//! returns) and written, and the DynamoDB capacity units they consume. The benchmarks report
//! these beside their timings, and `bench-cost` prices them.
//!
//! **Capacity units.** DynamoDB returns `ConsumedCapacity` when asked, but moto answers a fixed
//! number per operation whatever the item, so the units here are computed from the item sizes
//! with DynamoDB's own rules
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html>):
//! a write costs one unit per started KiB of the item, a read one unit per started 4 KiB of
//! the items read together (a query's or scan's pages sum the items before rounding), half of
//! that when eventually consistent, and both double inside a transaction. The size of the item
//! an update, delete or condition check touches is the largest size this meter has seen for that
//! key (written or read), or, for a key it has never seen, the key and the new values alone —
//! so an update of an item the process never read is counted low, never high.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The counts since the last [`Meter::take`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    /// Requests by `Service.Operation` (e.g. `DynamoDB.Query`), retries included.
    pub requests: BTreeMap<String, u64>,
    /// DynamoDB items read: `ScannedCount` of queries and scans, items returned by gets.
    pub items_read: u64,
    /// DynamoDB items written: puts, updates, deletes, and the items of transactions and
    /// batch writes (condition checks included: DynamoDB bills them as writes).
    pub items_written: u64,
    /// DynamoDB read request units (on-demand billing).
    pub read_units: f64,
    /// DynamoDB write request units (on-demand billing).
    pub write_units: f64,
}

impl Usage {
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Requests of one operation (`"DynamoDB.Query"`).
    pub fn of(&self, operation: &str) -> u64 {
        self.requests.get(operation).copied().unwrap_or(0)
    }

    /// Requests to one service (`"SQS"`, `"S3"`, `"SESv2"`, `"DynamoDB"`).
    pub fn of_service(&self, service: &str) -> u64 {
        self.requests.iter().filter(|(op, _)| op.split('.').next() == Some(service)).map(|(_, n)| n).sum()
    }

    /// The counts per request when this is the sum over `n` of them.
    pub fn per(&self, n: u64) -> Usage {
        let n = n.max(1);
        Usage {
            requests: self.requests.iter().map(|(k, v)| (k.clone(), v.div_ceil(n))).collect(),
            items_read: self.items_read.div_ceil(n),
            items_written: self.items_written.div_ceil(n),
            read_units: self.read_units / n as f64,
            write_units: self.write_units / n as f64,
        }
    }

    /// `Service.Operation×n` pairs, for a report's cell.
    pub fn summary(&self) -> String {
        self.requests.iter().map(|(op, n)| format!("{op}×{n}")).collect::<Vec<_>>().join(", ")
    }
}

impl std::ops::AddAssign<&Usage> for Usage {
    fn add_assign(&mut self, other: &Usage) {
        for (op, n) in &other.requests {
            *self.requests.entry(op.clone()).or_default() += n;
        }
        self.items_read += other.items_read;
        self.items_written += other.items_written;
        self.read_units += other.read_units;
        self.write_units += other.write_units;
    }
}

/// The interceptor; clones share their counts.
#[derive(Clone, Debug, Default)]
pub struct Meter(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    usage: Usage,
    /// The largest size seen per item (table, key), for updates, deletes and condition checks.
    sizes: HashMap<String, u64>,
}

/// What a read request asked for, kept for its response.
#[derive(Debug, Clone, Default)]
struct ReadContext {
    /// Strongly consistent (a full unit per 4 KiB) rather than eventually (half).
    consistent: bool,
    /// The table it names (for the sizes of later writes to the items it returns).
    table: String,
}

impl Storable for ReadContext {
    type Storer = StoreReplace<Self>;
}

type Item = HashMap<String, AttributeValue>;

/// DynamoDB's size of an attribute value, in bytes (its item-size rules).
pub fn value_size(v: &AttributeValue) -> u64 {
    let len = |s: &str| s.len() as u64;
    // A number: about one byte per two significant digits, plus one.
    let number = |n: &str| {
        let digits = n.trim_start_matches('-').replace('.', "");
        let significant = digits.trim_start_matches('0').trim_end_matches('0').len().max(1) as u64;
        significant.div_ceil(2) + 1
    };
    match v {
        AttributeValue::S(s) => len(s),
        AttributeValue::N(n) => number(n),
        AttributeValue::B(b) => b.as_ref().len() as u64,
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => v.iter().map(|s| len(s)).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| number(n)).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len() as u64).sum(),
        AttributeValue::L(l) => 3 + l.iter().map(|e| 1 + value_size(e)).sum::<u64>(),
        AttributeValue::M(m) => 3 + m.iter().map(|(k, e)| 1 + len(k) + value_size(e)).sum::<u64>(),
        _ => 1,
    }
}

/// DynamoDB's size of an item: its attribute names and values.
pub fn item_size(item: &Item) -> u64 {
    item.iter().map(|(k, v)| k.len() as u64 + value_size(v)).sum()
}

/// The item's identity for the size map: the table and its key attributes (`pk`, `sk`).
fn key_of(table: &str, item: &Item) -> String {
    let part = |name: &str| match item.get(name) {
        Some(AttributeValue::S(s)) => s.as_str(),
        _ => "",
    };
    format!("{table}\u{1f}{}\u{1f}{}", part("pk"), part("sk"))
}

const WRITE_UNIT: u64 = 1024;
const READ_UNIT: u64 = 4096;

fn write_units(size: u64) -> f64 {
    size.div_ceil(WRITE_UNIT).max(1) as f64
}

fn read_units(size: u64, consistent: bool) -> f64 {
    let units = size.div_ceil(READ_UNIT).max(1) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

impl State {
    fn seen(&mut self, table: &str, item: &Item) {
        self.seen_at(table, item, item_size(item));
    }

    fn seen_at(&mut self, table: &str, item: &Item, size: u64) {
        let slot = self.sizes.entry(key_of(table, item)).or_default();
        *slot = (*slot).max(size);
    }

    /// The size a write to `key` is billed at: what was seen of the item, or `floor`.
    fn size_at(&self, table: &str, key: &Item, floor: u64) -> u64 {
        self.sizes.get(&key_of(table, key)).copied().unwrap_or(0).max(floor)
    }

    fn put(&mut self, table: &str, item: &Item, factor: f64) {
        self.seen(table, item);
        self.usage.items_written += 1;
        self.usage.write_units += factor * write_units(item_size(item));
    }

    /// An update, delete or condition check of the item at `key`; `values` are what it writes.
    fn touch(&mut self, table: &str, key: &Item, values: Option<&Item>, factor: f64) {
        let floor = item_size(key) + values.map(item_size).unwrap_or(0);
        self.usage.items_written += 1;
        self.usage.write_units += factor * write_units(self.size_at(table, key, floor));
    }

    /// The write side of a request, from its input.
    fn count_writes(&mut self, input: &aws_smithy_runtime_api::client::interceptors::context::Input) {
        use aws_sdk_dynamodb::operation::{
            batch_write_item::BatchWriteItemInput, delete_item::DeleteItemInput, put_item::PutItemInput,
            transact_write_items::TransactWriteItemsInput, update_item::UpdateItemInput,
        };
        if let Some(p) = input.downcast_ref::<PutItemInput>() {
            self.put(p.table_name().unwrap_or_default(), p.item().unwrap_or(&Item::new()), 1.0);
        } else if let Some(u) = input.downcast_ref::<UpdateItemInput>() {
            self.touch(u.table_name().unwrap_or_default(), u.key().unwrap_or(&Item::new()), u.expression_attribute_values(), 1.0);
        } else if let Some(d) = input.downcast_ref::<DeleteItemInput>() {
            self.touch(d.table_name().unwrap_or_default(), d.key().unwrap_or(&Item::new()), None, 1.0);
        } else if let Some(t) = input.downcast_ref::<TransactWriteItemsInput>() {
            for i in t.transact_items() {
                if let Some(p) = i.put() {
                    self.put(p.table_name(), p.item(), 2.0);
                } else if let Some(u) = i.update() {
                    self.touch(u.table_name(), u.key(), u.expression_attribute_values(), 2.0);
                } else if let Some(d) = i.delete() {
                    self.touch(d.table_name(), d.key(), None, 2.0);
                } else if let Some(c) = i.condition_check() {
                    self.touch(c.table_name(), c.key(), None, 2.0);
                }
            }
        } else if let Some(b) = input.downcast_ref::<BatchWriteItemInput>() {
            for (table, requests) in b.request_items().into_iter().flatten() {
                for r in requests {
                    if let Some(p) = r.put_request() {
                        self.put(table, p.item(), 1.0);
                    } else if let Some(d) = r.delete_request() {
                        self.touch(table, d.key(), None, 1.0);
                    }
                }
            }
        }
    }

    /// The read side of a response: items read, and their units. The items a query or get
    /// returns are remembered with their sizes, for later writes to them.
    fn count_reads(&mut self, output: &aws_smithy_runtime_api::client::interceptors::context::Output, read: &ReadContext) {
        use aws_sdk_dynamodb::operation::{
            get_item::GetItemOutput, query::QueryOutput, scan::ScanOutput, transact_get_items::TransactGetItemsOutput,
        };
        if let Some(q) = output.downcast_ref::<QueryOutput>() {
            self.paged(read, q.items(), q.scanned_count(), true);
        } else if let Some(s) = output.downcast_ref::<ScanOutput>() {
            self.paged(read, s.items(), s.scanned_count(), false);
        } else if let Some(g) = output.downcast_ref::<GetItemOutput>() {
            // A get that finds nothing still costs its minimum unit.
            let size = g.item().map(item_size).unwrap_or(0);
            if let Some(item) = g.item() {
                self.seen_at(&read.table, item, size);
            }
            self.usage.items_read += u64::from(g.item().is_some());
            self.usage.read_units += read_units(size, read.consistent);
        } else if let Some(t) = output.downcast_ref::<TransactGetItemsOutput>() {
            for r in t.responses() {
                self.usage.items_read += u64::from(r.item().is_some());
                self.usage.read_units += 2.0 * read_units(r.item().map(item_size).unwrap_or(0), true);
            }
        }
    }

    /// A page of a query or scan. It pays for what it evaluated (`ScannedCount`), filters or
    /// not: the returned items' mean size stands for the ones a filter dropped.
    fn paged(&mut self, read: &ReadContext, items: &[Item], scanned: i32, remember: bool) {
        let scanned = u64::try_from(scanned).unwrap_or(0);
        let mut returned = 0;
        for item in items {
            let size = item_size(item);
            returned += size;
            if remember {
                self.seen_at(&read.table, item, size);
            }
        }
        let mean = if items.is_empty() { 0 } else { returned / items.len() as u64 };
        let evaluated = returned + mean * scanned.saturating_sub(items.len() as u64);
        self.usage.items_read += scanned;
        self.usage.read_units += read_units(evaluated, read.consistent);
    }
}

impl Meter {
    /// The counts so far, and a fresh start (the item sizes seen are kept).
    pub fn take(&self) -> Usage {
        std::mem::take(&mut self.lock().usage)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The S3 calls, which go out without an SDK client (`enbek_aws::s3`), counted the same way:
/// when their answer arrives.
impl enbek_aws::Observe for Meter {
    fn answered(&self, service: &'static str, operation: &'static str) {
        *self.lock().usage.requests.entry(format!("{service}.{operation}")).or_default() += 1;
    }
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "meter"
    }

    fn read_before_serialization(
        &self,
        ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_dynamodb::operation::{get_item::GetItemInput, query::QueryInput, scan::ScanInput};
        let input = ctx.input();
        let (consistent, table) = if let Some(q) = input.downcast_ref::<QueryInput>() {
            (q.consistent_read() == Some(true), q.table_name())
        } else if let Some(s) = input.downcast_ref::<ScanInput>() {
            (s.consistent_read() == Some(true), s.table_name())
        } else if let Some(g) = input.downcast_ref::<GetItemInput>() {
            (g.consistent_read() == Some(true), g.table_name())
        } else {
            (false, None)
        };
        cfg.interceptor_state().store_put(ReadContext { consistent, table: table.unwrap_or_default().to_owned() });
        self.lock().count_writes(input);
        Ok(())
    }

    // Counted when an answer arrives: a presigned URL goes through the client up to signing
    // but is sent by the browser (the benchmarks count those PUTs themselves), and a request
    // that never reached AWS is not billed.
    fn read_before_deserialization(
        &self,
        _: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg.load::<Metadata>().map(|m| format!("{}.{}", m.service(), m.name())).unwrap_or_else(|| "?".into());
        *self.lock().usage.requests.entry(op).or_default() += 1;
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(out) = ctx.output_or_error() else { return Ok(()) };
        let unknown = ReadContext::default();
        self.lock().count_reads(out, cfg.load::<ReadContext>().unwrap_or(&unknown));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    #[test]
    fn sizes_follow_dynamodbs_rules() {
        // Names count; strings by UTF-8 bytes (Cyrillic is 2 bytes a letter).
        let item: Item = [("pk".to_owned(), s("ACC#1")), ("name".to_owned(), s("Ахмет"))].into();
        assert_eq!(item_size(&item), 2 + 5 + 4 + 10);
        // Numbers: about a byte per two significant digits, plus one.
        assert_eq!(value_size(&AttributeValue::N("150000".into())), 2);
        assert_eq!(value_size(&AttributeValue::N("123456789".into())), 6);
        // A map: 3 bytes, plus a byte and the name and value per entry.
        let m = AttributeValue::M([("a".to_owned(), AttributeValue::Bool(true))].into());
        assert_eq!(value_size(&m), 3 + 1 + 1 + 1);
    }

    #[test]
    fn units_round_up_per_kib_written_and_per_4_kib_read() {
        assert_eq!(write_units(1), 1.0);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(read_units(0, true), 1.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(4097, false), 1.0);
    }

    #[test]
    fn an_update_is_billed_at_the_largest_size_seen_of_its_item() {
        let mut state = State::default();
        let key: Item = [("pk".to_owned(), s("ACC#1")), ("sk".to_owned(), s("PROFILE"))].into();
        let mut big = key.clone();
        big.insert("bio".into(), s(&"x".repeat(3000)));
        let values: Item = [(":v".to_owned(), s("1"))].into();
        // Never seen: the key and the values alone.
        state.touch("t", &key, Some(&values), 1.0);
        assert_eq!(state.usage.write_units, 1.0);
        state.seen("t", &big);
        state.touch("t", &key, Some(&values), 2.0);
        assert_eq!(state.usage.write_units, 1.0 + 2.0 * 3.0);
        assert_eq!(state.usage.items_written, 2);
    }
}
