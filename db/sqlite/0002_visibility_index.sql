-- Serves the release predicate from an index (issue 6: flat from 10^4 to 10^6 versions).
-- Every consumer read walks a standard's editions checking status, classification and (for "superseded by")
-- published_at before it probes ix_releases_version_audience with the version id. With those columns in the index
-- (the id is the rowid, so every SQLite index carries it), the subqueries of the release rule never read a version
-- row, and the main lookups read a row only for the edition they return.
CREATE INDEX ix_versions_visibility ON versions (standard_id, edition, status, classification, published_at);
