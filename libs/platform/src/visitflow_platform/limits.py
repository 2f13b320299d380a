"""How many live streams one token may hold open: a screen opens one or two, a runaway script thousands."""

from __future__ import annotations

from collections import Counter

from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import ApiError

RETRY_AFTER_S = 15  # a stream closed by its client is noticed at once; a vanished one at its next ping


class StreamLimit:
    """At most `per_subject` live streams (GET paths ending in `/stream`) open at once per token subject
    in this process; the next one gets 429 until one of them closes. A request without a valid token
    passes through: the route itself answers it with 401."""

    def __init__(self, app: ASGIApp, per_subject: int) -> None:
        self.app, self.per_subject = app, per_subject
        self.open: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        subject = _subject(scope) if _is_stream(scope) else None
        if subject is None:
            await self.app(scope, receive, send)
            return
        if self.open[subject] >= self.per_subject:
            refusal = JSONResponse(
                {
                    "error": "too_many_streams",
                    "message": f"This access token already has {self.per_subject} live streams open here; "
                    "close one (another tab or screen) and try again.",
                },
                429,
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
            await refusal(scope, receive, send)
            return
        self.open[subject] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open[subject] -= 1
            if not self.open[subject]:
                del self.open[subject]


def _is_stream(scope: Scope) -> bool:
    return scope["type"] == "http" and scope["method"] == "GET" and str(scope["path"]).endswith("/stream")


def _subject(scope: Scope) -> str | None:
    """The subject of the request's token, if it is valid (in the header, or the `access_token`
    parameter that a browser's EventSource has to use)."""
    connection = HTTPConnection(scope)
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        token = connection.query_params.get("access_token", "")
    if not token.strip():
        return None
    try:
        return str(scope["app"].state.verifier.verify(token.strip()).subject)
    except ApiError:
        return None
