-- Incidents (突发事件, emergency mode): the centre confirms an alert or declares an incident; while it
-- is active, intake shows its banner and the scripted answer (口径) its supervisor edits, and calls are
-- linked to it (one row per order) and dispatched to its lead unit. The statuses are the domain's
-- codes (hotline-domain: IncidentStatus); a test checks they agree.
create table incident (
    incident_id     integer primary key,
    title           text not null,
    alert_id        integer references alert (alert_id),
    district_id     integer references unit (unit_id),
    street_id       integer references unit (unit_id),
    category        text,                      -- category path the incident's calls are filed under
    lead_unit_id    integer not null references unit (unit_id),
    script          text not null,             -- 口径: what operators tell callers
    status          text not null,
    started_at      integer not null,          -- when the calls began (the alert's start, or declared_at)
    declared_by     integer not null references app_user (user_id),
    declared_at     integer not null,
    updated_by      integer not null references app_user (user_id),
    updated_at      integer not null,
    closed_at       integer,
    constraint incident_status_check check (status = 'active' or status = 'closed')
);
create index incident_status on incident (status, declared_at);
-- One incident per alert: confirming an alert twice finds the first.
create unique index incident_alert on incident (alert_id) where alert_id is not null;

create table incident_order (
    incident_id     integer not null references incident (incident_id),
    order_id        integer not null references work_order (order_id),
    linked_by       integer references app_user (user_id),
    linked_at       integer not null,
    primary key (incident_id, order_id)
);
create index incident_order_order on incident_order (order_id);
