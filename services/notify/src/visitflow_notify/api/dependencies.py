"""What the notify API's routes share: the offices' live hubs (displays, counsellors, visitors' pages)
and what a visit link opens, built once per app by `create_app` and found on `app.state.notify`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from visitflow_platform.auth import by_visit_link
from visitflow_platform.live import LiveHub
from visitflow_platform.visit_links import VisitLink

from ..config import NotifySettings
from ..domain import Board
from ..domain.views import counsellor_frame, counsellor_view, display_frame, display_view
from ..domain.visitor import visits_frame, visits_view
from ..handlers import Refused, VisitLinks
from .link_refusals import LinkRefused


@dataclass(frozen=True)
class NotifyApi:
    """One notify API process: its settings, a live hub per screen, and the visit links."""

    settings: NotifySettings
    displays: LiveHub
    counsellors: LiveHub
    visitors: LiveHub
    visit_links: VisitLinks

    @property
    def hubs(self) -> tuple[LiveHub, ...]:
        return self.displays, self.counsellors, self.visitors


def notify_api(request: Request) -> NotifyApi:
    found: NotifyApi = request.app.state.notify
    return found


Notify = Annotated[NotifyApi, Depends(notify_api)]


async def _opened(request: Request, token: str) -> VisitLink:
    opened = await notify_api(request).visit_links.open(token)
    if isinstance(opened, Refused):
        raise LinkRefused(opened)
    return opened


Link = Annotated[VisitLink, by_visit_link(_opened)]


def empty_display(settings: NotifySettings, office_id: str) -> str:
    """What the display of an office nobody has checked in at yet shows, and the pictures below it."""
    office = settings.offices.office(office_id)
    now = settings.clock.now()
    return display_frame(
        display_view(Board(office_id=office_id), office, now, settings.display_linger) if office else {}
    )


def empty_counsellors(settings: NotifySettings, office_id: str) -> str:
    office = settings.offices.office(office_id)
    return counsellor_frame(counsellor_view(Board(office_id=office_id), office) if office else {})


def empty_visits(settings: NotifySettings, office_id: str) -> str:
    office = settings.offices.office(office_id)
    if office is None:
        return visits_frame({})
    board, now = Board(office_id=office_id), settings.clock.now()
    return visits_frame(visits_view(board, office, display_view(board, office, now, settings.display_linger)))
