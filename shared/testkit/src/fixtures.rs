//! Valid domain values for tests: identifiers with correct check digits, accounts of each
//! role, and whole records (tickets, vacancies, access requests) ready to store.

use enbek_core::attachments::AttachmentRecord;
use enbek_core::audit::{AuditEntry, Origin};
use enbek_core::codes::Lang;
use enbek_core::domain::access::{Basis, BasisKind, Letter, Organization, OrganizationKind, RequestUser};
use enbek_core::domain::identity::check_digit;
use enbek_core::domain::{
    AccessRequest, Account, Bin, Email, EmploymentType, Iin, Login, PersonName, Phone, RequestKind, RequestStatus, Role, Ticket,
    TicketStatus, Vacancy, VacancyStatus,
};
use jiff::civil::Date;
use jiff::Timestamp;

/// A real PDF's first bytes and some body.
pub const SMALL_PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";

/// `prefix` (7 digits) + the first serial from `serial` whose 11 digits have a check digit,
/// completed with it.
fn with_check_digit(prefix: &str, serial: u32) -> String {
    for s in serial..serial + 100 {
        let first11 = format!("{prefix}{s:04}");
        let digits: Vec<u32> = first11.bytes().map(|b| u32::from(b - b'0')).collect();
        if let Some(c) = check_digit(&digits) {
            return format!("{first11}{c}");
        }
    }
    unreachable!("some serial in a hundred has a check digit")
}

/// An IIN with a valid check digit for the given birth date (YYMMDD), century digit and serial.
pub fn iin_text(yymmdd: &str, century_digit: u32, serial: u32) -> String {
    with_check_digit(&format!("{yymmdd}{century_digit}"), serial)
}

/// An IIN (born 15 March 1990) for `serial`.
pub fn iin(serial: u32) -> Iin {
    Iin::parse(&iin_text("900315", 4, serial)).expect("a valid IIN")
}

/// A BIN (resident legal entity, August 2004) with a valid check digit.
pub fn bin_text(serial: u32) -> String {
    with_check_digit("0408400", serial)
}

pub fn bin(serial: u32) -> Bin {
    Bin::parse(&bin_text(serial)).expect("a valid BIN")
}

