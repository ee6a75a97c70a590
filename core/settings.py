"""The contract's settings (section 2), read from the environment and a `.env` file."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from workflows.types import TASK_QUEUE, Policy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIFECYCLE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Path(".lifecycle")
    database_url: str | None = None
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    task_queue: str = TASK_QUEUE
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    temporal_ui_url: str = "http://127.0.0.1:8233"
    admin_key: str | None = None
    webhook_secret: str | None = None
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
    clock_speed: float = 1.0
    # For tests and demos: the instant (RFC 3339) the deployment clock shows at its anchor.
    clock_start: datetime | None = None
    log_format: str | None = None
    log_level: str = "INFO"
    policy: Policy = Field(default_factory=Policy)

    @field_validator("tools", mode="before")
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
    def signing_key(self) -> str:
        key = self.secret_key or self.webhook_secret or self.admin_key
        if not key:
            raise RuntimeError("set LIFECYCLE_SECRET_KEY (or LIFECYCLE_WEBHOOK_SECRET)")
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
