//! In-memory fakes of every port of `enbek-core`, with the same semantics as the AWS adapters
//! (a conditional write fails on an existing key, a transaction is all or nothing, a list
//! pages), and the [`contract`] tests that the fakes and the adapters both pass — so a fake
//! cannot drift from the real adapter. Use cases are unit-tested against these in milliseconds;
//! the flow tests in `tests/` prove the whole path against moto.

pub mod contract;
pub mod fixtures;
mod memory;

pub use memory::MemoryStore;

use async_trait::async_trait;
use enbek_core::clock::ManualClock;
use enbek_core::password::{HashError, PasswordHasher};
use enbek_core::ports::{FileStore, OutboundMessage, Queue, StoreError, StoredObject, UploadUrl};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One version of an object: (version ID, content type, bytes).
type Version = (String, String, Vec<u8>);

/// The files bucket in memory, versioned like the real one. Tests "upload" with
/// [`MemoryFiles::put_upload`]; every upload is a new version.
#[derive(Default)]
pub struct MemoryFiles {
    /// Key → versions, oldest first.
    objects: Mutex<HashMap<String, Vec<Version>>>,
}

impl MemoryFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores an object as a client's PUT would (a new version).
    pub fn put_upload(&self, key: &str, content_type: &str, body: &[u8]) {
        let mut objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        let versions = objects.entry(key.to_owned()).or_default();
        let version = format!("v{}", versions.len() + 1);
        versions.push((version, content_type.to_owned(), body.to_vec()));
    }

    /// The bytes of an object's version (the latest when `None`).
    pub fn bytes(&self, key: &str, version: Option<&str>) -> Option<Vec<u8>> {
        let objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        let versions = objects.get(key)?;
        let found = match version {
            Some(v) => versions.iter().find(|(id, _, _)| id == v),
            None => versions.last(),
        };
        found.map(|(_, _, body)| body.clone())
    }
}

#[async_trait]
impl FileStore for MemoryFiles {
    async fn presign_put(&self, key: &str, content_type: &str, size_bytes: u64, expires_in_secs: u64) -> Result<UploadUrl, StoreError> {
        Ok(UploadUrl {
            url: format!("memory://files/{key}?expires={expires_in_secs}"),
            expires_in_secs,
            headers: vec![("content-length".into(), size_bytes.to_string()), ("content-type".into(), content_type.into())],
        })
    }

    async fn head(&self, key: &str) -> Result<Option<StoredObject>, StoreError> {
        let objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        Ok(objects.get(key).and_then(|v| v.last()).map(|(version, ct, body)| StoredObject {
            size_bytes: body.len() as u64,
            content_type: Some(ct.clone()),
            version_id: Some(version.clone()),
            etag: Some(format!("\"{}\"", fake_hash(&String::from_utf8_lossy(body)))),
        }))
    }

    async fn first_bytes(&self, key: &str, version: Option<&str>, n: u64) -> Result<Vec<u8>, StoreError> {
        let body = self.bytes(key, version).ok_or_else(|| StoreError::other(format!("no object {key}")))?;
        Ok(body.into_iter().take(usize::try_from(n).unwrap_or(usize::MAX)).collect())
    }

    async fn presign_get(&self, key: &str, version: Option<&str>, file_name: &str, expires_in_secs: u64) -> Result<String, StoreError> {
        Ok(format!("memory://files/{key}?version={}&file={file_name}&expires={expires_in_secs}", version.unwrap_or("latest")))
    }

    async fn put(&self, key: &str, content_type: &str, body: Vec<u8>) -> Result<(), StoreError> {
        self.put_upload(key, content_type, &body);
        Ok(())
    }
}

/// A queue in memory that can be made to fail (an SQS outage).
#[derive(Default)]
pub struct MemoryQueue {
    sent: Mutex<Vec<OutboundMessage>>,
    failing: AtomicBool,
}

impl MemoryQueue {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn fail(&self, yes: bool) {
        self.failing.store(yes, Ordering::SeqCst);
    }

    /// Every message sent so far, as parsed JSON bodies.
    pub fn sent(&self) -> Vec<serde_json::Value> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).iter().filter_map(|m| serde_json::from_str(&m.body).ok()).collect()
    }
}

#[async_trait]
impl Queue for MemoryQueue {
    async fn send(&self, message: &OutboundMessage) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("injected queue failure".into()));
        }
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).push(message.clone());
        Ok(())
    }
}

/// A password hasher that costs nothing (unit tests): `fake:<SipHash of the password>`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FakeHasher;

/// What [`FakeHasher`] stores for `password`.
pub fn fake_hash(password: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    password.hash(&mut h);
    format!("fake:{:016x}", h.finish())
}

#[async_trait]
impl PasswordHasher for FakeHasher {
    async fn hash(&self, password: &str) -> Result<String, HashError> {
        Ok(fake_hash(password))
    }

    async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        Ok(fake_hash(password) == phc)
    }

    async fn verify_dummy(&self, _password: &str) -> Result<bool, HashError> {
        Ok(false)
    }
}

/// A clock at a fixed, ordinary working moment: Monday 23 November 2026, 10:00 in Almaty.
pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new("2026-11-23T05:00:00Z".parse().expect("a timestamp")))
}
