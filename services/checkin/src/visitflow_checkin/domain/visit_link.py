"""The visitor's own link as the tablet shows it: the page's address and a QR code of it (SVG, made
here, so the tablet needs no code of its own for it)."""

from __future__ import annotations

import segno
from pydantic import BaseModel, Field

# segno tries all eight of the standard's masks and keeps the one it scores best, about 3 ms of pure
# Python on every check-in; any of the eight is a valid code that phones read, so one is fixed.
QR_MASK = 2


class VisitLinkOut(BaseModel):
    url: str = Field(description="the visitor's own page; works until the visit ends or the day closes")
    qr_svg: str = Field(description="the same address as a QR code (an SVG data URI)")


def link_url(page_base_url: str, token: str) -> str:
    return f"{page_base_url.rstrip('/')}/v/{token}"


def visit_link(page_base_url: str, token: str) -> VisitLinkOut:
    url = link_url(page_base_url, token)
    code = segno.make(url, error="m", mask=QR_MASK, micro=False)
    return VisitLinkOut(url=url, qr_svg=code.svg_data_uri(scale=6, border=2))
