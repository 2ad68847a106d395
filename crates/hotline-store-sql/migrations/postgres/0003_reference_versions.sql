-- Versioned reference sets: the category tree and the dispatch catalogue. Every save stores the
-- whole set as a new version in its shipped CSV format (what an admin can download, diff and load
-- elsewhere); the newest version is in force. Saving a category version also replaces the rows of
-- `category`, its queryable projection, in the same transaction. Orders record the category
-- version they were filed under (in their document).
create table reference_version (
    kind       text    not null,   -- 'categories' | 'dispatch_rules'
    version    bigint  not null,
    created_at bigint  not null,   -- epoch milliseconds
    created_by text    not null,   -- who saved it (display name, or 'system')
    note       text    not null,
    body       text    not null,   -- the whole set, CSV
    primary key (kind, version)
);
