-- The change feed (issue 4). Kept per view of the catalogue (community, level, drafts): each view has its own gapless
-- sequence, so a caller's positions count only events of the view it reads, and nothing about other views.

CREATE TABLE feed_views (
    id        BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    community NVARCHAR(32) NOT NULL,
    level     TINYINT      NOT NULL CHECK (level BETWEEN 0 AND 4),
    drafts    TINYINT      NOT NULL CHECK (drafts IN (0, 1)),
    -- The last sequence number given out. Incremented in the writing transaction, whose row lock orders appends
    -- to a view by commit: a reader never sees a later position committed before an earlier one.
    last_seq  BIGINT       NOT NULL DEFAULT 0,
    CONSTRAINT ux_feed_views UNIQUE (community, level, drafts)
);

CREATE TABLE feed_events (
    view_id     BIGINT       NOT NULL REFERENCES feed_views (id),
    seq         BIGINT       NOT NULL,
    event_id    NVARCHAR(36) NOT NULL CONSTRAINT ux_feed_events_id UNIQUE,
    type        NVARCHAR(16) NOT NULL CHECK (type IN ('visible', 'updated', 'withdrawn', 'hidden')),
    version_id  BIGINT       NOT NULL REFERENCES versions (id),
    occurred_at BIGINT       NOT NULL,
    CONSTRAINT pk_feed_events PRIMARY KEY (view_id, seq)
);

-- When a release's taking effect entered the feed. A release effective at once is announced in its own transaction;
-- a future one when it takes effect (by the first write, feed read or delivery after that time).
ALTER TABLE releases ADD announced_at BIGINT NULL;
GO

CREATE INDEX ix_releases_due ON releases (effective_from) WHERE announced_at IS NULL AND revoked_at IS NULL;

-- One row once the feed holds the whole catalogue. A database that already has versions when this script runs is
-- backfilled by the service on start (every visible version as one 'visible' event per view).
CREATE TABLE feed_state (
    id          TINYINT NOT NULL PRIMARY KEY CHECK (id = 1),
    complete_at BIGINT  NOT NULL
);

INSERT INTO feed_state (id, complete_at) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM versions);
