//! The table's shape. Terraform (`infra/`) declares the same table for AWS; the local stack
//! and the tests create it from here.

use super::keys::*;
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
        let mut req = client.create_table().table_name(table).billing_mode(BillingMode::PayPerRequest);
        for a in [PK, SK, GSI1_PK, GSI1_SK, GSI2_PK, GSI2_SK, STAFF_ACTIVE, LAST_ACTIVITY_AT] {
            req = req.attribute_definitions(attr(a));
        }
        req.key_schema(key(PK, KeyType::Hash))
            .key_schema(key(SK, KeyType::Range))
            .global_secondary_indexes(gsi(GSI1, GSI1_PK, GSI1_SK))
            .global_secondary_indexes(gsi(GSI2, GSI2_PK, GSI2_SK))
            .global_secondary_indexes(gsi(STAFF_ACTIVITY_INDEX, STAFF_ACTIVE, LAST_ACTIVITY_AT))
            .send()
            .await
            .map_err(|e| format!("create table {table}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)))?;
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(TimeToLiveSpecification::builder().attribute_name(EXPIRES_AT).enabled(true).build().expect("set"))
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
