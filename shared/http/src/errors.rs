//! The one place where use-case errors become HTTP answers: status, stable code, extras.

use crate::auth::extract::blocked_error;
use crate::error::ApiError;
use enbek_core::codes::Code;
use enbek_core::input::{Invalid, Malformed};
use enbek_core::password::HashError;
use enbek_core::ports::StoreError;
use enbek_core::usecases::access::AccessError;
use enbek_core::usecases::accounts::{BlockError, ChangePasswordError, RegisterError};
use enbek_core::usecases::grants::GrantError;
use enbek_core::usecases::sessions::SignInError;
use enbek_core::usecases::tickets::TicketError;
use enbek_core::usecases::vacancies::VacancyError;
use http::StatusCode;

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::validation(e.0)
    }
}

impl From<Malformed> for ApiError {
    fn from(_: Malformed) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, Code::MalformedBody)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => ApiError::unavailable(&e),
            StoreError::Other(_) => ApiError::internal(&e),
            StoreError::Conflict => ApiError::conflict(Code::ConcurrentUpdate),
            StoreError::InvalidCursor => ApiError::invalid_cursor(),
        }
    }
}

impl From<HashError> for ApiError {
    fn from(e: HashError) -> Self {
        ApiError::internal(&e)
    }
}

impl From<RegisterError> for ApiError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::LoginTaken => ApiError::conflict(Code::LoginTaken),
            RegisterError::PersonHasAccount => ApiError::conflict(Code::PersonHasAccount),
            RegisterError::TooManyRequests(secs) => ApiError::too_many(Code::TooManyAttempts, secs),
            RegisterError::Hash(e) => e.into(),
            RegisterError::Store(e) => e.into(),
        }
    }
}

impl From<ChangePasswordError> for ApiError {
    fn from(e: ChangePasswordError) -> Self {
        match e {
            ChangePasswordError::TooManyAttempts(secs) => ApiError::too_many(Code::TooManyAttempts, secs),
            ChangePasswordError::WrongCurrentPassword => ApiError::field("current_password", Code::PasswordIncorrect),
            ChangePasswordError::Conflict => ApiError::conflict(Code::ConcurrentUpdate),
            ChangePasswordError::Hash(e) => e.into(),
            ChangePasswordError::Store(e) => e.into(),
        }
    }
}

impl From<BlockError> for ApiError {
    fn from(e: BlockError) -> Self {
        match e {
            BlockError::Forbidden => ApiError::forbidden(),
            BlockError::Invalid(e) => e.into(),
            BlockError::NotFound => ApiError::not_found(),
            BlockError::SelfBlock => ApiError::conflict(Code::CannotBlockSelf),
            BlockError::Store(e) => e.into(),
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::InvalidCredentials => ApiError::new(StatusCode::UNAUTHORIZED, Code::InvalidCredentials),
            SignInError::Blocked(reason) => blocked_error(Some(reason)),
            SignInError::TemporaryPasswordExpired => ApiError::new(StatusCode::UNAUTHORIZED, Code::TemporaryPasswordExpired),
            SignInError::TooManyAttempts(secs) => ApiError::too_many(Code::TooManyAttempts, secs),
            SignInError::Hash(e) => e.into(),
            SignInError::Store(e) => e.into(),
        }
    }
}

impl From<TicketError> for ApiError {
    fn from(e: TicketError) -> Self {
        match e {
            TicketError::Invalid(e) => e.into(),
            TicketError::Unauthenticated => ApiError::unauthenticated(),
            TicketError::Forbidden => ApiError::forbidden(),
            TicketError::NotFound => ApiError::not_found(),
            TicketError::TooManyRequests(secs) => ApiError::too_many(Code::TooManyAttempts, secs),
            TicketError::InvalidTransition { current } => {
                ApiError::conflict(Code::InvalidTransition).with_extension("current_status", current.as_str())
            }
            TicketError::Store(e) => e.into(),
        }
    }
}

impl From<VacancyError> for ApiError {
    fn from(e: VacancyError) -> Self {
        match e {
            VacancyError::Invalid(e) => e.into(),
            VacancyError::Forbidden => ApiError::forbidden(),
            VacancyError::NotFound => ApiError::not_found(),
            VacancyError::AlreadyClosed => ApiError::conflict(Code::AlreadyClosed),
            VacancyError::PositionsFilled => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::PositionsFilled),
            VacancyError::BrokenEmployer(_) => ApiError::internal(&e),
            VacancyError::Store(e) => e.into(),
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Invalid(e) => e.into(),
            AccessError::Forbidden => ApiError::forbidden(),
            AccessError::NotFound => ApiError::not_found(),
            AccessError::DuplicateRequest => ApiError::conflict(Code::DuplicateRequest),
            AccessError::AlreadyDecided => ApiError::conflict(Code::AlreadyDecided),
            AccessError::PersonHasLogin => ApiError::conflict(Code::PersonHasLogin),
            AccessError::AccountNotFound => ApiError::conflict(Code::AccountNotFound),
            AccessError::LoginTaken => ApiError::conflict(Code::LoginTaken),
            AccessError::ConcurrentUpdate => ApiError::conflict(Code::ConcurrentUpdate),
            AccessError::Hash(e) => e.into(),
            AccessError::Store(e) => e.into(),
        }
    }
}

impl From<GrantError> for ApiError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::Invalid(e) => e.into(),
            GrantError::Forbidden => ApiError::forbidden(),
            GrantError::NotFound => ApiError::not_found(),
            GrantError::Exceeded => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::GrantExceeded),
            GrantError::AlreadyDecided => ApiError::conflict(Code::AlreadyDecided),
            GrantError::Store(e) => e.into(),
        }
    }
}
