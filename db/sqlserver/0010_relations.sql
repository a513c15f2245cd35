-- Relations between documents (issue 15): a standard covers, supersedes or normatively references another standard
-- of the registry; it is equivalent to a civil standard named by a typed identifier (source and identifier, not a URL);
-- and a standard can be marked the preferred one of its category, with a rationale. An edge between two standards is
-- shown only to a caller who can see both ends; an equivalent or a mark only to one who can see its standard.

CREATE TABLE relations (
    id               BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    kind             NVARCHAR(20) NOT NULL CHECK (kind IN ('covers', 'supersedes', 'references')),
    from_standard_id BIGINT NOT NULL REFERENCES standards (id),
    to_standard_id   BIGINT NOT NULL REFERENCES standards (id),
    created_at       BIGINT NOT NULL,
    created_by       NVARCHAR(200) NOT NULL,
    CONSTRAINT ux_relations_edge UNIQUE (from_standard_id, kind, to_standard_id),
    CHECK (from_standard_id <> to_standard_id)
);

-- A standard's incoming edges (its outgoing ones are served by the unique constraint's index).
CREATE INDEX ix_relations_to ON relations (to_standard_id, kind, from_standard_id);

CREATE TABLE equivalents (
    id          BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    standard_id BIGINT NOT NULL REFERENCES standards (id),
    source      NVARCHAR(10) NOT NULL CHECK (source IN ('EN', 'ISO', 'IEC', 'ETSI', 'ITU')),
    identifier  NVARCHAR(100) NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  NVARCHAR(200) NOT NULL,
    CONSTRAINT ux_equivalents UNIQUE (standard_id, source, identifier)
);

-- At most one preferred standard per category.
CREATE TABLE preferred_standards (
    category    NVARCHAR(40) NOT NULL PRIMARY KEY,
    standard_id BIGINT NOT NULL REFERENCES standards (id),
    rationale   NVARCHAR(1000) NOT NULL,
    marked_at   BIGINT NOT NULL,
    marked_by   NVARCHAR(200) NOT NULL
);
