-- Categories carry what an operator and the triage engine need: what belongs there, and the words
-- people use for it.
alter table category add column description text not null default '';
alter table category add column keywords text not null default '';   -- '|'-separated
