"""The one exception an API raises to refuse a request: a status, a stable code, a sentence."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal with a status, a stable code and a sentence a person understands."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra
        self.headers = headers
