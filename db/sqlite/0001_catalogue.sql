-- The catalogue: standards, their versions (editions) and release records.
-- Times are Unix epoch milliseconds (UTC) in every provider, so comparisons are plain integer comparisons.
-- Classification is the level number: 0 NU, 1 NR, 2 NC, 3 NS, 4 CTS.

CREATE TABLE audiences (
    code               TEXT    NOT NULL PRIMARY KEY,
    name               TEXT    NOT NULL,
    max_classification INTEGER NOT NULL CHECK (max_classification BETWEEN 0 AND 4),
    marking_scheme     TEXT    NOT NULL CHECK (marking_scheme IN ('nato', 'eu'))
);

INSERT INTO audiences (code, name, max_classification, marking_scheme) VALUES
    ('EU', 'European Union institutions', 4, 'eu'),
    ('PUBLIC', 'The public (anonymous callers)', 0, 'nato');

CREATE TABLE standards (
    id          INTEGER NOT NULL PRIMARY KEY,
    standard_key TEXT   NOT NULL UNIQUE,
    designation TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL
);

CREATE INDEX ix_standards_category_key ON standards (category, standard_key);

CREATE TABLE versions (
    id                INTEGER NOT NULL PRIMARY KEY,
    standard_id       INTEGER NOT NULL REFERENCES standards (id),
    edition           INTEGER NOT NULL CHECK (edition > 0),
    title             TEXT    NOT NULL,
    summary           TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    attributes        TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('draft', 'published', 'superseded', 'withdrawn')),
    classification    INTEGER NOT NULL CHECK (classification BETWEEN 0 AND 4),
    row_version       INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    created_by        TEXT    NOT NULL,
    updated_at        INTEGER NOT NULL,
    updated_by        TEXT    NOT NULL,
    published_at      INTEGER NULL,
    published_by      TEXT    NULL,
    withdrawn_at      INTEGER NULL,
    withdrawn_by      TEXT    NULL,
    withdrawal_reason TEXT    NULL,
    CONSTRAINT ux_versions_standard_edition UNIQUE (standard_id, edition)
);

-- At most one current (published) edition per standard, whatever the concurrency.
CREATE UNIQUE INDEX ux_versions_one_current ON versions (standard_id) WHERE status = 'published';

CREATE TABLE releases (
    id                INTEGER NOT NULL PRIMARY KEY,
    version_id        INTEGER NOT NULL REFERENCES versions (id),
    audience          TEXT    NOT NULL REFERENCES audiences (code),
    reason            TEXT    NOT NULL,
    effective_from    INTEGER NOT NULL,
    released_at       INTEGER NOT NULL,
    released_by       TEXT    NOT NULL,
    revoked_at        INTEGER NULL,
    revoked_by        TEXT    NULL,
    revocation_reason TEXT    NULL
);

-- Serves the release predicate: is there an unrevoked release of this version to this audience in effect?
CREATE INDEX ix_releases_version_audience ON releases (version_id, audience, revoked_at, effective_from);

-- At most one unrevoked release of a version to an audience.
CREATE UNIQUE INDEX ux_releases_one_active ON releases (version_id, audience) WHERE revoked_at IS NULL;
