"""A new version of an immutable model dumped to JSON data, reusing the dump of the version before.

The workers store an office's whole state at every change (`ParsedTable`), and a state holds every
visit of the day; dumping it all again made a check-in's cost grow with the waiting list (at ninety
visitors waiting, most of the queue worker's time). The models are frozen and each change copies only
what it changes (`model_copy`, `{**visits, id: visit}`), so a part that is the same object as in the
version before has the same dump, and only the changed parts are dumped again
(docs/decisions/table-values.md).

The result equals `value.model_dump(mode="json")` as long as `before` is a version and its own dump.
"""

from __future__ import annotations

from functools import cache
from typing import Any, get_origin

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

_MISSING: Any = object()


def dump_json(value: BaseModel, before: tuple[BaseModel, dict[str, Any]] | None = None) -> dict[str, Any]:
    """`value.model_dump(mode="json")`, with the parts `value` shares with `before[0]` taken from
    `before[1]`, its dump."""
    if before is None or type(before[0]) is not type(value) or not _reusable(type(value)):
        return value.model_dump(mode="json")
    old, old_raw = before
    raw: dict[str, Any] = {}
    redo: set[str] = set()
    for name in type(value).model_fields:
        new, was, old_part = getattr(value, name), getattr(old, name), old_raw.get(name, _MISSING)
        if old_part is _MISSING:
            redo.add(name)
            raw[name] = None  # keeps the fields' order
        elif new is was:
            raw[name] = old_part
        elif isinstance(new, BaseModel):
            raw[name] = dump_json(new, (was, old_part))
        elif isinstance(new, dict) and isinstance(was, dict) and len(was) == len(old_part):
            raw[name] = _dump_mapping(new, was, old_part)
        else:
            redo.add(name)
            raw[name] = None
    if redo:
        raw.update(value.model_dump(mode="json", include=redo))
    return raw


def _dump_mapping(new: dict[Any, Any], was: dict[Any, Any], old_raw: dict[str, Any]) -> dict[str, Any]:
    """A dict field: entries that are the same objects under the same key objects as before keep their
    dump, changed models with parts of their own are dumped part by part, the rest whole.

    Keys are matched by identity, not by hashing: a UUID's hash is Python code, and a state holds
    hundreds of them. A key that is only equal to one before is dumped again, which is merely slower."""
    known = {
        id(key): (key, entry, json_key, dumped)
        for (key, entry), (json_key, dumped) in zip(was.items(), old_raw.items(), strict=True)
    }
    raw: dict[str, Any] = {}
    for key, entry in new.items():
        hit = known.get(id(key))
        if hit is None or hit[0] is not key:
            raw[_json_key(key)] = _dump_value(entry)
        elif hit[1] is entry:
            raw[hit[2]] = hit[3]
        elif isinstance(entry, BaseModel) and _composite(type(entry)):
            raw[hit[2]] = dump_json(entry, (hit[1], hit[3]))
        else:
            raw[hit[2]] = _dump_value(entry)
    return raw


def _json_key(key: Any) -> str:
    """A mapping's key as pydantic's JSON dump writes it: a string (an hour's 12 is "12")."""
    json_key = to_jsonable_python(key)
    return json_key if isinstance(json_key, str) else str(json_key)


def _dump_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return to_jsonable_python(value)


@cache
def _reusable(model: type[BaseModel]) -> bool:
    """Whether a model's dump is its fields' dumps, field by field (no computed or excluded fields)."""
    return not model.model_computed_fields and not any(f.exclude for f in model.model_fields.values())


@cache
def _composite(model: type[BaseModel]) -> bool:
    """Whether a model holds mappings or models of its own, which are worth dumping part by part; a
    flat one is dumped faster whole."""
    if not _reusable(model):
        return False
    for field in model.model_fields.values():
        kind = get_origin(field.annotation) or field.annotation
        if kind is dict or (isinstance(kind, type) and issubclass(kind, BaseModel)):
            return True
    return False
