-- 0021 gained its public_id columns after it had shipped (5465e88): a database migrated by 4e9baec has 0021 in its
-- journal without them, and every read of a response or a table then failed (column r.public_id does not exist). This
-- script adds them there, as 0021 does now; elsewhere it does nothing (every row already has one).
ALTER TABLE national_responses ADD COLUMN IF NOT EXISTS public_id text NULL;
ALTER TABLE capability_tables ADD COLUMN IF NOT EXISTS public_id text NULL;
UPDATE national_responses SET public_id = md5(random()::text || id::text) WHERE public_id IS NULL;
UPDATE capability_tables SET public_id = md5(random()::text || id::text) WHERE public_id IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ux_national_responses_public_id ON national_responses (public_id);
CREATE UNIQUE INDEX IF NOT EXISTS ux_capability_tables_public_id ON capability_tables (public_id);
