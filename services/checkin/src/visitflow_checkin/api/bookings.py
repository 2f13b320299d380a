"""The booking import's routes: the booking system's bookings as JSON or as a CSV file, read here and
imported by `handlers.BookingImport`."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from visitflow_platform.access import Action
from visitflow_platform.auth import Principal, principal, require
from visitflow_platform.errors import ApiError
from visitflow_platform.privacy import looks_personal

from ..domain import MAX_BOOKINGS_PER_IMPORT, BookingIn, ImportAnswer, Refusal
from .dependencies import Checkin, refused
from .schemas import BookingBatch

router = APIRouter(prefix="/api")
CSV_COLUMNS = tuple(BookingIn.model_fields)
CSV_REQUIRED = ("booking_id", "office_id", "counsellor_id", "starts_at", "duration_minutes")
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
    return _answered(await api.bookings.upsert(batch.bookings, who))


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
    return _answered(await api.bookings.upsert(csv_bookings(await request.body()), who))


def _answered(answer: ImportAnswer | Refusal) -> ImportAnswer:
    if isinstance(answer, Refusal):
        raise refused(answer)
    return answer


def csv_bookings(body: bytes) -> list[BookingIn]:
    """The rows of a CSV file as bookings; a refusal names the row and column, never a cell."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_csv", "The file is not UTF-8 text.") from None
    try:
        return _rows(csv.DictReader(io.StringIO(text)))
    except csv.Error:
        raise ApiError(422, "invalid_csv", "The file is not CSV as the import reads it.") from None


def _rows(reader: csv.DictReader[str]) -> list[BookingIn]:
    header = reader.fieldnames or []
    if any(column not in CSV_COLUMNS for column in header):
        raise ApiError(
            422,
            "invalid_csv",
            "The header names a column the import does not know: " + ", ".join(CSV_COLUMNS),
        )
    if missing := [column for column in CSV_REQUIRED if column not in header]:
        raise ApiError(422, "invalid_csv", "The header lacks the column(s) " + ", ".join(missing) + ".")
    bookings: list[BookingIn] = []
    for row_number, row in enumerate(reader, start=2):
        if len(bookings) == MAX_BOOKINGS_PER_IMPORT:
            raise ApiError(422, "invalid_csv", f"At most {MAX_BOOKINGS_PER_IMPORT} bookings a file.")
        if None in row:
            raise ApiError(422, "invalid_csv", f"Row {row_number} has more cells than the header.")
        for column, cell in row.items():
            if cell and looks_personal(cell):
                raise ApiError(
                    422,
                    "personal_data",
                    f"Row {row_number}, column {column} looks like it holds a national identity number "
                    "or a phone number. Visitflow does not take personal data; leave it out and try again.",
                )
        try:
            bookings.append(BookingIn.model_validate({k: v for k, v in row.items() if v not in (None, "")}))
        except ValidationError as exc:
            first = exc.errors()[0]
            place = ".".join(str(p) for p in first["loc"]) or "row"
            raise ApiError(
                422, "invalid_csv", f"Row {row_number}, {place}: {first['msg']}", field=f"row {row_number}"
            ) from None
    if not bookings:
        raise ApiError(422, "invalid_csv", "The file holds no bookings.")
    return bookings
