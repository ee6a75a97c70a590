-- The version of each named policy the running assignments were last told of (core.policies):
-- a start whose file holds another version tells them again.
CREATE TABLE policy_version (
    name       text PRIMARY KEY,
    version    text NOT NULL,
    policy     jsonb NOT NULL,
    told       integer NOT NULL,            -- running assignments told of it
    applied_at timestamptz NOT NULL DEFAULT now()
);
