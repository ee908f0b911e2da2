//! The table's shape, from `infra/resources.json` (`crate::resources`), which Terraform reads
//! too: the local stack and the tests create the same table that `infra/storage.tf` declares.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

fn attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().expect("name and type are set")
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(kind).build().expect("name and type are set")
}

fn gsi(name: &str, pk: &str, sk: &str) -> GlobalSecondaryIndex {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(pk, KeyType::Hash))
        .key_schema(key(sk, KeyType::Range))
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .expect("name, keys and projection are set")
}

/// Creates the table (on-demand, with its indexes and TTL) unless it exists.
pub async fn ensure_table(client: &Client, table: &str) -> Result<(), String> {
    let exists = client.describe_table().table_name(table).send().await.is_ok();
    if !exists {
        let def = crate::resources::resources().table;
        let mut req = client.create_table().table_name(table).billing_mode(BillingMode::PayPerRequest);
        let mut attributes = vec![def.hash_key.clone(), def.range_key.clone()];
        for i in &def.indexes {
            attributes.extend([i.hash_key.clone(), i.range_key.clone()]);
        }
        for a in &attributes {
            req = req.attribute_definitions(attr(a));
        }
        req = req.key_schema(key(&def.hash_key, KeyType::Hash)).key_schema(key(&def.range_key, KeyType::Range));
        for i in &def.indexes {
            req = req.global_secondary_indexes(gsi(&i.name, &i.hash_key, &i.range_key));
        }
        req.send().await.map_err(|e| format!("create table {table}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)))?;
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(crate::resources::resources().table.ttl_attribute)
                .enabled(true)
                .build()
                .expect("set"),
        )
        .send()
        .await
        .map(|_| ())
        .or_else(|e| {
            // Enabling TTL twice is refused; that is fine.
            let text = aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string();
            if text.contains("already enabled") || text.contains("TimeToLive is already") {
                Ok(())
            } else {
                Err(text)
            }
        })
}
