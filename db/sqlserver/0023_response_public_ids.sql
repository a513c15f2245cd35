-- 0021 gained its public_id columns after it had shipped (5465e88): a database migrated by 4e9baec has 0021 in its
-- journal without them, and every read of a response or a table then failed (Invalid column name 'public_id'). This
-- script adds them there, as 0021 does now; elsewhere it does nothing (every row already has one).
IF COL_LENGTH('national_responses', 'public_id') IS NULL ALTER TABLE national_responses ADD public_id NVARCHAR(32) NULL;
IF COL_LENGTH('capability_tables', 'public_id') IS NULL ALTER TABLE capability_tables ADD public_id NVARCHAR(32) NULL;
GO

UPDATE national_responses SET public_id = LOWER(REPLACE(CONVERT(NVARCHAR(36), NEWID()), '-', '')) WHERE public_id IS NULL;
UPDATE capability_tables SET public_id = LOWER(REPLACE(CONVERT(NVARCHAR(36), NEWID()), '-', '')) WHERE public_id IS NULL;
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = 'ux_national_responses_public_id' AND object_id = OBJECT_ID('national_responses'))
    CREATE UNIQUE INDEX ux_national_responses_public_id ON national_responses (public_id) WHERE public_id IS NOT NULL;
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = 'ux_capability_tables_public_id' AND object_id = OBJECT_ID('capability_tables'))
    CREATE UNIQUE INDEX ux_capability_tables_public_id ON capability_tables (public_id) WHERE public_id IS NOT NULL;
