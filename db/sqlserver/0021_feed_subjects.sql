-- The change feed carries more than versions (docs/design.md §1.5): national responses, relations between standards,
-- civil equivalents, preferred marks and published capability tables appear in and disappear from a view as events.
-- An event names its subject (what kind of record) and the record; version_id stays for version events and, for a
-- response, the edition it answers. subject_ref is the record's identity as sent (never a row id: ids would count
-- records the reader may not see) and is kept so a tombstone can say what went after the record itself is gone.
ALTER TABLE feed_events ALTER COLUMN version_id BIGINT NULL;
ALTER TABLE feed_events ADD subject NVARCHAR(16) NOT NULL CONSTRAINT df_feed_events_subject DEFAULT 'version'
    CONSTRAINT ck_feed_events_subject CHECK (subject IN ('version', 'response', 'relation', 'equivalent', 'preferred', 'table'));
ALTER TABLE feed_events ADD subject_id BIGINT NULL;
ALTER TABLE feed_events ADD subject_ref NVARCHAR(600) NULL;
GO

UPDATE feed_events SET subject_id = version_id;
ALTER TABLE feed_events ADD CONSTRAINT ck_feed_events_version CHECK (subject <> 'version' OR version_id IS NOT NULL);

-- The lock every write takes before it reads or changes what spans two standards (an edge's far end, a category's
-- preferred mark), after its own standard's lock: such writes are serialised, so each sees the other's commit.
CREATE TABLE feed_locks (
    name NVARCHAR(32) NOT NULL PRIMARY KEY
);

INSERT INTO feed_locks (name) VALUES ('relations');

-- One row once the feed holds the records that predate this script; otherwise the service puts them in on start.
CREATE TABLE feed_items_state (
    id          INT    NOT NULL PRIMARY KEY CHECK (id = 1),
    complete_at BIGINT NOT NULL
);

INSERT INTO feed_items_state (id, complete_at) SELECT 1, 0
WHERE NOT EXISTS (SELECT 1 FROM national_responses) AND NOT EXISTS (SELECT 1 FROM relations) AND NOT EXISTS (SELECT 1 FROM equivalents)
  AND NOT EXISTS (SELECT 1 FROM preferred_standards) AND NOT EXISTS (SELECT 1 FROM capability_tables);

-- A response row and a published table are named to readers by an opaque identity, random, never a row id: ids are
-- shared across nations, audiences and markings, so their gaps would count rows the reader may not see; a time is not
-- unique. Responses and tables carry it as `id`, and feed events name them by it.
ALTER TABLE national_responses ADD public_id NVARCHAR(32) NULL;
ALTER TABLE capability_tables ADD public_id NVARCHAR(32) NULL;
GO

UPDATE national_responses SET public_id = LOWER(REPLACE(CONVERT(NVARCHAR(36), NEWID()), '-', ''));
UPDATE capability_tables SET public_id = LOWER(REPLACE(CONVERT(NVARCHAR(36), NEWID()), '-', ''));
CREATE UNIQUE INDEX ux_national_responses_public_id ON national_responses (public_id) WHERE public_id IS NOT NULL;
CREATE UNIQUE INDEX ux_capability_tables_public_id ON capability_tables (public_id) WHERE public_id IS NOT NULL;
