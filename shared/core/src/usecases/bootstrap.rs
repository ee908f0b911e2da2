//! The first security administrator. Every other staff account comes from an approved access
//! request (ACS-1); this one is created once, by the `bootstrap-admin` function in AWS or by
//! the local stack's seed.

use crate::audit::{AuditEntry, Origin};
use crate::calendar::local_date;
use crate::clock::Clock;
use crate::domain::{password, Account, JournalRow, Login, PersonName, Role};
use crate::password::PasswordHasher;
use crate::ports::{AccountStore, CreateAccountError, UniqueKey};

#[derive(Debug)]
pub struct FirstAdmin {
    pub account_id: String,
    pub login: Login,
    /// The registration-journal number of the issued login (ACS-6).
    pub journal_number: u64,
    /// Shown once to the operator; stored only as its hash.
    pub temporary_password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("invalid input: {0}")]
    Invalid(&'static str),
    #[error("the first security administrator already exists")]
    AlreadyBootstrapped,
    #[error("the login is taken by another account")]
    LoginTaken,
    #[error(transparent)]
    Hash(#[from] crate::password::HashError),
    #[error(transparent)]
    Store(#[from] crate::ports::StoreError),
}

/// Creates the first security administrator with a temporary password (ACS-5) that opens the
/// account for `temporary_password_ttl`, and enters the issued login in the registration
/// journal (ACS-6; note: initial administrator). Runs once: a second call is
/// `AlreadyBootstrapped`.
pub async fn create_first_admin(
    store: &dyn AccountStore,
    hasher: &dyn PasswordHasher,
    clock: &dyn Clock,
    temporary_password_ttl: jiff::SignedDuration,
    login: &str,
    last_name: &str,
    first_name: &str,
) -> Result<FirstAdmin, BootstrapError> {
    let login = Login::parse(login).map_err(|_| BootstrapError::Invalid("login"))?;
    let last = PersonName::parse(last_name).map_err(|_| BootstrapError::Invalid("last_name"))?;
    let first = PersonName::parse(first_name).map_err(|_| BootstrapError::Invalid("first_name"))?;
    let temporary = password::temporary();
    let hash = hasher.hash(&temporary).await?;
    let now = clock.now();
    let mut account = Account::new(login, Role::SecurityAdmin, last, first, hash, now);
    account.must_change_password = true;
    account.temporary_password_expires_at = now.checked_add(temporary_password_ttl).ok();
    let today = local_date(now);
    let journal = JournalRow {
        number: 0,
        region: None,
        letter_number: "—".into(),
        letter_date: today,
        incoming_number: "bootstrap".into(),
        incoming_date: today,
        user_full_name: account.full_name(),
        login: account.login.clone(),
        systems: vec!["Электронная биржа труда / Электрондық еңбек биржасы".into()],
        registered_at: now,
        basis: "первоначальная настройка системы / жүйені алғашқы баптау".into(),
        administrator: "система / жүйе (bootstrap-admin)".into(),
        note: "первоначальный администратор безопасности / бастапқы қауіпсіздік әкімшісі".into(),
        registration_completed_at: None,
        account_id: account.id.clone(),
        request_id: "bootstrap".into(),
    };
    let origin = Origin::system("bootstrap");
    let audit = AuditEntry::new(account.created_at, "system:bootstrap", "account.bootstrapped", format!("account:{}", account.id), &origin);
    match store.create_issued(&account, &[UniqueKey::FirstSecurityAdmin], &journal, &audit).await {
        Ok(journal_number) => {
            Ok(FirstAdmin { account_id: account.id, login: account.login, journal_number, temporary_password: temporary })
        }
        Err(CreateAccountError::Taken(UniqueKey::FirstSecurityAdmin)) => Err(BootstrapError::AlreadyBootstrapped),
        Err(CreateAccountError::Taken(_)) => Err(BootstrapError::LoginTaken),
        Err(CreateAccountError::Store(e)) => Err(e.into()),
    }
}

/// The local stack's seed (API.md "Local seed"): a security administrator with a known
/// password and no forced change. Never used in AWS. Does nothing if the login exists.
pub async fn seed_local_admin(
    store: &dyn AccountStore,
    hasher: &dyn PasswordHasher,
    clock: &dyn Clock,
    login: &str,
    password: &str,
) -> Result<bool, BootstrapError> {
    let login = Login::parse(login).map_err(|_| BootstrapError::Invalid("login"))?;
    if store.find_by_login(&login).await?.is_some() {
        return Ok(false);
    }
    let name = PersonName::parse("Әкімші").map_err(|_| BootstrapError::Invalid("name"))?;
    let hash = hasher.hash(password).await?;
    let account = Account::new(login, Role::SecurityAdmin, name.clone(), name, hash, clock.now());
    let origin = Origin::system("local-seed");
    let audit = AuditEntry::new(account.created_at, "system:local-seed", "account.seeded", format!("account:{}", account.id), &origin);
    match store.create(&account, &[UniqueKey::FirstSecurityAdmin], &audit).await {
        Ok(()) => Ok(true),
        Err(CreateAccountError::Taken(_)) => Ok(false),
        Err(CreateAccountError::Store(e)) => Err(e.into()),
    }
}
