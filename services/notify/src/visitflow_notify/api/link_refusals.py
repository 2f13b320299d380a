"""How a link that opens nothing (`handlers.Refused`) is answered: 404 unknown, 410 over, 429 too busy;
a plain page for the visitor's page, in Norwegian or English, the usual error answer for its API."""

from __future__ import annotations

import html
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from visitflow_platform.errors import ApiError
from visitflow_platform.i18n import LANGUAGES, text

from ..handlers import Refusal, Refused

LINK_PATHS = "/api/visit/"
_ANSWERS = {
    Refusal.UNKNOWN: (404, "This link does not lead to a visit (any more).", "visitor.unknown_link"),
    Refusal.OVER: (410, "The visit this link belonged to is over.", "visitor.link_ended"),
    Refusal.TOO_MANY: (429, "Too many requests with this link; wait a minute.", "visitor.too_many"),
}


class LinkRefused(ApiError):
    """A link that opens nothing now, as an HTTP refusal."""

    def __init__(self, refused: Refused) -> None:
        status, message, self.page_text = _ANSWERS[refused.reason]
        retry = refused.retry_after_s
        super().__init__(
            status,
            refused.reason.value,
            message,
            headers={"Retry-After": str(retry)} if retry is not None else None,
        )


async def refused(request: Request, refusal: Exception) -> Any:
    """A refused link: a plain page for the page's address, the usual answer for its API."""
    assert isinstance(refusal, LinkRefused)
    if request.url.path.startswith(LINK_PATHS):
        return refusal.response()
    return refusal_page(refusal, request)


def refusal_page(refused: LinkRefused, request: Request) -> HTMLResponse:
    """A plain page saying why the link opens nothing, in the visitor's language."""
    language = _language(request)
    title, body = text("visitor.title", language), text(refused.page_text, language)
    document = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{html.escape(title)}</title><link rel="stylesheet" href="/static/common/common.css">'
        '<link rel="stylesheet" href="/static/app/visitor.css"></head>'
        f'<body class="visitor"><main><h1>{html.escape(title)}</h1>'
        f'<p class="lead" id="refusal">{html.escape(body)}</p></main></body></html>'
    )
    return HTMLResponse(
        document,
        refused.status,
        headers={
            **(refused.headers or {}),
            "Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
            "Cache-Control": "no-store",
        },
    )


def _language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    accepted = request.headers.get("accept-language", "").lower()
    return "en" if accepted.startswith("en") else "nb"
