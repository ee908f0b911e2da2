//! Vacancies and lay-off notices (function `post-vacancy`): employers publish vacancies
//! (VAC-1) and lay-off notices (VAC-2); everyone searches vacancies (ACC-4: they are public);
//! each publish, close and notice goes to AIS "Labor Market" through the integration queue
//! (VAC-5) via the transactional outbox.

use crate::audit::{AuditEntry, Origin};
use crate::calendar::local_date;
use crate::clock::Clock;
use crate::codes::Code;
use crate::domain::vacancy::{parse_kato, parse_occupation, words, AffectedGroup};
use crate::domain::{
    Account, Bin, CandidateOutcome, Email, EmploymentType, Iin, LayoffNotice, OutcomeKind, PersonName, Phone, Role, Vacancy,
    VacancyActivity, VacancySearch, VacancyStatus,
};
use crate::input::{parse, Fields, Invalid};
use crate::outbox::{self, OutboxMessage, OutboxStore, Queues};
use crate::page::{Page, PageRequest};
use crate::ports::{StoreError, VacancyStore};
use jiff::civil::Date;
use jiff::ToSpan;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum VacancyError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("only employers publish; only the owner closes")]
    Forbidden,
    #[error("no such vacancy")]
    NotFound,
    #[error("the vacancy is already closed")]
    AlreadyClosed,
    /// A hire beyond the vacancy's positions (VAC-6).
    #[error("every position is filled")]
    PositionsFilled,
    /// An employer account without its BIN or company name: a broken record.
    #[error("the employer account lacks {0}")]
    BrokenEmployer(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn salary(v: &Value) -> Result<u64, Code> {
    parse::integer(0, 1_000_000_000)(v).map(|n| n as u64)
}

fn count(max: i64) -> impl FnOnce(&Value) -> Result<u32, Code> {
    move |v| parse::integer(1, max)(v).map(|n| n as u32)
}

/// `POST /v1/vacancies` (VAC-1).
#[derive(Clone, Debug, PartialEq)]
pub struct VacancyForm {
    pub title: String,
    pub description: String,
    pub occupation_code: String,
    pub region_code: String,
    pub salary_from: u64,
    pub salary_to: Option<u64>,
    pub employment_type: EmploymentType,
    pub positions: u32,
    pub contact_name: PersonName,
    pub contact_phone: Phone,
    pub contact_email: Option<Email>,
    pub valid_until: Date,
}

impl VacancyForm {
    /// Every field at once; `minimum_wage` (tenge) is the floor of full-time salaries, `today`
    /// the date in Asia/Almaty (`valid_until` after it, at most 365 days ahead).
    pub fn parse(mut f: Fields, minimum_wage: u64, today: Date) -> Result<Self, Invalid> {
        let title = f.required("title", parse::text_between(3, 200));
        let description = f.required("description", parse::text_between(20, 10_000));
        let occupation = f.required("occupation_code", parse::with(parse_occupation));
        let region = f.required("region_code", parse::with(parse_kato));
        let salary_from = f.required("salary_from", salary);
        let salary_to = f.optional("salary_to", salary);
        let employment = f.required("employment_type", parse::variant::<EmploymentType>);
        let positions = f.required("positions", count(1000));
        let contact_name = f.required("contact_name", parse::with(PersonName::parse));
        let contact_phone = f.required("contact_phone", parse::with(Phone::parse));
        let contact_email = f.optional("contact_email", parse::with(Email::parse));
        let valid_until = f.required("valid_until", parse::date);
        if let (Some(EmploymentType::FullTime), Some(from)) = (employment, salary_from) {
            if from < minimum_wage {
                f.error("salary_from", Code::SalaryBelowMinimum);
            }
        }
        if let (Some(from), Some(to)) = (salary_from, salary_to) {
            if to < from {
                f.error("salary_to", Code::InvalidValue);
            }
        }
        if let Some(until) = valid_until {
            let latest = today.checked_add(365.days()).unwrap_or(today);
            if until <= today || until > latest {
                f.error("valid_until", Code::InvalidValue);
            }
        }
        f.finish()?;
        match (title, description, occupation, region, salary_from, employment, positions, contact_name, contact_phone, valid_until) {
            (
                Some(title),
                Some(description),
                Some(occupation_code),
                Some(region_code),
                Some(salary_from),
                Some(employment_type),
                Some(positions),
                Some(contact_name),
                Some(contact_phone),
                Some(valid_until),
            ) => Ok(VacancyForm {
                title,
                description,
                occupation_code,
                region_code,
                salary_from,
                salary_to,
                employment_type,
                positions,
                contact_name,
                contact_phone,
                contact_email,
                valid_until,
            }),
            _ => Err(Invalid::field("title", Code::Required)),
        }
    }
}

/// `GET /v1/vacancies` query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    pub search: VacancySearch,
    pub page: PageRequest,
}

