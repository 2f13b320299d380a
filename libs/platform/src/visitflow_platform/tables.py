"""How the workers' faust tables hold their values: JSON compressed on the changelog, parsed once per change.

A table's value is mostly an office's whole state, written to its changelog topic at every change (tens of
KB by the afternoon, a version per batch). Compressed, a version is five to ten times smaller: less for
the worker to send, the broker to store and compact, and a restarting worker to read
(docs/decisions/table-values.md).
The broker sees opaque bytes, so its log cleaner copies them as they are (unlike Kafka's own
compression, which it recompresses).

`ParsedTable` parses a value again only when the table holds another object than the one last written
(after a restore from the changelog, or a rebalance), so a busy office's state is not re-validated per
event; and it dumps again only the parts of a value that changed (`incremental_dump`).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

import faust
import zstandard
from faust.serializers import codecs
from faust.types.codecs import CodecT
from pydantic import BaseModel

from .incremental_dump import dump_json

M = TypeVar("M", bound=BaseModel)
# Zstandard's fastest level: for 77 KB of an office's day about 0.05 ms and 7.5 times smaller, where
# zlib's fastest level took 0.22 ms for 4.6 times (docs/decisions/table-values.md).
LEVEL = 1
# What a stored value starts with tells how it was written: a Zstandard frame with its magic number, a
# zlib stream (older values) with 0x78; JSON text starts with neither (the oldest values).
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZLIB_HEADER = b"\x78"


def stored_json(stored: bytes) -> bytes:
    """A stored table value as its JSON text, however it was written."""
    if stored[:4] == ZSTD_MAGIC:
        # a compressor or decompressor object must not be shared between threads; one is cheap to make
        return zstandard.ZstdDecompressor().decompress(stored)
    if stored[:1] == ZLIB_HEADER:
        return zlib.decompress(stored)
    return stored


class Compress(codecs.Codec):
    """Bytes compressed by Zstandard; chained after faust's JSON codec by `table_codec`."""

    def _dumps(self, s: Any) -> bytes:
        return zstandard.ZstdCompressor(level=LEVEL).compress(s)

    def _loads(self, s: bytes) -> Any:
        return stored_json(s)


def table_codec() -> CodecT:
    """The value codec of every worker table: faust's JSON (orjson), then compressed."""
    codec: CodecT = codecs.json() | Compress()
    return codec


# The changelog partition of the table writes made now (`writing_to`); none: faust's own choice.
_changelog_partition: ContextVar[int | None] = ContextVar("changelog_partition", default=None)


@contextlib.contextmanager
def writing_to(partition: int) -> Iterator[None]:
    """Table writes made inside go to changelog `partition`: that of the record they were made for.

    faust writes a change to the partition of the record its stream yielded last; a batch holds
    records of many partitions, so each write names its own (docs/decisions/workers-take-batches.md).
    """
    token = _changelog_partition.set(partition)
    try:
        yield
    finally:
        _changelog_partition.reset(token)


class CompressedTable(faust.Table):  # type: ignore[type-arg]
    """The workers' table class (`make_faust_app`): values compressed on the changelog, by `table_codec`,
    and each change written to the partition `writing_to` names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # set before the app adds the table: that makes its changelog topic, with this serializer
        self.value_serializer = table_codec()

    def partition_for_key(self, key: Any) -> int | None:
        partition = _changelog_partition.get()
        return super().partition_for_key(key) if partition is None else partition


class ParsedTable(Generic[M]):
    def __init__(self, table: Any, model: type[M], empty: Callable[[str], M]) -> None:
        self._table = table
        self._model = model
        self._empty = empty
        self._parsed: dict[str, tuple[Any, M]] = {}
        # each key's value last stored here and its dump: the base of the next dump. Not `_parsed`,
        # which also holds values read from the changelog, whose JSON may be of an older format.
        self._written: dict[str, tuple[M, dict[str, Any]]] = {}

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
