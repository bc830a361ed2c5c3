"""The console's pages: the operator console at ``/``, the officer's field view at ``/field`` and the
community camera program's public page at ``/community``, built from ``web/`` by Vite into
``rtcc/web/dist`` and served from here. Nothing is fetched from outside at run time:
the Content-Security-Policy lets the pages load only from this server."""

from __future__ import annotations

import mimetypes
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)

# Leaflet positions map panes with inline styles, hence 'unsafe-inline' for styles (not for scripts).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>OpenRTCC</title></head>
<body style="background:#0b0f14;color:#e6edf3;font:18px system-ui;padding:40px">
<h1>OpenRTCC</h1><p>The console has not been built. Run <code>make web</code> (or <code>make demo</code>,
which builds it), then reload. The API works without it: <a style="color:#79c0ff" href="/docs">/docs</a>.</p>
</body></html>"""


def dist_dir() -> Path:
    return Path(str(resources.files("rtcc.web") / "dist"))


def _page(name: str, extra_headers: dict[str, str] | None = None) -> HTMLResponse:
    page = dist_dir() / name
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        **(extra_headers or {}),
    }
    if not page.is_file():
        return HTMLResponse(NOT_BUILT, status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
    return HTMLResponse(page.read_text(encoding="utf-8"), headers=headers)


@router.get("/", response_class=HTMLResponse)
async def console() -> HTMLResponse:
    return _page("index.html")


@router.get("/field", response_class=HTMLResponse)
async def field() -> HTMLResponse:
    return _page("field.html")


# The community page's addresses can hold a private token from a mail: no address is passed on to others.
COMMUNITY_HEADERS = {"Referrer-Policy": "no-referrer"}


@router.get("/community", response_class=HTMLResponse)
async def community() -> HTMLResponse:
    """The community camera program: register a camera, and the participation counts (public)."""
    return _page("community.html", COMMUNITY_HEADERS)


@router.get("/community/review", response_class=HTMLResponse)
async def community_review() -> HTMLResponse:
    """The agency's side of the program (the page asks for sign-in; the API checks each permission)."""
    return _page("community.html", COMMUNITY_HEADERS)


@router.get("/community/{view}/{token}", response_class=HTMLResponse)
async def community_link(view: str, token: str) -> HTMLResponse:
    """The links sent by mail: a registration's confirmation and an owner's footage request."""
    if view not in ("confirm", "footage"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no page /community/{view}")
    return _page("community.html", COMMUNITY_HEADERS)


@router.get("/ui/{path:path}")
async def asset(path: str) -> FileResponse:
    """Built scripts, styles and images. Their names carry a content hash, so they can be cached for good."""
    root = dist_dir().resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file() or target.suffix == ".html":
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no file {path!r}")
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    cache = "public, max-age=31536000, immutable" if "/assets/" in f"/{path}" else "no-cache"
    return FileResponse(
        target, media_type=media, headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    )
