"""The SMS providers: the local outbox file, and an HTTP gateway's refusals as exceptions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from visitflow_notify.adapters.providers import HttpGatewayProvider, OutboxFileProvider, SmsRejected


async def test_the_outbox_provider_appends_one_json_line_per_message(tmp_path: Path) -> None:
    outbox = OutboxFileProvider(tmp_path / "sub" / "outbox.jsonl")
    await outbox.send("+47 400 00 001", "first")
    await outbox.send("+47 400 00 002", "second")
    lines = [json.loads(line) for line in (tmp_path / "sub" / "outbox.jsonl").read_text().splitlines()]
    assert [(line["to"], line["text"]) for line in lines] == [
        ("+47 400 00 001", "first"),
        ("+47 400 00 002", "second"),
    ]


async def test_an_unreachable_gateway_is_a_rejection_the_sender_can_retry() -> None:
    gateway = HttpGatewayProvider("http://127.0.0.1:9/sms", timeout_s=0.5)  # port 9: nothing listens
    with pytest.raises(SmsRejected, match="unreachable"):
        await gateway.send("+47 400 00 003", "hello")
    await gateway.close()
