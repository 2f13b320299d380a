"""A request's parts read without FastAPI's per-parameter resolution, for routes whose cost counts: the
JSON body validated straight into its model, and any refusal worded as FastAPI words it, never quoting
the input."""

from __future__ import annotations

import email.message
from collections.abc import Sequence
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def located(errors: Sequence[Any], place: tuple[str | int, ...]) -> list[dict[str, Any]]:
    """Pydantic's errors placed as FastAPI places a parameter's, without the input they quote."""
    return [{"type": e["type"], "loc": (*place, *e["loc"]), "msg": e["msg"], "input": None} for e in errors]


async def json_body(
    request: Request, model: type[M], problems: Sequence[dict[str, Any]] = (), optional: bool = False
) -> M:
    """The request's JSON body validated straight into `model`, as FastAPI would for a body parameter
    (an empty body is missing, or the model's defaults if `optional`; one of another content type is not
    an object), refused with 422 together with any `problems` found before (its path's, its headers')."""
    raw = await request.body()
    errors = list(problems)
    body: M | None = None
    if not raw:
        if optional:
            body = model()
        else:
            errors.append({"type": "missing", "loc": ("body",), "msg": "Field required", "input": None})
    elif not _is_json(request.headers.get("content-type")):
        message = "Input should be a valid dictionary or object to extract fields from"
        errors.append({"type": "model_attributes_type", "loc": ("body",), "msg": message, "input": None})
    else:
        try:
            body = model.model_validate_json(raw)
        except ValidationError as exc:
            found = exc.errors()
            if found and found[0]["type"] == "json_invalid":
                errors.append({"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error"})
            else:
                errors += located(found, ("body",))
    if errors or body is None:
        raise RequestValidationError(errors)
    return body


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False  # FastAPI's strict content type: a body without one is not read as JSON
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )
