-- Run by DesignationIdentities (C#, DatabaseMigrator): it first fills standards.designation_identity from each
-- designation (0032), the oldest standard holding an identity that several hold, then runs this in the script's own
-- transaction.
-- Filtered: SQL Server takes NULLs for equal in a unique index, and several may be NULL.
CREATE UNIQUE INDEX ux_standards_designation_identity ON standards (designation_identity) WHERE designation_identity IS NOT NULL;
