"""An office's figures: its counters and KPIs of a day, and its daily history as CSV."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from visitflow_platform.access import Action
from visitflow_platform.auth import require
from visitflow_platform.deps import OfficeDep

from ..domain import kpis, live_view, longest_wait_s
from .dependencies import CsvResponse, Day, First, Last, Metrics, csv_response

router = APIRouter(prefix="/api/offices/{office_id}")


@router.get(
    "/footfall",
    summary="An office's counters and KPIs for a day (default today)",
    dependencies=[require(Action.READ_OFFICE_FIGURES)],
)
async def footfall(office: OfficeDep, api: Metrics, day: Day = None) -> dict[str, Any]:
    day = api.known_day(day or api.overview.today())
    ((_, summary),) = await api.overview.days([office], day)
    now = api.settings.clock.now()
    return {
        "office_id": office.id,
        "region_id": office.region_id,
        "business_date": day.isoformat(),
        "drop_in_target": office.drop_in_target_per_day,
        "counters": summary.counters,
        "kpis": kpis(summary, office),
        "live": {**live_view(summary, office), "longest_wait_s": longest_wait_s(summary, now)},
    }


@router.get(
    "/history.csv",
    summary="An office's daily history, as CSV",
    response_class=CsvResponse,
    dependencies=[require(Action.READ_OFFICE_FIGURES)],
)
async def office_history_csv(
    office: OfficeDep, api: Metrics, first: First = None, last: Last = None
) -> Response:
    first, last = api.day_range(first, last)
    return csv_response(await api.overview.history([office], first, last), office.id, first, last)
