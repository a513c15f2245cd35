-- Each release names its version's standard too, so the list page can find a standard's releases to the caller's
-- audience in one index range instead of probing the releases index once per edition (bench/RESULTS.md). A version
-- never moves to another standard, so the copy cannot go stale; it is written with the release (ReleaseStore) and
-- filled in here for the releases that predate this script. The foreign key comes after the column is made NOT NULL:
-- SQL Server does not alter a column that a constraint refers to.
ALTER TABLE releases ADD standard_id BIGINT NULL;
GO

UPDATE r SET standard_id = v.standard_id FROM releases r JOIN versions v ON v.id = r.version_id;
ALTER TABLE releases ALTER COLUMN standard_id BIGINT NOT NULL;
ALTER TABLE releases ADD CONSTRAINT fk_releases_standard FOREIGN KEY (standard_id) REFERENCES standards (id);

-- The in-force releases of a standard to an audience, with what the release rule reads of each.
CREATE INDEX ix_releases_standard_audience ON releases (standard_id, audience) INCLUDE (version_id, effective_from)
    WHERE revoked_at IS NULL;
