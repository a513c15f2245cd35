-- Attribute search (issue 15, point 3): the numeric attributes of every version, typed and indexed, so a filter on
-- them ("boreMm = 5.56", "dataRateKbps between 64 and 256", "bands overlapping 225-400 MHz") is an index lookup, not
-- a scan of the attributes' JSON text. Written by the one write path when a draft is created or replaced (drafts are
-- the only versions whose attributes change); the rows of the versions already stored are filled in below.

-- One row per version and numeric attribute (Categories.NumericAttributes).
CREATE TABLE attribute_values (
    version_id INTEGER NOT NULL REFERENCES versions (id),
    name       TEXT NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (version_id, name)
);

-- Equality and ranges: the versions whose attribute lies in [min, max], read in one index range.
CREATE INDEX ix_attribute_values_name_value ON attribute_values (name, value, version_id);

-- Radio bands as intervals, bucketed by width: a band of width w is stored at the lowest level k whose span 2^k MHz
-- is at least w (level 0 for bands up to 1 MHz wide; the last level takes any width). A band overlapping [a, b] at
-- level k starts within [a - 2^k, b], so a lookup reads one index range per level holding only bands that start near
-- the query's interval, however many bands there are below it (docs/design.md, "Attribute search").
CREATE TABLE band_levels (
    level    INTEGER NOT NULL PRIMARY KEY,
    span_mhz REAL NOT NULL
);

INSERT INTO band_levels (level, span_mhz) VALUES
    (0, 1),
    (1, 2),
    (2, 4),
    (3, 8),
    (4, 16),
    (5, 32),
    (6, 64),
    (7, 128),
    (8, 256),
    (9, 512),
    (10, 1024),
    (11, 2048),
    (12, 4096),
    (13, 8192),
    (14, 16384),
    (15, 32768),
    (16, 65536),
    (17, 131072),
    (18, 262144),
    (19, 524288),
    (20, 1048576),
    (21, 2097152),
    (22, 4194304),
    (23, 8388608),
    (24, 16777216),
    (25, 33554432),
    (26, 67108864),
    (27, 134217728),
    (28, 268435456),
    (29, 536870912),
    (30, 1073741824),
    (31, 2147483648),
    (32, 4294967296),
    (33, 8589934592),
    (34, 17179869184),
    (35, 34359738368),
    (36, 68719476736),
    (37, 137438953472),
    (38, 274877906944),
    (39, 549755813888),
    (40, 1099511627776),
    (41, 1.0e308);

CREATE TABLE frequency_bands (
    version_id INTEGER NOT NULL PRIMARY KEY REFERENCES versions (id),
    level      INTEGER NOT NULL REFERENCES band_levels (level),
    low_mhz    REAL NOT NULL,
    high_mhz   REAL NOT NULL
);

CREATE INDEX ix_frequency_bands_level_low ON frequency_bands (level, low_mhz, high_mhz, version_id);

-- The versions stored before this migration.
INSERT INTO attribute_values (version_id, name, value)
SELECT v.id, n.name, json_extract(v.attributes, '$.' || n.name)
FROM versions v CROSS JOIN (SELECT 'boreMm' AS name UNION ALL SELECT 'caseLengthMm' UNION ALL SELECT 'lowMHz' UNION ALL SELECT 'highMHz' UNION ALL SELECT 'dataRateKbps') n
WHERE json_type(v.attributes, '$.' || n.name) IN ('integer', 'real');

INSERT INTO frequency_bands (version_id, level, low_mhz, high_mhz)
SELECT lo.version_id, (SELECT MIN(l.level) FROM band_levels l WHERE l.span_mhz >= hi.value - lo.value), lo.value, hi.value
FROM attribute_values lo JOIN attribute_values hi ON hi.version_id = lo.version_id AND hi.name = 'highMHz'
WHERE lo.name = 'lowMHz';
