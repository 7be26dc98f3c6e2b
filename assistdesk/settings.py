"""The one configuration object.

Names follow INTERFACE.md exactly: operators' deployment scripts depend on them. Values come from the
environment, a `.env` file, or a TOML file named by `ASSISTDESK_CONFIG` (same keys), in that order of
precedence. Nothing else in the package reads `os.environ`.

Secrets are `SecretStr` so that a settings object printed in a log or a traceback shows `**********`.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "sqlite:///./assistdesk.db"
SECRET_FILE_NAME = "assistdesk.secret"  # noqa: S105 (a file name)


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads `ASSISTDESK_CONFIG=path.toml`; keys are the environment names (any case)."""

    def __init__(self, settings_cls: type[BaseSettings], path: str | None) -> None:
        super().__init__(settings_cls)
        self._data: dict[str, Any] = {}
        if path:
            with open(path, "rb") as handle:
                raw = tomllib.load(handle)
            self._data = {key.upper(): value for key, value in raw.items()}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("ASSISTDESK_DATABASE_URL", "database_url"),
        repr=False,  # it may hold a password; __repr_args__ shows it masked
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        validation_alias=AliasChoices("ASSISTDESK_PUBLIC_URL", "public_url"),
    )
    secret_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTDESK_SECRET_KEY", "secret_key")
    )
    ticket_prefix: str = Field(
        default="SUP", validation_alias=AliasChoices("ASSISTDESK_TICKET_PREFIX", "ticket_prefix")
    )
    smtp_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTDESK_SMTP_URL", "smtp_url")
    )
    mail_from: str = Field(
        default="support@localhost", validation_alias=AliasChoices("ASSISTDESK_MAIL_FROM", "mail_from")
    )

    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_CLIENT_ID", "slack_client_id")
    )
    slack_client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_CLIENT_SECRET", "slack_client_secret")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "slack_app_token")
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL", "slack_api_url")
    )

    lark_app_id: str | None = Field(default=None, validation_alias=AliasChoices("LARK_APP_ID", "lark_app_id"))
    lark_app_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("LARK_APP_SECRET", "lark_app_secret")
    )
    lark_verification_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("LARK_VERIFICATION_TOKEN", "lark_verification_token")
    )
    lark_encrypt_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("LARK_ENCRYPT_KEY", "lark_encrypt_key")
    )
    lark_domain: str = Field(
        default="https://open.larksuite.com", validation_alias=AliasChoices("LARK_DOMAIN", "lark_domain")
    )
    lark_long_connection: bool = Field(
        default=False,
        validation_alias=AliasChoices("LARK_LONG_CONNECTION", "lark_long_connection"),
        description="receive events over lark-oapi's WebSocket client instead of POST /lark/events",
    )

    # Delivery (outbox) tuning. Rates are messages per second per destination (a Slack channel, a
    # Lark group): Slack allows about 1/s per channel, Lark 5/s per group.
    outbox_rate_slack: float = Field(
        default=1.0, gt=0, validation_alias=AliasChoices("ASSISTDESK_OUTBOX_RATE_SLACK", "outbox_rate_slack")
    )
    outbox_rate_lark: float = Field(
        default=5.0, gt=0, validation_alias=AliasChoices("ASSISTDESK_OUTBOX_RATE_LARK", "outbox_rate_lark")
    )
    outbox_rate_default: float = Field(
        default=0.0,
        ge=0,
        validation_alias=AliasChoices("ASSISTDESK_OUTBOX_RATE_DEFAULT", "outbox_rate_default"),
        description="0 means unlimited (webhooks, mail)",
    )
    outbox_lease_seconds: float = Field(
        default=30.0,
        gt=1,
        validation_alias=AliasChoices("ASSISTDESK_OUTBOX_LEASE_SECONDS", "outbox_lease_seconds"),
    )
    outbox_max_failures: int = Field(
        default=12,
        ge=1,
        validation_alias=AliasChoices("ASSISTDESK_OUTBOX_MAX_FAILURES", "outbox_max_failures"),
    )
    outbox_concurrency: int = Field(
        default=32, ge=1, validation_alias=AliasChoices("ASSISTDESK_OUTBOX_CONCURRENCY", "outbox_concurrency")
    )
    outbox_poll_seconds: float = Field(
        default=0.25,
        gt=0,
        validation_alias=AliasChoices("ASSISTDESK_OUTBOX_POLL_SECONDS", "outbox_poll_seconds"),
    )
    outbox_retention_days: float = Field(
        default=7.0,
        gt=0,
        validation_alias=AliasChoices("ASSISTDESK_OUTBOX_RETENTION_DAYS", "outbox_retention_days"),
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        validation_alias=AliasChoices("ASSISTDESK_MAX_BODY_BYTES", "max_body_bytes"),
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("ASSISTDESK_LOG_LEVEL", "log_level"))
    slack_app_name: str = Field(
        default="Assist",
        min_length=1,
        max_length=35,  # Slack's limit for an app's name
        validation_alias=AliasChoices("SLACK_APP_NAME", "slack_app_name"),
        description="the Slack app's name: the manifest's default and what the texts tell people to invite",
    )
    # Hardening (INTERFACE.md): who may set forwarded headers, where webhooks may go, how mail leaves.
    trusted_proxies: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ASSISTDESK_TRUSTED_PROXIES", "trusted_proxies"),
        description="comma-separated addresses or CIDRs whose X-Forwarded-For / -Proto are believed",
    )
    webhook_allow_private: bool = Field(
        default=False,
        validation_alias=AliasChoices("ASSISTDESK_WEBHOOK_ALLOW_PRIVATE", "webhook_allow_private"),
    )
    smtp_require_tls: bool = Field(
        default=False,
        validation_alias=AliasChoices("ASSISTDESK_SMTP_REQUIRE_TLS", "smtp_require_tls"),
        description="refuse to send mail over smtp:// unless the server offers STARTTLS",
    )

    # Mail as a channel (INTERFACE.md, section Mail).
    support_address_setting: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ASSISTDESK_SUPPORT_ADDRESS", "support_address"),
        description="the address customers write to; defaults to ASSISTDESK_MAIL_FROM",
    )
    imap_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTDESK_IMAP_URL", "imap_url")
    )
    smtp_listen: str | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTDESK_SMTP_LISTEN", "smtp_listen")
    )
    mail_max_bytes: int = Field(
        default=30 * 1024 * 1024,
        ge=1024,
        validation_alias=AliasChoices("ASSISTDESK_MAIL_MAX_BYTES", "mail_max_bytes"),
        description="a larger inbound mail is refused (SMTP 552) or, read from IMAP, held for an admin",
    )
    mail_flood_limit: int = Field(
        default=20,
        ge=1,
        validation_alias=AliasChoices("ASSISTDESK_MAIL_FLOOD_LIMIT", "mail_flood_limit"),
        description="mails an hour from one sender before the next are held for an admin",
    )
    mail_idle_seconds: float = Field(
        default=30.0,
        gt=0,
        validation_alias=AliasChoices("ASSISTDESK_MAIL_IDLE_SECONDS", "mail_idle_seconds"),
        description="how long one IMAP IDLE (or the poll without IDLE) waits before looking again",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = _TomlFileSource(settings_cls, os.environ.get("ASSISTDESK_CONFIG"))
        return (init_settings, env_settings, dotenv_settings, toml, file_secret_settings)

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("lark_domain")
    @classmethod
    def _lark_origin(cls, value: str) -> str:
        """lark-oapi takes an origin only: https, or http on loopback (a test server); it refuses a
        trailing slash, which operators often paste, so that one is dropped here."""
        origin = value.strip().rstrip("/")
        parts = urlsplit(origin)
        loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not (parts.scheme == "https" or loopback) or not parts.netloc or parts.path or parts.query:
            raise ValueError(
                "LARK_DOMAIN must be an https origin such as https://open.larksuite.com "
                "(http only on 127.0.0.1 or localhost)"
            )
        return origin

    @field_validator("ticket_prefix")
    @classmethod
    def _prefix_shape(cls, value: str) -> str:
        value = value.strip().upper()
        if not value or not value.isalnum() or len(value) > 16:
            raise ValueError("ASSISTDESK_TICKET_PREFIX must be 1-16 letters or digits")
        return value

    @field_validator("database_url")
    @classmethod
    def _parsable_url(cls, value: str) -> str:
        try:
            make_url(value)
        except Exception as exc:
            raise ValueError("ASSISTDESK_DATABASE_URL is not a database URL") from exc
        return value

    def __repr_args__(self) -> Any:
        yield "database_url", self.safe_database_url()
        yield from super().__repr_args__()

    # Derived facts -------------------------------------------------------------------------------

    @property
    def public_https(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def slack_enabled(self) -> bool:
        has_credentials = bool(self.slack_bot_token or (self.slack_client_id and self.slack_client_secret))
        return bool(self.slack_signing_secret or self.slack_app_token) and has_credentials

    @property
    def lark_enabled(self) -> bool:
        return bool(self.lark_app_id and self.lark_app_secret)

    def safe_database_url(self) -> str:
        """The URL with any password masked: the only form that may appear in logs."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    def ticket_url(self, key: str) -> str:
        return f"{self.public_url}/help/requests/{key}"

    @property
    def support_address(self) -> str:
        return (self.support_address_setting or self.mail_from).strip().lower()

    def resolve_secret_key(self) -> str:
        """The key that signs sessions and encrypts stored secrets.

        INTERFACE.md: when unset it is "generated and kept beside the SQLite file in dev". A server
        database has no such place, and a key invented per process would make every stored bot token
        unreadable on the next start, so there it is required.
        """
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite":
            raise MissingSecretKey(
                "ASSISTDESK_SECRET_KEY must be set when the database is not SQLite "
                "(it encrypts stored bot tokens; keep it the same on every process)"
            )
        database = url.database or ""
        folder = Path(database).resolve().parent if database and database != ":memory:" else Path.cwd()
        path = folder / SECRET_FILE_NAME
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        folder.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        temporary = folder / f".{SECRET_FILE_NAME}.{os.getpid()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        try:
            # link() refuses to overwrite: when two processes start at once, the first key wins
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
        return path.read_text(encoding="utf-8").strip()


class MissingSecretKey(RuntimeError):
    """Raised at start-up when no secret key can be found or generated."""


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
