"""What every service's HTTP side has: health, readiness, metrics, clear errors, limits, headers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Collection, Mapping
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sse_starlette import ServerSentEvent
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .apidocs import install_api_docs
from .auth import PUBLIC, Authenticate, TokenVerifier
from .errors import ApiError, error_body
from .heap import freeze_startup_objects, keep_survivors_frozen
from .http_protocol import bounded_http, unchecked_versions
from .kafka import BrokerUnavailable
from .limits import StreamLimit
from .live import Frame
from .live_stream import LiveStream
from .logs import configure_logging
from .privacy import personal_data_in_body, personal_data_in_request
from .settings import ServiceSettings

log = logging.getLogger(__name__)
Check = Callable[[], Awaitable[bool]]


def _field_message(error: Mapping[str, Any]) -> str:
    place = [p for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
    if error.get("type") == "extra_forbidden" and place:
        place[-1] = "(unknown field)"  # its name is the caller's, not the API's: it is not quoted back
    return f"{'.'.join(str(p) for p in place) or 'request'}: {error.get('msg', 'invalid')}"


class BodyLimit:
    """Refuses bodies larger than `limit` bytes with 413, whether or not Content-Length is honest. The
    body is read whole here, before the API sees any of it (so a chunked body over the limit is a 413,
    not a parse error), and handed on in one piece."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        try:
            if declared.isdigit() and int(declared) > self.limit:
                raise _TooLarge
            body = await read_body(receive, self.limit)
        except _TooLarge:
            refusal = ApiError(413, "body_too_large", f"The request body is larger than {self.limit} bytes.")
            await refusal.response()(scope, receive, send)
            return
        except ClientDisconnect:
            return
        await self.app(scope, replay(body, receive), send)


class _TooLarge(Exception):
    pass


async def read_body(receive: Receive, limit: int | None = None) -> bytes:
    """The whole request body; `_TooLarge` beyond `limit` bytes, `ClientDisconnect` if the client left."""
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise _TooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for the app inside: the body already read comes first, in one piece."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


class RefusePersonalData:
    """Refuses with 422 a request whose path, parameters, headers or JSON body look like they hold a
    national identity number or a phone number (`privacy`), so that none reaches an event, a log line or
    an error message. `phone_fields` names the body fields that may hold a phone number ("sms.phone").
    It sits inside `BodyLimit`, which bounds the body it reads."""

    def __init__(self, app: ASGIApp, phone_fields: Collection[str] = ()) -> None:
        self.app, self.phone_fields = app, frozenset(phone_fields)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive)
        except ClientDisconnect:
            return
        place = personal_data_in_request(scope["path"], scope["query_string"], scope["headers"]) or (
            personal_data_in_body(body, self.phone_fields) if body else None
        )
        if place is not None:
            refusal = ApiError(
                422,
                "personal_data",
                f"{place} looks like it holds a national identity number or a phone number. "
                "Visitflow does not take personal data there; leave it out and try again.",
            )
            await refusal.response()(scope, receive, send)
            return
        await self.app(scope, replay(body, receive), send)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
}


_SECURITY_RAW = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


