-- National responses to editions (issue 15): which nation ratified an edition, with which reservation, when it
-- implements it. A changed response is a new row (the history stays); the nation's current response is its latest row
-- the reader may see. Each row has its own marking and is released to audiences on its own (response_releases): a
-- reader outside NATO sees it only when the edition is visible to it and the row is released to it within its
-- clearance. Dates are ISO 8601 text (yyyy-MM-dd).

CREATE TABLE national_responses (
    id                      INTEGER NOT NULL PRIMARY KEY,
    version_id              INTEGER NOT NULL REFERENCES versions (id),
    nation                  TEXT NOT NULL REFERENCES nations (code),
    response                TEXT NOT NULL CHECK (response IN ('ratified', 'ratified-with-reservations', 'not-ratifying', 'no-response')),
    reservation             TEXT NULL,
    intended_implementation TEXT NULL,
    actual_implementation   TEXT NULL,
    implementing_document   TEXT NULL,
    classification          INTEGER NOT NULL CHECK (classification BETWEEN 0 AND 4),
    recorded_at             INTEGER NOT NULL,
    recorded_by             TEXT NOT NULL
);

-- An edition's matrix and a nation's history: the rows of a version by nation, newest last.
CREATE INDEX ix_national_responses_version_nation ON national_responses (version_id, nation, id);

-- Responses across the catalogue for one nation.
CREATE INDEX ix_national_responses_nation ON national_responses (nation, version_id, id);

CREATE TABLE response_releases (
    id                INTEGER NOT NULL PRIMARY KEY,
    response_id       INTEGER NOT NULL REFERENCES national_responses (id),
    audience          TEXT NOT NULL REFERENCES audiences (code),
    reason            TEXT NOT NULL,
    released_at       INTEGER NOT NULL,
    released_by       TEXT NOT NULL,
    revoked_at        INTEGER NULL,
    revoked_by        TEXT NULL
);

CREATE INDEX ix_response_releases_response ON response_releases (response_id, audience, revoked_at);

-- At most one unrevoked release of a response to an audience.
CREATE UNIQUE INDEX ux_response_releases_one_active ON response_releases (response_id, audience) WHERE revoked_at IS NULL;
