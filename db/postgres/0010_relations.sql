-- Relations between documents (issue 15): a standard covers, supersedes or normatively references another standard
-- of the registry; it is equivalent to a civil standard named by a typed identifier (source and identifier, not a URL);
-- and a standard can be marked the preferred one of its category, with a rationale. An edge between two standards is
-- shown only to a caller who can see both ends; an equivalent or a mark only to one who can see its standard.

CREATE TABLE relations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('covers', 'supersedes', 'references')),
    from_standard_id bigint NOT NULL REFERENCES standards (id),
    to_standard_id   bigint NOT NULL REFERENCES standards (id),
    created_at       bigint NOT NULL,
    created_by       text NOT NULL,
    CONSTRAINT ux_relations_edge UNIQUE (from_standard_id, kind, to_standard_id),
    CHECK (from_standard_id <> to_standard_id)
);

-- A standard's incoming edges (its outgoing ones are served by the unique constraint's index).
CREATE INDEX ix_relations_to ON relations (to_standard_id, kind, from_standard_id);

CREATE TABLE equivalents (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    standard_id bigint NOT NULL REFERENCES standards (id),
    source      text NOT NULL CHECK (source IN ('EN', 'ISO', 'IEC', 'ETSI', 'ITU')),
    identifier  text NOT NULL,
    created_at  bigint NOT NULL,
    created_by  text NOT NULL,
    CONSTRAINT ux_equivalents UNIQUE (standard_id, source, identifier)
);

-- At most one preferred standard per category.
CREATE TABLE preferred_standards (
    category    text NOT NULL PRIMARY KEY,
    standard_id bigint NOT NULL REFERENCES standards (id),
    rationale   text NOT NULL,
    marked_at   bigint NOT NULL,
    marked_by   text NOT NULL
);
