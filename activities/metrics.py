"""What the worker counts of the engine's effects (Prometheus, the process's default registry):
mails sent, kept and refused, mail attempts that failed (retried), and access granted and revoked.
The worker's metrics endpoint (worker_metrics.py) serves them with Temporal's own."""

from __future__ import annotations

from prometheus_client import Counter

MAILS = Counter(
    "lifecycle_worker_mails",
    "Mails whose delivery ended, by kind and outcome (sent, kept, refused)",
    ("kind", "outcome"),
)
MAIL_ATTEMPTS_FAILED = Counter(
    "lifecycle_worker_mail_attempts_failed",
    "Attempts to deliver a mail that failed and will be retried (the server did not answer)",
    ("kind",),
)
ACCESS_CHANGES = Counter(
    "lifecycle_worker_access_changes",
    "Tools granted or revoked at the identity provider (or in the ledger only)",
    ("change",),
)
