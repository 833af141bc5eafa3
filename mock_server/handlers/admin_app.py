"""The other calls the admin pages make: permissions, platform configuration and public settings,
pool qualifiers."""

from __future__ import annotations

from ..domain.schedule import platform_day_start_utc
from ..http.errors import ApiError
from ..http.services import Services, current
from ..views.status import qualifier_counts
from ..views.today import schedule_in_force


def _caller(token_info: dict) -> dict:
    return token_info["user"]


async def get_my_permissions(token_info: dict, **_) -> tuple[dict, int]:
    grants = current().fixtures.permissions
    role = _caller(token_info)["role"]
    every = [p["key"] for p in grants["permissions"]]
    keys = every if role == "superAdmin" else grants["roles"].get(role, [])
    return {"success": True, "data": {"permissions": list(keys), "role": role}}, 200


async def list_permissions(**_) -> tuple[dict, int]:
    catalogue = current().fixtures.permissions["permissions"]
    return {"success": True, "data": [{**p, "isSystemPermission": True} for p in catalogue]}, 200


def _nested(flat: dict) -> dict:
    tree: dict = {}
    for key, value in flat.items():
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


async def get_platform_config(format: str = "flat", includeTooltips: bool = False, **_) -> tuple[dict, int]:
    config = current().fixtures.config
    values = config.get("values", {})
    body = {"success": True, "data": values if format == "flat" else _nested(values)}
    if includeTooltips:
        body["tooltips"] = config.get("tooltips", {})
    return body, 200


# The same map under the current app's `/api/v1/` base URL (BRIEF §10, Environment).
get_platform_config_under_api_prefix = get_platform_config


def _platform_day_start(services: Services) -> str:
    return platform_day_start_utc(schedule_in_force(services).zone, services.clock.now())


PUBLIC_SETTINGS = {"platform_day_start_utc": _platform_day_start}


async def get_public_setting(key: str, **_) -> tuple[dict, int]:
    read = PUBLIC_SETTINGS.get(key)
    if read is None:
        raise ApiError(404, "NOT_FOUND", f"No public setting '{key}'; there is: {', '.join(PUBLIC_SETTINGS)}")
    return {"success": True, "data": {"key": key, "value": read(current())}}, 200


get_public_setting_under_api_prefix = get_public_setting


async def get_pool_qualifiers(**_) -> tuple[dict, int]:
    services = current()
    data = qualifier_counts(services.store.stakes.investors(), services.store.stakes.pools())
    return {"success": True, "data": data}, 200
