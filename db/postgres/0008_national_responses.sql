-- National responses to editions (issue 15): which nation ratified an edition, with which reservation, when it
-- implements it. A changed response is a new row (the history stays); the nation's current response is its latest row
-- the reader may see. Each row has its own marking and is released to audiences on its own (response_releases): a
-- reader outside NATO sees it only when the edition is visible to it and the row is released to it within its
-- clearance. Dates are ISO 8601 text (yyyy-MM-dd).

CREATE TABLE national_responses (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id              bigint NOT NULL REFERENCES versions (id),
    nation                  text NOT NULL REFERENCES nations (code),
    response                text NOT NULL CHECK (response IN ('ratified', 'ratified-with-reservations', 'not-ratifying', 'no-response')),
    reservation             text NULL,
    intended_implementation text NULL,
    actual_implementation   text NULL,
    implementing_document   text NULL,
    classification          integer NOT NULL CHECK (classification BETWEEN 0 AND 4),
    recorded_at             bigint NOT NULL,
    recorded_by             text NOT NULL
);

-- An edition's matrix and a nation's history: the rows of a version by nation, newest last.
CREATE INDEX ix_national_responses_version_nation ON national_responses (version_id, nation, id);

-- Responses across the catalogue for one nation.
CREATE INDEX ix_national_responses_nation ON national_responses (nation, version_id, id);

CREATE TABLE response_releases (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    response_id       bigint NOT NULL REFERENCES national_responses (id),
    audience          text NOT NULL REFERENCES audiences (code),
    reason            text NOT NULL,
    released_at       bigint NOT NULL,
    released_by       text NOT NULL,
    revoked_at        bigint NULL,
    revoked_by        text NULL
);

CREATE INDEX ix_response_releases_response ON response_releases (response_id, audience, revoked_at);

-- At most one unrevoked release of a response to an audience.
CREATE UNIQUE INDEX ux_response_releases_one_active ON response_releases (response_id, audience) WHERE revoked_at IS NULL;
