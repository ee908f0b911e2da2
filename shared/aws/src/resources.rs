//! The table, bucket and queues as `infra/resources.json` defines them: the one definition that
//! Terraform (`infra/*.tf`, with `jsondecode(file())`), the local stack (`make dev`) and the tests
//! all read. Names are `enbek-<stage>` (the table), `enbek-<stage>-<bucket suffix>`,
//! `enbek-<stage>-<queue>[.fifo]` and `enbek-<stage>-<queue>-dlq[.fifo]`.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize)]
pub struct Resources {
    pub table: TableDef,
    pub bucket: BucketDef,
    /// By key (`integration`, `notifications`, `ais-inbound`).
    pub queues: BTreeMap<String, QueueDef>,
    /// Every API path and the function that serves it (API Gateway routes `ANY <path>`).
    pub routes: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TableDef {
    pub hash_key: String,
    pub range_key: String,
    pub ttl_attribute: String,
    pub indexes: Vec<IndexDef>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct IndexDef {
    pub name: String,
    pub hash_key: String,
    pub range_key: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct BucketDef {
    pub suffix: String,
    /// The CORS rule for the portal's origins: browsers upload and download with presigned URLs.
    pub cors: CorsDef,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CorsDef {
    pub allowed_methods: Vec<String>,
    pub allowed_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: i32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct QueueDef {
    pub fifo: bool,
    /// The function its event source mapping feeds.
    pub consumer: String,
    pub batch_size: i32,
    pub max_receive_count: u32,
    pub visibility_timeout_seconds: u32,
}

const DEFINITION: &str = include_str!("../../../infra/resources.json");

/// The definition (checked by this crate's tests, so it always parses).
pub fn resources() -> Resources {
    serde_json::from_str(DEFINITION).expect("infra/resources.json is valid (tested)")
}

impl Resources {
    pub fn table_name(&self, stage: &str) -> String {
        format!("enbek-{stage}")
    }

    pub fn bucket_name(&self, stage: &str) -> String {
        format!("enbek-{stage}-{}", self.bucket.suffix)
    }

    /// The queue `key`'s name, and its dead-letter queue's.
    pub fn queue_names(&self, stage: &str, key: &str) -> (String, String) {
        let fifo = self.queues.get(key).is_some_and(|q| q.fifo);
        let suffix = if fifo { ".fifo" } else { "" };
        (format!("enbek-{stage}-{key}{suffix}"), format!("enbek-{stage}-{key}-dlq{suffix}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::keys;

    #[test]
    fn the_definition_names_the_keys_and_indexes_the_code_queries() {
        let r = resources();
        assert_eq!((r.table.hash_key.as_str(), r.table.range_key.as_str()), (keys::PK, keys::SK));
        assert_eq!(r.table.ttl_attribute, keys::EXPIRES_AT);
        let indexes: Vec<(&str, &str, &str)> =
            r.table.indexes.iter().map(|i| (i.name.as_str(), i.hash_key.as_str(), i.range_key.as_str())).collect();
        assert_eq!(
            indexes,
            vec![
                (keys::GSI1, keys::GSI1_PK, keys::GSI1_SK),
                (keys::GSI2, keys::GSI2_PK, keys::GSI2_SK),
                (keys::STAFF_ACTIVITY_INDEX, keys::STAFF_ACTIVE, keys::LAST_ACTIVITY_AT),
            ]
        );
    }

    #[test]
    fn cargo_lambda_watch_routes_the_same_paths_to_the_same_functions_as_api_gateway() {
        let cargo = include_str!("../../../Cargo.toml");
        let section = cargo.split("[workspace.metadata.lambda.watch.router]").nth(1).expect("the router section");
        let watch: BTreeMap<String, String> = section
            .lines()
            .take_while(|l| !l.starts_with('['))
            .filter_map(|l| {
                let (path, function) = l.split_once(" = ")?;
                Some((path.trim().trim_matches('"').to_owned(), function.trim().trim_matches('"').to_owned()))
            })
            .collect();
        assert_eq!(watch, resources().routes);
    }

    #[test]
    fn queues_have_consumers_batch_sizes_and_names() {
        let r = resources();
        assert_eq!(r.queues.keys().map(String::as_str).collect::<Vec<_>>(), vec!["ais-inbound", "integration", "notifications"]);
        assert_eq!(
            r.queue_names("local", "integration"),
            ("enbek-local-integration.fifo".into(), "enbek-local-integration-dlq.fifo".into())
        );
        assert_eq!(r.queue_names("local", "notifications").1, "enbek-local-notifications-dlq");
        assert_eq!(r.bucket_name("local"), "enbek-local-files");
        for q in r.queues.values() {
            assert!((1..=10).contains(&q.batch_size) && q.max_receive_count >= 1);
        }
    }
}
