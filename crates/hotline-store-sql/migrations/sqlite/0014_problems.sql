-- 每月一题 (problem of the month): a chronic problem the centre adopted from the month's candidates
-- (a category in an area), to be solved city-wide and tracked month by month before and after.
create table adopted_problem (
    problem_id      integer primary key,
    candidate_key   text not null,             -- the ranking's stable key, e.g. district:3|street:42|cat:UTL/water
    month           text not null,             -- YYYY-MM of the ranking it was adopted from
    title           text not null,
    district_id     integer references unit (unit_id),
    street_id       integer references unit (unit_id),
    category        text not null,             -- category path
    adopted_by      integer not null references app_user (user_id),
    adopted_at      integer not null,
    note            text,
    closed_by       integer references app_user (user_id),
    closed_at       integer                       -- null while the centre works on it
);
create index adopted_problem_adopted on adopted_problem (adopted_at);
-- A theme is adopted once while it is worked on.
create unique index adopted_problem_open_key on adopted_problem (candidate_key) where closed_at is null;
