-- The audit trail (issue 5): append-only, hash-chained. See docs/audit.md for what is recorded and how the chain works.
-- The code has no UPDATE or DELETE of audit_log. Each entry's hash covers its canonical content and the previous
-- entry's hash; audit_chain_head holds the last sequence and hash, so removing the newest entries is detected too.
-- Appends lock the head row first (UPDATE, then INSERT), so entries are chained in one order across instances.

CREATE TABLE audit_chain_head (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    sequence INTEGER NOT NULL,
    hash     TEXT    NOT NULL
);

-- Genesis: the first entry chains from 64 zeros.
INSERT INTO audit_chain_head (id, sequence, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    sequence       INTEGER NOT NULL PRIMARY KEY,
    at             INTEGER NOT NULL,
    action         TEXT    NOT NULL,
    status         INTEGER NOT NULL,
    subject        TEXT    NOT NULL,
    community      TEXT    NOT NULL,
    roles          TEXT    NOT NULL,
    standard_key   TEXT    NULL,
    edition        INTEGER NULL,
    classification INTEGER NULL,
    detail         TEXT    NULL,
    client_address TEXT    NULL,
    request_id     TEXT    NULL,
    previous_hash  TEXT    NOT NULL,
    hash           TEXT    NOT NULL
);

CREATE INDEX ix_audit_log_subject ON audit_log (subject, sequence);
CREATE INDEX ix_audit_log_key ON audit_log (standard_key, sequence);
CREATE INDEX ix_audit_log_at ON audit_log (at, sequence);