impl SearchQuery {
    pub fn parse(mut q: Fields) -> Result<Self, Invalid> {
        let region = q.optional(
            "region_code",
            parse::with(|s| {
                let s = s.trim();
                // A 9-digit KATO code, or the 2-digit prefix of a whole oblast.
                if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(s.to_owned())
                } else {
                    parse_kato(s)
                }
            }),
        );
        let occupation = q.optional("occupation_code", parse::with(parse_occupation));
        let text = q.optional("q", parse::text(200));
        let page = PageRequest::parse(&mut q);
        q.finish()?;
        // Words are case-folded like the titles were (Kazakh and Russian letters included).
        let words = text.map(|t| words(&t)).unwrap_or_default();
        Ok(SearchQuery { search: VacancySearch { region, occupation_code: occupation, words }, page })
    }
}

/// `POST /v1/layoff-notices` (VAC-2).
#[derive(Clone, Debug, PartialEq)]
pub struct LayoffForm {
    pub reason: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub affected: Vec<AffectedGroup>,
}

fn parse_group(f: &mut Fields) -> Option<AffectedGroup> {
    let position = f.required("position", parse::text(200));
    let occupation = f.required("occupation_code", parse::with(parse_occupation));
    let qualification = f.required("qualification", parse::text(200));
    let salary = f.required("salary", salary);
    let count = f.required("count", count(100_000));
    Some(AffectedGroup { position: position?, occupation_code: occupation?, qualification: qualification?, salary: salary?, count: count? })
}

impl LayoffForm {
    /// 1–100 groups; `starts_on` not in the past (`today`, Asia/Almaty), `ends_on` ≥ `starts_on`.
    pub fn parse(mut f: Fields, today: Date) -> Result<Self, Invalid> {
        let reason = f.required("reason", parse::text(2000));
        let starts_on = f.required("starts_on", parse::date);
        let ends_on = f.required("ends_on", parse::date);
        let affected = f.list_of("affected", 1, 100, |_, g| parse_group(g));
        if starts_on.is_some_and(|d| d < today) {
            f.error("starts_on", Code::InvalidValue);
        }
        if let (Some(a), Some(b)) = (starts_on, ends_on) {
            if b < a {
                f.error("ends_on", Code::InvalidValue);
            }
        }
        f.finish()?;
        match (reason, starts_on, ends_on, affected) {
            (Some(reason), Some(starts_on), Some(ends_on), Some(affected)) => Ok(LayoffForm { reason, starts_on, ends_on, affected }),
            _ => Err(Invalid::field("affected", Code::Required)),
        }
    }
}

/// A vacancy as read by anyone: listed means published and not expired. Its employer also
/// sees its activity (VAC-6).
#[derive(Clone, Debug)]
pub struct VacancyRead {
    pub vacancy: Vacancy,
    pub listed: bool,
    pub activity: Option<VacancyActivity>,
}

/// `POST /v1/vacancies/{id}/outcomes` (VAC-6, order No. 206 §33): an invitation to an interview
/// or a hire of a registered person, which goes to AIS "Labor Market".
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeForm {
    pub kind: OutcomeKind,
    pub iin: Iin,
    /// Within a year of `today` either way (Asia/Almaty).
    pub on: Date,
}