class Observe:
    """Times each request (live streams excepted) and adds the security headers a response lacks.

    Plain ASGI: starlette's `@app.middleware("http")` runs every request through an extra task and
    memory stream, a noticeable share of an API's CPU under load."""

    def __init__(self, app: ASGIApp, latency: Histogram, service: str) -> None:
        self.app, self.latency, self.service = app, latency, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _SECURITY_RAW if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")  # the router notes the route in scope
            if not path.endswith("/stream"):
                elapsed = time.perf_counter() - started
                method = scope["method"] if scope["method"] in _METHODS else "other"  # a client's word
                self.latency.labels(self.service, method, path, str(status)).observe(elapsed)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def install_common(
    app: FastAPI,
    settings: ServiceSettings,
    registry: CollectorRegistry,
    checks: Mapping[str, Check],
    phone_fields: Collection[str] = (),
    link_paths: str | None = None,
) -> None:
    """Adds /healthz, /readyz, /metrics, error handlers and the edge every request passes, outermost
    first: Observe (timing, security headers on every answer), CORS, Authenticate (before anything
    reads the body), BodyLimit, RefusePersonalData (`phone_fields`: the JSON body fields that may hold
    a phone number, as "sms.phone"; `link_paths`: the prefix of the routes a visit link opens),
    StreamLimit."""
    latency = Histogram(
        "visitflow_http_request_duration_seconds",
        "HTTP request duration",
        ["service", "method", "route", "status"],
        registry=registry,
        buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    )

    app.add_middleware(StreamLimit, per_subject=settings.live_streams_per_subject)
    # each middleware added wraps those added before it
    app.add_middleware(RefusePersonalData, phone_fields=phone_fields)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.state.verifier = verifier = TokenVerifier(settings)
    app.state.live_streams_ending = asyncio.Event()  # set by `serve` when the server is asked to stop
    app.add_middleware(Authenticate, verifier=verifier, link_paths=link_paths)
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "X-Device-Id",
                "Last-Event-ID",
            ],
            max_age=600,
        )
    app.add_middleware(Observe, latency=latency, service=settings.service_name)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_field_message(error) for error in exc.errors()]
        return JSONResponse(
            error_body(
                "invalid_request", "The request is not valid: " + "; ".join(problems[:5]), problems=problems
            ),
            422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(BrokerUnavailable)
    async def unavailable(_: Request, exc: BrokerUnavailable) -> JSONResponse:
        return JSONResponse(
            error_body(
                "unavailable",
                "The event store did not confirm in time; nothing was recorded. Try again in a few seconds.",
            ),
            503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(RedisConnectionError)
    @app.exception_handler(RedisTimeoutError)
    async def overloaded(request: Request, exc: Exception) -> JSONResponse:
        # no free connection in the pool within its wait, no answer within the socket timeout, or
        # Redis away. The request may have been published before: a retry with the same
        # Idempotency-Key is the same event, which the workers apply once
        route = getattr(request.scope.get("route"), "path", "unmatched")
        log.warning("redis did not answer in time", extra={"route": route, "error": type(exc).__name__})
        return JSONResponse(
            error_body(
                "overloaded",
                "The service is too busy to answer right now. Try again in a few seconds with the same "
                "request and Idempotency-Key; nothing is recorded twice.",
            ),
            503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        # the route's template, not the path: a path may hold what the edge refuses to keep
        route = getattr(request.scope.get("route"), "path", "unmatched")
        log.exception("unhandled error", extra={"route": route})
        # answered outside every middleware (starlette's last resort), so the headers are added here
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side."), 500, headers=SECURITY_HEADERS
        )

    @app.get("/healthz", tags=["operations"], summary="The process is alive", dependencies=[PUBLIC])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get(
        "/readyz",
        dependencies=[PUBLIC],
        tags=["operations"],
        summary="Kafka and Redis reachable, consumers assigned",
        responses={503: {"description": "not ready"}},
    )
    async def readyz() -> JSONResponse:
        results = await asyncio.gather(*(_safe(check) for check in checks.values()))
        status = dict(zip(checks, results, strict=True))
        ready = all(results)
        return JSONResponse({"ready": ready, "checks": status}, 200 if ready else 503)

    @app.get(
        "/api/clock",
        tags=["operations"],
        summary="The system's clock (simulated in demos)",
        dependencies=[PUBLIC],
    )
    async def clock() -> dict[str, object]:
        return {"now": settings.clock.now().isoformat(), "speed": settings.clock_speed}

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        dependencies=[PUBLIC],
        response_class=PlainTextResponse,
    )
    async def metrics() -> Response:
        return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    install_api_docs(app, settings)


async def _safe(check: Check) -> bool:
    try:
        return await asyncio.wait_for(check(), 2.0)
    except Exception:
        return False


def live_response(events: AsyncIterable[Frame | ServerSentEvent]) -> LiveStream:
    """A live stream as server-sent events, with a keep-alive comment every 15 s."""
    return LiveStream(events)


def server_config(app: FastAPI, settings: ServiceSettings) -> uvicorn.Config:
    """How uvicorn runs an API: its timeouts and its bounds on connections and requests."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=3,
        # longer than any client's or proxy's idle keep-alive (aiohttp 15 s, browsers and load balancers
        # up to 60 s), so the client closes an idle connection, never the server just as a request goes
        # out on it (uvicorn's 5 s lost such check-ins to "connection reset";
        # docs/decisions/process-runtime.md)
        timeout_keep_alive=75,
        http=bounded_http(settings.max_header_bytes, settings.request_read_timeout_s),
        limit_concurrency=settings.max_connections,
        backlog=settings.listen_backlog,
        lifespan="on",
    )


async def end_live_streams_on_exit(app: FastAPI, server: uvicorn.Server) -> None:
    """Live streams never end by themselves: once the server is asked to stop, every one is ended, so
    the server does not wait its graceful-shutdown timeout for them and then cancel them."""
    while not server.should_exit:  # noqa: ASYNC110 (uvicorn has no event for it)
        await asyncio.sleep(0.5)
    ending = getattr(app.state, "live_streams_ending", None)
    if ending is not None:
        ending.set()


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Runs the API until SIGTERM or SIGINT; uvicorn drains requests and runs the lifespan's shutdown."""
    configure_logging(settings.service_name, settings.log_level)
    if unchecked := unchecked_versions():
        log.warning("the HTTP protocol adapter was not checked with these versions", extra=unchecked)
    config = server_config(app, settings)
    freeze_startup_objects()
    server = uvicorn.Server(config)

    async def run() -> None:
        upkeep = asyncio.create_task(keep_survivors_frozen())
        ending = asyncio.create_task(end_live_streams_on_exit(app, server))
        try:
            await server.serve()
        finally:
            upkeep.cancel()
            ending.cancel()

    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(run())
