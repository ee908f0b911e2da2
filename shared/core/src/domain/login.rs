//! The login is the user's e-mail address or Kazakhstan mobile number (ACC-2), unique after
//! normalisation: e-mail trimmed and lower-cased, phone as `+77XXXXXXXXX`.

use crate::codes::Code;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// An e-mail address, trimmed and lower-cased.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, Code> {
        let normalised = s.trim().to_lowercase();
        if normalised.len() > 254 {
            return Err(Code::EmailInvalid);
        }
        let parsed = email_address::EmailAddress::from_str(&normalised).map_err(|_| Code::EmailInvalid)?;
        // A deliverable address has a dotted domain and no display-name or IP literal form.
        let domain = parsed.domain();
        if parsed.display_part() != "" || !domain.contains('.') || domain.starts_with('[') || domain.ends_with('.') {
            return Err(Code::EmailInvalid);
        }
        Ok(Email(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Kazakhstan mobile number in E.164 form, `+77XXXXXXXXX`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Accepts the usual ways of writing a KZ mobile number: `+7 7XX XXX XX XX`,
    /// `87XXXXXXXXX`, `8 (7XX) XXX-XX-XX`, `7 7XX…`. Numbering data comes from
    /// libphonenumber's metadata (the `phonenumber` crate), so only ranges really allocated to
    /// Kazakh mobile operators pass.
    pub fn parse(s: &str) -> Result<Self, Code> {
        let s = s.trim();
        let plus_ok = s.rfind('+').is_none_or(|i| i == 0);
        if s.is_empty() || s.len() > 32 || !plus_ok || !s.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            return Err(Code::PhoneInvalid);
        }
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        // "7 7XX…" written without the plus is the country code, not a trunk prefix.
        let candidate =
            if !s.starts_with('+') && digits.len() == 11 && digits.starts_with('7') { format!("+{digits}") } else { s.to_owned() };
        let number = phonenumber::parse(Some(phonenumber::country::Id::KZ), &candidate).map_err(|_| Code::PhoneInvalid)?;
        let national = number.national().value().to_string();
        let is_kz = number.country().id() == Some(phonenumber::country::Id::KZ);
        let is_mobile = matches!(
            number.number_type(&phonenumber::metadata::DATABASE),
            phonenumber::Type::Mobile | phonenumber::Type::FixedLineOrMobile
        );
        if number.code().value() != 7 || !is_kz || !is_mobile || national.len() != 10 || !national.starts_with('7') {
            return Err(Code::PhoneInvalid);
        }
        Ok(Phone(format!("+7{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A normalised login. Stored and sent as its text; reading it back from storage trusts the
/// stored (already normalised) form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Login {
    Email(Email),
    Phone(Phone),
}

impl Login {
    /// An e-mail if it contains `@`, otherwise a phone number; `login_invalid` otherwise.
    pub fn parse(s: &str) -> Result<Self, Code> {
        if s.contains('@') {
            Email::parse(s).map(Login::Email).map_err(|_| Code::LoginInvalid)
        } else {
            Phone::parse(s).map(Login::Phone).map_err(|_| Code::LoginInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Login::Email(e) => e.as_str(),
            Login::Phone(p) => p.as_str(),
        }
    }

    /// The e-mail address, when the login is one.
    pub fn email(&self) -> Option<&Email> {
        match self {
            Login::Email(e) => Some(e),
            Login::Phone(_) => None,
        }
    }
}

/// On the wire a login is its text: an e-mail, or a mobile number as `+77XXXXXXXXX`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Login {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An e-mail address (trimmed, lower-cased) or a Kazakhstan mobile number as +77XXXXXXXXX (ACC-2)."))
            .examples(["aigerim.nurlanovna@mail.kz", "+77011234567"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Login {}

impl From<Email> for Login {
    fn from(e: Email) -> Self {
        Login::Email(e)
    }
}

impl std::fmt::Display for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Login {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Login {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(if text.contains('@') { Login::Email(Email(text)) } else { Login::Phone(Phone(text)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_formats_normalise_to_e164() {
        let ok = [
            ("+7 701 234 56 78", "+77012345678"),
            ("+77012345678", "+77012345678"),
            ("87012345678", "+77012345678"),
            ("8 (701) 234-56-78", "+77012345678"),
            ("8-701-234-56-78", "+77012345678"),
            ("7 701 234 5678", "+77012345678"),
            ("77012345678", "+77012345678"),
            ("+7 (747) 123 45 67", "+77471234567"),
            ("8 775 123 45 67", "+77751234567"),
            ("+7 708 000 00 01", "+77080000001"),
        ];
        for (input, want) in ok {
            assert_eq!(Phone::parse(input).map(|p| p.0), Ok(want.to_owned()), "{input}");
        }
    }

    #[test]
    fn non_kazakh_mobile_numbers_are_refused() {
        let bad = [
            "+7 916 123 45 67", // Russian mobile (same country code 7)
            "+7 727 258 00 00", // Almaty landline
            "8 727 258 00 00",
            "+998 90 123 45 67", // Uzbekistan
            "701 234 56",        // too short
            "+7 701 234 56 789", // too long
            "+7 701 234 56 7a",
            "",
            "++77012345678",
        ];
        for input in bad {
            assert_eq!(Phone::parse(input), Err(Code::PhoneInvalid), "{input}");
        }
    }

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Aigerim.N@Mail.KZ ").unwrap().as_str(), "aigerim.n@mail.kz");
        for bad in ["no-at-sign", "a@b", "a@@b.kz", "Name <a@b.kz>", "a@[127.0.0.1]", "a b@c.kz", "@mail.kz", "a@mail.kz."] {
            assert_eq!(Email::parse(bad), Err(Code::EmailInvalid), "{bad}");
        }
    }

    #[test]
    fn login_is_email_or_phone_and_both_normalise() {
        assert_eq!(Login::parse("USER@Enbek.KZ").unwrap().as_str(), "user@enbek.kz");
        assert_eq!(Login::parse("8 (701) 234-56-78").unwrap().as_str(), "+77012345678");
        assert_eq!(Login::parse("+7 701 234 56 78"), Login::parse("87012345678"));
        for bad in ["user", "user@", "+7 916 123 45 67", "12345"] {
            assert_eq!(Login::parse(bad), Err(Code::LoginInvalid), "{bad}");
        }
    }
}