impl OutcomeForm {
    pub fn parse(mut f: Fields, today: Date) -> Result<Self, Invalid> {
        let kind = f.required("kind", parse::variant);
        let iin = f.required("iin", parse::with(Iin::parse));
        let on = f.required("on", parse::date);
        if on.is_some_and(|d| d < today.saturating_sub(365.days()) || d > today.saturating_add(365.days())) {
            f.error("on", Code::InvalidValue);
        }
        f.finish()?;
        match (kind, iin, on) {
            (Some(kind), Some(iin), Some(on)) => Ok(OutcomeForm { kind, iin, on }),
            _ => Err(Invalid::field("kind", Code::Required)),
        }
    }
}

#[derive(Clone)]
pub struct Vacancies {
    pub store: Arc<dyn VacancyStore>,
    pub outbox: Arc<dyn OutboxStore>,
    pub queues: Queues,
    pub clock: Arc<dyn Clock>,
    /// The minimum monthly wage in force, in tenge: the floor of full-time salaries.
    pub minimum_wage: u64,
}

/// The VAC-5 record for AIS "Labor Market": the vacancy with the employer's data.
pub fn integration_record(v: &Vacancy) -> Value {
    json!({
        "vacancy": v,
        "employer": { "bin": v.employer_bin, "company_name": v.company_name, "account_id": v.employer_id },
    })
}

/// The employer's BIN and company name, from the account (never from the body).
fn employer_of(caller: &Account) -> Result<(Bin, String), VacancyError> {
    if caller.role != Role::Employer {
        return Err(VacancyError::Forbidden);
    }
    let bin = caller.bin.clone().ok_or(VacancyError::BrokenEmployer("a BIN"))?;
    let company = caller.company_name.clone().ok_or(VacancyError::BrokenEmployer("a company name"))?;
    Ok((bin, company))
}

impl Vacancies {
    /// Today in Asia/Almaty.
    pub fn today(&self) -> Date {
        local_date(self.clock.now())
    }

    /// `POST /v1/vacancies` (VAC-1, VAC-5).
    pub async fn publish(&self, employer: &Account, form: Result<VacancyForm, Invalid>, origin: &Origin) -> Result<Vacancy, VacancyError> {
        let (bin, company) = employer_of(employer)?;
        let form = form?;
        let now = self.clock.now();
        let vacancy = Vacancy {
            id: crate::ids::new_id(),
            status: VacancyStatus::Published,
            title: form.title,
            description: form.description,
            occupation_code: form.occupation_code,
            region_code: form.region_code,
            salary_from: form.salary_from,
            salary_to: form.salary_to,
            employment_type: form.employment_type,
            positions: form.positions,
            contact_name: form.contact_name,
            contact_phone: form.contact_phone,
            contact_email: form.contact_email,
            valid_until: form.valid_until,
            employer_id: employer.id.clone(),
            employer_bin: bin,
            company_name: company,
            published_at: now,
            closed_at: None,
        };
        let audit = AuditEntry::new(now, &employer.id, "vacancy.published", format!("vacancy:{}", vacancy.id), origin);
        let message = OutboxMessage::integration("vacancy.published", now, &vacancy.id, integration_record(&vacancy));
        self.store.publish(&vacancy, &audit, std::slice::from_ref(&message)).await?;
        outbox::deliver(self.outbox.as_ref(), &self.queues, &[message]).await;
        Ok(vacancy)
    }

    async fn load(&self, id: &str) -> Result<Vacancy, VacancyError> {
        if !crate::ids::is_valid_id(id) {
            return Err(VacancyError::NotFound);
        }
        self.store.get(id).await?.ok_or(VacancyError::NotFound)
    }

    /// `GET /v1/vacancies/{id}`: public; closed and expired ones too.
    pub async fn read(&self, id: &str, caller: Option<&Account>) -> Result<VacancyRead, VacancyError> {
        let vacancy = self.load(id).await?;
        let listed = vacancy.is_listed(self.today());
        let activity = match caller {
            Some(c) if c.id == vacancy.employer_id => Some(self.store.activity(id).await?),
            _ => None,
        };
        Ok(VacancyRead { vacancy, listed, activity })
    }

