-- A redelivery queues a subscription's events again from a sequence on. A delivery in flight when it is asked for was
-- then marked delivered by its acknowledgement, which came after the request: a receiver restored from a backup, which
-- asked to have everything from before that event again, did not get that one again and its copy lacked it for good.
-- Each redelivery now starts a new generation of the rows it queues again, and an outcome is recorded only on the
-- generation it was sent for; a row queued again meanwhile stays queued and is sent again in its turn.
ALTER TABLE webhook_outbox ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
