//! IIN (individual identification number) and BIN (business identification number) of the
//! Republic of Kazakhstan: 12 digits, the last a check digit computed by the official
//! two-pass weighted mod-11 algorithm (ACC-6).

use crate::codes::Code;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

const FIRST_PASS: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const SECOND_PASS: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

fn digits(s: &str) -> Option<[u32; 12]> {
    let s = s.trim();
    if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = [0u32; 12];
    for (slot, b) in out.iter_mut().zip(s.bytes()) {
        *slot = u32::from(b - b'0');
    }
    Some(out)
}

/// The check digit of the first 11 digits, or `None` when both passes give 10 — such numbers
/// are never issued.
pub fn check_digit(first11: &[u32]) -> Option<u32> {
    let weighted = |w: &[u32; 11]| first11.iter().zip(w).map(|(d, w)| d * w).sum::<u32>() % 11;
    match weighted(&FIRST_PASS) {
        10 => match weighted(&SECOND_PASS) {
            10 => None,
            c => Some(c),
        },
        c => Some(c),
    }
}

fn checksum_ok(d: &[u32; 12]) -> bool {
    check_digit(&d[..11]) == Some(d[11])
}

/// Individual identification number. Debug output is masked so it never reaches a log whole.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Iin(String);

impl Iin {
    /// 12 digits, a real birth date (YYMMDD with the century from the 7th digit: 1–2 → 1800s,
    /// 3–4 → 1900s, 5–6 → 2000s) and a correct check digit.
    pub fn parse(s: &str) -> Result<Self, Code> {
        let d = digits(s).ok_or(Code::IinInvalid)?;
        let century = match d[6] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            5 | 6 => 2000,
            _ => return Err(Code::IinInvalid),
        };
        let year = century + (d[0] * 10 + d[1]) as i16;
        let month = (d[2] * 10 + d[3]) as i8;
        let day = (d[4] * 10 + d[5]) as i8;
        Date::new(year, month, day).map_err(|_| Code::IinInvalid)?;
        if !checksum_ok(&d) {
            return Err(Code::IinInvalid);
        }
        Ok(Iin(s.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        let d: Vec<i16> = self.0.bytes().map(|b| i16::from(b - b'0')).collect();
        let century = match d[6] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            _ => 2000,
        };
        Date::new(century + d[0] * 10 + d[1], (d[2] * 10 + d[3]) as i8, (d[4] * 10 + d[5]) as i8).unwrap_or(Date::MIN)
    }

    /// `87********16` — for logs.
    pub fn masked(&self) -> String {
        crate::telemetry::mask(&self.0)
    }
}

impl fmt::Debug for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iin({})", self.masked())
    }
}

/// Business identification number of a legal entity: YYMM of registration, the kind of
/// entity (4 resident, 5 non-resident, 6 joint business), a subdivision digit, a serial
/// number and the check digit.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bin(String);

