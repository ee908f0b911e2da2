//! Gapless sequences under concurrency (ticket numbers per year, TKT-1/API.md `number`).

use enbek_aws::dynamo::{put_new, sequence, to_item};
use integration::*;
use std::collections::BTreeSet;

#[tokio::test]
async fn fifty_concurrent_writers_take_numbers_1_to_50_without_gaps_or_duplicates() {
    let table = fresh_table().await;
    let writes = (0..50).map(|_| {
        let table = table.clone();
        tokio::spawn(async move {
            let name = table.name.clone();
            sequence::write_with_next(&table, "ticket-2026", move |number| {
                let item = to_item(&serde_json::json!({
                    "pk": format!("TEST#{number}"), "sk": "TEST", "number": number,
                }))?;
                Ok(vec![put_new(&name, item)?])
            })
            .await
        })
    });
    let mut numbers = BTreeSet::new();
    for w in writes {
        let n = w.await.unwrap().expect("a number");
        assert!(numbers.insert(n), "number {n} handed out twice");
    }
    assert_eq!(numbers, (1..=50).collect::<BTreeSet<u64>>());
    assert_eq!(sequence::current(&table, "ticket-2026").await.unwrap(), 50);
    // Every number has its item.
    for n in [1u64, 25, 50] {
        assert!(table.get((format!("TEST#{n}"), "TEST".into())).await.unwrap().is_some());
    }
    // Sequences are independent.
    assert_eq!(sequence::current(&table, "ticket-2027").await.unwrap(), 0);
}

#[tokio::test]
async fn a_failed_item_write_takes_no_number() {
    let table = fresh_table().await;
    let write = |pk: &'static str| {
        let table = table.clone();
        async move {
            let name = table.name.clone();
            sequence::write_with_next(&table, "journal", move |number| {
                let item = to_item(&serde_json::json!({"pk": pk, "sk": "TEST", "number": number}))?;
                Ok(vec![put_new(&name, item)?])
            })
            .await
        }
    };
    assert_eq!(write("A").await.unwrap(), 1);
    assert!(matches!(write("A").await, Err(enbek_core::ports::StoreError::Conflict)), "the item exists: the transaction fails");
    assert_eq!(write("B").await.unwrap(), 2, "the failed write did not use up number 2");
}
