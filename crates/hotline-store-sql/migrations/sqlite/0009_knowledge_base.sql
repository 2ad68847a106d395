-- The knowledge base: one row per article (its current version as a document, with the columns
-- lists filter on) and every version kept. Versions are numbered across all articles too
-- (version_id): the search index reads new ones after the last it has seen.
create table kb_article (
    article_id integer primary key,
    slug text not null unique,
    version integer not null,
    status text not null,
    owner_unit_id integer not null references unit (unit_id),
    review_by text,
    updated_at integer not null,
    updated_by text not null,
    doc text not null
);
create index kb_article_owner on kb_article (owner_unit_id);

create table kb_article_version (
    version_id integer primary key,
    article_id integer not null references kb_article (article_id),
    version integer not null,
    created_at integer not null,
    created_by text not null,
    doc text not null,
    unique (article_id, version)
);

-- A consultation answered from an article names it, so the knowledge base's use is counted.
alter table work_order add column answer_article text;
create index work_order_answer_article on work_order (answer_article) where answer_article is not null;
