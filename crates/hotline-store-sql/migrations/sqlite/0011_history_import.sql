-- Two things. An order's history can be imported (`hotline import-history`): its timeline records
-- the import as one event of its own kind, `import`. And on SQLite the closed vocabularies become
-- CHECK constraints, as on PostgreSQL. Migration 0010 used triggers, since SQLite cannot add a
-- constraint to a table; but a trigger on every insert made creating orders about a fifth slower,
-- while a CHECK of a few comparisons costs next to nothing. SQLite documents adding a CHECK
-- constraint by rewriting the table's definition in sqlite_schema (writable_schema): the rows on
-- disk do not change, and every row already passed the triggers. `writable_schema = reset` and a
-- table made and dropped make every connection read the new definitions. The lists are the
-- domain's codes (hotline-domain: State, ActionKind, UnitClass, Role); a test checks they agree.

drop trigger unit_class_check_insert;
drop trigger unit_class_check_update;
drop trigger app_user_role_check_insert;
drop trigger app_user_role_check_update;
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
drop trigger order_unit_role_check_insert;
drop trigger order_unit_role_check_update;

pragma writable_schema = on;
update sqlite_schema set sql = substr(sql, 1, length(sql) - 1) || ',
    constraint unit_class_check check (class = ''centre'' or class = ''district'' or class = ''street'' or class = ''department'' or class = ''utility'' or class = ''community'')
)'
    where type = 'table' and name = 'unit' and sql like '%)';
update sqlite_schema set sql = substr(sql, 1, length(sql) - 1) || ',
    constraint app_user_role_check check (role = ''operator'' or role = ''supervisor'' or role = ''unit_handler'' or role = ''unit_admin'' or role = ''callback_agent'' or role = ''analyst'' or role = ''admin'')
)'
    where type = 'table' and name = 'app_user' and sql like '%)';
update sqlite_schema set sql = substr(sql, 1, length(sql) - 1) || ',
    constraint work_order_state_check check (state = ''received'' or state = ''triaged'' or state = ''answered_directly'' or state = ''transferred'' or state = ''redirected'' or state = ''linked_duplicate'' or state = ''dispatched'' or state = ''signed'' or state = ''disputed'' or state = ''contacted'' or state = ''in_progress'' or state = ''extension_requested'' or state = ''replied'' or state = ''evaluated'' or state = ''closed'' or state = ''reopened'')
)'
    where type = 'table' and name = 'work_order' and sql like '%)';
update sqlite_schema set sql = substr(sql, 1, length(sql) - 1) || ',
    constraint order_event_to_state_check check (to_state = ''received'' or to_state = ''triaged'' or to_state = ''answered_directly'' or to_state = ''transferred'' or to_state = ''redirected'' or to_state = ''linked_duplicate'' or to_state = ''dispatched'' or to_state = ''signed'' or to_state = ''disputed'' or to_state = ''contacted'' or to_state = ''in_progress'' or to_state = ''extension_requested'' or to_state = ''replied'' or to_state = ''evaluated'' or to_state = ''closed'' or to_state = ''reopened''),
    constraint order_event_from_state_check check (from_state is null or from_state = ''received'' or from_state = ''triaged'' or from_state = ''answered_directly'' or from_state = ''transferred'' or from_state = ''redirected'' or from_state = ''linked_duplicate'' or from_state = ''dispatched'' or from_state = ''signed'' or from_state = ''disputed'' or from_state = ''contacted'' or from_state = ''in_progress'' or from_state = ''extension_requested'' or from_state = ''replied'' or from_state = ''evaluated'' or from_state = ''closed'' or from_state = ''reopened''),
    constraint order_event_kind_check check (kind = ''receive'' or kind = ''triage'' or kind = ''answer'' or kind = ''transfer'' or kind = ''redirect'' or kind = ''link_duplicate'' or kind = ''dispatch'' or kind = ''sign'' or kind = ''dispute'' or kind = ''arbitrate'' or kind = ''contact'' or kind = ''start_work'' or kind = ''request_extension'' or kind = ''grant_extension'' or kind = ''refuse_extension'' or kind = ''reply'' or kind = ''evaluate'' or kind = ''close'' or kind = ''reopen'' or kind = ''supervise'' or kind = ''reveal_contact'' or kind = ''deadline_notice'' or kind = ''pause_clock'' or kind = ''resume_clock'' or kind = ''co_report'' or kind = ''summon'' or kind = ''report_in'' or kind = ''arrive_on_site'' or kind = ''remind'' or kind = ''callback_attempt'' or kind = ''exclude'' or kind = ''external_update'' or kind = ''import''),
    constraint order_event_actor_role_check check (actor_role = ''operator'' or actor_role = ''supervisor'' or actor_role = ''unit_handler'' or actor_role = ''unit_admin'' or actor_role = ''callback_agent'' or actor_role = ''analyst'' or actor_role = ''admin'' or actor_role = ''citizen'')
)'
    where type = 'table' and name = 'order_event' and sql like '%)';
update sqlite_schema set sql = substr(sql, 1, length(sql) - 1) || ',
    constraint order_unit_role_check check (role = ''main'' or role = ''co'' or role = ''copy'')
)'
    where type = 'table' and name = 'order_unit' and sql like '%)';
pragma writable_schema = reset;
create table schema_changed (x integer);
drop table schema_changed;
