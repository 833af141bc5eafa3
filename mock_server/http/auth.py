"""Who is calling and what they may do: JWTs, roles, two-factor codes.

Connexion calls ``bearer_info`` for every operation secured by ``bearerAuth``. It runs after
routing and before request validation, so the brief's order of checks holds: token (401), role
(403 FORBIDDEN), two-factor code (403 2FA_*), then content type and schema (415/400).
"""

from __future__ import annotations

import functools
import inspect
from datetime import datetime, timedelta

import jwt
import pyotp

from ..engine.clock import wall_now
from .errors import ApiError, unauthorized_message
from .services import SCOPE_KEY, Services, parsed_body, services_of

TWO_FA_HEADER = "x-2fa-code"
TWO_FA_FIELD = "twoFACode"
TOTP_WINDOW_STEPS = 2
MAX_TOKEN_LIFETIME = timedelta(days=366)  # a token valid longer than this is refused (forged or mis-minted)
PENDING_CODE = "pending_2fa_step"


def mint_token(
    services: Services, user: dict, *, verified: bool, expires_in: int | None = None
) -> tuple[str, datetime]:
    now = services.clock.now()
    expires = now + timedelta(seconds=services.settings.token_ttl_seconds if expires_in is None else expires_in)
    payload = {
        "id": user["_id"],
        "email": user["email"],
        "username": user["username"],
        "role": user["role"],
        "twoFAEnabled": bool(user.get("twoFAEnabled")),
        "is2FAVerified": verified,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(payload, services.settings.jwt_secret, algorithm="HS256"), expires


def _unauthorized(reason: str) -> ApiError:
    return ApiError(401, "UNAUTHORIZED", unauthorized_message(reason))


@functools.lru_cache(maxsize=4096)
def _decode(token: str, secret: str) -> dict | str:
    """The token's payload, or why it is refused. Cached: a token's bytes never change; its expiry
    is judged on the simulated clock at every use, outside this cache."""
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False})
    except jwt.InvalidSignatureError:
        return "the token's signature is not valid"
    except jwt.PyJWTError:
        return "the token is malformed (expected a three-part JWT)"


def authenticate(services: Services, token: str) -> dict:
    """The staff identity a token names, judged on the simulated clock; 401 otherwise."""
    payload = _decode(token, services.settings.jwt_secret)
    if isinstance(payload, str):
        raise _unauthorized(payload)
    exp = payload.get("exp")
    now = services.clock.now().timestamp()
    if not isinstance(exp, int | float) or exp <= now:
        raise _unauthorized("the token has expired")
    if exp > now + MAX_TOKEN_LIFETIME.total_seconds():
        raise _unauthorized("the token is valid for more than a year, which no sign-in issues")
    user = services.store.users.by_id(str(payload.get("id")))
    if user is None:
        raise _unauthorized("the token names no known account")
    return user


def authorize(user: dict, roles: frozenset[str]) -> None:
    if user["role"] not in roles:
        allowed = " or ".join(sorted(roles))
        raise ApiError(403, "FORBIDDEN", f"Your role ({user['role']}) may not use this route; it needs {allowed}")


def presented_code(headers, body, query) -> str | None:
    """The two-factor code from the header, the body's ``twoFACode`` or the query, in that order."""
    candidates = [headers.get(TWO_FA_HEADER)]
    if isinstance(body, dict):
        candidates.append(body.get(TWO_FA_FIELD))
    candidates.append(query.get(TWO_FA_FIELD))
    for code in candidates:
        if code is not None and str(code).strip() != "":
            return str(code).strip()
    return None


def check_totp(services: Services, user: dict, code: str) -> int:
    """The TOTP step ``code`` belongs to; 403 2FA_CODE_INVALID unless it is the user's code within two
    steps of now. Now is the simulated clock; when that is not the wall clock, a code of the wall
    clock is accepted too (an authenticator app keeps working), except with ``--strict-2fa``."""
    totp = pyotp.TOTP(user["totpSecret"])
    instants = [services.clock.now()]
    if not services.settings.strict_2fa:
        instants.append(wall_now())
    for instant in instants:
        try:
            return totp.verify_and_get_timecode(code, for_time=instant, valid_window=TOTP_WINDOW_STEPS)
        except pyotp.exceptions.OTPVerificationError:
            continue
    raise ApiError(403, "2FA_CODE_INVALID", "Invalid two-factor code: it is wrong or more than 60 seconds off")


def spend_code(services: Services, user_id: str, step: int) -> None:
    """Strict mode: a code is good once. Called only once the request has passed validation."""
    if services.settings.strict_2fa and not services.store.users.accept_totp_step(user_id, step):
        raise ApiError(
            403, "2FA_CODE_INVALID", "This two-factor code was already used (strict mode): wait for the next code"
        )


def spend_pending_code(scope: dict) -> None:
    """Spend the code ``bearer_info`` accepted for this request (strict mode), now that it is valid."""
    pending = scope["extensions"][SCOPE_KEY].pop(PENDING_CODE, None)
    if pending is not None:
        spend_code(services_of(scope), *pending)


def require_two_factor(services: Services, user: dict, code: str | None) -> int | None:
    """The step of the accepted code (None when the user needs none); 403 otherwise."""
    if not user.get("twoFAEnabled"):
        if services.settings.require_2fa:
            raise ApiError(403, "2FA_MANDATORY", "Two-factor authentication is mandatory for admins: set it up first")
        return None
    if code is None:
        raise ApiError(
            403,
            "2FA_CODE_REQUIRED",
            "Two-factor authentication code required: send it as X-2FA-Code, or as twoFACode in the body or query",
        )
    return check_totp(services, user, code)


def bearer_info(token: str, request) -> dict:
    """Connexion's ``x-bearerInfoFunc``: authenticate, authorize, then demand 2FA where marked."""
    scope = request.scope
    services = services_of(scope)
    user = authenticate(services, token)
    rules = services.operations[services.routes.operation_id(scope["method"], scope["path"])]
    authorize(user, rules.roles)
    if rules.two_factor:
        code = presented_code(request.headers, parsed_body(scope), request.query_params)
        step = require_two_factor(services, user, code)
        if step is not None:  # spent once the request passes validation (handlers.spend_then)
            scope["extensions"][SCOPE_KEY][PENDING_CODE] = (user["_id"], step)
    return {"sub": user["_id"], "user": user}


# Connexion inspects the security function's signature on every request; give it the answer.
bearer_info.__signature__ = inspect.signature(bearer_info)  # type: ignore[attr-defined]
