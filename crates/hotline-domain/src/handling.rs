//! What happens to an order while a unit handles it, beyond its state: the paused clock, co-units'
//! reports to the main unit (首接负责), departments summoned by a street (街乡吹哨、部门报到),
//! supervision (督办/催办), callback attempts and the centre's exclusion from assessment. Kept on the
//! order (one document), changed only by [`crate::WorkOrder::apply`].

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::deadline::{DurationSpec, DurationUnit};
use crate::ids::UnitId;
use crate::order::{Evaluation, Resolution, Satisfaction};

/// A co-unit's report to the main unit on its part of the work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoReport {
    pub unit: UnitId,
    pub at: Timestamp,
    pub text: String,
}

/// One department summoned by the street (吹哨) and whether it reported (报到).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summons {
    pub unit: UnitId,
    pub summoned_at: Timestamp,
    pub report_by: Timestamp,
    pub reported_at: Option<Timestamp>,
    pub note: String,
}

impl Summons {
    /// Reported, and in time.
    pub fn on_time(&self) -> bool {
        self.reported_at.is_some_and(|r| r <= self.report_by)
    }
}

crate::vocab::vocabulary!(/// Why the centre supervises an order (督办).
    SuperviseReason, "reason" {
    Overdue = "overdue", "超期", "Overdue";
    Repeated = "repeated", "重复诉求", "Repeated request";
    Sensitive = "sensitive", "敏感事项", "Sensitive matter";
    Leadership = "leadership", "领导批示", "Instruction from leadership";
    Other = "other", "其他", "Other";
});

crate::vocab::vocabulary!(/// Why the centre leaves an order out of the assessment (不纳入考核).
    Exclusion, "exclusion" {
    Unreasonable = "unreasonable", "诉求不合理", "Unreasonable request";
    OutsideDuty = "outside_duty", "超出各单位职责", "Outside every unit's duty";
});

/// The centre's supervision of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supervision {
    pub reason: SuperviseReason,
    /// The supervisor's instructions to the unit (督办意见).
    pub instructions: String,
    /// By when the unit must be on site; `arrived_at` records when it said it was.
    pub reach_site_by: Option<Timestamp>,
    pub arrived_at: Option<Timestamp>,
    /// Reminders sent (催办).
    pub reminders: u32,
    pub since: Timestamp,
}

/// Handling details of an order (see the module comment). Absent on orders stored before it existed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Handling {
    /// The clock is stopped (waiting for the requester) since then.
    pub paused_since: Option<Timestamp>,
    #[serde(default)]
    pub co_reports: Vec<CoReport>,
    #[serde(default)]
    pub summons: Vec<Summons>,
    pub supervision: Option<Supervision>,
    /// Callback calls that did not reach the requester.
    #[serde(default)]
    pub callback_attempts: u32,
    /// The requester could not be reached after the policy's number of attempts.
    #[serde(default)]
    pub unreachable: bool,
    pub exclusion: Option<Exclusion>,
}

impl Handling {
    /// The pending summons of `unit`, if it was summoned and has not reported.
    pub fn pending_summons(&self, unit: UnitId) -> Option<&Summons> {
        self.summons.iter().find(|s| s.unit == unit && s.reported_at.is_none())
    }
}

/// The centre's rules for disputes, callbacks and reopening; versioned with the deadline policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandlingRules {
    /// How long after a dispatch the unit may still dispute it (退单时限).
    pub dispute_window: DurationSpec,
    /// Unanswered callback calls after which the requester is recorded as unreachable.
    pub callback_attempts: u32,
    /// Reopen (重办) when the requester says the problem is not resolved.
    pub reopen_if_unresolved: bool,
    /// Reopen when the requester is not satisfied.
    pub reopen_if_unsatisfied: bool,
    /// An order is reopened by these rules at most this many times; after that the centre decides.
    pub max_reopens: u32,
}

impl Default for HandlingRules {
    /// 24 hours to dispute, 3 callback attempts, reopen unresolved or unsatisfied orders up to twice.
    /// Beijing's figures are not published (domain.md §6); these are working defaults.
    fn default() -> Self {
        Self {
            dispute_window: DurationSpec::new(24, DurationUnit::Hours),
            callback_attempts: 3,
            reopen_if_unresolved: true,
            reopen_if_unsatisfied: true,
            max_reopens: 2,
        }
    }
}

impl HandlingRules {
    /// Whether an evaluation sends the order back to its unit, given how often it was reopened.
    pub fn reopens(&self, e: &Evaluation, reopen_count: i64) -> bool {
        let below_limit = reopen_count < i64::from(self.max_reopens);
        let unresolved = e.resolution == Resolution::Unresolved;
        let unsatisfied = e.satisfaction == Satisfaction::Unsatisfied;
        below_limit && ((self.reopen_if_unresolved && unresolved) || (self.reopen_if_unsatisfied && unsatisfied))
    }
}
