"""`make run` (the devstack's `run`) comes up with every URL it prints answering, and stops clean."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
from visitflow_devstack.paths import home_of, root
from visitflow_devstack.processes import port_open
from visitflow_devstack.stack import ports_of

pytestmark = pytest.mark.integration


def test_run_prints_urls_that_answer_and_stops_leaving_nothing_behind() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL")}
    started = time.monotonic()
    run = subprocess.Popen(
        [sys.executable, "-m", "visitflow_devstack", "run", "--profile", "smoke"],
        cwd=root(),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed: list[str] = []
    try:
        assert run.stdout is not None
        for line in run.stdout:
            printed.append(line)
            if "stops everything" in line or time.monotonic() - started > 120:
                break
        ready_s = time.monotonic() - started
        text = "".join(printed)
        assert "Visitflow is running." in text, text
        urls = re.findall(r"http://127\.0\.0\.1:\d+\S*", text)
        assert len(urls) >= 12
        for url in urls:
            with httpx.stream("GET", url, timeout=10) as answer:
                assert answer.status_code == 200, url
                if url.endswith("/stream"):
                    assert next(answer.iter_lines()).startswith(("id:", "event:", "data:", ":")), url
        print(f"ready in {ready_s:.1f} s")
        # The demo simulator is checking visitors in (the pages would otherwise stay empty).
        checkins = f"http://127.0.0.1:{ports_of('smoke').checkin}/metrics"
        deadline = time.monotonic() + 60
        while "visitflow_checkins_total{" not in httpx.get(checkins, timeout=10).text:
            assert time.monotonic() < deadline, "the demo simulator checked nobody in within 60 s"
            time.sleep(1)
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=90)
    assert run.returncode == 0
    ports = ports_of("smoke")
    assert not any(port_open(port) for port in (ports.kafka, ports.redis, ports.checkin, ports.queue))
    assert not (home_of("smoke") / "stack.json").exists()
