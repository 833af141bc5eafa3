"""Builds the Connexion app from both documents: routes, validation, errors, CORS, Swagger UI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from connexion import AsyncApp
from connexion.middleware import MiddlewarePosition
from connexion.resolver import Resolver
from pymongo.database import Database

from .domain.timezones import Catalogue
from .engine.clock import Clock
from .engine.runner import Runner
from .handlers import handlers_of
from .handlers.control.page import favicon
from .http import errors
from .http.document_check import checked_once
from .http.guard import GuardMiddleware
from .http.journal import Journal
from .http.middleware.access_log import AccessLogMiddleware
from .http.middleware.body import BodyMiddleware
from .http.middleware.cors import CORS
from .http.middleware.journal import JournalMiddleware
from .http.middleware.services import ServicesMiddleware
from .http.route_faults import RouteFaultMiddleware
from .http.routes import METHODS, Routes
from .http.services import Services, operation_rules
from .http.validation import VALIDATORS
from .resources import CONTRACT, CONTROL
from .settings import Settings
from .state.fixtures import load, read_yaml
from .state.state_file import StateFile
from .state.store import Store, connect

log = logging.getLogger("mock_server")

CONTROL_BASE = "/__mock"
CORS_METHODS = [*(method.upper() for method in METHODS), "OPTIONS"]
CORS_HEADERS = ["Authorization", "Content-Type", "X-2FA-Code"]


def with_security_handler(contract: dict) -> dict:
    """The published contract names no mock internals: the bearer scheme's handler is set here."""
    contract["components"]["securitySchemes"]["bearerAuth"]["x-bearerInfoFunc"] = "mock_server.http.auth.bearer_info"
    return contract


def build_services(
    settings: Settings, contract: dict, routes: Routes, clock: Clock | None = None, db: Database | None = None
) -> Services:
    fixtures = load(settings.fixtures_dir, settings.profile)
    clock = clock or Clock(settings.start_time, frozen=settings.frozen)
    store = Store(db if db is not None else connect(settings.mongo_uri, settings.database))
    state_file = StateFile(settings.state_file, store, clock) if settings.state_file else None
    if state_file is not None and state_file.exists():
        state_file.load(with_clock=settings.start_time is None)  # the clock it was saved with, unless told
        if settings.frozen:
            clock.freeze()
    elif store.is_empty():  # a MongoDB that holds state is used as it is (reset on purpose: /__mock/reset)
        store.reset(fixtures)
    return Services(
        settings=settings,
        clock=clock,
        store=store,
        fixtures=fixtures,
        catalogue=Catalogue.from_fixture(fixtures.timezones),
        runner=Runner(clock, store),
        operations=operation_rules(contract),
        routes=routes,
        journal=Journal(settings.journal_size),
        state_file=state_file,
    )


def _ticker(services: Services):
    """In real-time mode, run due slots as the wall clock passes them."""

    @contextlib.asynccontextmanager
    async def lifespan(_app) -> AsyncIterator[None]:
        async def tick() -> None:
            while True:
                await asyncio.sleep(services.settings.tick_seconds)
                if not services.clock.frozen:
                    try:
                        services.runner.catch_up()
                        services.persist()
                    except Exception:  # keep ticking; the error is in the log
                        log.exception("real-time catch-up failed")

        task = asyncio.create_task(tick())
        try:
            yield
        finally:
            task.cancel()

    return lifespan


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, db: Database | None = None) -> AsyncApp:
    settings = settings or Settings()
    contract = with_security_handler(read_yaml(CONTRACT))
    control = read_yaml(CONTROL)
    routes = Routes([("", contract), (CONTROL_BASE, control)])
    services = build_services(settings, contract, routes, clock, db)

    app = AsyncApp(__name__, lifespan=_ticker(services))
    resolver = Resolver(function_resolver=handlers_of(contract, control).__getitem__)
    with checked_once():
        for document, base_path, name in ((control, CONTROL_BASE, "control"), (contract, "", "contract")):
            app.add_api(
                document,
                base_path=base_path,
                resolver=resolver,
                validator_map=VALIDATORS,
                validate_responses=settings.validate_responses,
                name=name,
            )
    app.add_url_rule("/favicon.ico", "favicon", favicon, methods=["GET", "HEAD"])  # not a contract route
    errors.install(app, routes)
    app.add_middleware(
        CORS,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        allow_origins=list(settings.origins),
        allow_credentials=True,
        allow_methods=CORS_METHODS,
        allow_headers=CORS_HEADERS,
        max_age=600,
    )
    if settings.log_requests:
        app.add_middleware(AccessLogMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(JournalMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services)
    app.add_middleware(
        RouteFaultMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services, latency=settings.latency
    )
    # In this order, outermost first: who may ask, then the services and due work, then the body.
    app.add_middleware(GuardMiddleware, position=MiddlewarePosition.BEFORE_ROUTING, settings=settings, routes=routes)
    app.add_middleware(ServicesMiddleware, position=MiddlewarePosition.BEFORE_ROUTING, services=services)
    app.add_middleware(BodyMiddleware, position=MiddlewarePosition.BEFORE_ROUTING, max_body=settings.max_body)
    app.services = services  # for tests and the CLI
    return app
