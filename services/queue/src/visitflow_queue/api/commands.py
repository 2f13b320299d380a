"""Host commands: each is a route of one shape, POST a path that names its target (a visit, or a room)
with the command's fields in the body, and one function (`send`) publishes it to the queue and answers
with the queue's decision. `CommandRoute.add_to` authorizes and wires each of them."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Path, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from visitflow_events import (
    CallNext,
    CallVisit,
    CancelVisit,
    Command,
    CompleteService,
    HoldVisit,
    MarkNoShow,
    Recall,
    ResolveFollowUp,
    ReturnVisit,
    StartService,
    TransferVisit,
    UndoRemoval,
)
from visitflow_platform.access import Action
from visitflow_platform.auth import principal, require
from visitflow_platform.deps import OfficeId, current_office
from visitflow_platform.errors import ApiError
from visitflow_platform.replies import Outcome
from visitflow_platform.request_body import json_body, located

from .dependencies import CommandOrigin, Origin, Queue, QueueApi, origin_of, refuse_unknown
from .schemas import CallBody, CallNextBody, CancelBody, CompleteBody, EmptyBody, TransferBody

COMMAND_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "done; the body carries the event it caused"},
    202: {"description": "recorded; the queue has not answered yet"},
    409: {
        "description": "refused by the queue (`nobody_waiting`, `room_busy`, `wrong_stage`, `on_hold`, "
        "`recall_limit`, `nothing_to_undo`, `undo_expired`, `unknown_visit`, ...)"
    },
    503: {"description": "Kafka did not confirm; nothing recorded, retry"},
}
# what a path may name as the command's target, as the endpoint's parameter
_TARGETS: dict[str, Any] = {"visit_id": Annotated[UUID, Path()], "room_id": Annotated[str, Path()]}
_NAMED = inspect.Parameter.KEYWORD_ONLY
_CHECKED: dict[str, TypeAdapter[Any]] = {name: TypeAdapter(kind) for name, kind in _TARGETS.items()}
_OFFICE_ID: TypeAdapter[str] = TypeAdapter(OfficeId)


class AnsweredDirectly(APIRoute):
    """A route documented (and listed in the authorisation matrix) by its declared endpoint, and
    answered by the endpoint's `direct` handler, which reads the request itself: FastAPI's resolution of
    the declared dependencies and parameters cost more CPU than the rest of a host command in the API."""

    def get_route_handler(self) -> Any:
        direct = getattr(self.endpoint, "direct", None)
        return direct if direct is not None else super().get_route_handler()


@dataclass(frozen=True)
class CommandRoute:
    """POST `path` asks the queue for a `kind` command, allowed to `action`. The command's fields are the
    path's target (`{visit_id}` or `{room_id}`) and the body's; a body that `may_omit` its fields is
    optional (`{}` or none), its defaults taken then."""

    name: str
    path: str
    kind: type[Command]
    action: Action
    summary: str
    body: type[BaseModel] = EmptyBody
    may_omit: bool = True

    def add_to(self, router: APIRouter) -> None:
        target = next((name for name in _TARGETS if f"{{{name}}}" in self.path), None)

        async def endpoint(queue: Queue, origin: Origin, **fields: Any) -> JSONResponse:
            body: BaseModel = fields.pop("body", None) or self.body()
            return await send(queue, origin, self.kind, **fields, **body.model_dump())

        # what FastAPI reads the endpoint's parameters from: the target in the path, and the body
        parameters = [
            inspect.Parameter("queue", _NAMED, annotation=Queue),
            inspect.Parameter("origin", _NAMED, annotation=Origin),
        ]
        if target is not None:
            parameters.append(inspect.Parameter(target, _NAMED, annotation=_TARGETS[target]))
        if self.may_omit:
            model: Any = self.body
            optional = Annotated[model | None, Body()]
            parameters.append(inspect.Parameter("body", _NAMED, annotation=optional, default=None))
        else:
            parameters.append(inspect.Parameter("body", _NAMED, annotation=self.body))
        endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        endpoint.direct = self._direct(target)  # type: ignore[attr-defined]
        router.add_api_route(
            self.path,
            endpoint,
            methods=["POST"],
            name=self.name,
            summary=self.summary,
            responses=COMMAND_ANSWERS,
            dependencies=[require(self.action)],
            route_class_override=AnsweredDirectly,
        )

    def _direct(self, target: str | None) -> Any:
        """The declared endpoint's work in one step: the caller allowed the action (401, 403, as
        `require` decides), the office (422 for an id of the wrong form, 404 for an unknown one), the
        target and the body (422, as FastAPI words it), then `send`."""
        allowed = require(self.action).dependency
        assert allowed is not None
        checked = _CHECKED[target] if target is not None else None

        async def handler(request: Request) -> Response:
            who = await allowed(request, await principal(request))
            params = request.path_params
            problems: list[dict[str, Any]] = []
            office = None
            try:
                office = await current_office(request, _OFFICE_ID.validate_python(params["office_id"]))
            except ValidationError as exc:  # refused with the target's and the body's problems
                problems += located(exc.errors(), ("path", "office_id"))
            fields: dict[str, Any] = {}
            if target is not None and checked is not None:
                try:
                    fields[target] = checked.validate_python(params[target])
                except ValidationError as exc:
                    problems += located(exc.errors(), ("path", target))
            body = await json_body(request, self.body, problems, optional=self.may_omit)
            assert office is not None  # else `json_body` refused the office id's problem
            queue: QueueApi = request.app.state.queue
            origin = origin_of(queue.settings, office, who, request.headers.get("idempotency-key"))
            return await send(queue, origin, self.kind, **fields, **body.model_dump())

        return handler


async def send(queue: QueueApi, origin: CommandOrigin, kind: type[Command], **asked: Any) -> JSONResponse:
    """Asks the queue for the command (`handlers.HostCommands`) and answers its decision: 200 with the
    events, 409 with the refusal, 202 if it has not come within the reply timeout, 422 for a key used
    for another command."""
    refuse_unknown(origin.office, asked)
    decision = await queue.commands.send(
        kind, origin.office.id, origin.command_id, origin.occurred_at, origin.actor_id, **asked
    )
    key = decision.command_id
    if decision.outcome is Outcome.PENDING:
        return JSONResponse(
            {"status": "accepted", "command_id": key, "message": "Recorded; the queue has not answered yet."},
            202,
        )
    if decision.outcome is Outcome.KEY_REUSED:
        raise ApiError(
            422, "idempotency_key_reused", "This Idempotency-Key was already used for another command."
        )
    if decision.outcome is Outcome.REJECTED:
        return JSONResponse({"error": decision.code, "message": decision.detail, "command_id": key}, 409)
    events = list(decision.events)
    return JSONResponse({"command_id": key, "event": events[-1], "events": events})


router = APIRouter(prefix="/api/offices/{office_id}")

VISIT_COMMANDS = (
    CommandRoute(
        "call_next",
        "/call-next",
        CallNext,
        Action.CALL,
        "Call the next visitor to a room",
        body=CallNextBody,
        may_omit=False,
    ),
    CommandRoute(
        "call",
        "/visits/{visit_id}/call",
        CallVisit,
        Action.CALL,
        "Call a given visitor to a room",
        body=CallBody,
        may_omit=False,
    ),
    CommandRoute(
        "recall",
        "/visits/{visit_id}/recall",
        Recall,
        Action.RECALL,
        "Call again; refused (`recall_limit`) after the office's configured calls",
    ),
    CommandRoute(
        "start", "/visits/{visit_id}/start", StartService, Action.START, "The visitor arrived in the room"
    ),
    CommandRoute(
        "complete",
        "/visits/{visit_id}/complete",
        CompleteService,
        Action.COMPLETE,
        "Complete with an outcome",
        body=CompleteBody,
        may_omit=False,
    ),
    CommandRoute(
        "no_show", "/visits/{visit_id}/no-show", MarkNoShow, Action.NO_SHOW, "The visitor did not come"
    ),
    CommandRoute(
        "transfer",
        "/visits/{visit_id}/transfer",
        TransferVisit,
        Action.TRANSFER,
        "Move to another line or counsellor",
        body=TransferBody,
        may_omit=False,
    ),
    CommandRoute(
        "cancel", "/visits/{visit_id}/cancel", CancelVisit, Action.CANCEL, "The visitor left", body=CancelBody
    ),
    CommandRoute(
        "hold",
        "/visits/{visit_id}/hold",
        HoldVisit,
        Action.HOLD,
        "The visitor stepped out: keeps their place, is not called until back",
    ),
    CommandRoute(
        "return_",
        "/visits/{visit_id}/return",
        ReturnVisit,
        Action.HOLD,
        "A visitor on hold is back in line, at their own place",
    ),
    CommandRoute(
        "undo",
        "/visits/{visit_id}/undo",
        UndoRemoval,
        Action.UNDO,
        "Undo the visit's last removal (complete, no-show, cancel, transfer) within the office's "
        "`undo_seconds`; later it is refused `undo_expired`",
    ),
    CommandRoute(
        "resolve_follow_up",
        "/follow-ups/{visit_id}/resolve",
        ResolveFollowUp,
        Action.RESOLVE_FOLLOW_UP,
        "An emergency carried over from an earlier day has been followed up",
    ),
)
for _route in VISIT_COMMANDS:
    _route.add_to(router)
