-- Delivery of outgoing notifications: what the receiver answered last, and when.
-- `status` is now one of: skipped (no LIFECYCLE_NOTIFY_URL), pending, delivered, gone (a 410).
ALTER TABLE notification
    ADD COLUMN last_status     integer,
    ADD COLUMN last_error      text,
    ADD COLUMN last_attempt_at timestamptz;
