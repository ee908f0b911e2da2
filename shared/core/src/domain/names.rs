//! Personal names: letters of any script (Kazakh, Russian, Latin), spaces, hyphens and
//! apostrophes; at most 100 characters.

use crate::codes::Code;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(s: &str) -> Result<Self, Code> {
        let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(Code::Required);
        }
        let ok = collapsed.chars().count() <= 100
            && collapsed.chars().any(char::is_alphabetic)
            && collapsed.chars().all(|c| c.is_alphabetic() || " -'’ʼ.".contains(c));
        if ok {
            Ok(PersonName(collapsed))
        } else {
            Err(Code::NameInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PersonName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kazakh_russian_and_latin_names_pass_digits_do_not() {
        for ok in ["Әлихан", "Нұрсұлтанқызы", "Иванов-Петров", "O'Connor", "Жанна  Мария"] {
            assert!(PersonName::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(PersonName::parse("  Жанна   Мария ").unwrap().as_str(), "Жанна Мария");
        for bad in ["R2D2", "<script>", "---", &"а".repeat(101)] {
            assert_eq!(PersonName::parse(bad), Err(Code::NameInvalid), "{bad}");
        }
        assert_eq!(PersonName::parse("   "), Err(Code::Required));
    }
}
