"""The API's own documentation: an OpenAPI document that says how to authenticate, which roles may call
each operation and every answer it can give, and Swagger UI to read it, served from the service's own
origin so that its strict Content-Security-Policy holds (`VISITFLOW_API_DOCS`; off in production)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Route
from swagger_ui_bundle import swagger_ui_path

from .auth import VISIT_LINK, declared_action, declared_roles
from .settings import ServiceSettings

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
# Swagger UI's files that the page loads, from the swagger-ui-bundle-v2 package (swagger-ui-dist's files)
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
ERROR = "#/components/schemas/Error"
ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "description": "Every refusal and error has this shape; some say more (`alternatives`, `retry_at`).",
    "properties": {
        "error": {"type": "string", "description": "a stable code, e.g. `forbidden`, `unknown_office`"},
        "message": {"type": "string", "description": "what went wrong, for a person"},
        "problems": {
            "type": "array",
            "items": {"type": "string"},
            "description": "422 for invalid input: each field and what is wrong with it",
        },
    },
    "required": ["error", "message"],
}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token of the organisation's identity provider (docs/SECURITY.md).",
    },
    "access_token": {
        "type": "apiKey",
        "in": "query",
        "name": "access_token",
        "description": "The same token as a parameter, for live streams (a browser's EventSource sends no "
        "headers).",
    },
}
FASTAPI_422 = "Validation Error"  # FastAPI's own 422, which describes another shape than ours
# Answers the platform gives for any operation they apply to (a route may describe its own instead).
UNAUTHENTICATED = "no access token, or one that is expired or not valid"
FORBIDDEN = "the token's role may not do this, or not for this office or region"
TOO_LARGE = "the request body is larger than the limit (VISITFLOW_MAX_BODY_BYTES)"
INVALID = (
    "the request is not valid (`problems` names each field), or looks like it holds personal data "
    "(`personal_data`, on any request)"
)
UNAVAILABLE = (
    "the service is overloaded or cannot reach what it needs; try again after Retry-After, a write with "
    "the same Idempotency-Key (it is never recorded twice)"
)
NOT_FOUND = {"office_id": "there is no such office", "region_id": "there is no such region"}
LINK_UNKNOWN = "`unknown_link`: the link was never given, was withdrawn or is past its day"
LINK_ENDED = "`link_ended`: the visit the link belonged to is over"
LINK_TOO_MANY = "`too_many_requests` or `too_many_streams` with this link"
BAD_KEY = "the Idempotency-Key header is not a valid key"
TOO_MANY = (
    "too many requests: over a rate limit, or after repeated tokens that are not valid from this "
    "address; wait for Retry-After"
)
TOO_MANY_STREAMS = (
    "this token already holds its limit of open live streams here, or this address sent repeated tokens "
    "that are not valid; wait for Retry-After"
)


def install_api_docs(app: FastAPI, settings: ServiceSettings) -> None:
    """Replaces FastAPI's documentation routes (CDN assets, always on) by this module's."""
    default_docs = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    app.router.routes[:] = [
        route
        for route in app.router.routes
        if not (type(route) is Route and route.path in default_docs)  # FastAPI's own, not the services'
    ]
    app.openapi_url = app.docs_url = app.redoc_url = app.swagger_ui_oauth2_redirect_url = None
    app.openapi = _completed(app, app.openapi)  # type: ignore[method-assign]
    if not settings.serves_api_docs:
        return
    app.openapi_url = OPENAPI_URL

    async def openapi(_: Request) -> JSONResponse:
        return JSONResponse(app.openapi())

    async def swagger_ui(request: Request) -> HTMLResponse:
        html, policy = _swagger_page(app.title, request.scope.get("root_path", "").rstrip("/"))
        return HTMLResponse(html, headers={"Content-Security-Policy": policy, "Cache-Control": "no-cache"})

    app.add_route(OPENAPI_URL, openapi, include_in_schema=False)
    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    for name in ASSETS:
        app.add_route(f"{DOCS_URL}/{name}", _asset(name), include_in_schema=False)


def _asset(name: str) -> Callable[[Request], Awaitable[FileResponse]]:
    async def asset(_: Request) -> FileResponse:
        return FileResponse(Path(str(swagger_ui_path)) / name, media_type=ASSETS[name])

    return asset


@lru_cache(maxsize=8)
def _swagger_page(title: str, root: str) -> tuple[str, str]:
    """Swagger UI's page by FastAPI's own helper, with every asset from this origin, and the policy
    that allows exactly the page's inline start-up script (by its hash) and no other."""
    page = get_swagger_ui_html(
        openapi_url=root + OPENAPI_URL,
        title=f"{title} - API",
        swagger_js_url=f"{root}{DOCS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{DOCS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{DOCS_URL}/favicon-32x32.png",
        # no spec validator badge: it would send the document's address to swagger.io
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body).decode()
    hashes = " ".join(f"'sha256-{_sha256(script)}'" for script in _inline_scripts(html))
    policy = (
        f"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        f"script-src 'self' {hashes}; frame-ancestors 'none'"
    )
    return html, policy


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def _inline_scripts(html: str) -> list[str]:
    """The text of every <script> without a `src` in a page, as a browser hashes it."""
    parser = _InlineScripts()
    parser.feed(html)
    parser.close()
    return parser.scripts


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inline = tag == "script" and "src" not in dict(attrs)
        if self._inline:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inline = False

    def handle_data(self, data: str) -> None:
        if self._inline:
            self.scripts[-1] += data


