-- The schema enforces the domain's closed vocabularies: an order's state, an event's kind, states
-- and actor role, a unit's class, an account's role, an order unit's role. The lists are the
-- domain's codes (hotline-domain: State, ActionKind, UnitClass, Role); a test checks they agree.
-- SQLite cannot add a CHECK constraint to an existing table without rebuilding it, so each check
-- is a pair of triggers that refuse an insert or update breaking it, with the same effect.

create trigger work_order_state_check_insert before insert on work_order
    when not (new.state in ('received', 'triaged', 'answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'dispatched', 'signed', 'disputed', 'contacted', 'in_progress', 'extension_requested', 'replied', 'evaluated', 'closed', 'reopened'))
    begin select raise(abort, 'CHECK constraint failed: work_order_state_check'); end;

create trigger work_order_state_check_update before update of state on work_order
    when not (new.state in ('received', 'triaged', 'answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'dispatched', 'signed', 'disputed', 'contacted', 'in_progress', 'extension_requested', 'replied', 'evaluated', 'closed', 'reopened'))
    begin select raise(abort, 'CHECK constraint failed: work_order_state_check'); end;

create trigger order_event_to_state_check_insert before insert on order_event
    when not (new.to_state in ('received', 'triaged', 'answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'dispatched', 'signed', 'disputed', 'contacted', 'in_progress', 'extension_requested', 'replied', 'evaluated', 'closed', 'reopened'))
    begin select raise(abort, 'CHECK constraint failed: order_event_to_state_check'); end;

create trigger order_event_to_state_check_update before update of to_state on order_event
    when not (new.to_state in ('received', 'triaged', 'answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'dispatched', 'signed', 'disputed', 'contacted', 'in_progress', 'extension_requested', 'replied', 'evaluated', 'closed', 'reopened'))
    begin select raise(abort, 'CHECK constraint failed: order_event_to_state_check'); end;

create trigger order_event_from_state_check_insert before insert on order_event
    when not (new.from_state is null or new.from_state in ('received', 'triaged', 'answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'dispatched', 'signed', 'disputed', 'contacted', 'in_progress', 'extension_requested', 'replied', 'evaluated', 'closed', 'reopened'))
    begin select raise(abort, 'CHECK constraint failed: order_event_from_state_check'); end;

create trigger order_event_from_state_check_update before update of from_state on order_event
    when not (new.from_state is null or new.from_state in ('received', 'triaged', 'answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'dispatched', 'signed', 'disputed', 'contacted', 'in_progress', 'extension_requested', 'replied', 'evaluated', 'closed', 'reopened'))
    begin select raise(abort, 'CHECK constraint failed: order_event_from_state_check'); end;

create trigger order_event_kind_check_insert before insert on order_event
    when not (new.kind in ('receive', 'triage', 'answer', 'transfer', 'redirect', 'link_duplicate', 'dispatch', 'sign', 'dispute', 'arbitrate', 'contact', 'start_work', 'request_extension', 'grant_extension', 'refuse_extension', 'reply', 'evaluate', 'close', 'reopen', 'supervise', 'reveal_contact', 'deadline_notice', 'pause_clock', 'resume_clock', 'co_report', 'summon', 'report_in', 'arrive_on_site', 'remind', 'callback_attempt', 'exclude', 'external_update'))
    begin select raise(abort, 'CHECK constraint failed: order_event_kind_check'); end;

create trigger order_event_kind_check_update before update of kind on order_event
    when not (new.kind in ('receive', 'triage', 'answer', 'transfer', 'redirect', 'link_duplicate', 'dispatch', 'sign', 'dispute', 'arbitrate', 'contact', 'start_work', 'request_extension', 'grant_extension', 'refuse_extension', 'reply', 'evaluate', 'close', 'reopen', 'supervise', 'reveal_contact', 'deadline_notice', 'pause_clock', 'resume_clock', 'co_report', 'summon', 'report_in', 'arrive_on_site', 'remind', 'callback_attempt', 'exclude', 'external_update'))
    begin select raise(abort, 'CHECK constraint failed: order_event_kind_check'); end;

create trigger order_event_actor_role_check_insert before insert on order_event
    when not (new.actor_role in ('operator', 'supervisor', 'unit_handler', 'unit_admin', 'callback_agent', 'analyst', 'admin', 'citizen'))
    begin select raise(abort, 'CHECK constraint failed: order_event_actor_role_check'); end;

create trigger order_event_actor_role_check_update before update of actor_role on order_event
    when not (new.actor_role in ('operator', 'supervisor', 'unit_handler', 'unit_admin', 'callback_agent', 'analyst', 'admin', 'citizen'))
    begin select raise(abort, 'CHECK constraint failed: order_event_actor_role_check'); end;

create trigger unit_class_check_insert before insert on unit
    when not (new.class in ('centre', 'district', 'street', 'department', 'utility', 'community'))
    begin select raise(abort, 'CHECK constraint failed: unit_class_check'); end;

create trigger unit_class_check_update before update of class on unit
    when not (new.class in ('centre', 'district', 'street', 'department', 'utility', 'community'))
    begin select raise(abort, 'CHECK constraint failed: unit_class_check'); end;

create trigger app_user_role_check_insert before insert on app_user
    when not (new.role in ('operator', 'supervisor', 'unit_handler', 'unit_admin', 'callback_agent', 'analyst', 'admin'))
    begin select raise(abort, 'CHECK constraint failed: app_user_role_check'); end;

create trigger app_user_role_check_update before update of role on app_user
    when not (new.role in ('operator', 'supervisor', 'unit_handler', 'unit_admin', 'callback_agent', 'analyst', 'admin'))
    begin select raise(abort, 'CHECK constraint failed: app_user_role_check'); end;

create trigger order_unit_role_check_insert before insert on order_unit
    when not (new.role in ('main', 'co', 'copy'))
    begin select raise(abort, 'CHECK constraint failed: order_unit_role_check'); end;

create trigger order_unit_role_check_update before update of role on order_unit
    when not (new.role in ('main', 'co', 'copy'))
    begin select raise(abort, 'CHECK constraint failed: order_unit_role_check'); end;
