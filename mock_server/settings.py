"""Every option of the mock server, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .resources import FIXTURES_DIR


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 5000
    origins: tuple[str, ...] = ("http://localhost:3000",)
    mongo_uri: str | None = field(default_factory=lambda: os.environ.get("MOCK_MONGO_URI") or None)
    database: str = "novunt_mock"
    fixtures_dir: Path = FIXTURES_DIR
    state_file: Path | None = None
    profile: str = field(default_factory=lambda: os.environ.get("MOCK_PROFILE") or "current")
    start_time: datetime | None = None
    frozen: bool = False
    strict_2fa: bool = False
    require_2fa: bool = False
    allowed_hosts: tuple[str, ...] = ()
    control_token: str | None = field(default_factory=lambda: os.environ.get("MOCK_CONTROL_TOKEN") or None)
    no_control: bool = False
    max_body: int = 1024 * 1024
    jwt_secret: str = field(
        default_factory=lambda: os.environ.get("MOCK_JWT_SECRET") or "novunt-mock-jwt-secret-not-for-production"
    )
    token_ttl_seconds: int = 7 * 24 * 3600
    validate_responses: bool = False
    tick_seconds: float = 1.0
    log_requests: bool = True
    journal_size: int = 1000
    latency: tuple[int, int] | None = None  # milliseconds added to every contract route: (low, high)
