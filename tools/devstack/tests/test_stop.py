"""`make stop` (the devstack's `stop`) stops what any profile's run left behind: a bench killed
before it could stop its stack left the broker, Redis and seven services running; and what was
started or restarted by hand, which no run recorded."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from visitflow_devstack import paths, stack
from visitflow_devstack.__main__ import main
from visitflow_devstack.processes import port_open
from visitflow_devstack.testing import eventually


@pytest.fixture
def sleepers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started = [subprocess.Popen(["sleep", "60"], start_new_session=True) for _ in range(3)]
    yield started
    for process in started:
        process.kill()
        process.wait()


def test_stop_stops_every_profile_unless_one_is_named(
    checkout: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sleepers: list[subprocess.Popen[bytes]],
) -> None:
    monkeypatch.delenv("VISITFLOW_PORT_OFFSET", raising=False)
    bench_runner, bench_redis, dev_redis = sleepers
    for profile in ("bench", "dev"):
        (paths.var() / profile).mkdir()
    stack.record(paths.var() / "bench", {"redis": bench_redis.pid}, bench_runner.pid)
    stack.record(paths.var() / "dev", {"redis": dev_redis.pid}, 0)

    assert main(["stop", "--profile", "dev"]) == 0
    assert capsys.readouterr().out == "stopped dev: redis\n"
    assert dev_redis.poll() is not None  # `stop` waits for it to end, and reaps it here
    assert bench_redis.poll() is None
    assert bench_runner.poll() is None

    assert main(["stop"]) == 0
    assert capsys.readouterr().out == "stopped bench: redis\n"
    assert bench_redis.poll() is not None
    assert bench_runner.poll() is not None  # the bench that recorded them
    assert not (paths.var() / "bench" / "stack.json").exists()

    assert main(["stop"]) == 0
    assert capsys.readouterr().out == "stopped: nothing was running\n"


def _listening(*ports: int) -> bool:
    return all(port_open(port) for port in ports)


def test_stop_ends_what_was_started_by_hand_on_the_profiles_ports_and_nothing_else(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Redis restarted by hand on the dev profile's port is stopped; a Redis on the same profile's
    port at another offset, and another program on one of the profile's ports, are left running."""
    ports = stack.ports_of("dev")
    by_hand = _redis(ports.redis, checkout)
    other_offset = _redis(ports.redis + 1, checkout)
    other_program = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(ports.checkin)],
        cwd=checkout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        eventually(lambda: _listening(ports.redis, ports.redis + 1, ports.checkin), 10, "the servers")

        assert main(["stop", "--profile", "dev"]) == 0

        assert capsys.readouterr().out == f"stopped dev: redis-server (pid {by_hand.pid})\n"
        assert by_hand.poll() is not None
        assert other_offset.poll() is None
        assert other_program.poll() is None
    finally:
        for process in (by_hand, other_offset, other_program):
            process.kill()
            process.wait()


def _redis(port: int, cwd: Path) -> subprocess.Popen[bytes]:
    """As a person would start one: from the checkout, in the shell's process group."""
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL)
