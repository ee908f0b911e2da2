//! The Kazakhstan working-day calendar (TKT-4) and answer deadlines counted in working days
//! (TKT-2: 3 working days, 10 for a defect; ACS-4: 3 working days).
//!
//! Days off: Saturdays and Sundays; the public holidays fixed by law (1–2 Jan, 7 Jan, 8 Mar,
//! 21–23 Mar, 1 May, 7 May, 9 May, 6 Jul, 30 Aug, 25 Oct, 16 Dec) and the first day of Kurban
//! Ait, whose date is set each year. A secular holiday that falls on a Saturday or Sunday moves
//! to the next working day; 7 January and Kurban Ait (religious holidays) do not. The
//! government also transfers days off by decree, which can make a weekday a day off and a
//! weekend day a working day. Kurban Ait and the transfers are data
//! (`shared/data/kz-calendar.json`), per year; a year without data is computed from the rules
//! alone, without Kurban Ait, and logs a warning.
//!
//! Deadlines: the working day ends at 18:00 in Asia/Almaty (UTC+5 all year since 1 March 2024;
//! the time-zone database is bundled into the binary). A request received after 18:00 or on a
//! day off is treated as received on the next working day; the deadline is 18:00 of the N-th
//! working day after the (effective) day of receipt.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

pub const TIME_ZONE: &str = "Asia/Almaty";
/// End of the working day.
pub const DAY_ENDS_AT: Time = Time::constant(18, 0, 0, 0);

/// (month, day) of the secular public holidays: moved to the next working day when on a weekend.
const SECULAR_HOLIDAYS: &[(i8, i8)] =
    &[(1, 1), (1, 2), (3, 8), (3, 21), (3, 22), (3, 23), (5, 1), (5, 7), (5, 9), (7, 6), (8, 30), (10, 25), (12, 16)];
/// Orthodox Christmas: a day off, never moved.
const ORTHODOX_CHRISTMAS: (i8, i8) = (1, 7);

#[derive(Deserialize)]
struct CalendarFile {
    years: BTreeMap<i16, YearFile>,
}

#[derive(Deserialize)]
struct YearFile {
    kurban_ait: Date,
    #[serde(default)]
    transfers: Vec<Transfer>,
}

#[derive(Deserialize)]
struct Transfer {
    day_off: Date,
    work_day: Date,
}

/// Days off and extra working days of one year.
#[derive(Debug, Default)]
struct Year {
    days_off: HashSet<Date>,
    extra_work_days: HashSet<Date>,
}

#[derive(Debug)]
pub struct WorkCalendar {
    years: BTreeMap<i16, Year>,
    tz: TimeZone,
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn next_day(d: Date) -> Date {
    d.tomorrow().unwrap_or(d)
}

/// The days off of `year` from the rules, plus Kurban Ait when known.
fn rule_days_off(year: i16, kurban_ait: Option<Date>) -> HashSet<Date> {
    let mut off = HashSet::new();
    let mut secular: Vec<Date> = SECULAR_HOLIDAYS.iter().filter_map(|&(m, d)| Date::new(year, m, d).ok()).collect();
    secular.sort();
    off.extend(secular.iter().copied());
    off.extend(Date::new(year, ORTHODOX_CHRISTMAS.0, ORTHODOX_CHRISTMAS.1).ok());
    off.extend(kurban_ait);
    // A secular holiday on a weekend moves to the next day that is neither a weekend nor
    // already off (so 21–23 March on Fri–Sun gives Mon and Tue).
    for day in secular.into_iter().filter(|d| is_weekend(*d)) {
        let mut moved = next_day(day);
        while is_weekend(moved) || off.contains(&moved) {
            moved = next_day(moved);
        }
        off.insert(moved);
    }
    off
}

impl WorkCalendar {
    /// The calendar with the data shipped in `shared/data/kz-calendar.json`.
    pub fn kazakhstan() -> &'static WorkCalendar {
        static CALENDAR: OnceLock<WorkCalendar> = OnceLock::new();
        CALENDAR.get_or_init(|| {
            WorkCalendar::from_json(include_str!("../data/kz-calendar.json")).unwrap_or_else(|e| {
                // The file is checked by a unit test; this keeps a broken edit from panicking.
                tracing::error!(error = %e, "calendar data unreadable; using the rules only");
                WorkCalendar { years: BTreeMap::new(), tz: almaty() }
            })
        })
    }

