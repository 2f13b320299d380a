"""Keeps the processes of a `run` running: each exit is reported, and the process started again.

A process that keeps failing soon after its start is started again after a pause that doubles each
time (1 s, 2 s, 4 s ... up to 30 s), and given up on, loudly, after a few such failures in a row.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from .processes import Child
from .stack import Stack


@dataclass(frozen=True)
class Backoff:
    first_s: float = 1.0
    longest_s: float = 30.0
    settled_s: float = 60.0  # a process that ran this long had started well: its failures count anew
    attempts: int = 8  # quick failures in a row after which a process is left stopped

    def delay_s(self, failures: int) -> float:
        """The pause before starting a process again after its `failures`-th quick failure in a row."""
        return min(self.longest_s, self.first_s * 2.0 ** (failures - 1))

    def failures_after(self, failures: int, ran_s: float) -> int:
        """Quick failures in a row, counting an exit after `ran_s` seconds that follows `failures`."""
        return failures + 1 if ran_s < self.settled_s else 1


BACKOFF = Backoff()


def describe_exit(returncode: int | None) -> str:
    if returncode is None or returncode >= 0:
        return f"exited with code {returncode}"
    try:
        return f"was killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"was killed by signal {-returncode}"


def to_stderr(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


@dataclass
class _Watch:
    child: Child
    failures: int = 0
    restart_at: float | None = None
    given_up: bool = False


class Supervisor:
    """Watches every child of a stack, each time `check` is called: reports the ones that exited,
    and starts each again once its back-off has passed, recorded for `make stop` under its new pid."""

    def __init__(
        self, stack: Stack, say: Callable[[str], None] = to_stderr, backoff: Backoff = BACKOFF
    ) -> None:
        self.stack = stack
        self.say = say
        self.backoff = backoff
        self._watches: dict[str, _Watch] = {}

    def check(self) -> None:
        now = time.monotonic()
        for watch in self._current_watches():
            if watch.given_up:
                continue
            if watch.restart_at is None and not watch.child.alive():
                self._exited(watch, now)
            if watch.restart_at is not None and now >= watch.restart_at:
                self._restart(watch)

    def _current_watches(self) -> list[_Watch]:
        """A watch for each child the stack holds now: a child stopped on purpose has left the stack,
        and one started anew under the same name starts with a clean slate."""
        self._watches = {
            name: watch if (watch := self._watches.get(name)) and watch.child is child else _Watch(child)
            for name, child in self.stack.children.items()
        }
        return list(self._watches.values())

    def _exited(self, watch: _Watch, now: float) -> None:
        child = watch.child
        ran_s = now - child.started_at
        watch.failures = self.backoff.failures_after(watch.failures, ran_s)
        exit_line = f"{child.name} (pid {child.pid}) {describe_exit(child.returncode)} after {ran_s:.0f} s"
        if watch.failures >= self.backoff.attempts:
            watch.given_up = True
            self.say(
                f"{exit_line}; GIVING UP on it after {watch.failures} failures in a row soon after "
                f"starting: Visitflow runs on without {child.name}. The end of {child.log_path}:\n"
                f"{child.tail()}"
            )
            return
        delay_s = self.backoff.delay_s(watch.failures)
        watch.restart_at = now + delay_s
        self.say(f"{exit_line}; restarting in {delay_s:g} s (log: {child.log_path})")

    def _restart(self, watch: _Watch) -> None:
        child = watch.child
        if child.pid is not None:
            _end_process_group(child.pid)
        child.start()
        self.stack.add(child)  # records the new pid
        watch.restart_at = None
        self.say(f"{child.name} restarted (pid {child.pid})")


def _end_process_group(leader: int) -> None:
    """Kills what is left of an ended child's process group, so that nothing it started holds a port
    or a file the new process needs. (Linux gives no new process an id still in use as a group id.)"""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(leader, signal.SIGKILL)
