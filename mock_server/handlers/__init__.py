"""Thin handlers, one module per tag; ``HANDLERS`` maps each operationId of both documents."""

from __future__ import annotations

import inspect

from . import admin_app, control, declarations, schedule, session, status

HANDLERS = {
    # contract.yaml
    "login": session.login,
    "logout": session.logout,
    "listTimezones": schedule.list_timezones,
    "getDistributionSchedule": schedule.get_schedule,
    "updateDistributionSchedule": schedule.update_schedule,
    "toggleDistributionSchedule": schedule.toggle_schedule,
    "getCronStatus": status.get_cron_status,
    "getCronStatusUnderApiPrefix": status.get_cron_status,
    "queueTodayDistribution": declarations.queue_today,
    "getTodayDistributionStatus": declarations.get_today_status,
    "previewDistributionSchedule": schedule.preview_schedule,
    "getMyPermissions": admin_app.my_permissions,
    "listPermissions": admin_app.list_permissions,
    "getPlatformConfig": admin_app.platform_config,
    "getPoolQualifiers": admin_app.pool_qualifiers,
    "modifyTodayDistribution": declarations.modify_today,
    "cancelTodayDistribution": declarations.cancel_today,
    # control.yaml
    "controlPage": control.control_page,
    "controlState": control.control_state,
    "getClock": control.get_clock,
    "setClock": control.set_clock,
    "advanceClock": control.advance_clock,
    "pauseClock": control.pause_clock,
    "resumeClock": control.resume_clock,
    "resetState": control.reset_state,
    "mintToken": control.mint,
    "currentTotp": control.current_totp,
    "listStakes": control.list_stakes,
    "listFaults": control.list_faults,
    "injectFault": control.inject_fault,
}

# Connexion inspects a handler's signature on every request; give every handler the answer once.
for _handler in set(HANDLERS.values()):
    _handler.__signature__ = inspect.signature(_handler)
