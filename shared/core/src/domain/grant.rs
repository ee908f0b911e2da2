//! Business grants (order No. 206 §12, §35): the award a labor mobility center records for a
//! recipient (GRT-1), the recipient's reports on the targeted use of the money (GRT-2), refunds
//! (GRT-3). Money is integer tiyn everywhere (1 tenge = 100 tiyn); no float is ever involved.
//!
//! The money invariant: reports submitted or accepted, plus confirmed refunds, never exceed the
//! grant. The grant keeps `available_tiyn` (= amount − spent − refunded), and every write that
//! takes money takes it by a conditional update (`available_tiyn >= :amount`), so concurrent
//! writers can never overdraw it.

use super::{Bin, Iin};
use crate::attachments::AttachmentRef;
use crate::codes::Lang;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The default ceiling of one grant: 5 000 000 tenge (configuration `GRANT_MAX_AMOUNT_TIYN`).
pub const DEFAULT_MAX_AMOUNT_TIYN: i64 = 5_000_000 * 100;
/// Expenses per report.
pub const MAX_EXPENSES: usize = 200;
/// Attachments per expense.
pub const MAX_ATTACHMENTS_PER_EXPENSE: usize = 10;

crate::string_enum! {
    /// What grant money was spent on (GRT-2).
    pub enum ExpenseCategory { Equipment, RawMaterials, Rent, Services, Other }
}

impl ExpenseCategory {
    /// The category's name in `lang` (`GET /v1/grants/expense-categories`).
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ExpenseCategory::Equipment, Lang::Kk) => "Жабдық",
            (ExpenseCategory::Equipment, Lang::Ru) => "Оборудование",
            (ExpenseCategory::Equipment, Lang::En) => "Equipment",
            (ExpenseCategory::RawMaterials, Lang::Kk) => "Шикізат пен материалдар",
            (ExpenseCategory::RawMaterials, Lang::Ru) => "Сырьё и материалы",
            (ExpenseCategory::RawMaterials, Lang::En) => "Raw materials",
            (ExpenseCategory::Rent, Lang::Kk) => "Жалдау",
            (ExpenseCategory::Rent, Lang::Ru) => "Аренда",
            (ExpenseCategory::Rent, Lang::En) => "Rent",
            (ExpenseCategory::Services, Lang::Kk) => "Қызметтер",
            (ExpenseCategory::Services, Lang::Ru) => "Услуги",
            (ExpenseCategory::Services, Lang::En) => "Services",
            (ExpenseCategory::Other, Lang::Kk) => "Басқа",
            (ExpenseCategory::Other, Lang::Ru) => "Прочее",
            (ExpenseCategory::Other, Lang::En) => "Other",
        }
    }
}

crate::string_enum! {
    pub enum ReportStatus { Submitted, Accepted, Returned }
}

impl ReportStatus {
    /// Whether the report's money counts as spent (submitted or accepted).
    pub fn counts(self) -> bool {
        matches!(self, ReportStatus::Submitted | ReportStatus::Accepted)
    }
}

crate::string_enum! {
    pub enum ReportDecisionKind { Accepted, Returned }
}

crate::string_enum! {
    pub enum RefundStatus { Pending, Confirmed, Rejected }
}

crate::string_enum! {
    pub enum RefundDecisionKind { Confirmed, Rejected }
}

/// An awarded grant (GRT-1: the award record; the application and contract flow of §12.2–12.5
/// happens outside this service).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    /// The recipient's citizen account.
    pub recipient_id: String,
    pub recipient_iin: Iin,
    pub contract_number: String,
    pub contract_date: Date,
    pub amount_tiyn: i64,
    pub purpose: String,
    pub period_start: Date,
    pub period_end: Date,
    /// Submitted and accepted reports.
    pub spent_tiyn: i64,
    /// Confirmed refunds.
    pub refunded_tiyn: i64,
    /// `amount − spent − refunded`: what reports and refunds may still take.
    pub available_tiyn: i64,
    pub awarded_by: String,
    pub awarded_at: Timestamp,
}

/// One expense of a report (GRT-2).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expense {
    pub category: ExpenseCategory,
    pub description: String,
    pub amount_tiyn: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub spent_on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_bin: Option<Bin>,
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportDecision {
    pub decision: ReportDecisionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub decided_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub decided_at: Timestamp,
}

/// A report on the targeted use of grant funds (GRT-2, order 206 §12.6).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantReport {
    pub id: String,
    pub grant_id: String,
    pub status: ReportStatus,
    pub expenses: Vec<Expense>,
    pub total_tiyn: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub submitted_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub submitted_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ReportDecision>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefundDecision {
    pub decision: RefundDecisionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub decided_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub decided_at: Timestamp,
}

/// An application for a partial or full refund of grant funds (GRT-3, order 206 §12.7).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub grant_id: String,
    pub status: RefundStatus,
    pub amount_tiyn: i64,
    pub reason: String,
    pub applied_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub applied_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<RefundDecision>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_three_distinct_labels() {
        for c in ExpenseCategory::ALL {
            let labels = [c.label(Lang::Kk), c.label(Lang::Ru), c.label(Lang::En)];
            assert!(labels.iter().all(|l| !l.is_empty()));
            assert_ne!(labels[1], labels[2], "{c}");
        }
        assert_eq!(ExpenseCategory::RawMaterials.as_str(), "raw_materials");
    }
}
