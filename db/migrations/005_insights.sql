-- Indexes for the operator UI's Today page and engagement dashboard (db/insights.py), so both
-- read only the rows they show, or a window of time, at 100,000 assignments and more.

-- (Who starts in the next 14 days is read from assignment_start_sort_idx, migration 005.)

-- Today: open tasks past due. Only live assignments with an open task are in this index, which is
-- what "tasks past due" has to look at (the tasks themselves live in the state).
CREATE INDEX IF NOT EXISTS assignment_open_task_idx ON assignment (start_date)
    WHERE phase NOT IN ('completed', 'cancelled')
      AND state @? '$.tasks[*] ? (@.done == false)';

-- Dashboard: renewal outcomes (and offboardings, some without a decision) in a window of time.
CREATE INDEX IF NOT EXISTS timeline_entry_outcome_idx ON timeline_entry (at)
    WHERE kind IN ('renewal', 'extended', 'offboarding');

-- Dashboard: access seen after an end. The live grants, and the grants made in a window.
CREATE INDEX IF NOT EXISTS access_grant_granted_idx ON access_grant (assignment_id) WHERE status = 'granted';
CREATE INDEX IF NOT EXISTS access_change_granted_idx ON access_change (at) WHERE status = 'granted';

-- Dashboard: the latest answers, and the alumni who want to stay in touch.
CREATE INDEX IF NOT EXISTS feedback_submitted_idx ON feedback (submitted_at);
CREATE INDEX IF NOT EXISTS feedback_stay_in_touch_idx ON feedback (submitted_at)
    WHERE answers @> '{"stay_in_touch": true}';
