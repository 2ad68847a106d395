//! Roles and the permission matrix (role × action). Whether the order belongs to the actor's unit is
//! checked in the use-case layer, which knows the order's units.

use serde::{Deserialize, Serialize};

use crate::action::ActionKind;
use crate::ids::{UnitId, UserId};
use crate::unit::UnitClass;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 话务员: takes calls, creates and triages orders, dispatches them.
    Operator,
    /// 派单/督办: everything an operator does, plus arbitration, extensions, supervision, closing.
    Supervisor,
    /// 承办人: handles the orders dispatched to their own unit.
    UnitHandler,
    /// 单位管理员: a handler who also sees the orders of the units below their unit.
    UnitAdmin,
    /// 回访员: calls requesters back and records their evaluation.
    CallbackAgent,
    /// 分析员: reads everything, masked; acts on nothing.
    Analyst,
    /// 系统管理员: accounts and configuration.
    Admin,
    /// 接入系统: a client system (FixMyStreet, an app) that posts requests and updates over Open311
    /// with an API token. Acts on no order, reads only the requests it submitted.
    Open311Client,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Self::Operator,
        Self::Supervisor,
        Self::UnitHandler,
        Self::UnitAdmin,
        Self::CallbackAgent,
        Self::Analyst,
        Self::Admin,
        Self::Open311Client,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Supervisor => "supervisor",
            Self::UnitHandler => "unit_handler",
            Self::UnitAdmin => "unit_admin",
            Self::CallbackAgent => "callback_agent",
            Self::Analyst => "analyst",
            Self::Admin => "admin",
            Self::Open311Client => "open311_client",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Self::Operator, true) => "话务员",
            (Self::Supervisor, true) => "派单督办员",
            (Self::UnitHandler, true) => "承办人",
            (Self::UnitAdmin, true) => "单位管理员",
            (Self::CallbackAgent, true) => "回访员",
            (Self::Analyst, true) => "分析员",
            (Self::Admin, true) => "系统管理员",
            (Self::Open311Client, true) => "接入系统（Open311）",
            (Self::Operator, false) => "Operator",
            (Self::Supervisor, false) => "Dispatcher/supervisor",
            (Self::UnitHandler, false) => "Unit handler",
            (Self::UnitAdmin, false) => "Unit admin",
            (Self::CallbackAgent, false) => "Callback agent",
            (Self::Analyst, false) => "Analyst",
            (Self::Admin, false) => "System admin",
            (Self::Open311Client, false) => "Open311 client system",
        }
    }

    /// Unit roles belong to one unit and see only that unit's orders, with contacts masked.
    pub fn is_unit_role(self) -> bool {
        matches!(self, Self::UnitHandler | Self::UnitAdmin)
    }

    /// Whether this role may write over Open311 (post requests and updates with an API token): the
    /// centre's intake (operators, supervisors) and client systems. Everyone else is refused there as
    /// the JSON API refuses them intake.
    pub fn writes_open311(self) -> bool {
        matches!(self, Self::Operator | Self::Supervisor | Self::Open311Client)
    }

    /// Whether this role reads requesters' names and phones in clear without a logged reveal.
    pub fn sees_contacts(self) -> bool {
        matches!(self, Self::Operator | Self::Supervisor | Self::CallbackAgent)
    }

    /// The permission matrix: may this role ever perform `action`?
    pub fn may(self, action: ActionKind) -> bool {
        use ActionKind as A;
        let centre_intake = matches!(action, A::Triage | A::Answer | A::Transfer | A::Redirect | A::LinkDuplicate | A::Dispatch);
        match self {
            Self::Operator => centre_intake,
            Self::Supervisor => {
                centre_intake
                    || matches!(
                        action,
                        A::Arbitrate
                            | A::GrantExtension
                            | A::RefuseExtension
                            | A::Supervise
                            | A::Remind
                            | A::Exclude
                            | A::Close
                            | A::Reopen
                    )
            }
            Self::UnitHandler | Self::UnitAdmin => matches!(
                action,
                A::Sign
                    | A::Dispute
                    | A::Contact
                    | A::StartWork
                    | A::RequestExtension
                    | A::Reply
                    | A::PauseClock
                    | A::ResumeClock
                    | A::CoReport
                    | A::Summon
                    | A::ReportIn
                    | A::ArriveOnSite
            ),
            Self::CallbackAgent => matches!(action, A::Evaluate | A::CallbackAttempt),
            Self::Analyst | Self::Admin | Self::Open311Client => false,
        }
    }
}

/// Who did something: a staff user, or a citizen (no account) acting through the public pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Option<UserId>,
    /// `None` for a citizen.
    pub role: Option<Role>,
    pub unit: Option<UnitId>,
    /// What kind of unit `unit` is (a street/township may summon departments). Not stored with
    /// events: it is read from the unit tree when the actor acts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_class: Option<UnitClass>,
    pub name: String,
}

impl Actor {
    pub fn citizen() -> Self {
        Self::system("citizen")
    }

    /// The platform itself (the scheduler, the demo, an import): no account, no role.
    pub fn system(name: &str) -> Self {
        Self { user_id: None, role: None, unit: None, unit_class: None, name: name.into() }
    }

    pub fn role_code(&self) -> &'static str {
        self.role.map_or("citizen", Role::code)
    }
}
