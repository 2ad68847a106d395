-- An order's history can be imported (`hotline import-history`): its timeline records the import
-- as one event of its own kind, `import`. The list is the domain's ActionKind codes; a test checks
-- they agree.

alter table order_event drop constraint order_event_kind_check;
alter table order_event add constraint order_event_kind_check check (kind in ('receive', 'triage', 'answer', 'transfer', 'redirect', 'link_duplicate', 'dispatch', 'sign', 'dispute', 'arbitrate', 'contact', 'start_work', 'request_extension', 'grant_extension', 'refuse_extension', 'reply', 'evaluate', 'close', 'reopen', 'supervise', 'reveal_contact', 'deadline_notice', 'pause_clock', 'resume_clock', 'co_report', 'summon', 'report_in', 'arrive_on_site', 'remind', 'callback_attempt', 'exclude', 'external_update', 'import'));
