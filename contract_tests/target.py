"""What the suite talks to: the in-process mock, the mock served over HTTP, or a live backend."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pyotp

from .contract import Exchange
from .oracle import parse_instant, wire_instant
from .redaction import Secrets

START = "2026-02-12T07:00:00.000Z"  # 08:00 in Lagos, the morning of the seed's first day
ADMIN = "admin@novunt.test"
ADMIN_PASSWORD = "Admin123!"  # BRIEF §9, the fixed 2FA admin's password
NO_2FA_ADMIN = "ops@novunt.test"
NON_ADMIN = "support@novunt.test"


class Target:
    def __init__(
        self,
        client,
        mode: str,
        *,
        token: str | None = None,
        totp_secret: str | None = None,
        non_admin_token: str | None = None,
        admin_identifier: str | None = None,
        admin_password: str | None = None,
        allow_writes: bool = False,
        allow_distribution: bool = False,
        secrets: Secrets | None = None,
        overdue_grace_minutes: float = 5,
    ) -> None:
        self.overdue_grace_minutes = overdue_grace_minutes
        self.secrets = secrets or Secrets()
        self.secrets.remember(token, totp_secret, non_admin_token, admin_password)
        self.client = client
        self.mode = mode  # "in-process" | "served" | "live"
        self._token = token
        self._totp_secret = totp_secret
        self._non_admin_token = non_admin_token
        self._sign_in = (admin_identifier, admin_password) if admin_identifier and admin_password else None
        self.allow_writes = allow_writes
        self.allow_distribution = allow_distribution
        self.control = Control(self) if self.is_mock else None
        self.last: Exchange | None = None  # the latest exchange, for failures that follow a step

    @property
    def is_mock(self) -> bool:
        return self.mode != "live"

    # -- requests --------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, headers=None, json=None, content=None, params=None) -> Exchange:
        response = self.client.request(method, path, headers=headers, json=json, content=content, params=params)
        sent = json if json is not None else content
        if params:
            path = f"{path}?{httpx.QueryParams(params)}"
        exchange = Exchange(method.upper(), path, sent, response.status_code, dict(response.headers), response.text)
        self.secrets.remember_answer(response.text)  # a token, a 2FA secret or backup codes it answered
        if not path.startswith("/__mock"):
            self.last = exchange
        return exchange

    # -- credentials -----------------------------------------------------------------------------
    def admin_token(self) -> str | None:
        if self.is_mock:
            return self.control.token(ADMIN)
        return self._token

    def no_2fa_admin_token(self) -> str | None:
        return self.control.token(NO_2FA_ADMIN) if self.is_mock else None

    def sign_in_credentials(self) -> tuple[str, str] | None:
        """An admin's identifier and password to sign in with: the mock's fixed 2FA admin, or the
        ``--admin-identifier``/``--admin-password`` given for a live backend (None: not given)."""
        if self.is_mock:
            self.secrets.remember(ADMIN_PASSWORD)
            return ADMIN, ADMIN_PASSWORD
        return self._sign_in

    def non_admin_token(self) -> str | None:
        return self.control.token(NON_ADMIN) if self.is_mock else self._non_admin_token

    def code(self) -> str | None:
        """A current TOTP code for the admin (judged on the mock's clock when it is the mock)."""
        code = self.control.totp(ADMIN) if self.is_mock else None
        if not self.is_mock and self._totp_secret:
            code = pyotp.TOTP(self._totp_secret).now()
        self.secrets.remember(code)
        return code

    def can_sign_2fa(self) -> bool:
        return self.is_mock or bool(self._totp_secret)

    def auth(self, token: str | None = None, *, code: bool = False) -> dict:
        headers = {"Authorization": f"Bearer {token or self.admin_token()}"}
        if code:
            value = self.code()
            if value:
                headers["X-2FA-Code"] = value
        return headers

    def expired_token(self) -> str:
        """A token that expired a minute ago (signed by the mock; elsewhere a foreign signature)."""
        if self.is_mock:
            return self.control.token(ADMIN, expires_in=-60)
        past = datetime.now(UTC) - timedelta(hours=1)
        return forged_token(exp=past, key="expired-token-probe-signed-with-a-foreign-key")

    def close(self) -> None:
        self.client.close()


def forged_token(*, exp: datetime | None = None, key: str = "not-the-server-secret-but-32-bytes-long") -> str:
    now = datetime.now(UTC)
    payload = {
        "id": "65c9f0a1b2c3d4e5f6a70001",
        "email": ADMIN,
        "role": "admin",
        "twoFAEnabled": True,
        "is2FAVerified": True,
        "iat": int((now - timedelta(hours=2)).timestamp()),
        "exp": int((exp or now + timedelta(hours=1)).timestamp()),
    }
    return jwt.encode(payload, key, algorithm="HS256")


class Control:
    """The mock's ``/__mock/`` routes, as the mock-only cases use them."""

    def __init__(self, target: Target) -> None:
        self.target = target

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        exchange = self.target.request(
            method, f"/__mock{path}", json=body if body is not None or method == "GET" else {}
        )
        if exchange.status >= 300:
            raise AssertionError(f"mock control call failed:\n{exchange.describe()}")
        return exchange.json()

    def reset(self, now: str = START, *, frozen: bool = True) -> None:
        self._call("POST", "/reset", {"now": now, "frozen": frozen})

    def now(self) -> datetime:
        return parse_instant(self._call("GET", "/clock")["now"])

    def advance(
        self,
        seconds: float | None = None,
        *,
        until: str | datetime | None = None,
        to: str | None = None,
        racers: int | None = None,
    ) -> list[dict]:
        body: dict = {"racers": racers} if racers else {}
        if seconds is not None:
            body["seconds"] = seconds
        if until is not None:
            body["until"] = until if isinstance(until, str) else wire_instant(until)
        if to is not None:
            body["to"] = to
        return self._call("POST", "/clock/advance", body)["ran"]

    def token(self, identifier: str, expires_in: int | None = None) -> str:
        body: dict = {"identifier": identifier}
        if expires_in is not None:
            body["expiresIn"] = expires_in
        token = self._call("POST", "/tokens", body)["token"]
        self.target.secrets.remember(token)
        return token

    def totp(self, identifier: str) -> str:
        code = self._call("GET", f"/totp/{identifier}")["code"]
        self.target.secrets.remember(code)
        return code

    def active_stakes(self) -> list:
        """The amounts of the mock's active stakes (inputs for the suite's own payout arithmetic)."""
        from decimal import Decimal

        return [Decimal(s["amount"]) for s in self._call("GET", "/stakes")["stakes"] if s["isActive"]]

    def fault(self, slot_number: int, *, times: int = 1, error: str | None = None, effect: str = "fail") -> None:
        body: dict = {"slotNumber": slot_number, "times": times, "effect": effect}
        if error:
            body["error"] = error
        self._call("POST", "/faults", body)


# -- building targets ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(url: str, seconds: float = 30, is_up=None) -> bool:
    """Poll ``url`` until it answers any HTTP status (True), or give up after ``seconds`` (False);
    ``is_up`` (a callable) may end the wait early with False, e.g. when the server process died."""
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=1) as client:  # one client: each new one loads the CA bundle (25 ms of CPU)
        while time.monotonic() < deadline:
            if is_up is not None and not is_up():
                return False
            try:
                client.get(url)
                return True
            except httpx.HTTPError:
                time.sleep(0.1)
    return False


class ServedMock:
    """A mock started as a user starts it (its own command, a child process), on a free port."""

    def __init__(self, port: int, command: list[str]) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=os.environ.copy()
        )
        if wait_until_answers(f"{self.url}/cron-status", 60, is_up=lambda: self.process.poll() is None):
            return
        if self.process.poll() is not None:
            output = self.process.stdout.read().decode(errors="replace") if self.process.stdout else ""
            raise RuntimeError(f"the mock server exited at start:\n{output}")
        self.stop()
        raise RuntimeError("the mock server did not answer within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
