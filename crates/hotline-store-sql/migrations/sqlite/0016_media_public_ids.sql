-- Uploaded files are served under an unguessable id (32 hex characters, random) instead of their
-- sequential row number, so that nobody can walk /open311/v2/media/1, /2, … through every
-- citizen's photos. Files uploaded before this keep their number as their id, since links to
-- them are already published in their orders; only new files get random ids.
alter table media add column public_id text;
update media set public_id = cast(media_id as text);
create unique index media_public_id on media (public_id);
