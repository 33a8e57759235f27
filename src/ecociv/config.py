"""The one Settings object. Read by composition roots (web, cli, migrations) only.

Every setting is an ``ECOCIV_*`` environment variable (or a line in ``.env``); README.md
lists them all. Outside development there is no default secret: start-up fails instead.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Typed, validated settings (prefix ``ECOCIV_``)."""

    model_config = SettingsConfigDict(env_prefix="ECOCIV_", env_file=".env", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    var_dir: Path = Path("var")
    database_url: str = Field(default="", description="SQLAlchemy URL; default SQLite in var_dir")
    secret_key: str = Field(default="", description="signs session cookies; 32+ characters")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    forwarded_allow_ips: str = "127.0.0.1"
    cookie_secure: bool | None = None
    session_max_age_seconds: int = Field(
        default=8 * 3600, ge=60, description="absolute lifetime of a signed-in session"
    )
    session_idle_minutes: int = Field(
        default=60, ge=1, description="a session unused this long ends (server-side)"
    )
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    login_address_max_failures: int = Field(
        default=20, ge=1, description="failed sign-ins from one client address per window"
    )
    login_address_window_minutes: int = Field(
        default=15, ge=1, description="window of the per-address sign-in limit"
    )
    default_locale: str = "zh_CN"
    log_level: str = "info"
    receiver_host: str = Field(
        default="127.0.0.1", description="HJ 212 receiver address (set 0.0.0.0 to serve devices)"
    )
    receiver_port: int = Field(default=9212, description="HJ 212 receiver TCP port")
    receiver_process_seconds: float = Field(
        default=0.5, description="how often logged frames are moved into the readings store"
    )
    max_upload_mb: int = Field(
        default=20,
        ge=1,
        le=1024,
        description="largest request body (an uploaded file) in MB; larger ones get 413",
    )
    receiver_idle_seconds: float = Field(
        default=600.0, gt=0, description="close a receiver connection silent this long"
    )
    receiver_max_connections: int = Field(
        default=5000, ge=2, description="open receiver connections in all"
    )
    receiver_max_unauthenticated: int = Field(
        default=1000, ge=1, description="receiver connections without an authenticated frame"
    )
    receiver_max_per_address: int = Field(
        default=20, ge=1, description="unauthenticated receiver connections per address"
    )
    receiver_max_per_device: int = Field(
        default=2,
        ge=1,
        description="receiver connections authenticated as one MN; one more closes the oldest",
    )
    receiver_unregistered_mns: int = Field(
        default=200, ge=1, description="unregistered MNs whose counters are kept by name"
    )
    receiver_unregistered_frames: int = Field(
        default=1000, ge=1, description="refused frames of unregistered MNs kept in all"
    )
    receiver_unregistered_frames_per_mn: int = Field(
        default=5, ge=1, description="refused frames kept per unregistered MN"
    )
    receiver_log_lines: int = Field(
        default=20, ge=1, description="receiver log lines of one kind per log interval"
    )
    receiver_log_interval_seconds: float = Field(
        default=60.0, gt=0, description="the receiver's log rate-limit interval"
    )
    warning_webhook_url: str = Field(
        default="",
        description="POST each new pollution-source warning as JSON to this URL (empty: none)",
    )
    audit_key: str = Field(
        default="", description="HMAC key of the audit chain, kept outside the database; 32+"
    )
    audit_previous_keys: str = Field(
        default="", description="earlier audit keys, comma-separated, to verify older entries"
    )
    audit_checkpoint_file: Path | None = Field(
        default=None, description="append-only file of signed audit checkpoints"
    )
    audit_checkpoint_webhook_url: str = Field(
        default="", description="POST each audit checkpoint as JSON to this URL (empty: none)"
    )

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.var_dir / 'ecociv.db').as_posix()}"
        if self.cookie_secure is None:
            self.cookie_secure = self.env is Environment.PRODUCTION
        if self.receiver_max_unauthenticated >= self.receiver_max_connections:
            raise ValueError(
                "ECOCIV_RECEIVER_MAX_UNAUTHENTICATED must be below ECOCIV_RECEIVER_MAX_CONNECTIONS"
            )
        if self.default_locale not in ("zh_CN", "en"):
            raise ValueError("ECOCIV_DEFAULT_LOCALE must be zh_CN or en")
        if not self.secret_key:
            if self.env is Environment.PRODUCTION:
                raise ValueError("ECOCIV_SECRET_KEY must be set in production (32+ characters)")
            self.secret_key = _development_secret(self.var_dir)
        elif len(self.secret_key) < 32 or self.secret_key.lower().startswith("change"):
            raise ValueError("ECOCIV_SECRET_KEY must be a random value of 32+ characters")
        if not self.audit_key:
            if self.env is Environment.PRODUCTION:
                raise ValueError("ECOCIV_AUDIT_KEY must be set in production (32+ characters)")
            self.audit_key = _development_secret(self.var_dir, "audit_key")
        elif len(self.audit_key) < 32 or self.audit_key.lower().startswith("change"):
            raise ValueError("ECOCIV_AUDIT_KEY must be a random value of 32+ characters")
        if self.audit_key == self.secret_key:
            raise ValueError("ECOCIV_AUDIT_KEY must differ from ECOCIV_SECRET_KEY")
        if self.audit_checkpoint_file is None:
            self.audit_checkpoint_file = self.var_dir / "audit" / "checkpoints.jsonl"
        return self

    @property
    def audit_old_keys(self) -> tuple[str, ...]:
        """The earlier audit keys (``ECOCIV_AUDIT_PREVIOUS_KEYS``), to verify older entries."""
        return tuple(k.strip() for k in self.audit_previous_keys.split(",") if k.strip())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _development_secret(var_dir: Path, name: str = "secret_key") -> str:
    """A random secret made once per development install and kept in var/ (never committed)."""
    path = var_dir / name
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def get_settings() -> Settings:
    """Settings from the environment."""
    return Settings()
