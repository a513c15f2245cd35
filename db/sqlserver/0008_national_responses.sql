-- National responses to editions (issue 15): which nation ratified an edition, with which reservation, when it
-- implements it. A changed response is a new row (the history stays); the nation's current response is its latest row
-- the reader may see. Each row has its own marking and is released to audiences on its own (response_releases): a
-- reader outside NATO sees it only when the edition is visible to it and the row is released to it within its
-- clearance. Dates are ISO 8601 text (yyyy-MM-dd).

CREATE TABLE national_responses (
    id                      BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    version_id              BIGINT NOT NULL REFERENCES versions (id),
    nation                  NCHAR(3) NOT NULL REFERENCES nations (code),
    response                NVARCHAR(40) NOT NULL CHECK (response IN ('ratified', 'ratified-with-reservations', 'not-ratifying', 'no-response')),
    reservation             NVARCHAR(4000) NULL,
    intended_implementation NCHAR(10) NULL,
    actual_implementation   NCHAR(10) NULL,
    implementing_document   NVARCHAR(200) NULL,
    classification          INT NOT NULL CHECK (classification BETWEEN 0 AND 4),
    recorded_at             BIGINT NOT NULL,
    recorded_by             NVARCHAR(200) NOT NULL
);

-- An edition's matrix and a nation's history: the rows of a version by nation, newest last.
CREATE INDEX ix_national_responses_version_nation ON national_responses (version_id, nation, id);

-- Responses across the catalogue for one nation.
CREATE INDEX ix_national_responses_nation ON national_responses (nation, version_id, id);

CREATE TABLE response_releases (
    id                BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    response_id       BIGINT NOT NULL REFERENCES national_responses (id),
    audience          NVARCHAR(32) NOT NULL REFERENCES audiences (code),
    reason            NVARCHAR(1000) NOT NULL,
    released_at       BIGINT NOT NULL,
    released_by       NVARCHAR(200) NOT NULL,
    revoked_at        BIGINT NULL,
    revoked_by        NVARCHAR(200) NULL
);

CREATE INDEX ix_response_releases_response ON response_releases (response_id, audience, revoked_at);

-- At most one unrevoked release of a response to an audience.
CREATE UNIQUE INDEX ux_response_releases_one_active ON response_releases (response_id, audience) WHERE revoked_at IS NULL;
