-- Core schema of the work-order platform (SQLite). Never edit a landed migration: add a new file.
-- Timestamps are Unix epoch milliseconds (UTC) in both backends, so the same SQL reads them.
-- Booleans are integers 0/1 in both backends for the same reason.

-- The dispatch hierarchy and non-territorial units.
create table unit (
    unit_id   integer primary key,
    code      text not null unique,       -- official division code, or an assigned code
    name      text not null,
    class     text not null,              -- centre | district | street | department | utility | community
    parent_id integer references unit (unit_id)
);
create index unit_parent on unit (parent_id);

-- Category tree, by full path code (TRF/parking/illegal).
create table category (
    code            text primary key,
    name_zh         text not null,
    name_en         text not null,
    default_urgency text not null
);

create table app_user (
    user_id       integer primary key,
    username      text not null unique,
    display_name  text not null,
    role          text not null,
    unit_id       integer references unit (unit_id),
    password_hash text not null,
    active        integer not null default 1,
    created_at    integer not null
);

-- Sessions (cookies) and API tokens, stored only as SHA-256 hashes of the secret.
create table credential (
    token_hash text primary key,
    kind       text not null,             -- session | api_token
    user_id    integer not null references app_user (user_id),
    name       text not null,
    created_at integer not null,
    expires_at integer                    -- null: until revoked
);
create index credential_user on credential (user_id);

-- Versioned deadline policy; an order records the version it was dispatched under.
create table deadline_policy (
    version        integer primary key,
    effective_from integer not null,
    body           text not null,         -- JSON DeadlinePolicy
    created_at     integer not null,
    created_by     text not null
);

-- A case groups the orders about one problem; every order opens one, duplicates join another's.
create table order_case (
    case_id   integer primary key,
    opened_at integer not null
);

-- Per-day sequence behind human-readable order numbers (2026112200123).
create table order_day_seq (
    day text primary key,
    seq integer not null
);

create table work_order (
    order_id              integer primary key,
    number                text not null unique,
    case_id               integer not null references order_case (case_id),
    version               integer not null,
    state                 text not null,
    channel               text not null,
    nature                text,
    category              text,
    urgency               text not null,
    requester_phone       text,
    district_id           integer references unit (unit_id),
    street_id             integer references unit (unit_id),
    main_unit_id          integer references unit (unit_id),
    supervised            integer not null default 0,
    policy_version        integer,
    dispatch_due          integer,
    contact_due           integer,
    reply_due             integer,
    received_at           integer not null,
    first_dispatched_at   integer,
    contacted_at          integer,
    replied_at            integer,
    closed_at             integer,
    updated_at            integer not null,
    created_by            integer references app_user (user_id),
    doc                   text not null   -- the whole WorkOrder as JSON; the columns above are for queries
);
create index work_order_received on work_order (received_at);
create index work_order_state on work_order (state, received_at);
create index work_order_phone on work_order (requester_phone, received_at);
create index work_order_case on work_order (case_id);
create index work_order_reply_due on work_order (reply_due);

-- Which units see an order: main, co-units, and the district copy.
create table order_unit (
    order_id integer not null references work_order (order_id),
    unit_id  integer not null references unit (unit_id),
    role     text not null,                -- main | co | copy
    primary key (order_id, unit_id)
);
create index order_unit_unit on order_unit (unit_id, order_id);

-- Append-only timeline: one row per transition, reveal or note.
create table order_event (
    event_id      integer primary key,
    order_id      integer not null references work_order (order_id),
    kind          text not null,
    from_state    text,
    to_state      text not null,
    actor_user_id integer references app_user (user_id),
    actor_role    text not null,
    actor_unit_id integer,
    actor_name    text not null,
    at            integer not null,
    reason        text,
    payload       text not null
);
create index order_event_order on order_event (order_id, event_id);

-- Create requests already answered, so a retried POST never creates a second order.
create table idempotency_key (
    scope      text not null,
    idem_key   text not null,
    order_id   integer not null references work_order (order_id),
    created_at integer not null,
    primary key (scope, idem_key)
);
