"""The booking import's routes: the booking system's bookings as JSON or as a CSV file
(`booking_import.BookingImport`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from visitflow_platform.access import Action
from visitflow_platform.auth import Principal, principal, require

from ..booking_import import CSV_COLUMNS, csv_bookings
from ..schemas import MAX_BOOKINGS_PER_IMPORT, BookingBatch, ImportAnswer
from .dependencies import Checkin

router = APIRouter(prefix="/api")
REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "a booking of an office this token does not name"},
    422: {
        "description": "a booking names an unknown office or counsellor, or is not valid: nothing "
        "imported; the answer names the booking and the field, never what it held"
    },
    503: {"description": "Kafka or Redis did not confirm: send the same batch again"},
}


@router.post(
    "/bookings",
    summary="Import bookings (upsert by booking id)",
    responses={400: {"description": "the body cannot be read as JSON text"}, **REFUSED},
    dependencies=[require(Action.IMPORT_BOOKINGS)],
)
async def import_bookings(
    batch: BookingBatch, who: Annotated[Principal, Depends(principal)], api: Checkin
) -> ImportAnswer:
    return await api.bookings.upsert(batch.bookings, who)


@router.post(
    "/bookings/csv",
    summary="Import bookings from a CSV file (the same rules)",
    description="UTF-8, a header row naming the columns "
    + ", ".join(CSV_COLUMNS)
    + " (reason and status may be left out), one booking a row, at most "
    + f"{MAX_BOOKINGS_PER_IMPORT} rows.",
    responses=REFUSED,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    dependencies=[require(Action.IMPORT_BOOKINGS)],
)
async def import_csv(
    request: Request, who: Annotated[Principal, Depends(principal)], api: Checkin
) -> ImportAnswer:
    return await api.bookings.upsert(csv_bookings(await request.body()), who)
