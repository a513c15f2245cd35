-- A NATO reader speaking for no nation whose clearance covers several nations' targets of a cycle and not every figure
-- a table of it was computed from reads none of that cycle's tables (CapabilityStore.Sql.Readable); a national delegate
-- of the same clearance does. Their NATO view numbered a table's events for both, so the gap in such a reader's
-- sequence told it that a table it may not read had been published or revoked then. The view's readers speaking for
-- no nation now have their own count, as delegates have had theirs since 0025: others_seq, the event's number among
-- those they get (null: an event for delegates only), and for_delegates, whether delegates get it (0: a tombstone for
-- the others only, when a target recorded later hides a table from them). Every event so far was for both.
ALTER TABLE feed_events ADD others_seq BIGINT NULL;
ALTER TABLE feed_events ADD for_delegates SMALLINT NOT NULL CONSTRAINT df_feed_events_for_delegates DEFAULT 1;
ALTER TABLE feed_views ADD last_others BIGINT NOT NULL CONSTRAINT df_feed_views_last_others DEFAULT 0;
GO

UPDATE feed_events SET others_seq = seq;
UPDATE feed_views SET last_others = last_seq;

-- Such a reader's page and position: a range of its own numbers in its view.
CREATE INDEX ix_feed_events_others ON feed_events (view_id, others_seq);
