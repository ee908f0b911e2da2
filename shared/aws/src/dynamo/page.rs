//! Paged queries: a page is exactly one DynamoDB `Query`; the cursor is the query's
//! `LastEvaluatedKey` (string attributes only), base64url-encoded JSON. A cursor is accepted
//! only with the same key attributes and the same partition as the list it came from, so a
//! tampered or foreign cursor is a 422, never a DynamoDB validation error.

use super::{s, store_error, Item, Table};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::StoreError;
use std::collections::BTreeMap;

pub fn encode_cursor(key: Option<&Item>) -> Option<String> {
    let key = key.filter(|k| !k.is_empty())?;
    let map: BTreeMap<&str, &str> = key.iter().filter_map(|(k, v)| v.as_s().ok().map(|v| (k.as_str(), v.as_str()))).collect();
    Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&map).ok()?))
}

/// Decodes a cursor that must hold exactly `attributes` and `partition.0 == partition.1`.
pub fn decode_cursor(cursor: &str, attributes: &[&str], partition: (&str, &str)) -> Result<Item, StoreError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| StoreError::InvalidCursor)?;
    let map: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    let mut expected: Vec<&str> = attributes.to_vec();
    expected.sort_unstable();
    let got: Vec<&str> = map.keys().map(String::as_str).collect();
    if got != expected || map.get(partition.0).map(String::as_str) != Some(partition.1) {
        return Err(StoreError::InvalidCursor);
    }
    Ok(map.into_iter().map(|(k, v)| (k, s(v))).collect())
}

/// Runs one query for one page. `query` already names the index and key condition;
/// `cursor_attributes` are the table's and the index's key attributes.
pub async fn query_page<T>(
    table: &Table,
    query: QueryFluentBuilder,
    page: &PageRequest,
    cursor_attributes: &[&str],
    partition: (&str, &str),
    map: impl Fn(Item) -> Result<T, StoreError>,
) -> Result<Page<T>, StoreError> {
    let start = page.cursor.as_deref().map(|c| decode_cursor(c, cursor_attributes, partition)).transpose()?;
    let out = query.table_name(&table.name).limit(page.limit).set_exclusive_start_key(start).send().await.map_err(store_error)?;
    let items = out.items.unwrap_or_default().into_iter().map(map).collect::<Result<Vec<_>, _>>()?;
    // A full page with more behind it carries a cursor; DynamoDB may also return a key at the
    // very end, which costs the client one empty page at most.
    Ok(Page { items, next_cursor: encode_cursor(out.last_evaluated_key.as_ref()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let key: Item = [("pk", "TICKET#1"), ("sk", "TICKET"), ("gsi2pk", "TICKETS#NEW"), ("gsi2sk", "2026#1")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), s(v)))
            .collect();
        let c = encode_cursor(Some(&key)).unwrap();
        let attrs = ["pk", "sk", "gsi2pk", "gsi2sk"];
        assert_eq!(decode_cursor(&c, &attrs, ("gsi2pk", "TICKETS#NEW")).unwrap(), key);
        assert!(matches!(decode_cursor(&c, &attrs, ("gsi2pk", "TICKETS#CLOSED")), Err(StoreError::InvalidCursor)));
        assert!(matches!(decode_cursor(&c, &["pk", "sk"], ("pk", "TICKET#1")), Err(StoreError::InvalidCursor)));
        assert!(matches!(decode_cursor("!!not base64", &attrs, ("gsi2pk", "x")), Err(StoreError::InvalidCursor)));
        assert_eq!(encode_cursor(None), None);
    }
}
