-- Mail delivered on its own (MailDelivery): the message as composed, and its delivery attempts.
ALTER TABLE mail_message ADD COLUMN raw bytea;
ALTER TABLE mail_message ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE mail_message ADD COLUMN first_failed_at timestamptz;
ALTER TABLE mail_message ADD COLUMN last_attempt_at timestamptz;
CREATE INDEX mail_message_failing ON mail_message (first_failed_at)
    WHERE first_failed_at IS NOT NULL AND status IN ('pending', 'failed');

-- What an assignment's workflow reports of its effects that keep failing (tool access today):
-- one row per assignment and kind while it fails; resolved_at once it is done.
CREATE TABLE effect_failure (
    assignment_id text NOT NULL,
    kind          text NOT NULL,          -- access_grant | access_revoke
    since_at      timestamptz NOT NULL,   -- assignment time, when it began to fail
    error         text NOT NULL,
    permanent     boolean NOT NULL DEFAULT false,
    overdue       boolean NOT NULL DEFAULT false,  -- a revocation whose moment has passed
    updated_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    PRIMARY KEY (assignment_id, kind)
);
CREATE INDEX effect_failure_open ON effect_failure (overdue DESC, since_at)
    WHERE resolved_at IS NULL;

-- The guard against mass deprovisioning: each early end's revocation is counted here, and one
-- beyond the threshold within an hour is held for an admin.
CREATE TABLE revocation_claim (
    assignment_id text PRIMARY KEY,
    reason        text NOT NULL,          -- terminated | cancelled
    status        text NOT NULL,          -- allowed | held | released | rejected
    hold_id       text UNIQUE,
    claimed_at    timestamptz NOT NULL DEFAULT now(),  -- real time: the hour is a real hour
    decided_by    text,
    decided_at    timestamptz
);
CREATE INDEX revocation_claim_recent ON revocation_claim (claimed_at);
CREATE INDEX revocation_claim_held ON revocation_claim (claimed_at) WHERE status = 'held';
