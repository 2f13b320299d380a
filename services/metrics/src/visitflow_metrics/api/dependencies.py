"""What the metrics API's routes share: the day summaries and their overview, the regions' live hub,
today's figures as the exporter reads them, and the days a request may ask for; built once per app by
`create_app` and found on `app.state.metrics`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry
from pydantic import BeforeValidator
from visitflow_offices import Office, OfficeDirectory, Region
from visitflow_platform.errors import ApiError
from visitflow_platform.live import LiveHub

from ..adapters.overview import Overview, as_csv
from ..config import MetricsSettings
from ..domain import DaySummary, OpenFollowUps

FIRST_DAY = date(2000, 1, 1)  # the first day a history may ask for (before Visitflow); the last is tomorrow
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class MetricsApi:
    """One metrics API process: its settings, the overview of the day summaries, the regions' live hub,
    and today's figures of every office, refreshed in the background, which `figures` exports."""

    settings: MetricsSettings
    overview: Overview
    hub: LiveHub
    figures: CollectorRegistry
    today: list[tuple[Office, DaySummary]] = field(default_factory=list)
    follow_ups: dict[str, OpenFollowUps] = field(default_factory=dict)

    async def refresh_today(self) -> None:
        offices = self.settings.offices
        self.today[:] = await self.overview.days(offices, self.overview.today())
        read = await self.overview.follow_ups(offices)
        self.follow_ups.clear()
        self.follow_ups.update(read)

    def known_day(self, day: date) -> date:
        """`day`, if the history can hold it: from FIRST_DAY to tomorrow (a caller's calendar may be
        ahead of the service's clock)."""
        if not FIRST_DAY <= day <= self.overview.today() + timedelta(days=1):
            raise ApiError(422, "invalid_range", f"Ask for days from {FIRST_DAY} to tomorrow.")
        return day

    def day_range(self, first: date | None, last: date | None) -> tuple[date, date]:
        last = self.known_day(last or self.overview.today())
        first = self.known_day(first or max(FIRST_DAY, last - timedelta(days=27)))
        if first > last:
            raise ApiError(422, "invalid_range", "`from` must not be after `to`.")
        most = self.settings.history_max_days
        if (last - first).days >= most:
            raise ApiError(422, "invalid_range", f"Ask for at most {most} days at a time.")
        return first, last


def metrics_api(request: Request) -> MetricsApi:
    found: MetricsApi = request.app.state.metrics
    return found


Metrics = Annotated[MetricsApi, Depends(metrics_api)]


def _iso_only(value: object) -> object:
    """A day is YYYY-MM-DD: pydantic would also take a number as a Unix time (`day=0` as 1970-01-01)."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


IsoDay = BeforeValidator(_iso_only)
RegionId = Annotated[str, Path(pattern=r"^[a-z0-9-]{2,40}$", description="region id, e.g. hedmark")]
First = Annotated[
    date | None, Query(alias="from", description="first day (default: 27 days before `to`)"), IsoDay
]
Last = Annotated[date | None, Query(alias="to", description="last day (default: today)"), IsoDay]
Day = Annotated[date | None, Query(description="the day (default: today)"), IsoDay]


def region_named(request: Request, region_id: str) -> Region:
    offices: OfficeDirectory = request.app.state.offices
    region = offices.regions.get(region_id)
    if region is None:
        raise ApiError(404, "unknown_region", "There is no such region.")
    return region


async def current_region(request: Request, region_id: RegionId) -> Region:
    return region_named(request, region_id)


RegionDep = Annotated[Region, Depends(current_region)]


class CsvResponse(Response):
    media_type = "text/csv; charset=utf-8"


def csv_response(rows: list[dict[str, Any]], name: str, first: date, last: date) -> Response:
    return CsvResponse(
        as_csv(rows),
        headers={"Content-Disposition": f'attachment; filename="visitflow-{name}-{first}-{last}.csv"'},
    )
