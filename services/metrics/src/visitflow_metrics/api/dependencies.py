"""What the metrics API's routes share: the overview of the day summaries, the regions' live hub, today's
figures as the exporter reads them, and the days a request may ask for (422 for days it may not); built
once per app by `create_app` and found on `app.state.metrics`. A history as CSV is `csv_response`."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry
from pydantic import BeforeValidator
from visitflow_offices import OfficeDirectory, Region
from visitflow_platform.errors import ApiError
from visitflow_platform.live import LiveHub

from ..config import MetricsSettings
from ..domain import HISTORY_COLUMNS
from ..handlers import BadRange, Overview, TodayFigures, day_range, known_day

T = TypeVar("T")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class MetricsApi:
    """One metrics API process: its settings, the overview of the day summaries, the regions' live hub,
    and today's figures of every office, refreshed in the background, which `figures` exports."""

    settings: MetricsSettings
    overview: Overview
    hub: LiveHub
    figures: CollectorRegistry
    today: TodayFigures

    def known_day(self, day: date) -> date:
        return _asked(known_day(day, self.overview.today()))

    def day_range(self, first: date | None, last: date | None) -> tuple[date, date]:
        asked = day_range(first, last, self.overview.today(), self.settings.history_max_days)
        return _asked(asked)


def _asked(asked: T | BadRange) -> T:
    if isinstance(asked, BadRange):
        raise ApiError(422, "invalid_range", asked.message)
    return asked


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


def as_csv(rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HISTORY_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return out.getvalue()
