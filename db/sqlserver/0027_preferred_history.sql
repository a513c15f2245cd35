-- The preferred mark as a history (SECURITY.md, "A preferred mark"): a category's marks and unmarks are kept as rows,
-- each a mark (standard, rationale, time, by) or an unmark (of a standard), and each caller sees, for a category, the
-- latest row whose standard exists for it: a mark there makes that standard the preferred one, an unmark makes none.
-- One row per category, moved by marking another standard, took the mark off a visible standard for every reader when
-- an editor marked one they may not see. Every mark held now is kept as a mark row, in the order it was made.

CREATE TABLE preferred_marks (
    id          BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    category    NVARCHAR(40) NOT NULL,
    standard_id BIGINT NOT NULL REFERENCES standards (id),
    kind        NVARCHAR(10) NOT NULL CONSTRAINT ck_preferred_marks_kind CHECK (kind IN ('mark', 'unmark')),
    rationale   NVARCHAR(1000) NULL,
    marked_at   BIGINT NOT NULL,
    marked_by   NVARCHAR(200) NOT NULL,
    CONSTRAINT ck_preferred_marks_rationale CHECK ((kind = 'mark' AND rationale IS NOT NULL) OR (kind = 'unmark' AND rationale IS NULL))
);
GO

INSERT INTO preferred_marks (category, standard_id, kind, rationale, marked_at, marked_by)
SELECT category, standard_id, 'mark', rationale, marked_at, marked_by FROM preferred_standards ORDER BY marked_at, category;

DROP TABLE preferred_standards;

-- A category's latest rows (what a caller sees), and a standard's own rows.
CREATE INDEX ix_preferred_marks_category ON preferred_marks (category, id);
CREATE INDEX ix_preferred_marks_standard ON preferred_marks (standard_id, id);
