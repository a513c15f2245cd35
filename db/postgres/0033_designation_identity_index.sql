-- Run by DesignationIdentities (C#, DatabaseMigrator): it first fills standards.designation_identity from each
-- designation (0032), the oldest standard holding an identity that several hold, then runs this in the script's own
-- transaction.
CREATE UNIQUE INDEX ux_standards_designation_identity ON standards (designation_identity);