    pub fn from_json(json: &str) -> Result<Self, String> {
        let file: CalendarFile = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut years = BTreeMap::new();
        for (year, data) in file.years {
            if data.kurban_ait.year() != year {
                return Err(format!("{year}: Kurban Ait {} is not in that year", data.kurban_ait));
            }
            let mut y = Year { days_off: rule_days_off(year, Some(data.kurban_ait)), ..Year::default() };
            for t in data.transfers {
                if is_weekend(t.day_off) || !is_weekend(t.work_day) {
                    return Err(format!("{year}: a transfer moves a weekday off to a weekend day, not {} → {}", t.day_off, t.work_day));
                }
                y.days_off.insert(t.day_off);
                y.extra_work_days.insert(t.work_day);
            }
            years.insert(year, y);
        }
        Ok(Self { years, tz: almaty() })
    }

    /// The years with calendar data.
    pub fn known_years(&self) -> Vec<i16> {
        self.years.keys().copied().collect()
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.years.get(&d.year()) {
            Some(y) => y.extra_work_days.contains(&d) || (!is_weekend(d) && !y.days_off.contains(&d)),
            None => {
                static WARNED: OnceLock<()> = OnceLock::new();
                WARNED.get_or_init(|| {
                    tracing::warn!(
                        year = d.year(),
                        "no production calendar data for this year: using the rules only (no Kurban Ait, no transfers)"
                    )
                });
                !is_weekend(d) && !rule_days_off(d.year(), None).contains(&d)
            }
        }
    }

    /// The first working day after `d`.
    pub fn next_working_day(&self, d: Date) -> Date {
        let mut next = next_day(d);
        while !self.is_working_day(next) {
            next = next_day(next);
        }
        next
    }

