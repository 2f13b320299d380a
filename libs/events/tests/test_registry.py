"""The codec's registry follows from the messages the contract's modules define, so a new message cannot be
left out of decoding."""

from __future__ import annotations

from types import ModuleType
from typing import Literal

from visitflow_events import COMMAND_TYPES, EVENT_TYPES, REGISTRY, Command, Event
from visitflow_events.codec import message_types


def _probe_module() -> ModuleType:
    """A module as the contract writes one: a shared base, messages below it, one imported from elsewhere."""
    module = ModuleType("probe_messages")

    class ProbeEvent(Event):
        """A shared base: names no `type`."""

    class ProbeHappened(ProbeEvent):
        type: Literal["ProbeHappened"] = "ProbeHappened"

    class ProbeAgain(ProbeHappened):
        type: Literal["ProbeAgain"] = "ProbeAgain"  # type: ignore[assignment]

    class ProbeDo(Command):
        type: Literal["ProbeDo"] = "ProbeDo"

    for model in (ProbeEvent, ProbeHappened, ProbeAgain, ProbeDo):
        model.__module__ = module.__name__
        setattr(module, model.__name__, model)
    module.CallNext = REGISTRY["CallNext"]  # type: ignore[attr-defined]  # imported, defined elsewhere
    return module


def test_message_types_are_the_models_a_module_defines_that_name_their_type() -> None:
    found = message_types(_probe_module())

    assert [model.__name__ for model in found] == ["ProbeHappened", "ProbeAgain", "ProbeDo"]


def test_every_event_and_command_class_of_the_contract_is_registered_under_its_type() -> None:
    from visitflow_events import appointments, commands, notifications, visits, waits

    defined = {
        value
        for module in (visits, waits, notifications, appointments, commands)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Event | Command) and "type" in value.model_fields
    }

    assert set(EVENT_TYPES) | set(COMMAND_TYPES) == defined == set(REGISTRY.values())
    assert all(issubclass(model, Event) for model in EVENT_TYPES)
    assert all(issubclass(model, Command) for model in COMMAND_TYPES)
    assert {name: model.__name__ for name, model in REGISTRY.items()} == {
        m.__name__: m.__name__ for m in defined
    }
