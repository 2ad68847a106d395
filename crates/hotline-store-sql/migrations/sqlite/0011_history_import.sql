-- Two things. An order's history can be imported (`hotline import-history`): its timeline records
-- the import as one event of its own kind, `import`. And SQLite checks the closed vocabularies more
-- cheaply: `x in (list)` in a trigger builds a temporary index at every insert (it made order
-- creation about a quarter slower), while a chain of `=` comparisons costs almost nothing. The
-- lists are the domain's codes (hotline-domain: State, ActionKind, UnitClass, Role); a test checks
-- they agree.

drop trigger work_order_state_check_insert;
drop trigger work_order_state_check_update;
drop trigger order_event_to_state_check_insert;
drop trigger order_event_to_state_check_update;
drop trigger order_event_from_state_check_insert;
drop trigger order_event_from_state_check_update;
drop trigger order_event_kind_check_insert;
drop trigger order_event_kind_check_update;
drop trigger order_event_actor_role_check_insert;
drop trigger order_event_actor_role_check_update;
drop trigger unit_class_check_insert;
drop trigger unit_class_check_update;
drop trigger app_user_role_check_insert;
drop trigger app_user_role_check_update;
drop trigger order_unit_role_check_insert;
drop trigger order_unit_role_check_update;

create trigger work_order_state_check_insert before insert on work_order
    when not (new.state = 'received' or new.state = 'triaged' or new.state = 'answered_directly' or new.state = 'transferred' or new.state = 'redirected' or new.state = 'linked_duplicate' or new.state = 'dispatched' or new.state = 'signed' or new.state = 'disputed' or new.state = 'contacted' or new.state = 'in_progress' or new.state = 'extension_requested' or new.state = 'replied' or new.state = 'evaluated' or new.state = 'closed' or new.state = 'reopened')
    begin select raise(abort, 'CHECK constraint failed: work_order_state_check'); end;

create trigger work_order_state_check_update before update of state on work_order
    when not (new.state = 'received' or new.state = 'triaged' or new.state = 'answered_directly' or new.state = 'transferred' or new.state = 'redirected' or new.state = 'linked_duplicate' or new.state = 'dispatched' or new.state = 'signed' or new.state = 'disputed' or new.state = 'contacted' or new.state = 'in_progress' or new.state = 'extension_requested' or new.state = 'replied' or new.state = 'evaluated' or new.state = 'closed' or new.state = 'reopened')
    begin select raise(abort, 'CHECK constraint failed: work_order_state_check'); end;

create trigger order_event_to_state_check_insert before insert on order_event
    when not (new.to_state = 'received' or new.to_state = 'triaged' or new.to_state = 'answered_directly' or new.to_state = 'transferred' or new.to_state = 'redirected' or new.to_state = 'linked_duplicate' or new.to_state = 'dispatched' or new.to_state = 'signed' or new.to_state = 'disputed' or new.to_state = 'contacted' or new.to_state = 'in_progress' or new.to_state = 'extension_requested' or new.to_state = 'replied' or new.to_state = 'evaluated' or new.to_state = 'closed' or new.to_state = 'reopened')
    begin select raise(abort, 'CHECK constraint failed: order_event_to_state_check'); end;

create trigger order_event_to_state_check_update before update of to_state on order_event
    when not (new.to_state = 'received' or new.to_state = 'triaged' or new.to_state = 'answered_directly' or new.to_state = 'transferred' or new.to_state = 'redirected' or new.to_state = 'linked_duplicate' or new.to_state = 'dispatched' or new.to_state = 'signed' or new.to_state = 'disputed' or new.to_state = 'contacted' or new.to_state = 'in_progress' or new.to_state = 'extension_requested' or new.to_state = 'replied' or new.to_state = 'evaluated' or new.to_state = 'closed' or new.to_state = 'reopened')
    begin select raise(abort, 'CHECK constraint failed: order_event_to_state_check'); end;

create trigger order_event_from_state_check_insert before insert on order_event
    when not (new.from_state is null or new.from_state = 'received' or new.from_state = 'triaged' or new.from_state = 'answered_directly' or new.from_state = 'transferred' or new.from_state = 'redirected' or new.from_state = 'linked_duplicate' or new.from_state = 'dispatched' or new.from_state = 'signed' or new.from_state = 'disputed' or new.from_state = 'contacted' or new.from_state = 'in_progress' or new.from_state = 'extension_requested' or new.from_state = 'replied' or new.from_state = 'evaluated' or new.from_state = 'closed' or new.from_state = 'reopened')
    begin select raise(abort, 'CHECK constraint failed: order_event_from_state_check'); end;

create trigger order_event_from_state_check_update before update of from_state on order_event
    when not (new.from_state is null or new.from_state = 'received' or new.from_state = 'triaged' or new.from_state = 'answered_directly' or new.from_state = 'transferred' or new.from_state = 'redirected' or new.from_state = 'linked_duplicate' or new.from_state = 'dispatched' or new.from_state = 'signed' or new.from_state = 'disputed' or new.from_state = 'contacted' or new.from_state = 'in_progress' or new.from_state = 'extension_requested' or new.from_state = 'replied' or new.from_state = 'evaluated' or new.from_state = 'closed' or new.from_state = 'reopened')
    begin select raise(abort, 'CHECK constraint failed: order_event_from_state_check'); end;

