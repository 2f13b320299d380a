"""A faust table of pydantic models kept as JSON-ready dicts, parsed once per change.

A value is parsed again only when the table holds another object than the one last written (after a
restore from the changelog, or a rebalance), so a busy office's state is not re-validated per event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class ParsedTable(Generic[M]):
    def __init__(self, table: Any, model: type[M], empty: Callable[[str], M]) -> None:
        self._table = table
        self._model = model
        self._empty = empty
        self._parsed: dict[str, tuple[Any, M]] = {}

    def get(self, key: str) -> M:
        raw = self._table.get(key)
        if raw is None:
            return self._empty(key)
        known = self._parsed.get(key)
        if known is not None and known[0] is raw:
            return known[1]
        parsed = self._model.model_validate(raw)
        self._parsed[key] = (raw, parsed)
        return parsed

    def put(self, key: str, value: M) -> None:
        raw = value.model_dump(mode="json")
        self._table[key] = raw
        self._parsed[key] = (raw, value)

    def stored(self) -> list[str]:
        """The keys held now."""
        return list(self._table.keys())
