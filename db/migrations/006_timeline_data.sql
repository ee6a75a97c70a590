-- Facts of an entry for reports (a renewal's end date before and after), beside its summary.
ALTER TABLE timeline_entry ADD COLUMN data jsonb NOT NULL DEFAULT '{}';