create trigger order_event_kind_check_insert before insert on order_event
    when not (new.kind = 'receive' or new.kind = 'triage' or new.kind = 'answer' or new.kind = 'transfer' or new.kind = 'redirect' or new.kind = 'link_duplicate' or new.kind = 'dispatch' or new.kind = 'sign' or new.kind = 'dispute' or new.kind = 'arbitrate' or new.kind = 'contact' or new.kind = 'start_work' or new.kind = 'request_extension' or new.kind = 'grant_extension' or new.kind = 'refuse_extension' or new.kind = 'reply' or new.kind = 'evaluate' or new.kind = 'close' or new.kind = 'reopen' or new.kind = 'supervise' or new.kind = 'reveal_contact' or new.kind = 'deadline_notice' or new.kind = 'pause_clock' or new.kind = 'resume_clock' or new.kind = 'co_report' or new.kind = 'summon' or new.kind = 'report_in' or new.kind = 'arrive_on_site' or new.kind = 'remind' or new.kind = 'callback_attempt' or new.kind = 'exclude' or new.kind = 'external_update' or new.kind = 'import')
    begin select raise(abort, 'CHECK constraint failed: order_event_kind_check'); end;

create trigger order_event_kind_check_update before update of kind on order_event
    when not (new.kind = 'receive' or new.kind = 'triage' or new.kind = 'answer' or new.kind = 'transfer' or new.kind = 'redirect' or new.kind = 'link_duplicate' or new.kind = 'dispatch' or new.kind = 'sign' or new.kind = 'dispute' or new.kind = 'arbitrate' or new.kind = 'contact' or new.kind = 'start_work' or new.kind = 'request_extension' or new.kind = 'grant_extension' or new.kind = 'refuse_extension' or new.kind = 'reply' or new.kind = 'evaluate' or new.kind = 'close' or new.kind = 'reopen' or new.kind = 'supervise' or new.kind = 'reveal_contact' or new.kind = 'deadline_notice' or new.kind = 'pause_clock' or new.kind = 'resume_clock' or new.kind = 'co_report' or new.kind = 'summon' or new.kind = 'report_in' or new.kind = 'arrive_on_site' or new.kind = 'remind' or new.kind = 'callback_attempt' or new.kind = 'exclude' or new.kind = 'external_update' or new.kind = 'import')
    begin select raise(abort, 'CHECK constraint failed: order_event_kind_check'); end;

create trigger order_event_actor_role_check_insert before insert on order_event
    when not (new.actor_role = 'operator' or new.actor_role = 'supervisor' or new.actor_role = 'unit_handler' or new.actor_role = 'unit_admin' or new.actor_role = 'callback_agent' or new.actor_role = 'analyst' or new.actor_role = 'admin' or new.actor_role = 'citizen')
    begin select raise(abort, 'CHECK constraint failed: order_event_actor_role_check'); end;

create trigger order_event_actor_role_check_update before update of actor_role on order_event
    when not (new.actor_role = 'operator' or new.actor_role = 'supervisor' or new.actor_role = 'unit_handler' or new.actor_role = 'unit_admin' or new.actor_role = 'callback_agent' or new.actor_role = 'analyst' or new.actor_role = 'admin' or new.actor_role = 'citizen')
    begin select raise(abort, 'CHECK constraint failed: order_event_actor_role_check'); end;

create trigger unit_class_check_insert before insert on unit
    when not (new.class = 'centre' or new.class = 'district' or new.class = 'street' or new.class = 'department' or new.class = 'utility' or new.class = 'community')
    begin select raise(abort, 'CHECK constraint failed: unit_class_check'); end;

create trigger unit_class_check_update before update of class on unit
    when not (new.class = 'centre' or new.class = 'district' or new.class = 'street' or new.class = 'department' or new.class = 'utility' or new.class = 'community')
    begin select raise(abort, 'CHECK constraint failed: unit_class_check'); end;

create trigger app_user_role_check_insert before insert on app_user
    when not (new.role = 'operator' or new.role = 'supervisor' or new.role = 'unit_handler' or new.role = 'unit_admin' or new.role = 'callback_agent' or new.role = 'analyst' or new.role = 'admin')
    begin select raise(abort, 'CHECK constraint failed: app_user_role_check'); end;

create trigger app_user_role_check_update before update of role on app_user
    when not (new.role = 'operator' or new.role = 'supervisor' or new.role = 'unit_handler' or new.role = 'unit_admin' or new.role = 'callback_agent' or new.role = 'analyst' or new.role = 'admin')
    begin select raise(abort, 'CHECK constraint failed: app_user_role_check'); end;

create trigger order_unit_role_check_insert before insert on order_unit
    when not (new.role = 'main' or new.role = 'co' or new.role = 'copy')
    begin select raise(abort, 'CHECK constraint failed: order_unit_role_check'); end;

create trigger order_unit_role_check_update before update of role on order_unit
    when not (new.role = 'main' or new.role = 'co' or new.role = 'copy')
    begin select raise(abort, 'CHECK constraint failed: order_unit_role_check'); end;
