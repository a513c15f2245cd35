-- Relations between documents (issue 15): a standard covers, supersedes or normatively references another standard
-- of the registry; it is equivalent to a civil standard named by a typed identifier (source and identifier, not a URL);
-- and a standard can be marked the preferred one of its category, with a rationale. An edge between two standards is
-- shown only to a caller who can see both ends; an equivalent or a mark only to one who can see its standard.

CREATE TABLE relations (
    id               INTEGER NOT NULL PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('covers', 'supersedes', 'references')),
    from_standard_id INTEGER NOT NULL REFERENCES standards (id),
    to_standard_id   INTEGER NOT NULL REFERENCES standards (id),
    created_at       INTEGER NOT NULL,
    created_by       TEXT NOT NULL,
    CONSTRAINT ux_relations_edge UNIQUE (from_standard_id, kind, to_standard_id),
    CHECK (from_standard_id <> to_standard_id)
);

-- A standard's incoming edges (its outgoing ones are served by the unique constraint's index).
CREATE INDEX ix_relations_to ON relations (to_standard_id, kind, from_standard_id);

CREATE TABLE equivalents (
    id          INTEGER NOT NULL PRIMARY KEY,
    standard_id INTEGER NOT NULL REFERENCES standards (id),
    source      TEXT NOT NULL CHECK (source IN ('EN', 'ISO', 'IEC', 'ETSI', 'ITU')),
    identifier  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    CONSTRAINT ux_equivalents UNIQUE (standard_id, source, identifier)
);

-- At most one preferred standard per category.
CREATE TABLE preferred_standards (
    category    TEXT NOT NULL PRIMARY KEY,
    standard_id INTEGER NOT NULL REFERENCES standards (id),
    rationale   TEXT NOT NULL,
    marked_at   INTEGER NOT NULL,
    marked_by   TEXT NOT NULL
);
