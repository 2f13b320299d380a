"""The supervisor of `make run`: a child that exits is reported and started again, recorded for
`make stop`; one that keeps failing is given up on, loudly."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from visitflow_devstack.processes import Child
from visitflow_devstack.stack import Stack
from visitflow_devstack.supervisor import Backoff, Supervisor, describe_exit
from visitflow_devstack.testing import eventually


def test_the_pause_doubles_from_one_second_up_to_thirty() -> None:
    backoff = Backoff()
    assert [backoff.delay_s(failures) for failures in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_failure_after_a_settled_run_counts_as_the_first_again() -> None:
    backoff = Backoff(settled_s=60)
    assert backoff.failures_after(3, ran_s=5) == 4
    assert backoff.failures_after(3, ran_s=60) == 1
    assert backoff.failures_after(0, ran_s=0) == 1


@pytest.mark.parametrize(
    ("returncode", "said"),
    [
        (-signal.SIGKILL, "was killed by SIGKILL"),
        (-signal.SIGSEGV, "was killed by SIGSEGV"),
        (1, "exited with code 1"),
        (0, "exited with code 0"),
        (-40, "was killed by signal 40"),  # a real-time signal has no name
    ],
)
def test_an_exit_is_described_by_its_code_or_signal(returncode: int, said: str) -> None:
    assert describe_exit(returncode) == said


@pytest.fixture
def stack(checkout: Path) -> Iterator[Stack]:
    stack = Stack("dev")
    stack.home.mkdir(parents=True)
    try:
        yield stack
    finally:
        stack.stop()


def _start(stack: Stack, name: str, *argv: str) -> Child:
    child = Child(name, argv, stack.home / "logs" / f"{name}.log")
    child.start()
    stack.add(child)
    return child


def _supervise_until(supervisor: Supervisor, done: Callable[[], bool], what: str) -> None:
    def checked() -> bool:
        supervisor.check()
        return done()

    eventually(checked, 10, what)


def _recorded(stack: Stack) -> dict[str, int]:
    pids: dict[str, int] = orjson.loads(stack.state_file.read_bytes())["pids"]
    return pids


def test_a_killed_child_is_reported_started_again_and_recorded(stack: Stack) -> None:
    said: list[str] = []
    supervisor = Supervisor(stack, said.append, Backoff(first_s=0.05))
    child = _start(stack, "sleeper", "sleep", "60")
    _start(stack, "bystander", "sleep", "60")
    killed = child.pid
    assert killed is not None

    os.kill(killed, signal.SIGKILL)
    _supervise_until(supervisor, lambda: len(said) == 2, "the restart")

    assert said[0] == (
        f"sleeper (pid {killed}) was killed by SIGKILL after 0 s; restarting in 0.05 s "
        f"(log: {stack.home / 'logs' / 'sleeper.log'})"
    )
    assert said[1] == f"sleeper restarted (pid {child.pid})"
    assert child.pid != killed
    assert child.alive()
    assert _recorded(stack)["sleeper"] == child.pid  # so `make stop` finds it


def test_a_child_that_keeps_failing_at_its_start_is_given_up_on_loudly(stack: Stack) -> None:
    said: list[str] = []
    supervisor = Supervisor(stack, said.append, Backoff(first_s=0.01, attempts=3))
    child = _start(stack, "crasher", sys.executable, "-c", "print('no config'); raise SystemExit(3)")

    _supervise_until(supervisor, lambda: any("GIVING UP" in line for line in said), "giving up")

    exits = [line for line in said if "exited with code 3" in line]
    assert len(exits) == 3
    assert [line for line in said if "restarted" in line] == [
        f"crasher restarted (pid {pid})" for pid in (_pid_in(exits[1]), _pid_in(exits[2]))
    ]
    assert "GIVING UP on it after 3 failures in a row" in said[-1]
    assert said[-1].endswith("no config")  # the end of its log, to say why
    last = child.pid
    supervisor.check()
    assert child.pid == last  # left stopped
    assert not child.alive()


def _pid_in(line: str) -> int:
    return int(line.split("(pid ")[1].split(")")[0])


def test_a_child_stopped_on_purpose_is_left_stopped(stack: Stack) -> None:
    said: list[str] = []
    supervisor = Supervisor(stack, said.append, Backoff(first_s=0))
    child = _start(stack, "sleeper", "sleep", "60")
    supervisor.check()

    stack.stop_service("sleeper")
    supervisor.check()

    assert said == []
    assert not child.alive()
    assert "sleeper" not in _recorded(stack)
