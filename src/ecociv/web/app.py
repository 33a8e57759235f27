"""The application factory: settings → database → middleware → routers → error mapping."""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecociv import __version__, orgs, users
from ecociv.adapters.db import Database
from ecociv.adapters.files import FileStore
from ecociv.adapters.http import is_api, refuse_nul_characters
from ecociv.adapters.readings import ReadingsStore
from ecociv.assessment import api as assessment_api
from ecociv.assessment import pages as assessment_pages
from ecociv.audit import api as audit_api
from ecociv.audit import pages as audit_pages
from ecociv.config import Settings, get_settings
from ecociv.indicators import api as indicators_api
from ecociv.indicators import pages as indicators_pages
from ecociv.kernel import PUBLIC_ACTOR, ROLE_NAMES, Actor, EcocivError, Role
from ecociv.kernel.clock import to_local
from ecociv.kernel.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from ecociv.monitoring import api as monitoring_api
from ecociv.monitoring import pages as monitoring_pages
from ecociv.orgs import api as orgs_api
from ecociv.orgs import pages as orgs_pages
from ecociv.sources import api as sources_api
from ecociv.sources import pages as sources_pages
from ecociv.users import api as users_api
from ecociv.users import pages as users_pages
from ecociv.waste import api as waste_api
from ecociv.waste import pages as waste_pages
from ecociv.web import pages as shell_pages
from ecociv.web.i18n import LOCALE_NAMES, LOCALES, gettext_for
from ecociv.web.middleware import BodySizeLimitMiddleware, CacheControlMiddleware
from ecociv.web.nav import visible_nav

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

ERROR_STATUS: dict[type[EcocivError], int] = {
    ValidationError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    PermissionDeniedError: 403,
    AuthenticationError: 401,
}


class RequestIdMiddleware:
    """Give every request an id (the caller's X-Request-ID if well-formed) and echo it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"x-frame-options", b"DENY"))
                headers.append((b"referrer-policy", b"same-origin"))
                headers.append(
                    (
                        b"content-security-policy",
                        b"default-src 'self'; img-src 'self' data:; "
                        b"style-src 'self' 'unsafe-inline'; script-src 'self'; "
                        b"frame-ancestors 'none'; form-action 'self'",
                    )
                )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _resolver(db: Database, settings: Settings) -> Any:
    """The actor of a request: a bearer token (one SHA-256 and one indexed read), or the
    session cookie's id looked up in ``user_session`` (one indexed read). ``get_actor`` is a
    sync dependency, so this runs in the thread pool, off the event loop."""
    idle = timedelta(minutes=settings.session_idle_minutes)

    def resolve(request: Request) -> Actor:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            account = users.account_for_token(db, authorization[7:].strip())
            return users.actor_of(account, via_token=True) if account else PUBLIC_ACTOR
        session_id = request.session.get("sid")
        if isinstance(session_id, str):
            account = users.account_for_session(db, session_id, idle=idle)
            if account is not None:
                return users.actor_of(account)
        if "sid" in request.session or "uid" in request.session:
            lang = request.session.get("lang")
            request.session.clear()
            if lang:
                request.session["lang"] = lang
        return PUBLIC_ACTOR

    return resolve


def locale_of(request: Request, default: str) -> str:
    chosen = request.session.get("lang") if "session" in request.scope else None
    return chosen if chosen in LOCALES else default


def _here(request: Request) -> str:
    """This page's path and query, to come back to after signing in or switching language."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _plain_number(value: object) -> object:
    """Numbers as people write them: 8 not 8.0, at most four decimals, no exponent."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return value


def _format_instant(value: datetime | None) -> str:
    return "" if value is None else to_local(value).strftime("%Y-%m-%d %H:%M:%S")


def _make_renderer(settings: Settings) -> Any:
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("ecociv.web", "templates"),
                PackageLoader("ecociv.orgs", "templates"),
                PackageLoader("ecociv.audit", "templates"),
                PackageLoader("ecociv.users", "templates"),
                PackageLoader("ecociv.indicators", "templates"),
                PackageLoader("ecociv.assessment", "templates"),
                PackageLoader("ecociv.monitoring", "templates"),
                PackageLoader("ecociv.sources", "templates"),
                PackageLoader("ecociv.waste", "templates"),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = _format_instant
    env.filters["num"] = _plain_number
    named = {
        "role": {k.value: v for k, v in ROLE_NAMES.items()},
        "zone": {k.value: v for k, v in orgs.FUNCTION_ZONE_NAMES.items()},
        "tag": {k.value: v for k, v in orgs.TAG_NAMES.items()},
    }

    def render(
        request: Request, template: str, context: Mapping[str, Any], status_code: int = 200
    ) -> HTMLResponse:
        from ecociv.adapters.http import get_actor

        locale = locale_of(request, settings.default_locale)
        actor = get_actor(request)
        index = 0 if locale == "zh_CN" else 1

        def name_of(kind: str, value: object) -> str:
            """The Chinese or English name of a role, zone or tag value."""
            key = value.value if isinstance(value, Role | orgs.FunctionZone) else str(value)
            pair = named[kind].get(key)
            return pair[index] if pair else key

        if "csrf" not in request.session:
            request.session["csrf"] = secrets.token_urlsafe(32)
        flashes = request.session.pop("flash", [])
        body = env.get_template(template).render(
            request=request,
            actor=actor,
            _=gettext_for(locale),
            locale=locale,
            locales=LOCALE_NAMES,
            nav=visible_nav(actor),
            csrf_token=request.session["csrf"],
            flashes=flashes,
            version=__version__,
            path=request.url.path,
            here=_here(request),
            zh=locale == "zh_CN",
            name_of=name_of,
            **context,
        )
        return HTMLResponse(body, status_code=status_code)

    return render


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Build the application. Tests pass their own settings and database."""
    settings = settings or get_settings()
    db = db or Database(
        settings.database_url,
        audit_key=settings.audit_key,
        audit_previous_keys=settings.audit_old_keys,
    )
    app = FastAPI(
        title="ecociv API",
        version=__version__,
        description="生态文明建设示范市平台 API · Ecological-civilization platform API",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below from the vendored Swagger UI (no CDN, no inline script)
        redoc_url=None,
        dependencies=[Depends(refuse_nul_characters)],
    )
    app.state.settings = settings
    app.state.db = db
    app.state.resolve_actor = _resolver(db, settings)
    app.state.render = _make_renderer(settings)
    app.state.login_policy = users.LoginPolicy(
        max_failures=settings.login_max_failures,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
        address_max_failures=settings.login_address_max_failures,
        address_window=timedelta(minutes=settings.login_address_window_minutes),
        session_lifetime=timedelta(seconds=settings.session_max_age_seconds),
        session_idle=timedelta(minutes=settings.session_idle_minutes),
    )
    app.state.files = FileStore(settings.var_dir / "uploads")
    app.state.readings = ReadingsStore(settings.var_dir / "readings.duckdb")
    app.state.audit_checkpoints = settings.audit_checkpoint_file

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="ecociv_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=bool(settings.cookie_secure),
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(CacheControlMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_upload_mb * 1024 * 1024)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/api/v1/docs", api_docs, include_in_schema=False)

    for router in (
        shell_pages.router,
        users_pages.router,
        users_api.router,
        orgs_pages.router,
        orgs_api.router,
        audit_pages.router,
        audit_api.router,
        indicators_pages.router,
        indicators_api.router,
        assessment_pages.router,
        assessment_api.router,
        monitoring_api.router,
        monitoring_pages.router,
        sources_api.router,
        sources_pages.router,
        waste_api.router,
        waste_pages.router,
    ):
        app.include_router(router)

    _install_error_handlers(app, settings)
    return app


