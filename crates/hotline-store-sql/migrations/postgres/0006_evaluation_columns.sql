-- Assessment counts callbacks per unit and month in SQL: the evaluation as columns.
alter table work_order add column evaluated_at bigint;
alter table work_order add column eval_contacted integer;
alter table work_order add column eval_resolution text;
alter table work_order add column eval_satisfaction text;
create index work_order_evaluated on work_order (evaluated_at) where evaluated_at is not null;

-- Orders evaluated before these columns existed: their evaluation, dated at their last change.
update work_order set
    evaluated_at = updated_at,
    eval_contacted = case when (doc::jsonb -> 'evaluation' ->> 'contacted')::boolean then 1 else 0 end,
    eval_resolution = doc::jsonb -> 'evaluation' ->> 'resolution',
    eval_satisfaction = doc::jsonb -> 'evaluation' ->> 'satisfaction'
    where doc::jsonb -> 'evaluation' is not null and jsonb_typeof(doc::jsonb -> 'evaluation') = 'object';

-- Dispute counts per unit and month (回退率) read events by kind and time.
create index order_event_kind_at on order_event (kind, at);
