-- when: SELECT COUNT(*) = 0 FROM pragma_table_info('national_responses') WHERE name = 'public_id'
-- 0021 gained its public_id columns after it had shipped (5465e88): a database migrated by 4e9baec has 0021 in its
-- journal without them, and every read of a response or a table then failed ('no such column: r.public_id'). This
-- script adds them there, as 0021 does now; elsewhere it does nothing. SQLite cannot add a column only when it is
-- missing, so the line above (SqlDialect.GuardedScript) runs the script only where national_responses lacks the column
-- (capability_tables gained its column in the same edit).
ALTER TABLE national_responses ADD COLUMN public_id TEXT NULL;
ALTER TABLE capability_tables ADD COLUMN public_id TEXT NULL;
UPDATE national_responses SET public_id = lower(hex(randomblob(16)));
UPDATE capability_tables SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX ux_national_responses_public_id ON national_responses (public_id);
CREATE UNIQUE INDEX ux_capability_tables_public_id ON capability_tables (public_id);
