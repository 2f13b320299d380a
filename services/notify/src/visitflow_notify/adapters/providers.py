"""SMS providers, pluggable: a local outbox file (the default, for development and demos) and an HTTP
gateway. A provider raises `SmsRejected` when a message was not accepted; the sender retries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import httpx
import orjson

from ..config import NotifySettings


class SmsRejected(Exception):
    pass


class SmsProvider(Protocol):
    async def send(self, phone: str, text: str) -> None: ...

    async def close(self) -> None: ...


class OutboxFileProvider:
    """Appends each message as a JSON line to a local file: what a real gateway would have sent."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, phone: str, text: str) -> None:
        line = orjson.dumps({"at": datetime.now(UTC).isoformat(), "to": phone, "text": text}) + b"\n"
        await asyncio.get_running_loop().run_in_executor(None, self._append, line)

    def _append(self, line: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as outbox:
            outbox.write(line)

    async def close(self) -> None:
        return None


class HttpGatewayProvider:
    """POSTs {"to", "text"} as JSON to an SMS gateway; anything but a 2xx is a rejection."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, phone: str, text: str) -> None:
        try:
            answer = await self._client.post(self.url, json={"to": phone, "text": text})
        except httpx.HTTPError as exc:
            raise SmsRejected(f"gateway unreachable: {type(exc).__name__}") from exc
        if not answer.is_success:
            raise SmsRejected(f"gateway answered {answer.status_code}")

    async def close(self) -> None:
        await self._client.aclose()


def make_provider(settings: NotifySettings) -> SmsProvider:
    if settings.sms_provider == "http":
        return HttpGatewayProvider(settings.sms_gateway_url, settings.sms_timeout_s)
    return OutboxFileProvider(settings.sms_outbox_file)