/// A unique e-mail address for a test.
pub fn unique_email(tag: &str) -> String {
    format!("{tag}.{}@mail.kz", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

pub fn email(tag: &str) -> Email {
    Email::parse(&unique_email(tag)).expect("a valid e-mail")
}

pub fn name(text: &str) -> PersonName {
    PersonName::parse(text).expect("a valid name")
}

/// An active account of `role` with a unique e-mail login and `hash` as its password hash.
pub fn account(role: Role, hash: &str, now: Timestamp) -> Account {
    let mut a = Account::new(Login::Email(email(role.as_str())), role, name("Сынақ"), name("Әйгерім"), hash.to_owned(), now);
    match role {
        Role::Citizen => a.iin = Some(iin(uuid::Uuid::new_v4().as_u128() as u32 % 9000)),
        Role::Employer => {
            a.bin = Some(bin(7));
            a.company_name = Some("ТОО «Дала»".into());
        }
        _ => {}
    }
    a
}

/// An audit entry for tests.
pub fn audit(at: Timestamp, actor: &str, action: &str) -> AuditEntry {
    AuditEntry::new(at, actor, action, "test:target", &Origin::test())
}

/// A declared attachment record (not yet cited).
pub fn attachment(scope: &str, size: u64, now: Timestamp) -> AttachmentRecord {
    AttachmentRecord {
        id: enbek_core::ids::new_id(),
        scope: scope.to_owned(),
        file_name: "скан.pdf".into(),
        content_type: "application/pdf".into(),
        size_bytes: size,
        declared_by: "anonymous".into(),
        declared_at: now,
        used_by: None,
        version_id: None,
    }
}

/// A stored object as the bucket reports it after an upload (for pinning references).
pub fn stored(size: u64) -> enbek_core::ports::StoredObject {
    enbek_core::ports::StoredObject {
        size_bytes: size,
        content_type: Some("application/pdf".into()),
        version_id: Some("v1".into()),
        etag: Some("\"etag\"".into()),
    }
}

/// A new ticket received at `now`, due per TKT-2.
pub fn ticket(now: Timestamp) -> Ticket {
    Ticket {
        id: enbek_core::ids::new_id(),
        number: String::new(),
        status: TicketStatus::New,
        full_name: name("Сейтқали Әйгерім"),
        iin: iin(1),
        contact_phone: Phone::parse("+7 701 234 56 78").expect("a phone"),
        email: email("author"),
        subject: "Кіру мүмкін емес".into(),
        description: "Жүйеге кіре алмаймын".into(),
        attachments: Vec::new(),
        author_id: None,
        access_code_sha256: "0".repeat(64),
        lang: Lang::Kk,
        received_at: now,
        due_at: Ticket::deadline(now, false),
        defect: false,
        defect_marked_by: None,
        defect_marked_at: None,
        response: None,
        responded_by: None,
        responded_at: None,
        updated_at: now,
        version: 1,
    }
}

/// A published vacancy of `employer`.
pub fn vacancy(title: &str, region: &str, occupation: &str, employer: &Account, now: Timestamp, valid_until: Date) -> Vacancy {
    Vacancy {
        id: enbek_core::ids::new_id(),
        status: VacancyStatus::Published,
        title: title.to_owned(),
        description: "Жұмыс туралы толық сипаттама".into(),
        occupation_code: occupation.to_owned(),
        region_code: region.to_owned(),
        salary_from: 250_000,
        salary_to: None,
        employment_type: EmploymentType::FullTime,
        positions: 1,
        contact_name: name("Ахметова Динара"),
        contact_phone: Phone::parse("+7 701 234 56 78").expect("a phone"),
        contact_email: None,
        valid_until,
        employer_id: employer.id.clone(),
        employer_bin: employer.bin.clone().unwrap_or_else(|| bin(7)),
        company_name: employer.company_name.clone().unwrap_or_default(),
        published_at: now,
        closed_at: None,
    }
}

/// A pending access request of `kind` for the person with IIN serial `person`, citing
/// `document` as its basis.
pub fn access_request(kind: RequestKind, person: u32, document: &AttachmentRecord, submitted_by: &str, now: Timestamp) -> AccessRequest {
    let today = enbek_core::calendar::local_date(now);
    AccessRequest {
        id: enbek_core::ids::new_id(),
        kind,
        status: RequestStatus::Pending,
        login: None,
        organization: Organization {
            name: "Еңбек министрлігі".into(),
            bin: bin(3),
            kind: OrganizationKind::StateBody,
            region: Some("Астана".into()),
        },
        user: RequestUser {
            last_name: name("Жақсыбеков"),
            first_name: name("Ерлан"),
            middle_name: None,
            iin: iin(person),
            position: "маман".into(),
            department: "IT".into(),
            office_number: "305".into(),
            mobile_phone: Phone::parse("+7 701 234 56 78").expect("a phone"),
            ip_address: "10.61.4.30".parse().expect("an address"),
            email: email("erlan"),
        },
        role: kind.grants_rights().then_some(Role::CenterStaff),
        systems: if kind.grants_rights() { vec!["АИС Рынок труда".into()] } else { Vec::new() },
        functions: if kind.grants_rights() { vec!["просмотр".into()] } else { Vec::new() },
        basis: Basis { kind: BasisKind::Hiring, number: "12-к".into(), approved_on: today },
        basis_document: document.reference(&stored(document.size_bytes)),
        letter: Letter { number: "01-12/345".into(), date: today },
        submitted_by: submitted_by.to_owned(),
        received_at: now,
        due_at: now,
        decision: None,
        lang: Lang::Ru,
    }
}

/// `n` journal rows registered one second apart before `now` (for bulk loads).
pub fn journal_rows(n: usize, now: Timestamp) -> Vec<enbek_core::domain::JournalRow> {
    (0..n)
        .map(|i| {
            let at = now.checked_sub(jiff::SignedDuration::from_secs((n - i) as i64)).expect("in range");
            enbek_core::domain::JournalRow {
                number: i as u64 + 1,
                region: Some("г. Астана".into()),
                letter_number: format!("01-12/{i}"),
                letter_date: enbek_core::calendar::local_date(at),
                incoming_number: enbek_core::ids::new_id(),
                incoming_date: enbek_core::calendar::local_date(at),
                user_full_name: "Жұмабаев Ерлан Серікұлы".into(),
                login: Login::Email(email("bulk")),
                systems: vec!["АИС «Рынок труда»".into(), "Портал enbek.kz".into()],
                registered_at: at,
                basis: "приказ о приёме № 12-к от 2026-06-01".into(),
                administrator: "Әкімші Әкімші".into(),
                note: "выдан логин и временный пароль / логин мен уақытша құпиясөз берілді".into(),
                registration_completed_at: None,
                account_id: enbek_core::ids::new_id(),
                request_id: enbek_core::ids::new_id(),
            }
        })
        .collect()
}

/// A grant of `amount` tiyn to `recipient`, for 2026.
pub fn grant(recipient: &str, amount: i64, now: Timestamp) -> enbek_core::domain::Grant {
    enbek_core::domain::Grant {
        id: enbek_core::ids::new_id(),
        recipient_id: recipient.to_owned(),
        recipient_iin: iin(5),
        contract_number: "ГР-2026/17".into(),
        contract_date: jiff::civil::date(2026, 1, 15),
        amount_tiyn: amount,
        purpose: "Открытие швейного цеха".into(),
        period_start: jiff::civil::date(2026, 1, 15),
        period_end: jiff::civil::date(2026, 12, 31),
        spent_tiyn: 0,
        refunded_tiyn: 0,
        available_tiyn: amount,
        awarded_by: "staff".into(),
        awarded_at: now,
    }
}

/// A submitted report of one expense of `total` tiyn.
pub fn grant_report(grant: &enbek_core::domain::Grant, total: i64, now: Timestamp) -> enbek_core::domain::GrantReport {
    use enbek_core::domain::grant::Expense;
    enbek_core::domain::GrantReport {
        id: enbek_core::ids::new_id(),
        grant_id: grant.id.clone(),
        status: enbek_core::domain::ReportStatus::Submitted,
        expenses: vec![Expense {
            category: enbek_core::domain::ExpenseCategory::Equipment,
            description: "Швейная машина".into(),
            amount_tiyn: total,
            spent_on: jiff::civil::date(2026, 3, 1),
            supplier_bin: None,
            attachments: Vec::new(),
        }],
        total_tiyn: total,
        comment: None,
        submitted_by: grant.recipient_id.clone(),
        submitted_at: now,
        decision: None,
    }
}

/// A pending refund of `amount` tiyn.
pub fn refund(grant: &enbek_core::domain::Grant, amount: i64, now: Timestamp) -> enbek_core::domain::Refund {
    enbek_core::domain::Refund {
        id: enbek_core::ids::new_id(),
        grant_id: grant.id.clone(),
        status: enbek_core::domain::RefundStatus::Pending,
        amount_tiyn: amount,
        reason: "Проект закрыт".into(),
        applied_by: grant.recipient_id.clone(),
        applied_at: now,
        decision: None,
    }
}
