-- The issuer of the token that named an entry's subject: a subject is unique only within its issuer, so with two
-- issuers configured the same `sub` from each is two principals, and the trail must tell them apart. NULL for an
-- anonymous caller, the registry itself, and every entry written before this script. The hash covers the issuer only
-- when there is one (docs/audit.md), so the entries already chained verify as before.
ALTER TABLE audit_log ADD COLUMN issuer TEXT NULL;
