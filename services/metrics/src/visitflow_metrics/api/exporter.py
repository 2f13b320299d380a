"""Every office's figures of today, for Prometheus (the scraper role only; the public `/metrics` has
the service's own health)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from visitflow_platform.access import Action
from visitflow_platform.auth import require

from .dependencies import Metrics

router = APIRouter()


@router.get(
    "/metrics/offices",
    tags=["operations"],
    summary="Every office's figures of today, for Prometheus",
    response_class=PlainTextResponse,
    dependencies=[require(Action.SCRAPE_FIGURES)],
)
async def office_figures(api: Metrics) -> Response:
    return PlainTextResponse(generate_latest(api.figures), media_type=CONTENT_TYPE_LATEST)
