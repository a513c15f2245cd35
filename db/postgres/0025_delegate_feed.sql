-- A national delegate (a NATO caller speaking for a nation) reads its NATO view less the other nations' responses,
-- which it may not see while they are unreleased. Numbered by the view's sequence, the events it got had gaps, and its
-- cursor moved past the events it did not get: by polling, a delegate counted the responses other nations recorded,
-- released and revoked, and learnt about when. A delegate's feed is now numbered by itself, from two counts kept with
-- each event: common_seq, how many of the view's events that are not responses come up to it (a response: before
-- it), and for a response event its nation and nation_seq, how many of that nation's response events in the view come
-- up to it. A delegate's position is the pair (common, own nation's), both counts of events it gets.
ALTER TABLE feed_events ADD COLUMN nation text NULL;
ALTER TABLE feed_events ADD COLUMN common_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE feed_events ADD COLUMN nation_seq bigint NULL;
ALTER TABLE feed_views ADD COLUMN last_common bigint NOT NULL DEFAULT 0;

UPDATE feed_events f SET nation = n.nation FROM national_responses n WHERE f.subject = 'response' AND n.id = f.subject_id;

UPDATE feed_events f SET common_seq = counted.common_seq, nation_seq = counted.nation_seq
FROM (SELECT view_id, seq,
             SUM(CASE WHEN nation IS NULL THEN 1 ELSE 0 END) OVER (PARTITION BY view_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS common_seq,
             CASE WHEN nation IS NOT NULL THEN ROW_NUMBER() OVER (PARTITION BY view_id, nation ORDER BY seq) END AS nation_seq
      FROM feed_events) AS counted
WHERE f.view_id = counted.view_id AND f.seq = counted.seq;

UPDATE feed_views v SET last_common = COALESCE((SELECT MAX(f.common_seq) FROM feed_events f WHERE f.view_id = v.id), 0);

-- A delegate's position found again: the common event it reached, its nation's response event it reached.
CREATE INDEX ix_feed_events_common ON feed_events (view_id, common_seq) WHERE nation IS NULL;
CREATE INDEX ix_feed_events_nation ON feed_events (view_id, nation, nation_seq) WHERE nation IS NOT NULL;
