-- Open311 client systems (issue #17). Three things.
--
-- 1. A role for them, `open311_client`: an account that posts requests and updates over Open311
--    with an API token and acts on no order. The account's role and an event's actor role accept
--    it. The lists are the domain's codes (Role); a test checks they agree.
-- 2. An update's update_id is unique per client account, not across the server, and remembers a
--    fingerprint of what the update said, so an identical retry gets the same answer and a
--    different update under the same id is a conflict. Updates recorded before keep their client
--    (the actor of their event) and an empty fingerprint.
-- 3. The service an Open311 request was posted under, as a column: GET requests filters on the
--    code it publishes, the category once triaged, else this one.
-- 4. A request posted over Open311 is filed by the account whose key posted it (a client system
--    sees and updates the requests it sent); those posted before get theirs from their receipt.

alter table app_user drop constraint app_user_role_check;
alter table app_user add constraint app_user_role_check check (role in ('operator', 'supervisor', 'unit_handler', 'unit_admin', 'callback_agent', 'analyst', 'admin', 'open311_client'));
alter table order_event drop constraint order_event_actor_role_check;
alter table order_event add constraint order_event_actor_role_check check (actor_role in ('operator', 'supervisor', 'unit_handler', 'unit_admin', 'callback_agent', 'analyst', 'admin', 'open311_client', 'citizen'));

create table open311_client_update (
    client_id   bigint not null references app_user (user_id),
    update_id   text not null,
    order_id    bigint not null references work_order (order_id),
    fingerprint text not null,                 -- SHA-256 (hex) of the update; '' if recorded before 0015
    created_at  bigint not null,
    primary key (client_id, update_id)
);
insert into open311_client_update (client_id, update_id, order_id, fingerprint, created_at)
    select e.actor_user_id, u.update_id, u.order_id, '', u.created_at
    from open311_update u
    join order_event e on e.order_id = u.order_id and e.kind = 'external_update'
        and (e.payload::jsonb ->> 'update_id') = u.update_id
    where e.actor_user_id is not null
    on conflict do nothing;
drop table open311_update;

alter table work_order add column submitted_service text;
update work_order set submitted_service = doc::jsonb -> 'submission' ->> 'service_code' where channel = 'open311';

update work_order w set created_by = (
        select e.actor_user_id from order_event e where e.order_id = w.order_id and e.kind = 'receive' order by e.event_id limit 1)
    where w.channel = 'open311' and w.created_by is null;
update work_order set doc = jsonb_set(doc::jsonb, '{created_by}', to_jsonb(created_by))::text
    where channel = 'open311' and created_by is not null and doc::jsonb -> 'created_by' = 'null'::jsonb;
