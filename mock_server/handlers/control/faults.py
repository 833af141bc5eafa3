"""Injected faults: a slot's (fail, stuck) and a route's (status, delay, dropped connection)."""

from __future__ import annotations

from ...http.errors import ApiError
from ...http.route_faults import selector_problems
from ...http.services import Services, current


async def list_faults(**_) -> tuple[dict, int]:
    faults = current().store.faults
    return {"faults": faults.armed(), "routeFaults": [route_fault_view(f) for f in faults.routes()]}, 200


async def clear_faults(**_) -> tuple[dict, int]:
    return {"cleared": current().store.faults.clear()}, 200


ROUTE_FAULT_FIELDS = ("operationId", "method", "path", "status", "body", "delayMs", "drop", "times", "probability")


def route_fault_view(fault: dict) -> dict:
    return {"id": fault["_id"], **{k: fault[k] for k in ROUTE_FAULT_FIELDS if k in fault}}


def arm_route_fault(services: Services, body: dict) -> tuple[dict, int]:
    """The document's schema says what a route fault is (a match and an effect); this only orders a
    delay range and refuses an ``id``, which the mock sets."""
    if "id" in body:
        raise ApiError.validation(["id: set by the mock; leave it out"])
    problems = selector_problems(body, services.routes, services.operations)
    if problems:  # well-formed, naming what is not there: 404, as a token for an unknown identity is
        raise ApiError(404, "NOT_FOUND", f"Nothing to fault: {'; '.join(problems)}")
    fault = {k: body[k] for k in ROUTE_FAULT_FIELDS if k in body}
    if isinstance(fault.get("delayMs"), list):
        fault["delayMs"] = sorted(fault["delayMs"])
    fault.setdefault("times", None)
    return route_fault_view(services.store.faults.add_route(fault)), 201


FAULT_ERRORS = {
    "fail": "Simulated failure of slot {} (injected through /__mock/faults)",
    "stuck": "Simulated crash: slot {}'s worker died before paying (injected through /__mock/faults)",
    "stuck-after-payment": "Simulated crash: slot {}'s worker died after paying (injected through /__mock/faults)",
}


async def inject_fault(body: dict, **_) -> tuple[dict, int]:
    services = current()
    if "slotNumber" not in body:
        return arm_route_fault(services, body)
    effect = body.get("effect", "fail")
    number = body["slotNumber"]
    fault = {
        "slotNumber": number,
        "times": body.get("times", 1),
        "effect": effect,
        "error": body.get("error") or FAULT_ERRORS[effect].format(number),
    }
    services.store.faults.add(number, fault["times"], fault["error"], effect)
    return fault, 201
