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
            })),
            Err(SdkError::ServiceError(e)) if e.err().is_not_found() => Ok(None),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn first_bytes(&self, key: &str, n: u64) -> Result<Vec<u8>, StoreError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", n.saturating_sub(1)))
            .send()
            .await
            .map_err(store_error)?;
        let bytes = out.body.collect().await.map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        Ok(bytes.into_bytes().to_vec())
    }
}
