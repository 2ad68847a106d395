-- Open311 client systems (issue #17). Three things.
--
-- 1. A role for them, `open311_client`: an account that posts requests and updates over Open311
--    with an API token and acts on no order. The account's role and an event's actor role accept
--    it. The checks are rewritten in sqlite_schema as 0011 added them (rows on disk unchanged:
--    every row passed the shorter list); the lists are the domain's codes (Role), a test checks
--    they agree, and the guard at the end fails this migration if a definition was not found.
-- 2. An update's update_id is unique per client account, not across the server, and remembers a
--    fingerprint of what the update said, so an identical retry gets the same answer and a
--    different update under the same id is a conflict. Updates recorded before keep their client
--    (the actor of their event) and an empty fingerprint.
-- 3. The service an Open311 request was posted under, as a column: GET requests filters on the
--    code it publishes, the category once triaged, else this one.
-- 4. A request posted over Open311 is filed by the account whose key posted it (a client system
--    sees and updates the requests it sent); those posted before get theirs from their receipt.

pragma writable_schema = on;
update sqlite_schema set sql = replace(sql,
    'constraint app_user_role_check check (role = ''operator'' or role = ''supervisor'' or role = ''unit_handler'' or role = ''unit_admin'' or role = ''callback_agent'' or role = ''analyst'' or role = ''admin'')',
    'constraint app_user_role_check check (role = ''operator'' or role = ''supervisor'' or role = ''unit_handler'' or role = ''unit_admin'' or role = ''callback_agent'' or role = ''analyst'' or role = ''admin'' or role = ''open311_client'')')
    where type = 'table' and name = 'app_user';
update sqlite_schema set sql = replace(sql,
    'constraint order_event_actor_role_check check (actor_role = ''operator'' or actor_role = ''supervisor'' or actor_role = ''unit_handler'' or actor_role = ''unit_admin'' or actor_role = ''callback_agent'' or actor_role = ''analyst'' or actor_role = ''admin'' or actor_role = ''citizen'')',
    'constraint order_event_actor_role_check check (actor_role = ''operator'' or actor_role = ''supervisor'' or actor_role = ''unit_handler'' or actor_role = ''unit_admin'' or actor_role = ''callback_agent'' or actor_role = ''analyst'' or actor_role = ''admin'' or actor_role = ''open311_client'' or actor_role = ''citizen'')')
    where type = 'table' and name = 'order_event';
pragma writable_schema = reset;
create table schema_changed (x integer);
drop table schema_changed;
create temp table migration_0015_guard (found integer check (found = 2));
insert into migration_0015_guard select count(*) from sqlite_schema
    where type = 'table' and name in ('app_user', 'order_event') and sql like '%= ''open311_client''%';
drop table migration_0015_guard;

create table open311_client_update (
    client_id   integer not null references app_user (user_id),
    update_id   text not null,
    order_id    integer not null references work_order (order_id),
    fingerprint text not null,                 -- SHA-256 (hex) of the update; '' if recorded before 0015
    created_at  integer not null,
    primary key (client_id, update_id)
);
insert into open311_client_update (client_id, update_id, order_id, fingerprint, created_at)
    select e.actor_user_id, u.update_id, u.order_id, '', u.created_at
    from open311_update u
    join order_event e on e.order_id = u.order_id and e.kind = 'external_update'
        and json_extract(e.payload, '$.update_id') = u.update_id
    where e.actor_user_id is not null
    on conflict do nothing;
drop table open311_update;

alter table work_order add column submitted_service text;
update work_order set submitted_service = json_extract(doc, '$.submission.service_code') where channel = 'open311';

update work_order set created_by = (select e.actor_user_id from order_event e where e.order_id = work_order.order_id and e.kind = 'receive')
    where channel = 'open311' and created_by is null;
update work_order set doc = json_set(doc, '$.created_by', created_by)
    where channel = 'open311' and created_by is not null and json_extract(doc, '$.created_by') is null;
