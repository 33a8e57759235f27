"""HTTP glue that domain entry points share, knowing no domain.

The composition root (``ecociv.web``) puts the database, the template renderer and the actor
resolver on ``app.state``; domain ``api.py`` / ``pages.py`` reach them only through the
dependencies below. :func:`require` is the one permission gate of every route: it resolves
the actor, checks the permission and, for a cookie-authenticated unsafe request, the CSRF
token.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Protocol
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecociv.adapters.db import Database
from ecociv.adapters.files import FileStore
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, Permission, ValidationError, can

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The largest id a row can have: ids are ``Integer`` columns, 32-bit signed on PostgreSQL.
MAX_ID = 2**31 - 1
#: The last page a list may be asked for: with at most 500 rows a page, the offset stays far
#: below any integer limit of either database.
MAX_PAGE = 1_000_000

#: A row id in a path: 1 … 2³¹−1, so a larger number is a 422 naming the parameter, never an
#: integer overflow in the database or its driver.
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="row id (1 … 2³¹−1)")]
#: A page number in a query string.
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page number (1 … 1,000,000)")]
#: A calendar year in a path.
YearPath = Annotated[int, Path(ge=1900, le=2100, description="calendar year")]
#: A calendar year in a query string; 0 (or none) for the page's default year.
YearOrDefault = Annotated[int, Query(ge=0, le=2100, description="calendar year; 0: the default")]


class Renderer(Protocol):
    def __call__(
        self, request: Request, template: str, context: Mapping[str, Any], status_code: int = 200
    ) -> HTMLResponse: ...


def get_db(request: Request) -> Database:
    """The application's database."""
    db: Database = request.app.state.db
    return db


def script_json(data: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: every ``<`` escaped, so no text
    in the data (a name with ``</script>``) can end the block."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def refuse_nul_characters(request: Request) -> None:
    """Refuse a path or query parameter holding a NUL character (no database text can hold
    one; PostgreSQL refuses it outright), naming the parameter."""
    named = [("path", k, v) for k, v in request.path_params.items() if isinstance(v, str)]
    named += [("query", k, v) for k, v in request.query_params.multi_items()]
    for where, name, value in named:
        if "\x00" in name or "\x00" in value:
            raise ValidationError(
                "参数含有非法字符 NUL (parameter contains a NUL character)",
                field=f"{where}.{name.replace(chr(0), '')}",
            )


def get_readings(request: Request) -> ReadingsStore:
    """The application's readings store."""
    store: ReadingsStore = request.app.state.readings
    return store


def get_actor(request: Request) -> Actor:
    """Who is calling: resolved once per request from a bearer token or the session cookie."""
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    resolver: Callable[[Request], Actor] = request.app.state.resolve_actor
    actor = resolver(request).with_request(getattr(request.state, "request_id", ""))
    request.state.actor = actor
    return actor


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def check_csrf(request: Request) -> None:
    """Refuse a cookie-authenticated unsafe request without the session's CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get("csrf", "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        given = value if isinstance(value, str) else ""
    if not expected or not hmac.compare_digest(str(expected), given):
        raise HTTPException(
            status_code=403, detail="CSRF 校验失败，请刷新页面后重试 (CSRF check failed)"
        )


def require(permission: Permission) -> Callable[..., Any]:
    """A dependency that returns the actor if it holds ``permission``.

    Anonymous callers get 401 (pages redirect to the login page), signed-in callers without
    the permission 403. Requests authenticated by the session cookie must carry the CSRF
    token on unsafe methods; bearer-token requests carry no cookie and need none.
    """

    async def dependency(request: Request, actor: Actor = Depends(get_actor)) -> Actor:
        if actor.is_authenticated and not actor.via_token:
            await check_csrf(request)
        if not can(actor, permission):
            if not actor.is_authenticated:
                raise HTTPException(status_code=401, detail="请先登录 (sign-in required)")
            raise HTTPException(status_code=403, detail="无权访问 (forbidden)")
        return actor

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page through the application's renderer (layout, locale, navigation)."""
    renderer: Renderer = request.app.state.render
    return renderer(request, template, context or {}, status_code)


def redirect(url: str) -> RedirectResponse:
    """After a successful form post: see-other to a page."""
    return RedirectResponse(url, status_code=303)


def redirect_back(path: str, query: str, allowed: Sequence[str]) -> RedirectResponse:
    """After a form post from a filtered list: back to ``path`` with the list's own filters
    (the query string the form carried), and nothing else from it."""
    kept = [(k, v) for k, v in parse_qsl(query) if k in allowed]
    return redirect(path + (f"?{urlencode(kept)}" if kept else ""))


def flash(request: Request, message: str, kind: str = "success") -> None:
    """A one-time message shown on the next page."""
    request.session.setdefault("flash", []).append({"kind": kind, "message": message})


def file_store(request: Request) -> FileStore:
    """The application's store of uploaded files."""
    store: FileStore = request.app.state.files
    return store


def download(data: bytes, filename: str, content_type: str) -> Response:
    """A file download with a UTF-8 file name (Chinese names survive every browser)."""
    return Response(
        data,
        media_type=content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
