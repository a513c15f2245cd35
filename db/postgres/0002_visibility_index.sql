-- Serves the release predicate from an index (issue 6: flat from 10^4 to 10^6 versions).
-- Every consumer read walks a standard's editions checking status, classification and (for "superseded by")
-- published_at before it probes the releases index with the version id. With those columns and the id included,
-- the release rule's subqueries are index-only scans and never visit the version heap.
CREATE INDEX ix_versions_visibility ON versions (standard_id, edition) INCLUDE (status, classification, published_at, id);
