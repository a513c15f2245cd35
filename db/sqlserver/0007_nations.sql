-- Nations (issue 15): the member nations that respond to editions, by ISO 3166-1 alpha-3 code. Data, like audiences:
-- a nation joins with a row, not a release of the registry.

CREATE TABLE nations (
    code NCHAR(3) NOT NULL PRIMARY KEY,
    name NVARCHAR(100) NOT NULL
);

INSERT INTO nations (code, name) VALUES
    ('ALB', N'Albania'),
    ('BEL', N'Belgium'),
    ('BGR', N'Bulgaria'),
    ('CAN', N'Canada'),
    ('HRV', N'Croatia'),
    ('CZE', N'Czechia'),
    ('DNK', N'Denmark'),
    ('EST', N'Estonia'),
    ('FIN', N'Finland'),
    ('FRA', N'France'),
    ('DEU', N'Germany'),
    ('GRC', N'Greece'),
    ('HUN', N'Hungary'),
    ('ISL', N'Iceland'),
    ('ITA', N'Italy'),
    ('LVA', N'Latvia'),
    ('LTU', N'Lithuania'),
    ('LUX', N'Luxembourg'),
    ('MNE', N'Montenegro'),
    ('NLD', N'Netherlands'),
    ('MKD', N'North Macedonia'),
    ('NOR', N'Norway'),
    ('POL', N'Poland'),
    ('PRT', N'Portugal'),
    ('ROU', N'Romania'),
    ('SVK', N'Slovakia'),
    ('SVN', N'Slovenia'),
    ('ESP', N'Spain'),
    ('SWE', N'Sweden'),
    ('TUR', N'Türkiye'),
    ('GBR', N'United Kingdom'),
    ('USA', N'United States');
