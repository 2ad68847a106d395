-- Deadline notices: when each order's next warning or overdue notice is due (the scheduler reads
-- orders by it), the in-app notifications they raise, and an outbox from which SMS or e-mail
-- adapters send.
alter table work_order add column next_notice_at integer;
create index work_order_next_notice on work_order (next_notice_at) where next_notice_at is not null;

-- Orders stored before notices existed: look at them at their earliest pending due time.
update work_order set next_notice_at = min(
        coalesce(case when first_dispatched_at is null then dispatch_due end, 9007199254740991),
        coalesce(case when first_dispatched_at is not null and contacted_at is null then contact_due end, 9007199254740991),
        coalesce(case when first_dispatched_at is not null and replied_at is null then reply_due end, 9007199254740991))
    where state not in ('answered_directly', 'transferred', 'redirected', 'linked_duplicate', 'closed');
update work_order set next_notice_at = null where next_notice_at = 9007199254740991;

create table notification (
    notification_id integer primary key,
    unit_id         integer references unit (unit_id),      -- null: the centre
    order_id        integer not null references work_order (order_id),
    kind            text    not null,                        -- '{stage}_{warning|overdue}'
    message_zh      text    not null,
    message_en      text    not null,
    created_at      integer not null,
    read_at         integer
);
create index notification_unit on notification (unit_id, notification_id);

create table outbox (
    message_id  integer primary key,
    channel     text    not null,                            -- 'sms' | 'email'
    recipient   text    not null,                            -- unit code, or 'centre'
    body        text    not null,
    created_at  integer not null,
    sent_at     integer,
    attempts    integer not null default 0
);
create index outbox_pending on outbox (sent_at, message_id);