# --- the OpenAPI document ----------------------------------------------------------------------------------
def _completed(app: FastAPI, generate: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            declare_access_and_answers(schema, app)
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


def declare_access_and_answers(schema: dict[str, Any], app: FastAPI) -> None:
    """Completes FastAPI's document from the routes: the bearer scheme, each operation's security and
    roles (`x-roles`), and the answers the platform gives whatever the route: 400, 401, 403, 404, 413,
    422, 429 and 503 where they apply, 4xx in the `Error` shape. What a route declares itself is kept."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's shape, not the one we answer in
        schemas.pop(name, None)
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        path = str(context.path_format)
        for method in context.methods or ():
            operation = schema["paths"].get(path, {}).get(method.lower())
            if operation is not None:
                by_link = declared_action(context) == VISIT_LINK
                _complete(operation, declared_roles(context), path, method, by_link)


def _complete(operation: dict[str, Any], roles: Any, path: str, method: str, by_link: bool = False) -> None:
    answers: dict[str, Any] = operation.setdefault("responses", {})
    stream = method == "GET" and path.endswith("/stream")
    parameters = operation.get("parameters", [])
    if by_link:  # the visit link in the path is the credential
        operation["security"] = []
        _answer(answers, 404, LINK_UNKNOWN)
        _answer(answers, 410, LINK_ENDED)
        _answer(answers, 429, LINK_TOO_MANY)
    elif roles is None:
        operation["security"] = []  # public on purpose
    elif isinstance(roles, frozenset):
        operation["security"] = [{"bearer": []}, {"access_token": []}] if stream else [{"bearer": []}]
        operation["x-roles"] = sorted(role.value for role in roles)
        _answer(answers, 401, UNAUTHENTICATED)
        _answer(answers, 403, FORBIDDEN)
        _answer(answers, 429, TOO_MANY_STREAMS if stream else TOO_MANY)
    if any(p["in"] == "header" and p["name"].lower() == "idempotency-key" for p in parameters):
        _answer(answers, 400, BAD_KEY)
    for parameter in parameters:
        if parameter["in"] == "path" and parameter["name"] in NOT_FOUND:
            _answer(answers, 404, NOT_FOUND[parameter["name"]])
    if "requestBody" in operation:
        _answer(answers, 413, TOO_LARGE)
    if answers.get("422", {}).get("description", FASTAPI_422) == FASTAPI_422:
        answers["422"] = {"description": INVALID, "content": _error_content()}
    answers.setdefault("503", {"description": UNAVAILABLE})  # its body is not always JSON: no schema
    for status, answer in answers.items():
        if status.startswith("4"):
            answer.setdefault("content", _error_content())


def _answer(answers: dict[str, Any], status: int, description: str) -> None:
    answers.setdefault(str(status), {"description": description})


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": ERROR}}}
