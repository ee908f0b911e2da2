//! The S3 adapter of the [`FileStore`] port: presigned PUTs bound to content type and length.

use crate::store_error;
use async_trait::async_trait;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::presigning::PresigningConfig;
use enbek_core::ports::{FileStore, StoreError, StoredObject, UploadUrl};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct S3Files {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Files {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }
}

#[async_trait]
impl FileStore for S3Files {
    async fn presign_put(&self, key: &str, content_type: &str, size_bytes: u64, expires_in_secs: u64) -> Result<UploadUrl, StoreError> {
        let config = PresigningConfig::expires_in(Duration::from_secs(expires_in_secs)).map_err(|e| StoreError::Other(Box::new(e)))?;
        let presigned = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(size_bytes as i64)
            .presigned(config)
            .await
            .map_err(store_error)?;
        Ok(UploadUrl {
            url: presigned.uri().to_owned(),
            expires_in_secs,
            headers: presigned.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        })
    }

    async fn head(&self, key: &str) -> Result<Option<StoredObject>, StoreError> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => Ok(Some(StoredObject {
                size_bytes: out.content_length().unwrap_or(0).max(0) as u64,
                content_type: out.content_type().map(str::to_owned),
                version_id: out.version_id().map(str::to_owned),
                etag: out.e_tag().map(str::to_owned),
            })),
            Err(SdkError::ServiceError(e)) if e.err().is_not_found() => Ok(None),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn first_bytes(&self, key: &str, version: Option<&str>, n: u64) -> Result<Vec<u8>, StoreError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .range(format!("bytes=0-{}", n.saturating_sub(1)))
            .send()
            .await
            .map_err(store_error)?;
        let bytes = out.body.collect().await.map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        Ok(bytes.into_bytes().to_vec())
    }

    async fn presign_get(&self, key: &str, version: Option<&str>, file_name: &str, expires_in_secs: u64) -> Result<String, StoreError> {
        let config = PresigningConfig::expires_in(Duration::from_secs(expires_in_secs)).map_err(|e| StoreError::Other(Box::new(e)))?;
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .response_content_disposition(content_disposition(file_name))
            .presigned(config)
            .await
            .map_err(store_error)?;
        Ok(presigned.uri().to_owned())
    }

    async fn put(&self, key: &str, content_type: &str, body: Vec<u8>) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256)
            .body(body.into())
            .send()
            .await
            .map(|_| ())
            .map_err(store_error)
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII fallback for old
/// clients, the user's file name (Cyrillic included) for the rest.
fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn downloads_are_attachments_with_the_users_file_name_safely_encoded() {
        assert_eq!(
            super::content_disposition("приказ 12.pdf"),
            "attachment; filename=\"______ 12.pdf\"; filename*=UTF-8''%D0%BF%D1%80%D0%B8%D0%BA%D0%B0%D0%B7%2012.pdf"
        );
        assert_eq!(super::content_disposition("a\"b.pdf"), "attachment; filename=\"a_b.pdf\"; filename*=UTF-8''a%22b.pdf");
    }
}
