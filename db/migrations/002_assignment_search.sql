-- Trigram indexes for the list's `q` (a substring of the freelancer's name or of the assignment
-- id, case-insensitive), when the pg_trgm extension can be had. Without them the search still
-- works (by a scan); so a server that lacks pg_trgm, or a role that may not create it, skips the
-- indexes instead of failing the migration.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        RAISE NOTICE 'pg_trgm is not available: assignments are searched without an index';
        RETURN;
    END IF;
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS assignment_freelancer_name_trgm_idx
        ON assignment USING gin (freelancer_name gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS assignment_id_trgm_idx
        ON assignment USING gin (assignment_id gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_object THEN
    -- The role may not create the extension, or it lives in a schema off the search path.
    RAISE NOTICE 'pg_trgm cannot be used here (%): assignments are searched without an index',
        SQLERRM;
END
$$;
