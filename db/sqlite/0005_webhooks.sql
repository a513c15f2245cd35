-- Webhook subscriptions and their durable outbox (issue 4). A subscription receives its audience's view of the feed
-- (the audience at its accreditation ceiling). Outbox rows are written in the same transaction as the feed events they
-- deliver, so a commit is never followed by a lost delivery, whatever happens to the process.

CREATE TABLE subscriptions (
    id                TEXT    NOT NULL PRIMARY KEY,
    audience          TEXT    NOT NULL REFERENCES audiences (code),
    url               TEXT    NOT NULL,
    secret            TEXT    NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('active', 'paused', 'deleted')),
    created_at        INTEGER NOT NULL,
    created_by        TEXT    NOT NULL,
    failing_since     INTEGER NULL,
    last_error        TEXT    NULL,
    last_delivered_at INTEGER NULL,
    -- Row lease: the instance delivering this subscription's events, until when. Instances share the work through it.
    lease_owner       TEXT    NULL,
    lease_until       INTEGER NULL
);

CREATE TABLE webhook_outbox (
    id              INTEGER NOT NULL PRIMARY KEY,
    subscription_id TEXT    NOT NULL REFERENCES subscriptions (id),
    view_id         INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER NULL,
    FOREIGN KEY (view_id, seq) REFERENCES feed_events (view_id, seq),
    CONSTRAINT ux_webhook_outbox UNIQUE (subscription_id, seq)
);

CREATE INDEX ix_webhook_outbox_pending ON webhook_outbox (subscription_id, seq) WHERE delivered_at IS NULL;
