-- The catalogue: standards, their versions (editions) and release records.
-- Times are Unix epoch milliseconds (UTC) in every provider, so comparisons are plain integer comparisons.
-- Classification is the level number: 0 NU, 1 NR, 2 NC, 3 NS, 4 CTS.

CREATE TABLE audiences (
    code               NVARCHAR(32)  NOT NULL PRIMARY KEY,
    name               NVARCHAR(200) NOT NULL,
    max_classification TINYINT       NOT NULL CHECK (max_classification BETWEEN 0 AND 4),
    marking_scheme     NVARCHAR(8)   NOT NULL CHECK (marking_scheme IN ('nato', 'eu'))
);

INSERT INTO audiences (code, name, max_classification, marking_scheme) VALUES
    ('EU', 'European Union institutions', 4, 'eu'),
    ('PUBLIC', 'The public (anonymous callers)', 0, 'nato');

CREATE TABLE standards (
    id           BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    standard_key NVARCHAR(64)  NOT NULL CONSTRAINT ux_standards_key UNIQUE,
    designation  NVARCHAR(100) NOT NULL,
    category     NVARCHAR(32)  NOT NULL,
    title        NVARCHAR(200) NOT NULL,
    created_at   BIGINT        NOT NULL,
    created_by   NVARCHAR(200) NOT NULL
);

CREATE INDEX ix_standards_category_key ON standards (category, standard_key);

CREATE TABLE versions (
    id                BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    standard_id       BIGINT         NOT NULL REFERENCES standards (id),
    edition           INT            NOT NULL CHECK (edition > 0),
    title             NVARCHAR(200)  NOT NULL,
    summary           NVARCHAR(2000) NOT NULL,
    body              NVARCHAR(MAX)  NOT NULL,
    attributes        NVARCHAR(MAX)  NOT NULL,
    status            NVARCHAR(16)   NOT NULL CHECK (status IN ('draft', 'published', 'superseded', 'withdrawn')),
    classification    TINYINT        NOT NULL CHECK (classification BETWEEN 0 AND 4),
    row_version       BIGINT         NOT NULL DEFAULT 1,
    created_at        BIGINT         NOT NULL,
    created_by        NVARCHAR(200)  NOT NULL,
    updated_at        BIGINT         NOT NULL,
    updated_by        NVARCHAR(200)  NOT NULL,
    published_at      BIGINT         NULL,
    published_by      NVARCHAR(200)  NULL,
    withdrawn_at      BIGINT         NULL,
    withdrawn_by      NVARCHAR(200)  NULL,
    withdrawal_reason NVARCHAR(1000) NULL,
    CONSTRAINT ux_versions_standard_edition UNIQUE (standard_id, edition)
);

-- At most one current (published) edition per standard, whatever the concurrency.
CREATE UNIQUE INDEX ux_versions_one_current ON versions (standard_id) WHERE status = 'published';

CREATE TABLE releases (
    id                BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    version_id        BIGINT         NOT NULL REFERENCES versions (id),
    audience          NVARCHAR(32)   NOT NULL REFERENCES audiences (code),
    reason            NVARCHAR(1000) NOT NULL,
    effective_from    BIGINT         NOT NULL,
    released_at       BIGINT         NOT NULL,
    released_by       NVARCHAR(200)  NOT NULL,
    revoked_at        BIGINT         NULL,
    revoked_by        NVARCHAR(200)  NULL,
    revocation_reason NVARCHAR(1000) NULL
);

-- Serves the release predicate: is there an unrevoked release of this version to this audience in effect?
CREATE INDEX ix_releases_version_audience ON releases (version_id, audience, revoked_at, effective_from);

-- At most one unrevoked release of a version to an audience.
CREATE UNIQUE INDEX ux_releases_one_active ON releases (version_id, audience) WHERE revoked_at IS NULL;
