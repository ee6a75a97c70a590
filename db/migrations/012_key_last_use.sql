-- When each API key was last used (to the minute): `lifecycle keys list` shows it, so a key
-- nobody uses any more can be found and revoked.
ALTER TABLE api_key ADD COLUMN last_used_at timestamptz;
