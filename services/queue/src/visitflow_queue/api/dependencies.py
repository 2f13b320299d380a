"""What the queue API's routes share: the office's picture and live hub, where a host command comes from,
and the app's runtime, built once per app by `create_app` and found on `app.state.queue`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from visitflow_offices import Office
from visitflow_platform.auth import Principal, principal
from visitflow_platform.deps import IdempotencyKey, OfficeDep
from visitflow_platform.errors import ApiError
from visitflow_platform.ids import idempotency_key, stable_id
from visitflow_platform.live import Frame, LiveHub
from visitflow_platform.pseudonyms import pseudonym
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.visit_links import LinkStore

from ..adapters import projection
from ..adapters.frames import snapshot_frame
from ..config import QueueSettings
from ..domain import OfficeQueue, snapshot, unknown_ids
from ..handlers import HostCommands

READ_ANSWERS: dict[int | str, dict[str, Any]] = {
    503: {"description": "`rebuilding`: Redis lost the read model and it is being rebuilt; retry"},
}


@dataclass(frozen=True)
class QueueApi:
    """One queue API process: its settings, Kafka and Redis, the offices' live hub, the visit links,
    and the host commands' use case."""

    settings: QueueSettings
    runtime: ApiRuntime
    empty: Callable[[str], str]  # an office's picture before anyone checked in (`empty_picture`)
    hub: LiveHub
    links: LinkStore
    commands: HostCommands

    async def read_model_whole(self) -> bool:
        return await projection.whole(self.runtime.redis, self.settings.partitions)

    async def picture(self, office_id: str) -> Frame:
        """The office's snapshot. An office with none is shown empty only while the read model is known
        whole: after Redis was wiped, it may just not be back yet (503 `rebuilding` until it is)."""
        frame = await self.hub.snapshot(office_id)
        if frame.data == self.empty(office_id) and not await self.read_model_whole():
            raise ApiError(
                503,
                "rebuilding",
                "The waiting list is being rebuilt; try again in a moment.",
                headers={"Retry-After": "2"},
            )
        return frame


def empty_picture(settings: QueueSettings, office_id: str) -> str:
    """The snapshot of an office nobody has checked in at yet."""
    office = settings.offices.office(office_id)
    view = snapshot(OfficeQueue(office_id=office_id), office) if office else {}
    return snapshot_frame(view)


def queue_api(request: Request) -> QueueApi:
    found: QueueApi = request.app.state.queue
    return found


Queue = Annotated[QueueApi, Depends(queue_api)]


@dataclass(frozen=True)
class CommandOrigin:
    """Where a host command comes from: its office, its id, from a keyed digest of the Idempotency-Key (a
    client may put anything in its key), when it was asked, and as the actor the pseudonym of the token's
    subject. Nothing else a client sends says who acted."""

    office: Office
    command_id: UUID
    occurred_at: datetime
    actor_id: str


async def command_origin(
    request: Request,
    office: OfficeDep,
    who: Annotated[Principal, Depends(principal)],
    key: IdempotencyKey = None,
) -> CommandOrigin:
    return origin_of(queue_api(request).settings, office, who, key)


def origin_of(settings: QueueSettings, office: Office, who: Principal, key: str | None) -> CommandOrigin:
    digest = pseudonym(settings.pseudonym_secret, idempotency_key(key))
    return CommandOrigin(
        office=office,
        command_id=stable_id(office.id, "command", digest),
        occurred_at=settings.clock.now(),
        actor_id=pseudonym(settings.pseudonym_secret, who.subject),
    )


Origin = Annotated[CommandOrigin, Depends(command_origin)]


def refuse_unknown(office: Office, asked: dict[str, Any]) -> None:
    """A command names only its office's rooms, lines and counsellors; anything else is refused before
    it is published, naming the field and never quoting it."""
    if unknown := unknown_ids(office, asked):
        field, what = unknown[0]
        raise ApiError(422, f"unknown_{what}", f"{field}: {office.name} has no such {what}.")
