-- Nations (issue 15): the member nations that respond to editions, by ISO 3166-1 alpha-3 code. Data, like audiences:
-- a nation joins with a row, not a release of the registry.

CREATE TABLE nations (
    code TEXT NOT NULL PRIMARY KEY CHECK (length(code) = 3),
    name TEXT NOT NULL
);

INSERT INTO nations (code, name) VALUES
    ('ALB', 'Albania'),
    ('BEL', 'Belgium'),
    ('BGR', 'Bulgaria'),
    ('CAN', 'Canada'),
    ('HRV', 'Croatia'),
    ('CZE', 'Czechia'),
    ('DNK', 'Denmark'),
    ('EST', 'Estonia'),
    ('FIN', 'Finland'),
    ('FRA', 'France'),
    ('DEU', 'Germany'),
    ('GRC', 'Greece'),
    ('HUN', 'Hungary'),
    ('ISL', 'Iceland'),
    ('ITA', 'Italy'),
    ('LVA', 'Latvia'),
    ('LTU', 'Lithuania'),
    ('LUX', 'Luxembourg'),
    ('MNE', 'Montenegro'),
    ('NLD', 'Netherlands'),
    ('MKD', 'North Macedonia'),
    ('NOR', 'Norway'),
    ('POL', 'Poland'),
    ('PRT', 'Portugal'),
    ('ROU', 'Romania'),
    ('SVK', 'Slovakia'),
    ('SVN', 'Slovenia'),
    ('ESP', 'Spain'),
    ('SWE', 'Sweden'),
    ('TUR', 'Türkiye'),
    ('GBR', 'United Kingdom'),
    ('USA', 'United States');
