//! Deadline notices (时限预警 / 超期): a warning some time before each pending due time and a notice
//! once it has passed. Each (stage, kind, due time) fires once: the order remembers what it fired,
//! and `next_notice_at` says when the next one is due, so a scheduler only ever reads the orders
//! whose time has come. Firing is a guarded update plus an event, like any transition, so two
//! schedulers (two nodes, or one restarted mid-pass) cannot fire the same notice twice.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::deadline::{DeadlinePolicy, Stage};
use crate::event::{EventDraft, EventPayload, NoticesFired};
use crate::order::WorkOrder;
use crate::role::Actor;
use crate::state::State;
use crate::transition::Transition;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The due time is near.
    Warning,
    /// The due time has passed with the stage not done.
    Overdue,
}

/// One notice about one due time of one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Notice {
    pub stage: Stage,
    pub kind: NoticeKind,
    pub due: Timestamp,
}

impl Notice {
    /// Human text for the unit and the centre.
    pub fn message(&self, zh: bool) -> &'static str {
        match (self.stage, self.kind, zh) {
            (Stage::Dispatch, NoticeKind::Warning, true) => "派单时限即将到期",
            (Stage::Dispatch, NoticeKind::Warning, false) => "Dispatch is due soon",
            (Stage::Dispatch, NoticeKind::Overdue, true) => "派单已超时",
            (Stage::Dispatch, NoticeKind::Overdue, false) => "Dispatch is overdue",
            (Stage::FirstContact, NoticeKind::Warning, true) => "联系诉求人时限即将到期",
            (Stage::FirstContact, NoticeKind::Warning, false) => "Contacting the requester is due soon",
            (Stage::FirstContact, NoticeKind::Overdue, true) => "联系诉求人已超时",
            (Stage::FirstContact, NoticeKind::Overdue, false) => "Contacting the requester is overdue",
            (Stage::Reply, NoticeKind::Warning, true) => "办理反馈时限即将到期",
            (Stage::Reply, NoticeKind::Warning, false) => "The reply is due soon",
            (Stage::Reply, NoticeKind::Overdue, true) => "办理反馈已超期",
            (Stage::Reply, NoticeKind::Overdue, false) => "The reply is overdue",
        }
    }
}

impl WorkOrder {
    /// The due times of the stages not yet done, as [`WorkOrder::overdue`] counts them.
    fn pending_stages(&self) -> Vec<(Stage, Timestamp)> {
        // A paused clock (waiting for the requester) warns of nothing; resuming moves the due times.
        if self.state.is_terminal() || self.handling.paused_since.is_some() {
            return Vec::new();
        }
        let mut out = Vec::new();
        if self.first_dispatched_at.is_none()
            && let Some(d) = self.dues.dispatch_due
        {
            out.push((Stage::Dispatch, d));
        }
        if self.contacted_at.is_none()
            && self.first_dispatched_at.is_some()
            && let Some(d) = self.dues.contact_due
        {
            out.push((Stage::FirstContact, d));
        }
        if (self.replied_at.is_none() || self.state == State::Reopened)
            && self.first_dispatched_at.is_some()
            && let Some(d) = self.dues.reply_due
        {
            out.push((Stage::Reply, d));
        }
        out
    }

    fn fired(&self, stage: Stage, kind: NoticeKind, due: Timestamp) -> bool {
        self.notices.iter().any(|n| n.stage == stage && n.kind == kind && n.due == due)
    }

    /// The warning time: `warn_at_percent` of the way from the stage's start (receipt for
    /// dispatch, dispatch for the unit's stages) to its due time.
    fn warn_at(&self, stage: Stage, due: Timestamp, policy: &DeadlinePolicy) -> Timestamp {
        let start = match stage {
            Stage::Dispatch => self.received_at,
            Stage::FirstContact | Stage::Reply => self.dispatched_at.unwrap_or(self.received_at),
        };
        let span = (due - start).num_milliseconds();
        if span <= 0 {
            return due;
        }
        start + Duration::milliseconds(span / 100 * i64::from(policy.warn_at_percent.min(99)))
    }

    /// The notices due at `now` that have not fired. Past the due time only the overdue notice
    /// fires (a warning after the fact helps nobody).
    pub fn due_notices(&self, now: Timestamp, policy: &DeadlinePolicy) -> Vec<Notice> {
        let mut out = Vec::new();
        for (stage, due) in self.pending_stages() {
            if now > due {
                if !self.fired(stage, NoticeKind::Overdue, due) {
                    out.push(Notice { stage, kind: NoticeKind::Overdue, due });
                }
            } else if now >= self.warn_at(stage, due, policy) && !self.fired(stage, NoticeKind::Warning, due) {
                out.push(Notice { stage, kind: NoticeKind::Warning, due });
            }
        }
        out
    }

    /// When the next notice will be due, if any is still to come.
    pub fn next_notice_time(&self, policy: &DeadlinePolicy) -> Option<Timestamp> {
        self.pending_stages()
            .into_iter()
            .filter_map(|(stage, due)| {
                // Once the overdue notice has fired, a warning never will.
                if self.fired(stage, NoticeKind::Overdue, due) {
                    None
                } else if !self.fired(stage, NoticeKind::Warning, due) && self.warn_at(stage, due, policy) < due {
                    Some(self.warn_at(stage, due, policy))
                } else {
                    Some(due + Duration::milliseconds(1))
                }
            })
            .min()
    }

    /// Fires the notices due at `now`: the order with them recorded and its next notice time, and
    /// one timeline event listing them. `None` when nothing is due.
    pub fn fire_notices(&self, now: Timestamp, policy: &DeadlinePolicy) -> Option<(Transition, Vec<Notice>)> {
        let notices = self.due_notices(now, policy);
        if notices.is_empty() {
            return None;
        }
        let mut next = self.clone();
        next.version += 1;
        next.updated_at = now;
        next.notices.extend(notices.iter().copied());
        next.next_notice_at = next.next_notice_time(policy);
        let event = EventDraft {
            from: Some(self.state),
            to: self.state,
            actor: Actor::system("scheduler"),
            at: now,
            reason: Some(notices.iter().map(|n| n.message(true)).collect::<Vec<_>>().join("；")),
            payload: EventPayload::DeadlineNotice(NoticesFired { notices: notices.clone() }),
        };
        Some((Transition { expected_state: self.state, expected_version: self.version, order: next, event }, notices))
    }
}
