-- The audit trail (issue 5): append-only, hash-chained. See docs/audit.md for what is recorded and how the chain works.
-- The code has no UPDATE or DELETE of audit_log. Each entry's hash covers its canonical content and the previous
-- entry's hash; audit_chain_head holds the last sequence and hash, so removing the newest entries is detected too.
-- Appends lock the head row first (UPDATE, then INSERT), so entries are chained in one order across instances.

CREATE TABLE audit_chain_head (
    id       TINYINT     NOT NULL PRIMARY KEY CHECK (id = 1),
    sequence BIGINT      NOT NULL,
    hash     VARCHAR(64) NOT NULL
);

-- Genesis: the first entry chains from 64 zeros.
INSERT INTO audit_chain_head (id, sequence, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    sequence       BIGINT         NOT NULL PRIMARY KEY,
    at             BIGINT         NOT NULL,
    action         NVARCHAR(64)   NOT NULL,
    status         INT            NOT NULL,
    subject        NVARCHAR(200)  NOT NULL,
    community      NVARCHAR(32)   NOT NULL,
    roles          NVARCHAR(200)  NOT NULL,
    standard_key   NVARCHAR(200)  NULL,
    edition        INT            NULL,
    classification TINYINT        NULL,
    detail         NVARCHAR(1000) NULL,
    client_address NVARCHAR(64)   NULL,
    request_id     NVARCHAR(128)  NULL,
    previous_hash  VARCHAR(64)    NOT NULL,
    hash           VARCHAR(64)    NOT NULL
);

CREATE INDEX ix_audit_log_subject ON audit_log (subject, sequence);
CREATE INDEX ix_audit_log_key ON audit_log (standard_key, sequence);
CREATE INDEX ix_audit_log_at ON audit_log (at, sequence);
