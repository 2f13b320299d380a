"""`make stop` (the devstack's `stop`) stops what any profile's run left behind: a bench killed
before it could stop its stack left the broker, Redis and seven services running."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from visitflow_devstack import paths, stack
from visitflow_devstack.__main__ import main


@pytest.fixture
def sleepers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started = [subprocess.Popen(["sleep", "60"], start_new_session=True) for _ in range(3)]
    yield started
    for process in started:
        process.kill()
        process.wait()


def test_stop_stops_every_profile_unless_one_is_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sleepers: list[subprocess.Popen[bytes]],
) -> None:
    monkeypatch.setattr(paths, "VAR", tmp_path)  # where every profile keeps its state
    monkeypatch.delenv("VISITFLOW_PORT_OFFSET", raising=False)
    bench_runner, bench_redis, dev_redis = sleepers
    for profile in ("bench", "dev"):
        (tmp_path / profile).mkdir()
    stack.record(tmp_path / "bench", {"redis": bench_redis.pid}, bench_runner.pid)
    stack.record(tmp_path / "dev", {"redis": dev_redis.pid}, 0)

    assert main(["stop", "--profile", "dev"]) == 0
    assert capsys.readouterr().out == "stopped dev: redis\n"
    assert dev_redis.poll() is not None  # `stop` waits for it to end, and reaps it here
    assert bench_redis.poll() is None
    assert bench_runner.poll() is None

    assert main(["stop"]) == 0
    assert capsys.readouterr().out == "stopped bench: redis\n"
    assert bench_redis.poll() is not None
    assert bench_runner.poll() is not None  # the bench that recorded them
    assert not (tmp_path / "bench" / "stack.json").exists()

    assert main(["stop"]) == 0
    assert capsys.readouterr().out == "stopped: nothing was running\n"
