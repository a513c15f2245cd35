-- The change feed carries more than versions (docs/design.md §1.5): national responses, relations between standards,
-- civil equivalents, preferred marks and published capability tables appear in and disappear from a view as events.
-- An event names its subject (what kind of record) and the record; version_id stays for version events and, for a
-- response, the edition it answers. subject_ref is the record's identity as sent (never a row id: ids would count
-- records the reader may not see) and is kept so a tombstone can say what went after the record itself is gone.
--
-- SQLite cannot make a column nullable in place: the table is rebuilt. The webhook outbox references it, so its rows
-- are set aside and put back in the same transaction.
CREATE TABLE feed_events_subjects (
    view_id     INTEGER NOT NULL REFERENCES feed_views (id),
    seq         INTEGER NOT NULL,
    event_id    TEXT    NOT NULL,
    type        TEXT    NOT NULL CHECK (type IN ('visible', 'updated', 'withdrawn', 'hidden')),
    version_id  INTEGER NULL REFERENCES versions (id),
    occurred_at INTEGER NOT NULL,
    subject     TEXT    NOT NULL DEFAULT 'version' CHECK (subject IN ('version', 'response', 'relation', 'equivalent', 'preferred', 'table')),
    subject_id  INTEGER NULL,
    subject_ref TEXT    NULL,
    PRIMARY KEY (view_id, seq),
    CHECK (subject <> 'version' OR version_id IS NOT NULL)
);

INSERT INTO feed_events_subjects (view_id, seq, event_id, type, version_id, occurred_at, subject, subject_id, subject_ref)
SELECT view_id, seq, event_id, type, version_id, occurred_at, 'version', version_id, NULL FROM feed_events;

CREATE TEMP TABLE webhook_outbox_kept AS SELECT * FROM webhook_outbox;
DELETE FROM webhook_outbox;
DROP TABLE feed_events;
ALTER TABLE feed_events_subjects RENAME TO feed_events;
CREATE UNIQUE INDEX ux_feed_events_id ON feed_events (event_id);
INSERT INTO webhook_outbox SELECT * FROM webhook_outbox_kept;
DROP TABLE webhook_outbox_kept;

-- The lock every write takes before it reads or changes what spans two standards (an edge's far end, a category's
-- preferred mark), after its own standard's lock: such writes are serialised, so each sees the other's commit.
CREATE TABLE feed_locks (
    name TEXT NOT NULL PRIMARY KEY
);

INSERT INTO feed_locks (name) VALUES ('relations');

-- One row once the feed holds the records that predate this script; otherwise the service puts them in on start.
CREATE TABLE feed_items_state (
    id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    complete_at INTEGER NOT NULL
);

INSERT INTO feed_items_state (id, complete_at) SELECT 1, 0
WHERE NOT EXISTS (SELECT 1 FROM national_responses) AND NOT EXISTS (SELECT 1 FROM relations) AND NOT EXISTS (SELECT 1 FROM equivalents)
  AND NOT EXISTS (SELECT 1 FROM preferred_standards) AND NOT EXISTS (SELECT 1 FROM capability_tables);

-- Events name a relation or an equivalent by its row id, and those rows are deleted when the record is removed:
-- SQLite would give a later row the id of a deleted one (the largest id plus one), and an old event would show the new
-- record. AUTOINCREMENT never reuses an id (PostgreSQL's and SQL Server's identities never do).
CREATE TABLE relations_rebuilt (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL CHECK (kind IN ('covers', 'supersedes', 'references')),
    from_standard_id INTEGER NOT NULL REFERENCES standards (id),
    to_standard_id   INTEGER NOT NULL REFERENCES standards (id),
    created_at       INTEGER NOT NULL,
    created_by       TEXT NOT NULL,
    CONSTRAINT ux_relations_edge UNIQUE (from_standard_id, kind, to_standard_id),
    CHECK (from_standard_id <> to_standard_id)
);

INSERT INTO relations_rebuilt (id, kind, from_standard_id, to_standard_id, created_at, created_by)
SELECT id, kind, from_standard_id, to_standard_id, created_at, created_by FROM relations;
DROP TABLE relations;
ALTER TABLE relations_rebuilt RENAME TO relations;
CREATE INDEX ix_relations_to ON relations (to_standard_id, kind, from_standard_id);

CREATE TABLE equivalents_rebuilt (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    standard_id INTEGER NOT NULL REFERENCES standards (id),
    source      TEXT NOT NULL CHECK (source IN ('EN', 'ISO', 'IEC', 'ETSI', 'ITU')),
    identifier  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    CONSTRAINT ux_equivalents UNIQUE (standard_id, source, identifier)
);

INSERT INTO equivalents_rebuilt (id, standard_id, source, identifier, created_at, created_by)
SELECT id, standard_id, source, identifier, created_at, created_by FROM equivalents;
DROP TABLE equivalents;
ALTER TABLE equivalents_rebuilt RENAME TO equivalents;

-- A response row and a published table are named to readers by an opaque identity, random, never a row id: ids are
-- shared across nations, audiences and markings, so their gaps would count rows the reader may not see; a time is not
-- unique. Responses and tables carry it as `id`, and feed events name them by it.
ALTER TABLE national_responses ADD COLUMN public_id TEXT NULL;
ALTER TABLE capability_tables ADD COLUMN public_id TEXT NULL;
UPDATE national_responses SET public_id = lower(hex(randomblob(16)));
UPDATE capability_tables SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX ux_national_responses_public_id ON national_responses (public_id);
CREATE UNIQUE INDEX ux_capability_tables_public_id ON capability_tables (public_id);
