//! The S3 and SQS adapters against moto: presigned uploads land where the store says, and a
//! FIFO send deduplicated by event ID is delivered once.

use enbek_core::ports::{FileStore, OutboundMessage, Queue};
use integration::*;

#[tokio::test]
async fn a_presigned_put_uploads_the_object_and_head_and_first_bytes_see_it() {
    let files = test_bucket().await;

    let key = format!("attachments/{}", enbek_core::ids::new_id());
    assert_eq!(files.head(&key).await.unwrap(), None, "nothing uploaded yet");
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec();
    let url = files.presign_put(&key, "application/pdf", pdf.len() as u64, 300).await.unwrap();
    assert!(url.url.contains("X-Amz-Signature="), "{}", url.url);
    assert!(url.url.contains("X-Amz-Expires=300"));
    upload(&files, &key, "application/pdf", &pdf).await;

    let stored = files.head(&key).await.unwrap().expect("uploaded");
    assert_eq!(stored.size_bytes, pdf.len() as u64);
    assert_eq!(stored.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(files.first_bytes(&key, None, 5).await.unwrap(), b"%PDF-");
}

#[tokio::test]
async fn a_fifo_send_with_the_same_event_id_is_delivered_once() {
    let sdk = sdk().await;
    let client = sdk.sqs();
    let url = test_queue(&client, true).await;
    let queue = enbek_aws::sqs::SqsQueue::new(client.clone(), &url);
    let message = OutboundMessage {
        body: r#"{"event":"vacancy.published"}"#.into(),
        group_id: Some("vacancy-1".into()),
        deduplication_id: Some("event-1".into()),
    };
    queue.send(&message).await.unwrap();
    queue.send(&message).await.unwrap();
    assert_eq!(receive_all(&client, &url).await, vec![message.body.clone()]);
}

#[tokio::test]
async fn an_attachment_counts_only_if_uploaded_as_declared_with_real_magic_bytes() {
    use enbek_core::attachments::{object_key, uploaded_as_declared, Declared, FileKind, Upload};
    let files = test_bucket().await;
    let png = [&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], b"rest of the image"].concat();
    let exe = b"MZ\x90\x00 this is a program, not a PDF".to_vec();
    let declared = |kind, size| Declared { file_name: "скан.png".into(), kind, size_bytes: size };

    let good = object_key("tickets", &enbek_core::ids::new_id());
    upload(&files, &good, "image/png", &png).await;
    assert!(
        uploaded_as_declared(&files, &good, &declared(FileKind::Png, png.len() as u64)).await.unwrap().pinned_version().is_some(),
        "checked, and its version known"
    );
    assert!(uploaded_as_declared(&files, &good, &declared(FileKind::Png, 1)).await.unwrap() == Upload::Invalid, "wrong size");
    assert!(
        uploaded_as_declared(&files, &good, &declared(FileKind::Pdf, png.len() as u64)).await.unwrap() == Upload::Invalid,
        "wrong type"
    );

    let fake = object_key("tickets", &enbek_core::ids::new_id());
    upload(&files, &fake, "application/pdf", &exe).await;
    assert!(
        uploaded_as_declared(&files, &fake, &declared(FileKind::Pdf, exe.len() as u64)).await.unwrap() == Upload::Invalid,
        "not a PDF inside"
    );

    let never = object_key("tickets", &enbek_core::ids::new_id());
    assert!(uploaded_as_declared(&files, &never, &declared(FileKind::Png, 10)).await.unwrap() == Upload::Missing, "never uploaded");
}
