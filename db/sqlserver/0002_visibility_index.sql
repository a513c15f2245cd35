-- Serves the release predicate from an index (issue 6: flat from 10^4 to 10^6 versions).
-- Every consumer read walks a standard's editions checking status, classification and (for "superseded by")
-- published_at before it probes the releases index with the version id (the clustered key, carried by every
-- nonclustered index). With those columns included, the release rule's subqueries never read a version row.
CREATE INDEX ix_versions_visibility ON versions (standard_id, edition) INCLUDE (status, classification, published_at);
