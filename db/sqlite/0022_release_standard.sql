-- Each release names its version's standard too (written with the release by ReleaseStore, filled in here for the
-- releases that predate this script), as on the other providers. PostgreSQL and SQL Server read a standard's releases
-- by it on the list page (db/postgres/0022_release_standard.sql); SQLite's list page walks each standard's editions in
-- the join it groups and probes ix_releases_version_audience, so it has no index on the column. SQLite cannot add a
-- NOT NULL column without a default: every insert names it (ReleaseStore.Sql.Insert).
ALTER TABLE releases ADD COLUMN standard_id INTEGER NULL REFERENCES standards (id);
UPDATE releases SET standard_id = (SELECT v.standard_id FROM versions v WHERE v.id = releases.version_id);
