-- A webhook outbox row names an event by its view and its sequence in that view (0005). A subscription reads the view
-- of its audience at the audience's ceiling, so when the ceiling changes its later rows are in another view, whose
-- sequence numbers overlap those of the rows before: unique per (subscription, sequence), the first event of the new
-- view that met a number already used refused the whole write that made it (a release answered 409, again on every
-- retry). Unique per subscription, view and sequence now. Waiting rows are taken in the order they were queued (id),
-- which is the sequence order within a view and keeps a change of view in order too: the pending index follows.
--
-- SQLite cannot change a table's constraint in place: the table is rebuilt (nothing references it).
CREATE TABLE webhook_outbox_rebuilt (
    id              INTEGER NOT NULL PRIMARY KEY,
    subscription_id TEXT    NOT NULL REFERENCES subscriptions (id),
    view_id         INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER NULL,
    FOREIGN KEY (view_id, seq) REFERENCES feed_events (view_id, seq),
    CONSTRAINT ux_webhook_outbox UNIQUE (subscription_id, view_id, seq)
);

INSERT INTO webhook_outbox_rebuilt (id, subscription_id, view_id, seq, attempts, next_attempt_at, delivered_at)
SELECT id, subscription_id, view_id, seq, attempts, next_attempt_at, delivered_at FROM webhook_outbox;
DROP TABLE webhook_outbox;
ALTER TABLE webhook_outbox_rebuilt RENAME TO webhook_outbox;

CREATE INDEX ix_webhook_outbox_pending ON webhook_outbox (subscription_id, id) WHERE delivered_at IS NULL;
