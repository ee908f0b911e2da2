//! Vacancies (VAC-1, VAC-5) and employers' lay-off notices (VAC-2), and how the public search
//! finds them without a table scan.
//!
//! Search: every published vacancy is copied into a few **postings**, one per search partition
//! it belongs to — all vacancies, its region (9-digit KATO), its oblast (first 2 digits), its
//! occupation, and each distinct word of its title (case-folded). A search queries the one
//! partition of its most selective filter, newest first, and checks the other filters on the
//! posting itself; a page is one index query and reads no other item.

use super::{Bin, Email, Iin, PersonName, Phone};
use crate::codes::Code;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Words of a title that get a posting (the rest are still matched by the filter).
pub const MAX_TITLE_WORDS: usize = 20;

crate::string_enum! {
    pub enum EmploymentType { FullTime, PartTime, Temporary, Seasonal, Remote }
}

crate::string_enum! {
    pub enum VacancyStatus { Published, Closed }
}

crate::string_enum! {
    /// What an employer reports about a candidate (order No. 206 §33, second paragraph).
    pub enum OutcomeKind { InterviewInvitation, Hire }
}

/// What happened around a vacancy (VAC-6, order No. 206 §33): the responses AIS "Labor Market"
/// reports, and the invitations and hires its employer reports (which go to AIS). Shown to the
/// employer only.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VacancyActivity {
    #[serde(default)]
    pub responses_count: u32,
    /// When AIS counted them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub responses_as_of: Option<Timestamp>,
    #[serde(default)]
    pub invitations_count: u32,
    #[serde(default)]
    pub hires_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub updated_at: Option<Timestamp>,
}

/// An invitation to an interview, or a hire, reported by the vacancy's employer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidateOutcome {
    pub id: String,
    pub vacancy_id: String,
    pub kind: OutcomeKind,
    /// The registered person.
    pub iin: Iin,
    /// The interview's date, or the first working day.
    pub on: Date,
    pub reported_by: String,
    pub reported_at: Timestamp,
}

/// A 9-digit KATO code (the classifier of administrative-territorial objects).
pub fn parse_kato(s: &str) -> Result<String, Code> {
    let s = s.trim();
    if s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with("00") {
        Ok(s.to_owned())
    } else {
        Err(Code::InvalidValue)
    }
}

/// A code of the National Classifier of Occupations: 4 digits (the unit group), optionally
/// followed by digits of a finer level, 4 to 9 digits in all.
pub fn parse_occupation(s: &str) -> Result<String, Code> {
    let s = s.trim();
    if (4..=9).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(Code::InvalidValue)
    }
}

/// Case-folds a word for search: lower case in every script (Kazakh Ә, Ғ, Қ, Ң, Ө, Ұ, Ү, Һ, І
/// included), and ё as е.
pub fn fold(word: &str) -> String {
    word.chars().flat_map(char::to_lowercase).map(|c| if c == 'ё' { 'е' } else { c }).collect()
}

