-- Open311: tokens given to clients for deferred intake (GET /tokens/{token} → the request id), and
-- the index behind the public updates feed and the updated_after/updated_before filters.
create table open311_token (
    token text primary key,
    order_id integer not null references work_order (order_id),
    created_at integer not null
);
create index order_event_at on order_event (at);
create index work_order_updated on work_order (updated_at);

-- Updates client systems post (FixMyStreet's servicerequestupdates): each update_id once.
create table open311_update (
    update_id text primary key,
    order_id integer not null references work_order (order_id),
    created_at integer not null
);

-- Files uploaded with a request (multipart media), served at /open311/v2/media/{id}.
create table media (
    media_id integer primary key,
    content_type text not null,
    file_name text not null,
    bytes blob not null,
    created_at integer not null
);
