-- Capability targets and the aggregate tables released from them (docs/disclosure.md).
-- INDUSTRY is an audience like the EU: standards and tables are released to it as data, with no new code.

INSERT INTO audiences (code, name, max_classification, marking_scheme) VALUES
    ('INDUSTRY', 'Accredited defence industry', 1, 'nato');

-- The capability catalogue: data, like audiences and nations. A table's margins sum over capability_group, so a
-- group's capabilities count in one unit.
CREATE TABLE capabilities (
    code             TEXT NOT NULL PRIMARY KEY,
    name             TEXT NOT NULL,
    unit             TEXT NOT NULL,
    capability_group TEXT NOT NULL
);

INSERT INTO capabilities (code, name, unit, capability_group) VALUES
    ('ammo-155mm', '155 mm artillery ammunition', 'rounds/year', 'munitions'),
    ('ammo-120mm', '120 mm tank ammunition', 'rounds/year', 'munitions'),
    ('gbad-battery', 'Ground-based air defence battery', 'batteries', 'air-defence'),
    ('radio-vhf', 'VHF combat net radio', 'sets', 'communications'),
    ('radio-hf', 'HF radio', 'sets', 'communications');

-- A nation's target for a capability and horizon year in a planning cycle. A revision is a new row (the history
-- stays); the current target is the latest row per (cycle, nation, capability, horizon). Read raw only inside NATO.
CREATE TABLE capability_targets (
    id             INTEGER NOT NULL PRIMARY KEY,
    cycle          INTEGER NOT NULL,
    nation         TEXT NOT NULL REFERENCES nations (code),
    capability     TEXT NOT NULL REFERENCES capabilities (code),
    horizon        INTEGER NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity >= 0),
    classification INTEGER NOT NULL CHECK (classification BETWEEN 0 AND 4),
    recorded_at    INTEGER NOT NULL,
    recorded_by    TEXT NOT NULL
);

CREATE INDEX ix_capability_targets_cell ON capability_targets (cycle, nation, capability, horizon, id);

-- A table published to an audience: immutable once written (only its revocation is recorded; the row stays, and so
-- does its place among the priors of the next release to that audience). It was computed from the cycle's targets
-- as of target_snapshot (the largest target id then), over the design stored with it (JSON).
CREATE TABLE capability_tables (
    id              INTEGER NOT NULL PRIMARY KEY,
    cycle           INTEGER NOT NULL,
    audience        TEXT NOT NULL REFERENCES audiences (code),
    classification  INTEGER NOT NULL CHECK (classification BETWEEN 0 AND 4),
    design          TEXT NOT NULL,
    target_snapshot INTEGER NOT NULL,
    published_at    INTEGER NOT NULL,
    published_by    TEXT NOT NULL,
    revoked_at      INTEGER NULL,
    revoked_by      TEXT NULL
);

CREATE INDEX ix_capability_tables_audience ON capability_tables (audience, cycle, id);

-- At most one unrevoked table of a cycle per audience.
CREATE UNIQUE INDEX ux_capability_tables_one_active ON capability_tables (audience, cycle) WHERE revoked_at IS NULL;

-- The cells as released: the value, or NULL where suppressed (marked, never omitted).
CREATE TABLE capability_table_cells (
    table_id   INTEGER NOT NULL REFERENCES capability_tables (id),
    position   INTEGER NOT NULL,
    row_key    TEXT NOT NULL,
    column_key TEXT NOT NULL,
    value      INTEGER NULL,
    PRIMARY KEY (table_id, position)
);
