-- A webhook outbox row names an event by its view and its sequence in that view (0005). A subscription reads the view
-- of its audience at the audience's ceiling, so when the ceiling changes its later rows are in another view, whose
-- sequence numbers overlap those of the rows before: unique per (subscription, sequence), the first event of the new
-- view that met a number already used refused the whole write that made it (a release answered 409, again on every
-- retry). Unique per subscription, view and sequence now. Waiting rows are taken in the order they were queued (id),
-- which is the sequence order within a view and keeps a change of view in order too: the pending index follows.
ALTER TABLE webhook_outbox DROP CONSTRAINT ux_webhook_outbox;
ALTER TABLE webhook_outbox ADD CONSTRAINT ux_webhook_outbox UNIQUE (subscription_id, view_id, seq);
DROP INDEX ix_webhook_outbox_pending ON webhook_outbox;
CREATE INDEX ix_webhook_outbox_pending ON webhook_outbox (subscription_id, id) WHERE delivered_at IS NULL;
