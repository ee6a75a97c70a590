"""Synthetic rows at scale, written straight into the read model, for the scale tests
(tests/db) and the benchmarks (bench/): never used by the engine itself.

- `fill_assignments`: assignments spread over teams, managers, phases and dates (the list).
- `fill_lifecycle`: assignments at every stage of their lifecycle, with their access, timeline
  and exit feedback (the Today page and the engagement dashboard).
"""

from __future__ import annotations

from datetime import date

import asyncpg


async def fill_assignments(pool: asyncpg.Pool, rows: int) -> None:
    """`rows` synthetic assignments spread over teams, managers, phases and dates."""
    await pool.execute(
        """
        INSERT INTO assignment (
            assignment_id, phase, freelancer_name, freelancer_email, manager_name,
            manager_email, team, role, start_date, end_date, timezone, state, created_at)
        SELECT
            'BIG-' || lpad(i::text, 6, '0'),
            (ARRAY['scheduled', 'onboarding', 'active', 'renewal_review', 'offboarding',
                   'completed', 'cancelled'])[1 + i % 7],
            'Freelancer ' || md5(i::text),
            'f' || i || '@example.org',
            'Manager ' || (i % 500),
            'Manager' || (i % 500) || '@Client.example',
            'Team ' || (i % 50),
            'Consultant',
            date '2026-01-01' + (i % 365),
            date '2026-06-01' + (i % 730),
            'UTC',
            jsonb_build_object('assignment', jsonb_build_object('assignment_id', 'BIG-' || i)),
            timestamptz '2026-01-01' + i * interval '1 minute'
        FROM generate_series(1, $1) AS i
        """,
        rows,
    )
    await pool.execute("ANALYZE assignment")


_FILL = [
    """
    INSERT INTO assignment (
        assignment_id, phase, term, freelancer_name, freelancer_email, manager_name,
        manager_email, team, role, start_date, end_date, timezone, pending_decision_due, state,
        created_at)
    SELECT id, phase, 1, 'Freelancer ' || i, 'f' || i || '@example.org', 'Manager ' || (i % 500),
           'manager' || (i % 500) || '@client.example', 'Team ' || (i % 50), 'Consultant',
           start_date, end_date, 'Europe/Brussels',
           CASE WHEN phase = 'renewal_review' THEN (end_date::timestamp + interval '9 hours')
                AT TIME ZONE 'Europe/Brussels' END,
           jsonb_build_object(
               'assignment', jsonb_build_object(
                   'assignment_id', id, 'purpose', repeat('Why it matters. ', 20),
                   'tools', jsonb_build_array('chat', 'wiki', 'email', 'calendar')),
               'term_start', start_date,
               'tasks', jsonb_build_array(
                   jsonb_build_object('task_id', 'a', 'title', 'A', 'phase', 'onboarding',
                                      'done', true),
                   jsonb_build_object('task_id', 'b', 'title', 'B', 'phase', 'onboarding',
                                      'done', i % 20 <> 0 OR start_date > $1))),
           timestamptz '2024-01-01' + i * interval '10 minutes'
    FROM (
        SELECT i, 'BIG-' || lpad(i::text, 6, '0') AS id,
               s AS start_date, s + 60 + i % 400 AS end_date,
               CASE WHEN i % 50 = 0 AND s > $1 THEN 'cancelled'
                    WHEN s > $1 + 7 THEN 'scheduled'
                    WHEN s > $1 THEN 'onboarding'
                    WHEN s + 60 + i % 400 >= $1 + 30 THEN 'active'
                    WHEN s + 60 + i % 400 >= $1 THEN 'renewal_review'
                    WHEN s + 60 + i % 400 >= $1 - 14 THEN 'offboarding'
                    ELSE 'completed' END AS phase
        FROM (SELECT i, date '2024-01-01' + (i % 1100) AS s FROM generate_series(1, $2) i) d
    ) x
    """,
    """
    INSERT INTO access_change (assignment_id, tool, status, at)
    SELECT a.assignment_id, t.tool, 'granted', (a.start_date - 7)::timestamptz
    FROM assignment a CROSS JOIN (VALUES ('chat'), ('wiki'), ('email'), ('calendar')) t(tool)
    WHERE a.phase NOT IN ('scheduled', 'cancelled')
    UNION ALL
    SELECT a.assignment_id, t.tool, 'revoked', (a.end_date + 1)::timestamptz
    FROM assignment a CROSS JOIN (VALUES ('chat'), ('wiki'), ('email'), ('calendar')) t(tool)
    WHERE a.phase IN ('offboarding', 'completed')
    """,
    """
    INSERT INTO access_grant (assignment_id, tool, status, since)
    SELECT DISTINCT ON (assignment_id, tool) assignment_id, tool, status, at
    FROM access_change ORDER BY assignment_id, tool, id DESC
    """,
    """
    INSERT INTO timeline_entry (assignment_id, key, at, kind, summary)
    SELECT a.assignment_id, '1:' || k.key, a.start_date + k.days, split_part(k.key, ':', 1),
           'Something happened'
    FROM assignment a CROSS JOIN (VALUES
        ('signed', -20), ('onboarding', -7), ('start', 0), ('checkin:1', 30), ('checkin:2', 60),
        ('checkin:3', 120), ('development:1', 90), ('checkin:4', 150), ('development:2', 180),
        ('renewal_request', 200), ('renewal_reminder', 209)) k(key, days)
    WHERE a.start_date + k.days <= $1
    """,
    """
    INSERT INTO timeline_entry (assignment_id, key, at, kind, summary, data)
    SELECT assignment_id, '1:renewal:x', end_date - 10 - length(assignment_id) % 20, 'renewal',
           'Renewal decided: the assignment ends on ' || end_date,
           jsonb_build_object('decision', 'end', 'old_end', end_date)
    FROM assignment WHERE phase IN ('offboarding', 'completed')
    UNION ALL
    SELECT assignment_id, '1:offboarding', end_date, 'offboarding',
           'Offboarding (the contract ends): exit feedback link sent',
           jsonb_build_object('reason', 'ended')
    FROM assignment WHERE phase IN ('offboarding', 'completed')
    """,
    """
    INSERT INTO feedback (assignment_id, token_id, rating, answers, submitted_at)
    SELECT assignment_id, 'token-' || assignment_id, 1 + length(freelancer_name) % 5,
           jsonb_build_object('felt_part', 'The team day', 'not_part', '', 'come_back', 'yes',
                              'stay_in_touch', right(assignment_id, 1) IN ('1', '3')),
           end_date + 2
    FROM assignment WHERE phase = 'completed' AND right(assignment_id, 1) <> '0'
    """,
]


async def fill_lifecycle(pool: asyncpg.Pool, today: date, rows: int) -> None:
    """`rows` assignments over three years before `today`, each in the phase its dates give it,
    with four tools each, a timeline of a dozen entries, and exit feedback from most leavers."""
    for statement in _FILL:
        args = [v for n, v in ((1, today), (2, rows)) if f"${n}" in statement]
        await pool.execute(statement, *args)
    await pool.execute("ANALYZE")
