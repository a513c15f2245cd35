-- Webhook subscriptions and their durable outbox (issue 4). A subscription receives its audience's view of the feed
-- (the audience at its accreditation ceiling). Outbox rows are written in the same transaction as the feed events they
-- deliver, so a commit is never followed by a lost delivery, whatever happens to the process.

CREATE TABLE subscriptions (
    id                NVARCHAR(36)  NOT NULL PRIMARY KEY,
    audience          NVARCHAR(32)  NOT NULL REFERENCES audiences (code),
    url               NVARCHAR(2000) NOT NULL,
    secret            NVARCHAR(256) NOT NULL,
    state             NVARCHAR(8)   NOT NULL CHECK (state IN ('active', 'paused', 'deleted')),
    created_at        BIGINT  NOT NULL,
    created_by        NVARCHAR(200) NOT NULL,
    failing_since     BIGINT  NULL,
    last_error        NVARCHAR(500) NULL,
    last_delivered_at BIGINT  NULL,
    -- Row lease: the instance delivering this subscription's events, until when. Instances share the work through it.
    lease_owner       NVARCHAR(64)  NULL,
    lease_until       BIGINT  NULL
);

CREATE TABLE webhook_outbox (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    subscription_id NVARCHAR(36) NOT NULL REFERENCES subscriptions (id),
    view_id         BIGINT  NOT NULL,
    seq             BIGINT  NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    delivered_at    BIGINT  NULL,
    FOREIGN KEY (view_id, seq) REFERENCES feed_events (view_id, seq),
    CONSTRAINT ux_webhook_outbox UNIQUE (subscription_id, seq)
);

CREATE INDEX ix_webhook_outbox_pending ON webhook_outbox (subscription_id, seq) WHERE delivered_at IS NULL;
