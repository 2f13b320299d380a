"""The check-in route reads its office, headers and body itself (one dependency), yet its OpenAPI
document is the one FastAPI makes of a route that declares them: compared here with such a route."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Header
from visitflow_checkin.api import create_app
from visitflow_checkin.config import CheckinSettings
from visitflow_checkin.domain import CheckInRequest
from visitflow_platform.deps import IdempotencyKey, OfficeId

PATH = "/api/offices/{office_id}/check-ins"


def _declared() -> dict[str, Any]:
    """The document of a route that declares what the check-in reads, as parameters and a body."""
    app = FastAPI()

    @app.post(PATH)
    async def check_in(
        office_id: OfficeId,
        body: CheckInRequest,
        idempotency_header: IdempotencyKey = None,
        device_id: Annotated[
            str | None, Header(alias="X-Device-Id", max_length=64, description="one of the office's devices")
        ] = None,
    ) -> None: ...

    return app.openapi()


def test_the_check_in_is_documented_as_a_route_declaring_its_parameters_and_body() -> None:
    ours = create_app(CheckinSettings()).openapi()
    declared = _declared()
    operation, expected = ours["paths"][PATH]["post"], declared["paths"][PATH]["post"]
    assert operation["parameters"] == expected["parameters"]
    assert operation["requestBody"] == expected["requestBody"]
    for name, schema in declared["components"]["schemas"].items():
        if "ValidationError" not in name:  # FastAPI's shape of a 422, which the platform replaces
            assert ours["components"]["schemas"][name] == schema, name
    assert "400" in operation["responses"]  # the platform's answers read the documented parameters
    assert "413" in operation["responses"]
    assert operation["x-roles"] == ["admin", "host"]
