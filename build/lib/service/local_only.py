"""Without API keys the service is for this machine only, and a web page open in this machine's browser
must not use it: `LocalOnlyMiddleware` refuses foreign `Host` names (DNS rebinding) and cross-origin
writes (forms and no-cors fetches of any page). With keys it is not installed: a page cannot send the
`Authorization` header cross-origin without a CORS preflight, which the service never grants."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import send_json
from .settings import is_loopback_host_header

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_loopback_origin(origin: str) -> bool:
    """`http(s)://localhost|127.x.x.x|[::1][:port]`; "null" (sandboxed frames, file: pages) is not."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and is_loopback_host_header(parts.netloc)


class LocalOnlyMiddleware:
    """421 for a `Host` that does not name this machine; 403 for a write (any method but GET, HEAD,
    OPTIONS) whose `Origin` is another machine's page or whose `Sec-Fetch-Site` is `cross-site`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        host = headers.get("host")
        if not is_loopback_host_header(host):
            await send_json(
                send,
                421,
                f"Host {host or '(none)'!r} is not this machine: without API keys the service answers "
                "only to localhost, 127.0.0.1 or [::1] (set KFD_API_KEYS to serve other names)",
            )
            return
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            cross_site = headers.get("sec-fetch-site", "").strip().lower() == "cross-site"
            if cross_site or (origin is not None and not is_loopback_origin(origin)):
                await send_json(
                    send,
                    403,
                    f"cross-origin {scope['method']} refused (Origin {origin or '(none)'!r}): without API "
                    "keys only programs on this machine and the service's own pages may write",
                )
                return
        await self.app(scope, receive, send)
