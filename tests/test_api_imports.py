"""An API process imports what it serves with, not the workers' stream processing
(docs/decisions/api-and-worker-processes.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

WORKER_ONLY = ("faust", "mode", "aiokafka", "aiohttp", "httpx")


@pytest.mark.parametrize("service", ["checkin", "queue", "notify", "metrics"])
def test_an_api_does_not_import_the_workers_stream_processing(service: str) -> None:
    probe = (
        f"import sys; from visitflow_{service}.api import create_app; "
        f"print(' '.join(m for m in {WORKER_ONLY!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []
