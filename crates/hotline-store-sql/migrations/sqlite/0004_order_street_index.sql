-- Triage looks for duplicates among recent orders at the same street/township.
create index work_order_street on work_order (street_id, received_at);