    /// 18:00 Asia/Almaty of the `working_days`-th working day after receipt (see the module
    /// documentation for receipts after hours and on days off).
    pub fn due_at(&self, received: Timestamp, working_days: u32) -> Timestamp {
        let local = received.to_zoned(self.tz.clone());
        let date = local.date();
        let mut day = if self.is_working_day(date) && local.time() < DAY_ENDS_AT { date } else { self.next_working_day(date) };
        for _ in 0..working_days {
            day = self.next_working_day(day);
        }
        day.to_datetime(DAY_ENDS_AT)
            .to_zoned(self.tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or_else(|_| received.checked_add((i64::from(working_days) * 24).hours()).unwrap_or(received))
    }
}

/// The calendar date in Asia/Almaty at `ts` (ticket-number years, "today" for date rules).
pub fn local_date(ts: Timestamp) -> Date {
    ts.to_zoned(almaty()).date()
}

/// The start (00:00 Asia/Almaty) of a calendar day.
pub fn day_start(d: Date) -> Result<Timestamp, jiff::Error> {
    d.to_zoned(almaty()).map(|z| z.timestamp())
}

/// Asia/Almaty, from the time-zone database bundled into the binary.
pub fn almaty() -> TimeZone {
    // Bundled database (jiff's `tzdb-bundle-always`): present on every target, Lambda included.
    TimeZone::get(TIME_ZONE).unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(5)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn cal() -> &'static WorkCalendar {
        WorkCalendar::kazakhstan()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_data_loads_and_covers_2025_to_2027() {
        let c = WorkCalendar::from_json(include_str!("../data/kz-calendar.json")).unwrap();
        assert_eq!(c.known_years(), vec![2025, 2026, 2027]);
    }

    #[test]
    fn days_of_the_kazakhstan_calendar() {
        let cases: &[(Date, bool, &str)] = &[
            (date(2025, 1, 1), false, "New Year"),
            (date(2025, 1, 3), false, "2025: Friday 3 Jan made a day off by decree"),
            (date(2025, 1, 5), true, "2025: Sunday 5 Jan made a working day by decree"),
            (date(2025, 1, 6), true, "ordinary Monday"),
            (date(2025, 1, 7), false, "Orthodox Christmas on a Tuesday"),
            (date(2025, 3, 8), false, "Saturday and Women's Day"),
            (date(2025, 3, 10), false, "Women's Day on Saturday moves to Monday"),
            (date(2025, 3, 21), false, "Nauryz, Friday"),
            (date(2025, 3, 24), false, "Nauryz on Saturday moves to Monday"),
            (date(2025, 3, 25), false, "Nauryz on Sunday moves to Tuesday"),
            (date(2025, 3, 26), true, "after Nauryz"),
            (date(2025, 6, 6), false, "Kurban Ait 2025"),
            (date(2025, 7, 7), false, "Capital Day on Sunday moves to Monday"),
            (date(2025, 9, 1), false, "Constitution Day on Saturday moves to Monday"),
            (date(2025, 10, 27), false, "Republic Day on Saturday moves to Monday"),
            (date(2025, 12, 16), false, "Independence Day"),
            (date(2025, 12, 17), true, "17 December is no longer a holiday"),
            (date(2026, 3, 9), false, "2026: Women's Day on Sunday moves to Monday"),
            (date(2026, 3, 24), false, "2026: Nauryz Saturday moves past Monday's Nauryz to Tuesday"),
            (date(2026, 3, 25), false, "2026: Nauryz Sunday moves to Wednesday"),
            (date(2026, 3, 26), true, "2026: Thursday after Nauryz"),
            (date(2026, 5, 11), false, "2026: Victory Day on Saturday moves to Monday"),
            (date(2026, 5, 27), false, "Kurban Ait 2026"),
            (date(2027, 5, 16), false, "Kurban Ait 2027, a Sunday"),
            (date(2027, 5, 17), true, "Kurban Ait does not move"),
            (date(2028, 1, 7), false, "fallback year: Christmas on a Friday"),
            (date(2028, 1, 10), true, "fallback year: ordinary Monday"),
            (date(2023, 1, 9), true, "fallback year: Christmas on Saturday 7 Jan does not move"),
        ];
        for (d, working, why) in cases {
            assert_eq!(cal().is_working_day(*d), *working, "{d}: {why}");
        }
    }

    #[test]
    fn asia_almaty_is_utc_plus_5_since_1_march_2024() {
        let tz = almaty();
        assert_eq!(ts("2024-02-28T12:00:00Z").to_zoned(tz.clone()).offset(), jiff::tz::offset(6));
        assert_eq!(ts("2024-03-01T12:00:00Z").to_zoned(tz.clone()).offset(), jiff::tz::offset(5));
        assert_eq!(ts("2026-07-01T12:00:00Z").to_zoned(tz).offset(), jiff::tz::offset(5));
    }

    #[test]
    fn deadlines_in_working_days_tkt_2_acs_4() {
        let cases: &[(&str, u32, &str, &str)] = &[
            // Monday 10:00 Almaty → Tue, Wed, Thu.
            ("2026-02-02T05:00:00Z", 3, "2026-02-05T13:00:00Z", "within working hours"),
            // 17:59:59 Almaty still counts that day; 18:00 counts from the next one (UTC+5).
            ("2026-03-02T12:59:59Z", 3, "2026-03-05T13:00:00Z", "just before 18:00"),
            ("2026-03-02T13:00:00Z", 3, "2026-03-06T13:00:00Z", "at 18:00: from Tuesday"),
            // 23:59 Monday and 00:00 Tuesday Almaty: both effectively Tuesday.
            ("2026-03-02T18:59:00Z", 3, "2026-03-06T13:00:00Z", "late Monday"),
            ("2026-03-02T19:00:00Z", 3, "2026-03-06T13:00:00Z", "midnight in Almaty is still Monday in UTC"),
            // Received Saturday → effective Monday.
            ("2026-02-07T06:00:00Z", 3, "2026-02-12T13:00:00Z", "on a weekend"),
            // Over Nauryz 2026 (21–25 March off, 26 working).
            ("2026-03-20T04:00:00Z", 3, "2026-03-30T13:00:00Z", "Friday before Nauryz"),
            // Year boundary: Tue 30 Dec 2025 → Wed 31, (1–4 Jan off), Mon 5, Tue 6.
            ("2025-12-30T05:00:00Z", 3, "2026-01-06T13:00:00Z", "across New Year"),
            // The 2025 decree: Tue 31 Dec 2024 → (1–4 Jan off) Sun 5 Jan worked (1), Mon 6 (2),
            // (Tue 7 Christmas) Wed 8 (3).
            ("2024-12-31T05:00:00Z", 3, "2025-01-08T13:00:00Z", "the 2025 transfer"),
            // Kurban Ait 2026 (Wednesday 27 May).
            ("2026-05-25T05:00:00Z", 3, "2026-05-29T13:00:00Z", "over Kurban Ait"),
            // A defect: the 10th working day.
            ("2026-02-02T05:00:00Z", 10, "2026-02-16T13:00:00Z", "defect (10 days)"),
        ];
        for (received, days, due, why) in cases {
            assert_eq!(cal().due_at(ts(received), *days), ts(due), "{why}: received {received}");
        }
    }

    #[test]
    fn malformed_data_is_refused() {
        assert!(WorkCalendar::from_json(r#"{"years": {"2026": {"kurban_ait": "2025-06-06"}}}"#).is_err());
        let bad_transfer =
            r#"{"years": {"2025": {"kurban_ait": "2025-06-06", "transfers": [{"day_off": "2025-01-04", "work_day": "2025-01-06"}]}}}"#;
        assert!(WorkCalendar::from_json(bad_transfer).is_err());
    }
}
