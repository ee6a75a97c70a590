-- The assignments list sorted by start or end date (db/assignments.list_page, `sort`), read by
-- keyset in either direction: one index per order, with the assignment id that breaks ties.
CREATE INDEX IF NOT EXISTS assignment_start_sort_idx ON assignment (start_date, assignment_id);
CREATE INDEX IF NOT EXISTS assignment_end_sort_idx ON assignment (end_date, assignment_id);

-- (end_date, assignment_id) serves every lookup the plain end_date index served.
DROP INDEX IF EXISTS assignment_end_idx;
