"""uvicorn's HTTP/1.1 protocol, with the two bounds uvicorn does not offer: a deadline for each request to
arrive whole, and a size limit for a request's head.

uvicorn (0.54) arms no timer before a connection's first request, and any byte that arrives cancels its
keep-alive timer, so a client that opens a connection and sends nothing, or sends a request one byte at
a time, holds the connection for ever. Its httptools parser (the fast one, which uvicorn picks by
itself) also buffers a request head of any size; only its pure-Python h11 parser has a limit
(`h11_max_incomplete_event_size`). Neither is something an ASGI middleware can fix: the application
is called only once the head is complete.

So `bounded_http` wraps uvicorn's httptools protocol and watches the same bytes with a second httptools
parser of its own, which reports where each request begins, the size of its head, where the head ends
and where the request is complete (a second parse in C: a few microseconds per request). uvicorn calls
the class it is given as `Config(http=...)` with its config and server state; everything else is passed
through unchanged. This leans on that constructor, which uvicorn does not document: `unchecked_versions`
names the libraries that differ from the versions it was checked with, `serve` logs them, and a test
fails on them until someone checks the adapter again (and whether uvicorn has grown the options).
"""

from __future__ import annotations

import asyncio
from importlib.metadata import version
from typing import Any, cast

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# The versions this adapter was read against and tested with (major.minor).
CHECKED_WITH = {"uvicorn": "0.54", "httptools": "0.9"}


def unchecked_versions() -> dict[str, str]:
    """The libraries whose installed version differs from the one the adapter was checked with."""
    installed = {name: version(name) for name in CHECKED_WITH}
    return {
        name: found
        for name, found in installed.items()
        if found.split(".")[:2] != CHECKED_WITH[name].split(".")
    }


def bounded_http(max_head_bytes: int, read_timeout_s: float) -> type[asyncio.Protocol]:
    """A protocol class for `uvicorn.Config(http=...)`: a request (head and body) must arrive within
    `read_timeout_s` of its first byte (of the connection's opening, for the first one), or the
    connection is closed; a request line and headers over `max_head_bytes` are answered with 431."""
    return type(
        "BoundedHttpToolsProtocol",
        (_BoundedHttp,),
        {"max_head_bytes": max_head_bytes, "read_timeout_s": read_timeout_s},
    )


class _BoundedHttp(asyncio.Protocol):
    max_head_bytes: int
    read_timeout_s: float

    def __init__(self, **server: Any) -> None:
        self._inner = HttpToolsProtocol(**server)
        self._loop: asyncio.AbstractEventLoop = server.get("_loop") or asyncio.get_event_loop()
        self._watch: httptools.HttpRequestParser | None = httptools.HttpRequestParser(_Boundaries(self))
        self._transport: asyncio.Transport | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._in_head = True  # until the head of the request being received is complete
        self._unparsed = 0  # bytes received while that head is incomplete (h11's measure)
        self._parsed = 0  # its request target and header fields, as parsed
        self._too_large = False
        self._refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is one without the subclass
        self._arm()
        self._inner.connection_made(self._transport)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._watch is not None:
            if self._deadline is None:
                self._arm()  # bytes of a next request: it has its own deadline
            try:
                self._watch.feed_data(data)
            except httptools.HttpParserUpgrade:
                pass  # uvicorn's parser stops at the same byte and goes on in the same way
            except httptools.HttpParserError:
                self._stop_watching()  # not HTTP: uvicorn answers 400 and closes the connection
            if self._in_head:
                self._unparsed += len(data)
            if self._too_large or self._unparsed > self.max_head_bytes:
                self._refuse(b"431 Request Header Fields Too Large", b"The request head is too large.")
                return
        self._inner.data_received(data)

    def eof_received(self) -> None:
        self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    # --- what the watching parser reports ------------------------------------------------------------
    def message_begun(self) -> None:
        self._in_head, self._unparsed, self._parsed = True, 0, 0

    def head_part(self, size: int) -> None:
        # a head that arrives whole in one read is measured here, one parsed part at a time
        self._parsed += size
        self._too_large = self._too_large or self._parsed > self.max_head_bytes

    def head_complete(self) -> None:
        self._in_head = False

    def message_complete(self) -> None:
        self._disarm()  # the idle time before the next request is uvicorn's keep-alive timeout

    # --- the deadline and the refusals ------------------------------------------------------------------
    def _arm(self) -> None:
        self._deadline = self._loop.call_later(self.read_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _stop_watching(self) -> None:
        self._watch = None
        self._in_head = False
        self._disarm()

    def _too_slow(self) -> None:
        self._deadline = None
        if self._transport is not None and not self._transport.is_closing():
            self._refused = True
            self._transport.close()

    def _refuse(self, status: bytes, message: bytes) -> None:
        self._refused = True
        self._disarm()
        assert self._transport is not None
        self._transport.write(
            b"HTTP/1.1 "
            + status
            + b"\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: "
            + str(len(message)).encode()
            + b"\r\n\r\n"
            + message
        )
        self._transport.close()


class _Boundaries:
    """The watching parser's callbacks: where each request begins, how large its head is, where the head
    ends and where the request is complete; never what it says."""

    def __init__(self, protocol: _BoundedHttp) -> None:
        self.on_message_begin = protocol.message_begun
        self.on_headers_complete = protocol.head_complete
        self.on_message_complete = protocol.message_complete
        self._head_part = protocol.head_part

    def on_url(self, url: bytes) -> None:
        self._head_part(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_part(len(name) + len(value) + 4)  # with ": " and the line's end
