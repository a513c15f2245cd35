-- A subscription carries no more than the admin who registered it reads: the URL and the secret are that admin's to
-- name (0028: up to its clearance). A capability table is read by a NATO reader speaking for no nation only when the
-- several-nations rule lets it (CapabilityStore.Sql.Readable), and an admin cleared NATO RESTRICTED reading several
-- nations' NR targets had, through an INDUSTRY subscription to a receiver of its choosing, a table computed from a
-- NATO SECRET figure it may not read: that figure was a cell less the others'. registrant_nation is the nation the
-- registering admin spoke for (null: none); deliveries of a table the admin (cleared_to, registrant_nation) does not
-- read are withheld, on record. Subscriptions registered before are taken as registered by an admin speaking for no
-- nation, the reader the rule keeps most from.
ALTER TABLE subscriptions ADD COLUMN registrant_nation text NULL;
