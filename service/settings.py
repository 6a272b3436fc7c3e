"""Settings of the HTTP service: the library's `Settings` (model, codebook, database) plus host, keys and
limits, read from `KFD_*` environment variables."""

from __future__ import annotations

import functools
import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from nlp.errors import KfdError
from nlp.settings import Settings as LibrarySettings

# Keys are lists given as "key1,key2"; NoDecode keeps pydantic-settings from expecting JSON.
KeyList = Annotated[list[str], NoDecode, Field(default_factory=list, repr=False)]


class InsecureBind(KfdError):
    """The service would answer beyond this machine without any API key."""


class Settings(LibrarySettings):
    host: str = "127.0.0.1"
    port: int = 8000
    api_keys: KeyList  # may read (classify, reports, aggregate, model)
    admin_keys: KeyList  # may also delete, retag and reload the model
    max_body_bytes: int = 2 * 1024 * 1024
    max_statements: int = 1000  # per /v1/classify request
    max_statement_chars: int = 5000
    # Characters of all statements of one /v1/classify request, after trimming. Real statements average
    # 94 characters (p99 228): the p99 of a 1,000-statement batch is about 97,000 characters, and 1,000
    # statements all of p99 length are 228,000. Tagging costs about 11 µs per character, so the cap
    # bounds one request at about 3 s of CPU instead of 22 s for a full 2 MB body.
    max_request_chars: int = 250_000
    # Worker processes (uvicorn's process model): each loads the model once and answers on its own.
    workers: int = Field(default=1, ge=1, le=64)
    log_format: Literal["text", "json"] = "text"  # json: one object a line, no client addresses
    # Set by `serve` for its workers: the file through which a model reload reaches every worker.
    reload_signal: Path | None = None
    # The browser workspace (/ui/): the key that signs session cookies (unset: a random one kept in a
    # file beside the database, so every worker shares it), the Secure flag (set it behind HTTPS), and
    # how long a session lasts without signing in again.
    session_secret: str | None = Field(default=None, repr=False)
    session_secure: bool = False
    session_max_age: int = Field(default=8 * 3600, ge=60)
    # One upload of many report files in the workspace (each file still at most max_body_bytes).
    ui_upload_max_bytes: int = 50 * 1024 * 1024

    @field_validator("api_keys", "admin_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @property
    def auth_enabled(self) -> bool:
        return bool(self.api_keys or self.admin_keys)


@functools.lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment (`create_app` without settings)."""
    return Settings()


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_HOST_HEADER = re.compile(r"(?P<name>\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::\d{1,5})?")


def is_loopback_host_header(value: str | None) -> bool:
    """A `Host` header (or the host and port of an `Origin`) naming this machine: localhost,
    127.x.x.x or [::1], with any port. A bare IPv6 address without brackets is no valid Host."""
    match = _HOST_HEADER.fullmatch(value.strip()) if value else None
    if match is None:
        return False
    name = match["name"]
    if name.startswith("["):
        return is_loopback(name)
    return name.lower() == "localhost" or (":" not in name and is_loopback(name))


def check_bind(settings: Settings) -> None:
    """Without API keys the service may only listen on loopback: reports hold personal data."""
    if not settings.auth_enabled and not is_loopback(settings.host):
        raise InsecureBind(
            f"refusing to serve on {settings.host}: no API keys are configured. Set KFD_API_KEYS "
            "(and KFD_ADMIN_KEYS) or bind to 127.0.0.1"
        )
