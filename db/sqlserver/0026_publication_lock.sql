-- The lock every publication of a capability table takes first: publications queue, each audited against every table
-- published before it, to any audience (docs/disclosure.md). Until now a publication locked every audience's row for
-- that, and on SQL Server (locking read committed) a catalogue write queueing webhook deliveries reads those rows while
-- holding its feed views' locks, which the publication takes next: a deadlock whenever any audience had a subscriber.
-- A row of its own locks nothing any other write reads.
INSERT INTO feed_locks (name) VALUES ('publications');
