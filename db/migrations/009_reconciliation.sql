-- The access reconciliation: each run's progress, and every drift it found at the IdP.
CREATE TABLE reconcile_run (
    run_id      text PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    pages       integer NOT NULL DEFAULT 0,
    checked     integer NOT NULL DEFAULT 0,   -- users read back from the IdP
    drift       integer NOT NULL DEFAULT 0,   -- found not as they should be
    corrected   integer NOT NULL DEFAULT 0,
    cursor      text,                         -- the last assignment id done (resumable)
    error       text
);

CREATE TABLE access_drift (
    id            bigserial PRIMARY KEY,
    assignment_id text NOT NULL,
    run_id        text NOT NULL,
    found_at      timestamptz NOT NULL DEFAULT now(),
    kind          text NOT NULL,   -- reappeared (open after the end) | missing (while it runs)
    detail        text NOT NULL,
    corrected     boolean NOT NULL DEFAULT false
);
CREATE INDEX access_drift_found ON access_drift (found_at);
CREATE INDEX access_drift_assignment ON access_drift (assignment_id);
