-- The callback queue (回访) reads orders by the time they started waiting: the unit's reply, or the
-- reply due time when it passed without one. Assessment leaves out orders the centre excluded.
alter table work_order add column callback_since integer;
alter table work_order add column assess_exclusion text;
create index work_order_callback on work_order (callback_since) where callback_since is not null;

update work_order set callback_since = replied_at where state = 'replied';
update work_order set callback_since = reply_due
    where state in ('dispatched', 'signed', 'contacted', 'in_progress', 'extension_requested', 'reopened');

-- Values every node must share, created once (e.g. the key that signs citizens' rating links).
create table setting (
    key text primary key,
    value text not null
);