/// The distinct folded words of a text (letters and digits; at least 2 characters).
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 2) {
        let f = fold(w);
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vacancy {
    pub id: String,
    pub status: VacancyStatus,
    pub title: String,
    pub description: String,
    pub occupation_code: String,
    pub region_code: String,
    pub salary_from: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salary_to: Option<u64>,
    pub employment_type: EmploymentType,
    pub positions: u32,
    pub contact_name: PersonName,
    pub contact_phone: Phone,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<Email>,
    pub valid_until: Date,
    /// From the employer's account, never from the body (VAC-5).
    pub employer_id: String,
    pub employer_bin: Bin,
    pub company_name: String,
    pub published_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

impl Vacancy {
    /// The search partitions this vacancy is listed in while published.
    pub fn partitions(&self) -> Vec<String> {
        let mut p = vec![
            partition::all(),
            partition::region(&self.region_code),
            partition::oblast(&self.region_code),
            partition::occupation(&self.occupation_code),
        ];
        p.extend(words(&self.title).iter().take(MAX_TITLE_WORDS).map(|w| partition::word(w)));
        p
    }

    /// Listed: published and `valid_until` not passed (`today` in Asia/Almaty).
    pub fn is_listed(&self, today: Date) -> bool {
        self.status == VacancyStatus::Published && self.valid_until >= today
    }
}

/// Search partition names (the postings' gsi1 partition keys).
pub mod partition {
    pub fn all() -> String {
        "VAC#ALL".to_owned()
    }
    pub fn region(kato: &str) -> String {
        format!("VAC#REGION#{kato}")
    }
    pub fn oblast(kato: &str) -> String {
        format!("VAC#OBLAST#{}", &kato[..kato.len().min(2)])
    }
    pub fn occupation(code: &str) -> String {
        format!("VAC#OCC#{code}")
    }
    pub fn word(folded: &str) -> String {
        format!("VAC#WORD#{folded}")
    }
}

/// What a public search asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VacancySearch {
    /// A 9-digit KATO code (exact), or a 2-digit oblast prefix.
    pub region: Option<String>,
    pub occupation_code: Option<String>,
    /// Folded words that must all be in the title.
    pub words: Vec<String>,
}

impl VacancySearch {
    /// The partition to query: the most selective filter given (a title word, then the
    /// occupation, then the region or oblast, else all vacancies).
    pub fn partition(&self) -> String {
        if let Some(w) = self.words.iter().max_by_key(|w| w.chars().count()) {
            return partition::word(w);
        }
        if let Some(c) = &self.occupation_code {
            return partition::occupation(c);
        }
        match self.region.as_deref() {
            Some(r) if r.len() == 9 => partition::region(r),
            Some(r) => partition::oblast(r),
            None => partition::all(),
        }
    }
}

/// A worker category affected by a lay-off (VAC-2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AffectedGroup {
    pub position: String,
    pub occupation_code: String,
    pub qualification: String,
    /// Monthly pay in whole tenge.
    pub salary: u64,
    pub count: u32,
}

/// An employer's notice of upcoming lay-offs (VAC-2): not public, sent to AIS "Labor Market".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayoffNotice {
    pub id: String,
    pub reason: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub affected: Vec<AffectedGroup>,
    pub employer_id: String,
    pub employer_bin: Bin,
    pub company_name: String,
    pub submitted_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kazakh_and_russian_words_fold_case_insensitively() {
        assert_eq!(fold("ЖҰМЫС"), "жұмыс");
        assert_eq!(fold("ӘЛЕУМЕТТІК Қызметкер"), "әлеуметтік қызметкер");
        assert_eq!(fold("Ёлочный"), "елочный");
        assert_eq!(words("Бухгалтер / БУХГАЛТЕР-кассир, 1С"), vec!["бухгалтер", "кассир", "1с"]);
    }

    #[test]
    fn codes_are_digits_of_the_right_length() {
        assert!(parse_kato("751110000").is_ok());
        for bad in ["75111000", "7511100001", "75111000a", "000000000"] {
            assert!(parse_kato(bad).is_err(), "{bad}");
        }
        assert!(parse_occupation("2411").is_ok() && parse_occupation("241105").is_ok());
        assert!(parse_occupation("241").is_err() && parse_occupation("24-11").is_err());
    }

    #[test]
    fn a_search_queries_its_most_selective_partition() {
        let s = |region: Option<&str>, occ: Option<&str>, words: &[&str]| VacancySearch {
            region: region.map(str::to_owned),
            occupation_code: occ.map(str::to_owned),
            words: words.iter().map(|w| w.to_string()).collect(),
        };
        assert_eq!(s(None, None, &[]).partition(), "VAC#ALL");
        assert_eq!(s(Some("751110000"), None, &[]).partition(), "VAC#REGION#751110000");
        assert_eq!(s(Some("75"), None, &[]).partition(), "VAC#OBLAST#75");
        assert_eq!(s(Some("75"), Some("2411"), &[]).partition(), "VAC#OCC#2411");
        assert_eq!(s(Some("75"), Some("2411"), &["жұмыс", "бухгалтер"]).partition(), "VAC#WORD#бухгалтер");
    }
}
