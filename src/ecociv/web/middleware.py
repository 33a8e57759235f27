"""ASGI middleware of the application: a bound on request bodies and the caching headers.

The rules are in ``docs/inputs.md`` ("Uploads" and "Caching").
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = "请求内容超过 {mb} MB 上限 (request body larger than {mb} MB)"


class BodySizeLimitMiddleware:
    """Refuse a request body over ``max_bytes`` with 413, before reading it all.

    A declared ``Content-Length`` over the limit is answered at once, without reading a byte
    of the body; a body sent without one (chunked) is counted as it streams in and refused as
    soon as the count passes the limit. The refusal is an ``HTTPException`` raised from
    ``receive``, so the application's own error handler answers (JSON for the API, a page for
    a browser) and nothing is written.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refusal(self) -> HTTPException:
        mb = f"{self.max_bytes / 1024 / 1024:g}"
        return HTTPException(status_code=413, detail=TOO_LARGE.format(mb=mb))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        too_large = declared.isdigit() and int(declared) > self.max_bytes
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            if too_large:
                raise self._refusal()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._refusal()
            return message

        await self.app(scope, counted_receive, send)


#: Headers of a response that must not be kept by a browser or a proxy.
NO_STORE = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))
#: Static files (vendored libraries, styles, images): versioned with the package, kept a day.
STATIC_CACHE = (b"cache-control", b"public, max-age=86400")
_CREDENTIALS = (b"authorization", b"cookie")


class CacheControlMiddleware:
    """``Cache-Control: no-store`` (and ``Pragma: no-cache``) on every response to a request
    that presented credentials (a bearer token or a cookie) and on every response that sets a
    cookie; static files are cacheable; other public responses keep what the route said.
    """

    def __init__(self, app: ASGIApp, static_prefix: str = "/static/") -> None:
        self.app = app
        self.static_prefix = static_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = dict(scope.get("headers") or [])
        credentials = any(request_headers.get(name) for name in _CREDENTIALS)
        static = scope.get("path", "").startswith(self.static_prefix)

        async def send_with_cache_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                sets_cookie = any(k.lower() == b"set-cookie" for k, _ in headers)
                if static and not sets_cookie:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append(STATIC_CACHE)
                elif credentials or sets_cookie:
                    replaced = (b"cache-control", b"pragma")
                    headers = [(k, v) for k, v in headers if k.lower() not in replaced]
                    headers.extend(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cache_headers)
