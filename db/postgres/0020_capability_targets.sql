-- Capability targets and the aggregate tables released from them (docs/disclosure.md).
-- INDUSTRY is an audience like the EU: standards and tables are released to it as data, with no new code.

INSERT INTO audiences (code, name, max_classification, marking_scheme) VALUES
    ('INDUSTRY', 'Accredited defence industry', 1, 'nato');

-- The capability catalogue: data, like audiences and nations. A table's margins sum over capability_group, so a
-- group's capabilities count in one unit.
CREATE TABLE capabilities (
    code             text NOT NULL PRIMARY KEY,
    name             text NOT NULL,
    unit             text NOT NULL,
    capability_group text NOT NULL
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
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cycle          integer NOT NULL,
    nation         text NOT NULL REFERENCES nations (code),
    capability     text NOT NULL REFERENCES capabilities (code),
    horizon        integer NOT NULL,
    quantity       bigint NOT NULL CHECK (quantity >= 0),
    classification integer NOT NULL CHECK (classification BETWEEN 0 AND 4),
    recorded_at    bigint NOT NULL,
    recorded_by    text NOT NULL
);

CREATE INDEX ix_capability_targets_cell ON capability_targets (cycle, nation, capability, horizon, id);

-- A table published to an audience: immutable once written (only its revocation is recorded; the row stays, and so
-- does its place among the priors of the next release to that audience). It was computed from the cycle's targets
-- as of target_snapshot (the largest target id then), over the design stored with it (JSON).
CREATE TABLE capability_tables (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cycle           integer NOT NULL,
    audience        text NOT NULL REFERENCES audiences (code),
    classification  integer NOT NULL CHECK (classification BETWEEN 0 AND 4),
    design          text NOT NULL,
    target_snapshot bigint NOT NULL,
    published_at    bigint NOT NULL,
    published_by    text NOT NULL,
    revoked_at      bigint NULL,
    revoked_by      text NULL
);

CREATE INDEX ix_capability_tables_audience ON capability_tables (audience, cycle, id);

-- At most one unrevoked table of a cycle per audience.
CREATE UNIQUE INDEX ux_capability_tables_one_active ON capability_tables (audience, cycle) WHERE revoked_at IS NULL;

-- The cells as released: the value, or NULL where suppressed (marked, never omitted).
CREATE TABLE capability_table_cells (
    table_id   bigint NOT NULL REFERENCES capability_tables (id),
    position   integer NOT NULL,
    row_key    text NOT NULL,
    column_key text NOT NULL,
    value      bigint NULL,
    PRIMARY KEY (table_id, position)
);
