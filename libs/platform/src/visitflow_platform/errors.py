"""The one exception an API raises to refuse a request: a status, a stable code, a sentence."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, **extra}


class ApiError(Exception):
    """A refusal with a status, a stable code and a sentence a person understands. The sentence never
    quotes the request: what a caller sent may be personal data."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra
        self.headers = headers

    def response(self) -> JSONResponse:
        """The refusal as an answer (also an ASGI app, for middleware that refuses before the API)."""
        return JSONResponse(
            error_body(self.code, self.message, **self.extra), self.status, headers=self.headers
        )
