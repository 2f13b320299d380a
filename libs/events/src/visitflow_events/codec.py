"""JSON encoding and the registry from `type` to model."""

from __future__ import annotations

import operator
from functools import reduce
from types import ModuleType
from typing import Annotated, cast

from pydantic import Field, TypeAdapter, ValidationError

from . import appointments, commands, notifications, visits, waits
from .envelope import Message
from .ids import RECORDED


def message_types(*modules: ModuleType) -> tuple[type[Message], ...]:
    """Every message the modules define, in the order of definition: each model that names its `type`.
    Shared bases (`VisitEvent`, `TicketedEvent`, ...) name none and are left out."""
    return tuple(
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Message)
        and value.__module__ == module.__name__
        and "type" in value.model_fields
    )


EVENT_TYPES = message_types(visits, waits, notifications, appointments)
COMMAND_TYPES = message_types(commands)
REGISTRY: dict[str, type[Message]] = {
    model.model_fields["type"].default: model for model in (*EVENT_TYPES, *COMMAND_TYPES)
}

# Decoding picks the model by `type` (pydantic's discriminator) among the registry's classes.
_adapter: TypeAdapter[Message] = TypeAdapter(
    cast("type[Message]", Annotated[reduce(operator.or_, REGISTRY.values()), Field(discriminator="type")])
)


class UndecodableMessage(ValueError):
    """Raised for bytes that are not a known, valid message; `reason` says why, for the dead-letter topic."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def encode(message: Message) -> bytes:
    return message.model_dump_json(exclude_none=True).encode()


def decode(data: bytes | str) -> Message:
    """A message as it was recorded: one built before a rule of construction was added still decodes."""
    try:
        return _adapter.validate_json(data, context=RECORDED)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "message"
        raise UndecodableMessage(f"{where}: {first['msg']}") from exc


def as_dict(message: Message) -> dict[str, object]:
    """The JSON-ready form, as an HTTP answer or a live-stream frame carries it."""
    result: dict[str, object] = message.model_dump(mode="json", exclude_none=True)
    return result
