-- Early-warning alerts (预警): a detection pass over the call volumes opens one alert per series that
-- surges (or whose words burst), updates it while it keeps signalling and ends it once the series has
-- been quiet long enough. The kinds and statuses are the domain's codes (hotline-domain: AlertKind,
-- AlertStatus); a test checks they agree. Figures that are rates or scores are reals.
create table alert (
    alert_id        integer primary key,
    kind            text not null,
    series          text not null,             -- stable key of the series, e.g. street:42|UTL
    district_id     integer references unit (unit_id),
    street_id       integer references unit (unit_id),
    category        text,                      -- category path, null for all categories
    terms           text,                      -- a topic's words, null for a surge
    started_at      integer not null,
    observed        integer not null,
    expected        real not null,
    score           real not null,
    recurrence_days real not null,
    detected_at     integer not null,
    last_seen_at    integer not null,
    ended_at        integer,                   -- null while ongoing
    status          text not null,
    acted_by        integer references app_user (user_id),
    acted_at        integer,
    note            text,
    constraint alert_kind_check check (kind = 'surge' or kind = 'topic'),
    constraint alert_status_check check (status = 'open' or status = 'acknowledged' or status = 'dismissed')
);
create index alert_series on alert (series, ended_at);
create index alert_last_seen on alert (last_seen_at);
-- At most one alert per series is ongoing, even when two passes run at once.
create unique index alert_ongoing_series on alert (series) where ended_at is null;
