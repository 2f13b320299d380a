"""`make run` keeps its processes running: a queue worker killed with SIGKILL is reported in the run's
output and started again, and the queue API is ready again. `make stop` then ends the run, and a
worker started by hand beside it, but not a Redis of another port offset."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable

import httpx
import orjson
import pytest
from visitflow_devstack.paths import root
from visitflow_devstack.processes import port_open
from visitflow_devstack.stack import Stack
from visitflow_devstack.testing import eventually, move_ports

pytestmark = [pytest.mark.integration, pytest.mark.faults]
STACK_OFFSET = 20  # clear of the session's ports and of the other tests' stacks (5, 10 and 15)
PROFILE = "smoke"


class Output:
    """The lines a process writes, read as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.ended = threading.Event()
        assert process.stdout is not None
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream: Iterable[str]) -> None:
        for line in stream:
            self.lines.append(line)
        self.ended.set()

    def wait_for(self, text: str, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ended = self.ended.is_set()
            if found := next((line for line in list(self.lines) if text in line), None):
                return found
            if ended:
                break
            time.sleep(0.05)
        raise AssertionError(f"no line with {text!r} in:\n{''.join(self.lines)}")


def test_a_killed_worker_is_restarted_and_stop_ends_the_run_and_what_was_started_by_hand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    move_ports(monkeypatch, STACK_OFFSET)
    stack = Stack(PROFILE)  # not started here: its ports, home and environment, as the run has them
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL")}
    run = subprocess.Popen(
        [sys.executable, "-m", "visitflow_devstack", "run", "--profile", PROFILE, "--no-simulator"],
        cwd=root(),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    started_by_hand: list[subprocess.Popen[bytes]] = []
    try:
        output = Output(run)
        output.wait_for("stops everything", 120)

        killed = _recorded(stack)["queue-worker"]
        os.kill(killed, signal.SIGKILL)
        assert "restarting in 1 s" in output.wait_for(
            f"queue-worker (pid {killed}) was killed by SIGKILL", 10
        )
        restarted = output.wait_for("queue-worker restarted (pid ", 10)
        assert restarted.rstrip().endswith(f"(pid {_recorded(stack)['queue-worker']})")
        eventually(lambda: _ready(stack.url("queue")), 90, "the queue API ready again, with a worker")

        worker = _start_by_hand([sys.executable, "-m", "visitflow_notify", "worker"], {**env, **stack.env()})
        other_offset = stack.ports.redis + 1
        redis = _start_by_hand(
            ["redis-server", "--port", str(other_offset), "--bind", "127.0.0.1", "--save", ""]
        )
        started_by_hand += [worker, redis]
        eventually(lambda: port_open(other_offset), 10, "the other offset's Redis")

        stop = subprocess.run(
            [sys.executable, "-m", "visitflow_devstack", "stop", "--profile", PROFILE],
            cwd=root(),
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )

        assert stop.returncode == 0, stop.stderr
        assert f"visitflow_notify worker (pid {worker.pid})" in stop.stdout
        assert run.wait(timeout=10) == 0  # the run stopped its own processes, restarted ones included
        assert worker.poll() is not None  # `stop` waited until it had ended
        assert redis.poll() is None
        ports = stack.ports
        assert not any(port_open(port) for port in (ports.kafka, ports.redis, ports.checkin, ports.queue))
        assert not stack.state_file.exists()
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGTERM)
            run.wait(timeout=120)
        for process in started_by_hand:
            process.kill()
            process.wait()


def _recorded(stack: Stack) -> dict[str, int]:
    pids: dict[str, int] = orjson.loads(stack.state_file.read_bytes())["pids"]
    return pids


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _start_by_hand(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """As a person would start it: from the checkout, in the shell's own process group."""
    return subprocess.Popen(argv, cwd=root(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
