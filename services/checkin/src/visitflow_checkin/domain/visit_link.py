"""The visitor's own link as the tablet shows it: the page's address. The tablet draws its QR code
itself (services/queue web/tablet.js), so a check-in spends no CPU on it."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VisitLinkOut(BaseModel):
    url: str = Field(description="the visitor's own page; works until the visit ends or the day closes")


def link_url(page_base_url: str, token: str) -> str:
    return f"{page_base_url.rstrip('/')}/v/{token}"


def visit_link(page_base_url: str, token: str) -> VisitLinkOut:
    return VisitLinkOut(url=link_url(page_base_url, token))
