-- Each release names its version's standard too, so the list page can find a standard's releases to the caller's
-- audience in one index range instead of probing the releases index once per edition (about 195 probes for a page of
-- 21 standards; with this index the page reads 95 buffers instead of 438, bench/RESULTS.md). A version never moves to
-- another standard, so the copy cannot go stale; it is written with the release (ReleaseStore) and filled in here for
-- the releases that predate this script.
ALTER TABLE releases ADD COLUMN standard_id bigint NULL REFERENCES standards (id);
UPDATE releases r SET standard_id = v.standard_id FROM versions v WHERE v.id = r.version_id;
ALTER TABLE releases ALTER COLUMN standard_id SET NOT NULL;

-- The in-force releases of a standard to an audience, with what the release rule reads of each.
CREATE INDEX ix_releases_standard_audience ON releases (standard_id, audience) INCLUDE (version_id, effective_from)
    WHERE revoked_at IS NULL;
