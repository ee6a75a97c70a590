-- The deployment clock's anchor: written once, on the first start of the deployment.
CREATE TABLE clock (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    anchor_at   timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The read model: the assignment as the API shows it, kept by the workflow's record activity.
-- The API inserts the row before it starts the workflow (request_hash decides idempotent creates).
CREATE TABLE assignment (
    assignment_id        text PRIMARY KEY,
    request_hash         text,
    created_by           text,
    phase                text NOT NULL DEFAULT 'scheduled',
    term                 integer NOT NULL DEFAULT 1,
    freelancer_name      text NOT NULL,
    freelancer_email     text NOT NULL,
    manager_name         text NOT NULL,
    manager_email        text NOT NULL,
    team                 text NOT NULL,
    role                 text NOT NULL,
    start_date           date NOT NULL,
    end_date             date NOT NULL,
    timezone             text NOT NULL,
    next_transition_kind text,
    next_transition_at   timestamptz,
    pending_decision_due timestamptz,
    state                jsonb NOT NULL,
    workflow_run_id      text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assignment_created_idx ON assignment (created_at DESC, assignment_id DESC);
CREATE INDEX assignment_phase_idx ON assignment (phase, created_at DESC, assignment_id DESC);
CREATE INDEX assignment_team_idx ON assignment (team, created_at DESC, assignment_id DESC);
CREATE INDEX assignment_manager_idx ON assignment (lower(manager_email), created_at DESC, assignment_id DESC);
CREATE INDEX assignment_end_idx ON assignment (end_date);
CREATE INDEX assignment_pending_idx ON assignment (pending_decision_due) WHERE pending_decision_due IS NOT NULL;

-- What happened, oldest first; `key` makes a repeated append a no-op.
CREATE TABLE timeline_entry (
    assignment_id text NOT NULL,
    key           text NOT NULL,
    at            timestamptz NOT NULL,
    kind          text NOT NULL,
    summary       text NOT NULL,
    actor         text NOT NULL DEFAULT 'system',
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assignment_id, key)
);
CREATE INDEX timeline_entry_at_idx ON timeline_entry (assignment_id, at);

-- The access ledger: the current status per tool, and every change.
CREATE TABLE access_grant (
    assignment_id text NOT NULL,
    tool          text NOT NULL,
    status        text NOT NULL,
    since         timestamptz NOT NULL,
    provider      text NOT NULL DEFAULT 'ledger',
    PRIMARY KEY (assignment_id, tool)
);
CREATE TABLE access_change (
    id            bigserial PRIMARY KEY,
    assignment_id text NOT NULL,
    tool          text NOT NULL,
    status        text NOT NULL,
    at            timestamptz NOT NULL,
    provider      text NOT NULL DEFAULT 'ledger',
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_change_assignment_idx ON access_change (assignment_id, id);

-- The mail outbox: a row per message, written before it is sent, marked after.
CREATE TABLE mail_message (
    message_id    text PRIMARY KEY,
    assignment_id text NOT NULL,
    term          integer NOT NULL,
    kind          text NOT NULL,
    occurrence    text NOT NULL DEFAULT '',
    sender        text NOT NULL,
    recipients    text[] NOT NULL,
    cc            text[] NOT NULL DEFAULT '{}',
    subject       text NOT NULL,
    body_text     text NOT NULL,
    body_html     text,
    calendar      text,
    status        text NOT NULL DEFAULT 'kept',
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz
);
CREATE INDEX mail_message_assignment_idx ON mail_message (assignment_id, created_at);

-- Exit feedback answers (never logged).
CREATE TABLE feedback (
    assignment_id text PRIMARY KEY,
    token_id      text NOT NULL UNIQUE,
    rating        integer,
    answers       jsonb NOT NULL,
    submitted_at  timestamptz NOT NULL DEFAULT now()
);

-- API keys: only the hash is stored.
CREATE TABLE api_key (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('contracting', 'operator', 'viewer', 'admin')),
    key_hash    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Idempotency-Key answers per client, kept 24 h.
CREATE TABLE idempotency_key (
    client        text NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status_code   integer,
    response      jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client, key)
);
CREATE INDEX idempotency_key_created_idx ON idempotency_key (created_at);

-- Events taken on POST /v1/events, by webhook-id and by event id, kept at least 7 days.
CREATE TABLE received_event (
    id          text PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX received_event_at_idx ON received_event (received_at);

-- Outgoing notifications (lifecycle.*), delivered with retries.
CREATE TABLE notification (
    event_id      text PRIMARY KEY,
    type          text NOT NULL,
    assignment_id text NOT NULL,
    payload       jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'pending',
    attempts      integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz
);