API_DOCS_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>ecociv API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/api/v1/openapi.json"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/api_docs.js"></script>
</body>
</html>
"""


def api_docs() -> HTMLResponse:
    """The API reference: the vendored Swagger UI, started by a static script (the CSP
    allows scripts from this site only)."""
    return HTMLResponse(API_DOCS_PAGE)


def _error_body(exc: EcocivError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    if isinstance(exc, ValidationError):
        body["errors"] = exc.errors
    return body


def _install_error_handlers(app: FastAPI, settings: Settings) -> None:
    def page_error(request: Request, status: int, message: str) -> Response:
        render = request.app.state.render
        response: Response = render(
            request, "error.html", {"status": status, "message": message}, status
        )
        return response

    @app.exception_handler(EcocivError)
    async def domain_error(request: Request, exc: EcocivError) -> Response:
        status = next((code for kind, code in ERROR_STATUS.items() if isinstance(exc, kind)), 400)
        if is_api(request):
            return JSONResponse(_error_body(exc), status_code=status)
        return page_error(request, status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request):
            headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=headers
            )
        if exc.status_code == 401:
            target = quote(_here(request), safe="/")
            return RedirectResponse(f"/login?next={target}", status_code=303)
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = "页面不存在 (page not found)"
        return page_error(request, exc.status_code, message)

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def database_refused(request: Request, exc: Exception) -> Response:
        """A value the database cannot hold (too long, out of range, a NUL character) that
        slipped past validation: a 422, never a 500, and logged so the gap gets closed."""
        logger.warning(
            "value refused by the database on %s %s: %s",
            request.method,
            request.url.path,
            str(exc).splitlines()[0][:300],
        )
        message = "数据库无法保存该值（过长、超出范围或含非法字符） (value not storable)"
        if is_api(request):
            return JSONResponse({"detail": message, "errors": []}, status_code=422)
        return page_error(request, 422, message)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": str(err.get("msg", "")),
            }
            for err in exc.errors()
        ]
        if is_api(request):
            first = errors[0] if errors else {"field": "", "message": "invalid request"}
            return JSONResponse(
                {"detail": f"{first['field']}: {first['message']}", "errors": errors},
                status_code=422,
            )
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return page_error(request, 422, message)