    /// `POST /v1/vacancies/{id}/outcomes` (VAC-6, order No. 206 §33): by the vacancy's employer;
    /// counted on its activity and sent to AIS "Labor Market" (`vacancy.candidate_outcome`).
    pub async fn report_outcome(
        &self,
        employer: &Account,
        id: &str,
        form: Result<OutcomeForm, Invalid>,
        origin: &Origin,
    ) -> Result<CandidateOutcome, VacancyError> {
        let (bin, company) = employer_of(employer)?;
        let v = self.load(id).await?;
        if v.employer_id != employer.id {
            return Err(VacancyError::Forbidden);
        }
        let form = form?;
        let now = self.clock.now();
        let outcome = CandidateOutcome {
            id: crate::ids::new_id(),
            vacancy_id: v.id.clone(),
            kind: form.kind,
            iin: form.iin,
            on: form.on,
            reported_by: employer.id.clone(),
            reported_at: now,
        };
        let audit = AuditEntry::new(now, &employer.id, "vacancy.outcome_reported", format!("vacancy:{id}"), origin)
            .with_details(json!({ "outcome_id": outcome.id, "kind": outcome.kind }));
        let data = json!({ "outcome": outcome, "employer": { "bin": bin, "company_name": company } });
        let message = OutboxMessage::integration("vacancy.candidate_outcome", now, &v.id, data);
        match self.store.report_outcome(&outcome, v.positions, &audit, std::slice::from_ref(&message)).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(VacancyError::PositionsFilled),
            Err(e) => return Err(e.into()),
        }
        outbox::deliver(self.outbox.as_ref(), &self.queues, &[message]).await;
        Ok(outcome)
    }

    /// `GET /v1/vacancies`: public search, newest first, one index query per page.
    pub async fn search(&self, q: SearchQuery) -> Result<Page<Vacancy>, VacancyError> {
        Ok(self.store.search(&q.search, self.today(), &q.page).await?)
    }

    /// `POST /v1/vacancies/{id}/close`: by the employer who published it.
    pub async fn close(&self, employer: &Account, id: &str, origin: &Origin) -> Result<Vacancy, VacancyError> {
        employer_of(employer)?;
        let v = self.load(id).await?;
        if v.employer_id != employer.id {
            return Err(VacancyError::Forbidden);
        }
        if v.status == VacancyStatus::Closed {
            return Err(VacancyError::AlreadyClosed);
        }
        let now = self.clock.now();
        let mut closed = v;
        closed.status = VacancyStatus::Closed;
        closed.closed_at = Some(now);
        let audit = AuditEntry::new(now, &employer.id, "vacancy.closed", format!("vacancy:{id}"), origin);
        let message = OutboxMessage::integration("vacancy.closed", now, &closed.id, integration_record(&closed));
        match self.store.close(&closed, &audit, std::slice::from_ref(&message)).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(VacancyError::AlreadyClosed),
            Err(e) => return Err(e.into()),
        }
        outbox::deliver(self.outbox.as_ref(), &self.queues, &[message]).await;
        Ok(closed)
    }

    /// `POST /v1/layoff-notices` (VAC-2): not public; queued for AIS "Labor Market".
    pub async fn layoff_notice(
        &self,
        employer: &Account,
        form: Result<LayoffForm, Invalid>,
        origin: &Origin,
    ) -> Result<LayoffNotice, VacancyError> {
        let (bin, company) = employer_of(employer)?;
        let form = form?;
        let now = self.clock.now();
        let notice = LayoffNotice {
            id: crate::ids::new_id(),
            reason: form.reason,
            starts_on: form.starts_on,
            ends_on: form.ends_on,
            affected: form.affected,
            employer_id: employer.id.clone(),
            employer_bin: bin,
            company_name: company,
            submitted_at: now,
        };
        let audit = AuditEntry::new(now, &employer.id, "layoff_notice.submitted", format!("layoff_notice:{}", notice.id), origin);
        let message = OutboxMessage::integration("layoff_notice.submitted", now, &notice.id, json!({ "layoff_notice": notice }));
        self.store.save_layoff_notice(&notice, &audit, std::slice::from_ref(&message)).await?;
        outbox::deliver(self.outbox.as_ref(), &self.queues, &[message]).await;
        Ok(notice)
    }
}
