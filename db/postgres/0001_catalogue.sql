-- The catalogue: standards, their versions (editions) and release records.
-- Times are Unix epoch milliseconds (UTC) in every provider, so comparisons are plain integer comparisons.
-- Classification is the level number: 0 NU, 1 NR, 2 NC, 3 NS, 4 CTS.

CREATE TABLE audiences (
    code               text     NOT NULL PRIMARY KEY,
    name               text     NOT NULL,
    max_classification smallint NOT NULL CHECK (max_classification BETWEEN 0 AND 4),
    marking_scheme     text     NOT NULL CHECK (marking_scheme IN ('nato', 'eu'))
);

INSERT INTO audiences (code, name, max_classification, marking_scheme) VALUES
    ('EU', 'European Union institutions', 4, 'eu'),
    ('PUBLIC', 'The public (anonymous callers)', 0, 'nato');

CREATE TABLE standards (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    standard_key text   NOT NULL UNIQUE,
    designation  text   NOT NULL,
    category     text   NOT NULL,
    title        text   NOT NULL,
    created_at   bigint NOT NULL,
    created_by   text   NOT NULL
);

CREATE INDEX ix_standards_category_key ON standards (category, standard_key);

CREATE TABLE versions (
    id                bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    standard_id       bigint   NOT NULL REFERENCES standards (id),
    edition           integer  NOT NULL CHECK (edition > 0),
    title             text     NOT NULL,
    summary           text     NOT NULL,
    body              text     NOT NULL,
    attributes        text     NOT NULL,
    status            text     NOT NULL CHECK (status IN ('draft', 'published', 'superseded', 'withdrawn')),
    classification    smallint NOT NULL CHECK (classification BETWEEN 0 AND 4),
    row_version       bigint   NOT NULL DEFAULT 1,
    created_at        bigint   NOT NULL,
    created_by        text     NOT NULL,
    updated_at        bigint   NOT NULL,
    updated_by        text     NOT NULL,
    published_at      bigint   NULL,
    published_by      text     NULL,
    withdrawn_at      bigint   NULL,
    withdrawn_by      text     NULL,
    withdrawal_reason text     NULL,
    CONSTRAINT ux_versions_standard_edition UNIQUE (standard_id, edition)
);

-- At most one current (published) edition per standard, whatever the concurrency.
CREATE UNIQUE INDEX ux_versions_one_current ON versions (standard_id) WHERE status = 'published';

CREATE TABLE releases (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id        bigint NOT NULL REFERENCES versions (id),
    audience          text   NOT NULL REFERENCES audiences (code),
    reason            text   NOT NULL,
    effective_from    bigint NOT NULL,
    released_at       bigint NOT NULL,
    released_by       text   NOT NULL,
    revoked_at        bigint NULL,
    revoked_by        text   NULL,
    revocation_reason text   NULL
);

-- Serves the release predicate: is there an unrevoked release of this version to this audience in effect?
CREATE INDEX ix_releases_version_audience ON releases (version_id, audience, revoked_at, effective_from);

-- At most one unrevoked release of a version to an audience.
CREATE UNIQUE INDEX ux_releases_one_active ON releases (version_id, audience) WHERE revoked_at IS NULL;
