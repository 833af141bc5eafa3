"""The cases' fixtures: the target (the in-process mock, the mock over HTTP, a running mock, or a live
backend), and what a case needs of it (the mock reset, its control API, an admin's token, sign-in
credentials, 2FA codes, the schedule put back afterwards); each missing piece is a skip that names
the option that would supply it."""

from __future__ import annotations

import httpx
import pytest

from .in_process import in_process
from .options import base_url, mode_of
from .redactor import secrets_of
from .summary import skip_for
from .target import START, ServedMock, Target, free_port


def _client(config: pytest.Config, mode: str) -> tuple[httpx.Client, ServedMock | None]:
    """The client of the run's target, and the mock the suite serves itself (if it does)."""
    url = base_url(config) if mode == "live" else config.getoption("mock_url")
    if url:
        return httpx.Client(base_url=url.rstrip("/"), timeout=30), None
    if mode == "served":
        port = free_port()
        command = config.hook.pytest_contract_mock_command(port=port, start=START)
        if command is None:
            pytest.exit("contract suite: no mock is installed to serve; pass --base-url URL", returncode=2)
        served = ServedMock(port, command)
        return httpx.Client(base_url=served.url, timeout=30), served
    app = config.hook.pytest_contract_mock_app(start=START)
    if app is None:
        pytest.exit("contract suite: no in-process mock is installed; pass --base-url URL", returncode=2)
    return in_process(app), None


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest):
    config = request.config
    mode = mode_of(config)
    client, served = _client(config, mode)
    built = Target(
        client,
        mode,
        token=config.getoption("token"),
        totp_secret=config.getoption("totp_secret"),
        non_admin_token=config.getoption("non_admin_token"),
        admin_identifier=config.getoption("admin_identifier"),
        admin_password=config.getoption("admin_password"),
        allow_writes=config.getoption("allow_writes") or mode != "live",
        allow_distribution=config.getoption("allow_distribution") or mode != "live",
        secrets=secrets_of(config),
        overdue_grace_minutes=config.getoption("overdue_grace"),
    )
    yield built
    built.close()
    if served:
        served.stop()


@pytest.fixture
def api(target: Target) -> Target:
    """The target, with the mock reset to its fixtures and its clock at the suite's start instant."""
    if target.is_mock:
        target.control.reset()
    return target


@pytest.fixture
def mock(api: Target):
    """The mock's control API; the case is skipped against a live backend."""
    if not api.is_mock:
        skip_for("the mock", "moves the mock's clock or uses its control API")
    return api.control


@pytest.fixture
def admin(api: Target) -> str:
    token = api.admin_token()
    if not token:
        skip_for("--token", "an admin bearer token (env CONTRACT_TOKEN)")
    return token


@pytest.fixture
def sign_in(api: Target) -> tuple[str, str]:
    """An admin's identifier and password (the mock's fixed 2FA admin; live: the options)."""
    found = api.sign_in_credentials()
    if not found:
        skip_for(
            "--admin-identifier",
            "an admin's identifier and, with --admin-password, its password (env CONTRACT_ADMIN_IDENTIFIER, "
            "CONTRACT_ADMIN_PASSWORD): the live sign-in checks",
        )
    return found


def token_has_2fa(token: str) -> bool:
    import jwt

    try:
        return bool(jwt.decode(token, options={"verify_signature": False}).get("twoFAEnabled", True))
    except jwt.PyJWTError:
        return True


@pytest.fixture
def signer(api: Target, admin: str) -> Target:
    """The target, for cases that need a valid 2FA code (skipped live without --totp-secret)."""
    if not api.can_sign_2fa() and token_has_2fa(admin):
        skip_for("--totp-secret", "a valid 2FA code (env CONTRACT_TOTP_SECRET)")
    return api


@pytest.fixture
def restore_schedule(signer: Target):
    """For cases that change the schedule or toggle: snapshot first, restore afterwards (even when
    the case fails), and fail the teardown if the backend is not left exactly as it was found."""
    from .restore import ScheduleSnapshot

    snapshot = ScheduleSnapshot.take(signer)
    yield snapshot.found
    snapshot.restore()
