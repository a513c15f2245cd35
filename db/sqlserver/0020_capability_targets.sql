-- Capability targets and the aggregate tables released from them (docs/disclosure.md).
-- INDUSTRY is an audience like the EU: standards and tables are released to it as data, with no new code.

INSERT INTO audiences (code, name, max_classification, marking_scheme) VALUES
    ('INDUSTRY', 'Accredited defence industry', 1, 'nato');

-- The capability catalogue: data, like audiences and nations. A table's margins sum over capability_group, so a
-- group's capabilities count in one unit.
CREATE TABLE capabilities (
    code             NVARCHAR(32) NOT NULL PRIMARY KEY,
    name             NVARCHAR(200) NOT NULL,
    unit             NVARCHAR(100) NOT NULL,
    capability_group NVARCHAR(100) NOT NULL
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
    id             BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    cycle          INT NOT NULL,
    nation         NCHAR(3) NOT NULL REFERENCES nations (code),
    capability     NVARCHAR(32) NOT NULL REFERENCES capabilities (code),
    horizon        INT NOT NULL,
    quantity       BIGINT NOT NULL CHECK (quantity >= 0),
    classification INT NOT NULL CHECK (classification BETWEEN 0 AND 4),
    recorded_at    BIGINT NOT NULL,
    recorded_by    NVARCHAR(200) NOT NULL
);

CREATE INDEX ix_capability_targets_cell ON capability_targets (cycle, nation, capability, horizon, id);

-- A table published to an audience: immutable once written (only its revocation is recorded; the row stays, and so
-- does its place among the priors of the next release to that audience). It was computed from the cycle's targets
-- as of target_snapshot (the largest target id then), over the design stored with it (JSON).
CREATE TABLE capability_tables (
    id              BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    cycle           INT NOT NULL,
    audience        NVARCHAR(32) NOT NULL REFERENCES audiences (code),
    classification  INT NOT NULL CHECK (classification BETWEEN 0 AND 4),
    design          NVARCHAR(MAX) NOT NULL,
    target_snapshot BIGINT NOT NULL,
    published_at    BIGINT NOT NULL,
    published_by    NVARCHAR(200) NOT NULL,
    revoked_at      BIGINT NULL,
    revoked_by      NVARCHAR(200) NULL
);

CREATE INDEX ix_capability_tables_audience ON capability_tables (audience, cycle, id);

-- At most one unrevoked table of a cycle per audience.
CREATE UNIQUE INDEX ux_capability_tables_one_active ON capability_tables (audience, cycle) WHERE revoked_at IS NULL;

-- The cells as released: the value, or NULL where suppressed (marked, never omitted).
CREATE TABLE capability_table_cells (
    table_id   BIGINT NOT NULL REFERENCES capability_tables (id),
    position   INT NOT NULL,
    row_key    NVARCHAR(100) NOT NULL,
    column_key NVARCHAR(100) NOT NULL,
    value      BIGINT NULL,
    PRIMARY KEY (table_id, position)
);