impl Bin {
    pub fn parse(s: &str) -> Result<Self, Code> {
        let d = digits(s).ok_or(Code::BinInvalid)?;
        let month = d[2] * 10 + d[3];
        if !(1..=12).contains(&month) || !(4..=6).contains(&d[4]) || d[5] > 4 {
            return Err(Code::BinInvalid);
        }
        if !checksum_ok(&d) {
            return Err(Code::BinInvalid);
        }
        Ok(Bin(s.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Completes 11 digits with their check digit (panics for never-issued prefixes).
    fn complete(first11: &str) -> String {
        let d: Vec<u32> = first11.bytes().map(|b| u32::from(b - b'0')).collect();
        format!("{first11}{}", check_digit(&d).unwrap())
    }

    #[test]
    fn first_pass_check_digit() {
        // Weights 1..11 over 8 7 0 4 1 2 3 0 0 4 1: 8+14+0+16+5+12+21+0+0+40+11 = 127;
        // 127 mod 11 = 6.
        let d: Vec<u32> = "87041230041".bytes().map(|b| u32::from(b - b'0')).collect();
        assert_eq!(check_digit(&d), Some(6));
        assert!(Iin::parse("870412300416").is_ok());
        assert_eq!(Iin::parse("870412300413"), Err(Code::IinInvalid));
    }

    #[test]
    fn second_pass_weights_are_used_when_the_first_gives_ten() {
        // Find a real prefix whose first pass gives 10, and check the second pass decides.
        let mut found = 0;
        for serial in 0..2000u32 {
            let first11 = format!("900101{}{:04}", 3, serial);
            let d: Vec<u32> = first11.bytes().map(|b| u32::from(b - b'0')).collect();
            let first = d.iter().zip(FIRST_PASS.iter()).map(|(a, b)| a * b).sum::<u32>() % 11;
            if first != 10 {
                continue;
            }
            let second = d.iter().zip(SECOND_PASS.iter()).map(|(a, b)| a * b).sum::<u32>() % 11;
            if second == 10 {
                continue;
            }
            found += 1;
            let good = format!("{first11}{second}");
            assert!(Iin::parse(&good).is_ok(), "{good}");
            // The first pass's 10 is never a digit; any other digit than the second pass's fails.
            let bad = format!("{first11}{}", (second + 1) % 10);
            assert_eq!(Iin::parse(&bad), Err(Code::IinInvalid), "{bad}");
        }
        assert!(found > 10);
    }

    #[test]
    fn never_issued_numbers_are_refused_whatever_their_last_digit() {
        let mut found = 0;
        for serial in 0..5000u32 {
            let first11 = format!("850505{}{:04}", 4, serial);
            let d: Vec<u32> = first11.bytes().map(|b| u32::from(b - b'0')).collect();
            if check_digit(&d).is_none() {
                found += 1;
                for last in 0..10 {
                    assert_eq!(Iin::parse(&format!("{first11}{last}")), Err(Code::IinInvalid));
                }
            }
        }
        assert!(found > 0, "expected at least one never-issued prefix");
    }

    #[test]
    fn iin_table() {
        let cases: &[(&str, bool, &str)] = &[
            (&complete("87041230041"), true, "1987-04-12, century digit 3"),
            (&complete("00022950001"), true, "2000-02-29 leap day, century digit 5"),
            (&complete("99123140001"), true, "1999-12-31"),
            (&complete("85010120001"), true, "1885, century digit 2"),
            (&complete("01022950001"), false, "2001-02-29 does not exist"),
            (&complete("87133130041"), false, "month 13"),
            (&complete("87043130041"), false, "30 April + 1"),
            (&complete("87041270041"), false, "century digit 7"),
            (&complete("87041200041"), false, "century digit 0"),
            ("87041230041", false, "11 digits"),
            ("8704123004133", false, "13 digits"),
            ("87041230041a", false, "letter"),
            ("", false, "empty"),
        ];
        for (iin, ok, why) in cases {
            assert_eq!(Iin::parse(iin).is_ok(), *ok, "{iin}: {why}");
        }
        assert_eq!(Iin::parse(&complete("87041230041")).unwrap().birth_date(), jiff::civil::date(1987, 4, 12));
    }

    #[test]
    fn bin_table() {
        let cases: &[(&str, bool, &str)] = &[
            (&complete("04084000019"), true, "resident legal entity, Aug 2004"),
            (&complete("15125000123"), true, "non-resident, Dec 2015"),
            (&complete("21016100001"), true, "joint business"),
            (&complete("04134000019"), false, "month 13"),
            (&complete("04004000019"), false, "month 00"),
            (&complete("04083000019"), false, "kind 3 is an IIN-like digit"),
            (&complete("04084900019"), false, "subdivision 9"),
            ("040840000190x", false, "garbage"),
        ];
        for (bin, ok, why) in cases {
            assert_eq!(Bin::parse(bin).is_ok(), *ok, "{bin}: {why}");
        }
        let good = complete("04084000019");
        let bad = format!("{}{}", &good[..11], (good.as_bytes()[11] - b'0' + 1) % 10);
        assert_eq!(Bin::parse(&bad), Err(Code::BinInvalid));
    }

    #[test]
    fn debug_output_is_masked() {
        let iin = Iin::parse(&complete("87041230041")).unwrap();
        assert!(!format!("{iin:?}").contains(iin.as_str()));
    }
}
