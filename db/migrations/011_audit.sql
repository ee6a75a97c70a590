-- The audit trail of people (db/audit.py): who did what, when. Append-only: an entry is never
-- changed or removed (the trigger refuses both, whoever asks), so what it says stays said.
CREATE TABLE audit (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL,          -- the deployment clock's moment
    actor         text NOT NULL,                 -- '<role>:<name>' (a key's, or a person's), 'freelancer', 'system'
    action        text NOT NULL,                 -- 'decide_renewal', 'sign_in', 'key_created' ...
    assignment_id text,
    detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
    dedupe        text UNIQUE                    -- one entry per retried request (an Update id)
);
CREATE INDEX audit_at_idx ON audit (id DESC);
CREATE INDEX audit_actor_idx ON audit (actor, id DESC);
CREATE INDEX audit_assignment_idx ON audit (assignment_id, id DESC) WHERE assignment_id IS NOT NULL;

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: its entries cannot be changed or removed'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
