"""How the workers' faust tables hold their values: JSON deflated on the changelog, parsed once per change.

A table's value is mostly an office's whole state, written to its changelog topic at every change (tens of
KB by the afternoon, a version per batch). Deflated, a version is three to eight times smaller: less for
the worker to send, the broker to store and compact, and a restarting worker to read (DECISIONS §46).
The broker sees opaque bytes, so its log cleaner copies them as they are (unlike Kafka's own
compression, which it recompresses).

`ParsedTable` parses a value again only when the table holds another object than the one last written
(after a restore from the changelog, or a rebalance), so a busy office's state is not re-validated per
event; and it dumps again only the parts of a value that changed (`incremental_dump`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import faust
from faust.serializers import codecs
from faust.types.codecs import CodecT
from pydantic import BaseModel

from .incremental_dump import dump_json

M = TypeVar("M", bound=BaseModel)
# zlib's fastest level: about 0.1 ms for 30 KB of office state, six times smaller; higher levels cost
# two to three times the time for a few per cent more
LEVEL = 1
# A zlib stream starts with 0x78; JSON text never does, so plain JSON written before values were
# deflated is still read.
ZLIB_HEADER = b"\x78"


def inflate(stored: bytes) -> bytes:
    """A stored table value as its JSON text, whether it was deflated or not."""
    return zlib.decompress(stored) if stored[:1] == ZLIB_HEADER else stored


class Deflate(codecs.Codec):
    """Bytes deflated by zlib; chained after faust's JSON codec by `table_codec`."""

    def _dumps(self, s: Any) -> bytes:
        return zlib.compress(s, LEVEL)

    def _loads(self, s: bytes) -> Any:
        return inflate(s)


def table_codec() -> CodecT:
    """The value codec of every worker table: faust's JSON (orjson), then deflated."""
    codec: CodecT = codecs.json() | Deflate()
    return codec


class DeflatedTable(faust.Table):  # type: ignore[type-arg]
    """The workers' table class (`make_faust_app`): values deflated on the changelog, by `table_codec`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # set before the app adds the table: that makes its changelog topic, with this serializer
        self.value_serializer = table_codec()


class ParsedTable(Generic[M]):
    def __init__(self, table: Any, model: type[M], empty: Callable[[str], M]) -> None:
        self._table = table
        self._model = model
        self._empty = empty
        self._parsed: dict[str, tuple[Any, M]] = {}
        self._written: dict[str, tuple[M, dict[str, Any]]] = {}  # each key's last value and its dump

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
        """Stores `value`, dumping only what changed since this process last stored the key's value."""
        raw = dump_json(value, self._written.get(key))
        self._table[key] = raw
        self._parsed[key] = (raw, value)
        self._written[key] = (value, raw)

    def stored(self) -> list[str]:
        """The keys held now."""
        return list(self._table.keys())
