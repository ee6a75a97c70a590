-- What the deployment clock shows at its anchor (LIFECYCLE_CLOCK_START); NULL: the anchor itself.
ALTER TABLE clock ADD COLUMN start_at timestamptz;
