//! Building the use cases over one in-memory store.

use enbek_core::audit::Origin;
use enbek_core::clock::ManualClock;
use enbek_core::input::Fields;
use enbek_core::outbox::Queues;
use enbek_core::usecases::access::AccessRequests;
use enbek_core::usecases::accounts::Accounts;
use enbek_core::usecases::grants::Grants;
use enbek_core::usecases::sessions::Sessions;
use enbek_core::usecases::tickets::Tickets;
use enbek_core::usecases::vacancies::Vacancies;
use enbek_testkit::{FakeHasher, MemoryFiles, MemoryQueue, MemoryStore};
use serde_json::Value;
use std::sync::Arc;

pub const AGREEMENT: &str = "2024-06-20";
pub const MAIL_SEAL_KEY: &str = "unit-test-mail-seal-key-0123456789";

/// One store, one bucket, two queues, one clock, and every use case over them.
pub struct World {
    pub store: Arc<MemoryStore>,
    pub files: Arc<MemoryFiles>,
    pub notifications: Arc<MemoryQueue>,
    pub integration: Arc<MemoryQueue>,
    pub clock: Arc<ManualClock>,
}

impl World {
    pub fn new() -> Self {
        Self {
            store: Arc::new(MemoryStore::new()),
            files: Arc::new(MemoryFiles::new()),
            notifications: MemoryQueue::new(),
            integration: MemoryQueue::new(),
            clock: enbek_testkit::clock(),
        }
    }

    pub fn queues(&self) -> Queues {
        Queues { notifications: Some(self.notifications.clone()), integration: Some(self.integration.clone()) }
    }

    pub fn accounts(&self) -> Accounts {
        Accounts {
            store: self.store.clone(),
            limiter: self.store.clone(),
            hasher: Arc::new(FakeHasher),
            clock: self.clock.clone(),
            agreement_version: AGREEMENT.into(),
            registration_limit: enbek_core::usecases::accounts::DEFAULT_REGISTRATION_ADDRESS_LIMIT,
        }
    }

    pub fn sessions(&self) -> Sessions {
        Sessions {
            accounts: self.store.clone(),
            limiter: self.store.clone(),
            hasher: Arc::new(FakeHasher),
            audit: self.store.clone(),
            clock: self.clock.clone(),
            address_limit: enbek_core::usecases::sessions::DEFAULT_SIGN_IN_ADDRESS_LIMIT,
        }
    }

    pub fn tickets(&self) -> Tickets {
        Tickets {
            store: self.store.clone(),
            attachments: self.store.clone(),
            files: self.files.clone(),
            limiter: self.store.clone(),
            outbox: self.store.clone(),
            queues: self.queues(),
            audit: self.store.clone(),
            clock: self.clock.clone(),
        }
    }

    pub fn vacancies(&self) -> Vacancies {
        Vacancies {
            store: self.store.clone(),
            outbox: self.store.clone(),
            queues: self.queues(),
            clock: self.clock.clone(),
            minimum_wage: 85_000,
        }
    }

    pub fn access(&self) -> AccessRequests {
        AccessRequests {
            requests: self.store.clone(),
            accounts: self.store.clone(),
            attachments: self.store.clone(),
            files: self.files.clone(),
            outbox: self.store.clone(),
            queues: self.queues(),
            hasher: Arc::new(FakeHasher),
            secrets: Arc::new(enbek_core::seal::mail_sealer(MAIL_SEAL_KEY)),
            audit: self.store.clone(),
            clock: self.clock.clone(),
            temporary_password_ttl: enbek_core::usecases::access::DEFAULT_TEMPORARY_PASSWORD_TTL,
        }
    }

    pub fn grants(&self) -> Grants {
        Grants {
            store: self.store.clone(),
            accounts: self.store.clone(),
            attachments: self.store.clone(),
            files: self.files.clone(),
            outbox: self.store.clone(),
            queues: self.queues(),
            audit: self.store.clone(),
            clock: self.clock.clone(),
            max_amount_tiyn: enbek_core::domain::grant::DEFAULT_MAX_AMOUNT_TIYN,
            attachment_required_above_tiyn: None,
        }
    }

    /// An account of `role` whose password is `password`, stored.
    pub fn account(&self, role: enbek_core::domain::Role, password: &str) -> enbek_core::domain::Account {
        let hash = enbek_testkit::fake_hash(password);
        let a = enbek_testkit::fixtures::account(role, &hash, self.clock_now());
        self.store.put_account(a.clone());
        a
    }

    /// The account as stored now.
    pub async fn stored(&self, id: &str) -> enbek_core::domain::Account {
        enbek_core::ports::AccountStore::get(self.store.as_ref(), id).await.expect("read").expect("the account")
    }

    pub fn clock_now(&self) -> jiff::Timestamp {
        enbek_core::clock::Clock::now(self.clock.as_ref())
    }
}

/// The fields of a JSON object.
pub fn fields(v: Value) -> Fields {
    Fields::of(v).expect("an object")
}

pub fn origin() -> Origin {
    Origin::test()
}

/// The (field, code) pairs of an `Invalid`, sorted.
pub fn codes(e: &enbek_core::input::Invalid) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = e.0.iter().map(|e| (e.field.clone(), e.code.as_str().to_owned())).collect();
    v.sort();
    v
}

pub fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    v.sort();
    v
}
