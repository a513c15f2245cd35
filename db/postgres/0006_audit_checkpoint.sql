-- Audit checkpoints (issue 13): a verified prefix of the audit chain, so a verification covers only what is new.
-- Each row says "entries 1 to sequence were verified, and entry sequence had entry_hash"; rows are chained
-- (hash over previous_hash, sequence, entry_hash, at), and previous_hash is unique so the chain cannot fork when two
-- verifications finish at once: the second insert fails and is retried on the new latest checkpoint. See docs/audit.md.

CREATE TABLE audit_checkpoint (
    sequence      bigint NOT NULL PRIMARY KEY,
    entry_hash    text   NOT NULL,
    at            bigint NOT NULL,
    previous_hash text   NOT NULL UNIQUE,
    hash          text   NOT NULL
);
