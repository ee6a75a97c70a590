"""The contract's settings (section 2), read from the environment and a `.env` file."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.policies import PolicyBook
from core.policies import load as load_policies
from workflows.types import TASK_QUEUE

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# The roles a person signing in may have, lowest first: a `manager` decides and completes tasks on
# the assignments they manage, and sees only those.
OIDC_ROLES = ("viewer", "manager", "operator", "admin")


def _duration(value: object) -> object:
    """A duration as people write it: `90s`, `15m`, `24h`, `7d` (or a number of seconds)."""
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, str):
        found = _DURATION.match(value)
        if not found:
            raise ValueError("must be a duration such as 90s, 15m, 24h or 7d")
        amount, unit = found.groups()
        duration = timedelta(**{_UNITS[unit]: int(amount)})
        if duration <= timedelta(0):
            raise ValueError("must be longer than 0")
        return duration
    return value


def _pairs(value: object, what: str, allowed: tuple[str, ...] | None = None) -> object:
    """`a=x,b=y` as people write it in the environment, as a dict; each `x` one of `allowed`."""
    if not isinstance(value, str):
        return value
    mapping: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in value.split(","))):
        key, equals, found = (part.strip() for part in entry.partition("="))
        if not equals or not key or not found or (allowed and found not in allowed):
            one_of = f", the {what} one of {', '.join(allowed)}" if allowed else ""
            raise ValueError(f"{entry!r}: each entry is <claim value>=<{what}>{one_of}")
        mapping[key] = found
    return mapping


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIFECYCLE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Path(".lifecycle")
    database_url: str | None = None
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    # An existing cluster (core/temporal.py): TLS with the server's CA (and the name its
    # certificate carries, when not the address's host), mutual TLS with a client certificate
    # and key, or an API key (Temporal Cloud; TLS with the system's roots unless a CA is given).
    temporal_tls_ca: Path | None = None
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_server_name: str | None = None
    temporal_api_key: str | None = None
    # The payload codec's key ring (core/codec.py): `id:base64key,…`, the first encrypts; unset:
    # payloads go to Temporal in clear (tests; `lifecycle dev` generates one).
    codec_keys: str | None = None
    # Where each worker serves Prometheus metrics and its health (activities/telemetry.py).
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("codec_keys")
    @classmethod
    def _a_key_ring(cls, value: str | None) -> str | None:
        if value:
            from core.codec import KeyRing

            KeyRing.parse(value)  # a ring the engine cannot use stops it at start, with why
        return value or None

    task_queue: str = TASK_QUEUE
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    temporal_ui_url: str = "http://127.0.0.1:8233"
    admin_key: str | None = None
    webhook_secret: str | None = None
    # During a rotation of the webhook secret: the one the contracting system may still sign with.
    webhook_secret_previous: str | None = None
    # Signs exit-feedback links and operator sessions; derived from the webhook secret if unset.
    secret_key: str | None = None
    smtp_url: str | None = None
    mail_from: str = "lifecycle@localhost"
    hr_email: str | None = None
    scim_url: str | None = None
    scim_token: str | None = None
    notify_url: str | None = None
    notify_secret: str | None = None
    # A comma-separated list in the environment ("chat,wiki"), not JSON.
    tools: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["chat", "wiki", "email", "calendar"]
    )
    # Effects: early ends revoking more than this many freelancers within an hour are held for
    # an admin; the admins' addresses (comma-separated) hear of holds and of access open after an
    # end; an effect failing longer than `attention_after` is listed as needing attention; the
    # access reconciliation runs every `reconcile_every`.
    revoke_guard: int = Field(default=25, ge=0)
    admin_email: Annotated[list[str], NoDecode] = Field(default_factory=list)
    attention_after: Annotated[timedelta, BeforeValidator(_duration)] = timedelta(minutes=15)
    reconcile_every: Annotated[timedelta, BeforeValidator(_duration)] = timedelta(hours=24)
    # An assignment changed this recently is left for the next reconciliation (its own lane may
    # be bringing the IdP up to date right now).
    reconcile_settled: Annotated[timedelta, BeforeValidator(_duration)] = timedelta(minutes=2)
    clock_speed: float = 1.0
    # For tests and demos: the instant (RFC 3339) the deployment clock shows at its anchor.
    clock_start: datetime | None = None
    log_format: str | None = None
    log_level: str = "INFO"
    # The file of named policies (TOML, core.policies); unset: the built-in `standard` alone.
    policies: Path | None = None
    # OpenID Connect sign-in for the operator UI (api/ui/oidc.py); unset issuer: API keys only.
    # The roles claim holds a list (or one value); the role map turns its values into the UI's
    # roles ("hr-admins=admin,hr=operator"); a value that is a role's name is that role.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_roles_claim: str = "roles"
    oidc_role_map: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    # HR of some teams: the roles claim's values that name teams ("hr-payroll=Payroll"); a person
    # with such values sees those teams' assignments only (db.scope).
    oidc_team_map: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)

    @field_validator("oidc_role_map", mode="before")
    @classmethod
    def _role_map(cls, value: object) -> object:
        return _pairs(value, "role", OIDC_ROLES)

    @field_validator("oidc_team_map", mode="before")
    @classmethod
    def _team_map(cls, value: object) -> object:
        return _pairs(value, "team")

    @field_validator("oidc_issuer")
    @classmethod
    def _an_issuer_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be the provider's issuer URL (https://login.example.com/...)")
        return value.rstrip("/") if value else None

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        if self.oidc_issuer and not self.oidc_client_id:
            raise ValueError("LIFECYCLE_OIDC_ISSUER is set: set LIFECYCLE_OIDC_CLIENT_ID too")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @field_validator("policies")
    @classmethod
    def _policies_followable(cls, value: Path | None) -> Path | None:
        load_policies(value)  # a file the engine cannot follow stops it at start, with why
        return value

    @cached_property
    def policy_book(self) -> PolicyBook:
        return load_policies(self.policies)

    @field_validator("tools", "admin_email", mode="before")
    @classmethod
    def _split_tools(cls, value: object) -> object:
        if isinstance(value, str):
            return [t.strip() for t in value.split(",") if t.strip()]
        return value

    @field_validator("clock_speed")
    @classmethod
    def _positive_speed(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value

    @field_validator("clock_start")
    @classmethod
    def _an_instant(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must be an RFC 3339 instant with an offset (2027-03-10T10:00+01:00)")
        return value

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str | None) -> str | None:
        if value is not None and value not in ("json", "console"):
            raise ValueError("must be 'json' or 'console'")
        return value

    @property
    def webhook_secrets(self) -> list[str]:
        """The secrets an event may be signed with: the current one, then the previous one."""
        return [s for s in (self.webhook_secret, self.webhook_secret_previous) if s]

    @property
    def signing_key(self) -> str:
        key = self.secret_key or self.webhook_secret or self.admin_key
        if not key:
            raise RuntimeError("set LIFECYCLE_SECRET_KEY (or LIFECYCLE_WEBHOOK_SECRET)")
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
