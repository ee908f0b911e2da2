//! The S3 and SQS adapters against moto: presigned uploads land where the store says, and a
//! FIFO send deduplicated by event ID is delivered once.

use aws_sdk_sqs::types::QueueAttributeName;
use integration::*;
use shared::ports::{FileStore, OutboundMessage, Queue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain HTTP/1.1 PUT on loopback; returns the status code.
async fn http_put(url: &str, headers: &[(String, String)], body: &[u8]) -> u16 {
    let rest = url.strip_prefix("http://").expect("local endpoints are plain HTTP");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = tokio::net::TcpStream::connect(authority).await.expect("connect");
    let mut req = format!("PUT {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// A new bucket in moto, behind the S3 adapter.
async fn test_bucket() -> shared::s3::S3Files {
    let client = shared::aws::s3(&sdk().await);
    let bucket = format!("enbek-test-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    client.create_bucket().bucket(&bucket).send().await.unwrap();
    shared::s3::S3Files::new(client, &bucket)
}

/// Uploads `body` through a presigned PUT, as a browser would.
async fn upload(files: &shared::s3::S3Files, key: &str, content_type: &str, body: &[u8]) {
    let url = files.presign_put(key, content_type, body.len() as u64, 300).await.unwrap();
    let mut headers = url.headers.clone();
    headers.push(("Content-Type".into(), content_type.into()));
    assert_eq!(http_put(&url.url, &headers, body).await, 200);
}

#[tokio::test]
async fn a_presigned_put_uploads_the_object_and_head_and_first_bytes_see_it() {
    let files = test_bucket().await;

    let key = format!("attachments/{}", shared::ids::new_id());
    assert_eq!(files.head(&key).await.unwrap(), None, "nothing uploaded yet");
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec();
    let url = files.presign_put(&key, "application/pdf", pdf.len() as u64, 300).await.unwrap();
    assert!(url.url.contains("X-Amz-Signature="), "{}", url.url);
    assert!(url.url.contains("X-Amz-Expires=300"));
    upload(&files, &key, "application/pdf", &pdf).await;

    let stored = files.head(&key).await.unwrap().expect("uploaded");
    assert_eq!(stored.size_bytes, pdf.len() as u64);
    assert_eq!(stored.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(files.first_bytes(&key, 5).await.unwrap(), b"%PDF-");
}

#[tokio::test]
async fn a_fifo_send_with_the_same_event_id_is_delivered_once() {
    let sdk = sdk().await;
    let client = shared::aws::sqs(&sdk);
    let name = format!("enbek-test-{}.fifo", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let url = client
        .create_queue()
        .queue_name(&name)
        .attributes(QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue = shared::sqs::SqsQueue::new(client.clone(), &url);
    let message = OutboundMessage {
        body: r#"{"event":"vacancy.published"}"#.into(),
        group_id: Some("vacancy-1".into()),
        deduplication_id: Some("event-1".into()),
    };
    queue.send(&message).await.unwrap();
    queue.send(&message).await.unwrap();
    let got = client.receive_message().queue_url(&url).max_number_of_messages(10).wait_time_seconds(1).send().await.unwrap();
    let bodies: Vec<String> = got.messages.unwrap_or_default().into_iter().filter_map(|m| m.body).collect();
    assert_eq!(bodies, vec![message.body.clone()]);
}

#[tokio::test]
async fn an_attachment_counts_only_if_uploaded_as_declared_with_real_magic_bytes() {
    use shared::attachments::{object_key, uploaded_as_declared, Declared, FileKind};
    let files = test_bucket().await;
    let png = [&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], b"rest of the image"].concat();
    let exe = b"MZ\x90\x00 this is a program, not a PDF".to_vec();
    let declared = |kind, size| Declared { file_name: "скан.png".into(), kind, size_bytes: size };

    let good = object_key("tickets", &shared::ids::new_id());
    upload(&files, &good, "image/png", &png).await;
    assert!(uploaded_as_declared(&files, &good, &declared(FileKind::Png, png.len() as u64)).await.unwrap());
    assert!(!uploaded_as_declared(&files, &good, &declared(FileKind::Png, 1)).await.unwrap(), "wrong size");
    assert!(!uploaded_as_declared(&files, &good, &declared(FileKind::Pdf, png.len() as u64)).await.unwrap(), "wrong type");

    let fake = object_key("tickets", &shared::ids::new_id());
    upload(&files, &fake, "application/pdf", &exe).await;
    assert!(!uploaded_as_declared(&files, &fake, &declared(FileKind::Pdf, exe.len() as u64)).await.unwrap(), "not a PDF inside");

    let never = object_key("tickets", &shared::ids::new_id());
    assert!(!uploaded_as_declared(&files, &never, &declared(FileKind::Png, 10)).await.unwrap(), "never uploaded");
}
