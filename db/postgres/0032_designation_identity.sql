-- A designation names one standard (docs/design.md §1.1): two a reader takes for one fold to the same identity
-- (Designations.Identity, C#). Until now every creation read every designation and folded each, one creation at a time
-- under a lock; the identity is now stored beside the designation and unique by an index (0033), so a creation looks
-- up the one identity and the database refuses a second holder whoever writes. NULL only for a standard created before
-- the rule whose designation an older one already held (0033 leaves it so, and names it in the migration log).
-- "C": equal only when equal code point for code point, whatever the database's default collation.
ALTER TABLE standards ADD COLUMN designation_identity text COLLATE "C" NULL;
