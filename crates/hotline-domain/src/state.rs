//! The states of a work order (domain.md §5). Which action leads from which state is
//! [`crate::action::ActionKind::allowed_from`]; the transition function is in [`crate::transition`].

crate::vocab::vocabulary!(/// Where a work order is in its life.
    State, "state" {
    Received = "received", "已受理", "Received";
    Triaged = "triaged", "已分类", "Triaged";
    AnsweredDirectly = "answered_directly", "直接答复", "Answered directly";
    Transferred = "transferred", "已转紧急服务", "Transferred to emergency service";
    Redirected = "redirected", "已告知其他渠道", "Redirected";
    LinkedDuplicate = "linked_duplicate", "重复件已并单", "Linked as duplicate";
    Dispatched = "dispatched", "已派单", "Dispatched";
    Signed = "signed", "已签收", "Signed";
    Disputed = "disputed", "派单异议中", "Disputed";
    Contacted = "contacted", "已联系诉求人", "Requester contacted";
    InProgress = "in_progress", "办理中", "In progress";
    ExtensionRequested = "extension_requested", "申请延期中", "Extension requested";
    Replied = "replied", "已反馈", "Replied";
    Evaluated = "evaluated", "已回访", "Evaluated";
    Closed = "closed", "已办结", "Closed";
    Reopened = "reopened", "重办", "Reopened";
});

impl State {
    /// Not open any more: nothing is due, nothing can be supervised.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::AnsweredDirectly | Self::Transferred | Self::Redirected | Self::LinkedDuplicate | Self::Closed)
    }

    /// In a unit's hands: dispatched and not yet replied.
    pub fn is_with_unit(self) -> bool {
        matches!(
            self,
            Self::Dispatched
                | Self::Signed
                | Self::Disputed
                | Self::Contacted
                | Self::InProgress
                | Self::ExtensionRequested
                | Self::Reopened
        )
    }

    /// The terminal states, for queries that need them as a list (the store's open-order filters).
    pub fn terminal() -> impl Iterator<Item = State> {
        Self::ALL.iter().copied().filter(|s| s.is_terminal())
    }

    /// The open states.
    pub fn open() -> impl Iterator<Item = State> {
        Self::ALL.iter().copied().filter(|s| !s.is_terminal())
    }
}
