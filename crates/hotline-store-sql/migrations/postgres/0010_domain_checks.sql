-- The schema enforces the domain's closed vocabularies: an order's state, an event's kind, states
-- and actor role, a unit's class, an account's role, an order unit's role. The lists are the
-- domain's codes (hotline-domain: State, ActionKind, UnitClass, Role); a test checks they agree.

alter table work_order add constraint work_order_state_check check (state in ('received', 'triaged', 'answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'dispatched', 'signed', 'disputed', 'contacted', 'in_progress', 'extension_requested', 'replied', 'evaluated', 'closed', 'reopened'));
alter table order_event add constraint order_event_to_state_check check (to_state in ('received', 'triaged', 'answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'dispatched', 'signed', 'disputed', 'contacted', 'in_progress', 'extension_requested', 'replied', 'evaluated', 'closed', 'reopened'));
alter table order_event add constraint order_event_from_state_check check (from_state is null or from_state in ('received', 'triaged', 'answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'dispatched', 'signed', 'disputed', 'contacted', 'in_progress', 'extension_requested', 'replied', 'evaluated', 'closed', 'reopened'));
alter table order_event add constraint order_event_kind_check check (kind in ('receive', 'triage', 'answer', 'transfer', 'redirect', 'link_duplicate', 'dispatch', 'sign', 'dispute', 'arbitrate', 'contact', 'start_work', 'request_extension', 'grant_extension', 'refuse_extension', 'reply', 'evaluate', 'close', 'reopen', 'supervise', 'reveal_contact', 'deadline_notice', 'pause_clock', 'resume_clock', 'co_report', 'summon', 'report_in', 'arrive_on_site', 'remind', 'callback_attempt', 'exclude', 'external_update'));
alter table order_event add constraint order_event_actor_role_check check (actor_role in ('operator', 'supervisor', 'unit_handler', 'unit_admin', 'callback_agent', 'analyst', 'admin', 'citizen'));
alter table unit add constraint unit_class_check check (class in ('centre', 'district', 'street', 'department', 'utility', 'community'));
alter table app_user add constraint app_user_role_check check (role in ('operator', 'supervisor', 'unit_handler', 'unit_admin', 'callback_agent', 'analyst', 'admin'));
alter table order_unit add constraint order_unit_role_check check (role in ('main', 'co', 'copy'));
