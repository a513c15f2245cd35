-- Webhook subscriptions and their durable outbox (issue 4). A subscription receives its audience's view of the feed
-- (the audience at its accreditation ceiling). Outbox rows are written in the same transaction as the feed events they
-- deliver, so a commit is never followed by a lost delivery, whatever happens to the process.

CREATE TABLE subscriptions (
    id                text    NOT NULL PRIMARY KEY,
    audience          text    NOT NULL REFERENCES audiences (code),
    url               text    NOT NULL,
    secret            text    NOT NULL,
    state             text    NOT NULL CHECK (state IN ('active', 'paused', 'deleted')),
    created_at        bigint  NOT NULL,
    created_by        text    NOT NULL,
    failing_since     bigint  NULL,
    last_error        text    NULL,
    last_delivered_at bigint  NULL,
    -- Row lease: the instance delivering this subscription's events, until when. Instances share the work through it.
    lease_owner       text    NULL,
    lease_until       bigint  NULL
);

CREATE TABLE webhook_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id text    NOT NULL REFERENCES subscriptions (id),
    view_id         bigint  NOT NULL,
    seq             bigint  NOT NULL,
    attempts        bigint  NOT NULL DEFAULT 0,
    next_attempt_at bigint  NOT NULL,
    delivered_at    bigint  NULL,
    FOREIGN KEY (view_id, seq) REFERENCES feed_events (view_id, seq),
    CONSTRAINT ux_webhook_outbox UNIQUE (subscription_id, seq)
);

CREATE INDEX ix_webhook_outbox_pending ON webhook_outbox (subscription_id, seq) WHERE delivered_at IS NULL;
