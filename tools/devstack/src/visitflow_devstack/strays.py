"""A profile's processes that no record names: started or restarted by hand, or left by a run whose
record is lost. `make stop` stops them after the recorded ones. Found in /proc (Linux).

Whose a process is:
- One whose working directory or arguments lie in a stack's home (`var/<profile>`, or
  `var/<profile>-<offset>` with moved ports) is that stack's. Every process a stack starts is such:
  the services and the simulator run in it, Kafka names its properties file there, and Redis works in
  its data folder.
- Any other is the profile's when it runs one of the system's programs (a service's or the
  simulator's module, Kafka, redis-server), from this checkout (its working directory, an argument or
  its VIRTUAL_ENV lies in it), and is bound to the profile's ports at this offset: it listens on one
  of them, or every loopback port its arguments and connection settings name is one of them (a
  service without those settings uses their defaults, the dev profile's ports). Checkouts that run
  side by side use different offsets, so ports tell their processes apart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from visitflow_platform.settings import ServiceSettings

from . import paths
from .processes import terminate
from .stack import SERVICES, ports_of, stop_recorded

SERVICE_MODULES = frozenset(service.module for service in SERVICES)
SYSTEM_MODULES = SERVICE_MODULES | {"visitflow_simulator"}
STOPPED_LAST = {"kafka": 1, "redis-server": 2}  # after every service, as a stack stops
CONNECTION_SETTINGS = {
    "KAFKA_BOOTSTRAP_SERVERS": ServiceSettings.model_fields["kafka_bootstrap_servers"].default,
    "REDIS_URL": ServiceSettings.model_fields["redis_url"].default,
}
PORT_SETTINGS = frozenset(f"VISITFLOW_{s.port_of.upper()}_PORT" for s in SERVICES if s.port_of)
LOOPBACK_ADDRESS = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})\b")
PROC = Path("/proc")
LISTEN = "0A"  # a socket's state in /proc/net/tcp


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path
    listening: frozenset[int]  # the TCP ports it listens on


# -- whose a process is ------------------------------------------------------------------------------
def belongs_to(process: ProcessInfo, home: Path, ports: frozenset[int]) -> bool:
    """Whether the process is of the stack with this home and these ports (see the module's doc)."""
    homes = homes_named(process)
    if homes:
        return home in homes
    return program_of(process.argv) is not None and in_checkout(process) and bound_to(process, ports)


def program_of(argv: tuple[str, ...]) -> str | None:
    """Which of the system's programs a command line runs, as a short name; None for any other."""
    if "kafka.Kafka" in argv:
        return "kafka"
    if argv and Path(argv[0].split()[0]).name == "redis-server":  # Redis shows "redis-server host:port"
        return "redis-server"
    module = module_run(argv)
    if module not in SYSTEM_MODULES:
        return None
    after = argv[argv.index(module) + 1 :]
    return f"{module} {after[0]}" if after and not after[0].startswith("-") else module


def module_run(argv: tuple[str, ...]) -> str | None:
    """The module a `python -m <module>` command line runs."""
    return next((module for flag, module in itertools.pairwise(argv) if flag == "-m"), None)


def homes_named(process: ProcessInfo) -> set[Path]:
    """The stack homes (folders of var/) the process works in or names in its arguments."""
    var = paths.var()
    return {
        var / path.relative_to(var).parts[0]
        for path in _paths_named(process)
        if path.is_relative_to(var) and path != var
    }


def in_checkout(process: ProcessInfo) -> bool:
    virtual_env = [Path(process.env["VIRTUAL_ENV"])] if "VIRTUAL_ENV" in process.env else []
    return any(path.is_relative_to(paths.root()) for path in [*_paths_named(process), *virtual_env])


def _paths_named(process: ProcessInfo) -> Iterator[Path]:
    """Its working directory, and each part of its arguments that is a path (relative ones from that
    directory), such as `-Dlog4j2.configurationFile=/.../log4j2.xml` or a class path."""
    yield process.cwd
    for arg in process.argv:
        for part in re.split(r"[=:\s]", arg):
            if "/" in part:
                yield Path(os.path.normpath(process.cwd / part))


def bound_to(process: ProcessInfo, ports: frozenset[int]) -> bool:
    if process.listening & ports:
        return True
    named = ports_named(process)
    return bool(named) and named <= ports


def ports_named(process: ProcessInfo) -> set[int]:
    """The loopback ports its arguments name, and for a service, its connection and port settings."""
    texts = list(process.argv)
    settings: dict[str, str] = {}
    if module_run(process.argv) in SERVICE_MODULES:
        texts += [process.env.get(key, default) for key, default in CONNECTION_SETTINGS.items()]
        settings = {key: value for key, value in process.env.items() if key in PORT_SETTINGS}
    named = {int(port) for text in texts for port in LOOPBACK_ADDRESS.findall(text)}
    return named | {int(value) for value in settings.values() if value.isdigit()}


# -- reading /proc -----------------------------------------------------------------------------------
def listening_sockets(table: str) -> dict[int, int]:
    """Socket inode -> port, for every listening socket of a /proc/net/tcp (or tcp6) table."""
    found = {}
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 9 and fields[3] == LISTEN:
            found[int(fields[9])] = int(fields[1].rpartition(":")[2], 16)
    return found


def read_processes() -> list[ProcessInfo]:
    """Every process but this one whose details this user may read."""
    sockets: dict[int, int] = {}
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            sockets |= listening_sockets((PROC / "net" / table).read_text())
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):  # it ended meanwhile, or it is not ours to read
                found.append(_read_process(entry, sockets))
    return [process for process in found if process.argv]  # zombies and kernel threads have none


def _read_process(entry: Path, sockets: Mapping[int, int]) -> ProcessInfo:
    env = dict(item.partition("=")[::2] for item in _strings((entry / "environ").read_bytes()))
    inodes = set()
    for fd in (entry / "fd").iterdir():
        with contextlib.suppress(OSError):
            link = os.readlink(fd)
            if link.startswith("socket:["):
                inodes.add(int(link.removeprefix("socket:[").removesuffix("]")))
    return ProcessInfo(
        pid=int(entry.name),
        argv=tuple(_strings((entry / "cmdline").read_bytes())),
        env=env,
        cwd=Path(os.readlink(entry / "cwd")),
        listening=frozenset(sockets[inode] for inode in inodes if inode in sockets),
    )


def _strings(data: bytes) -> list[str]:
    return [item.decode(errors="surrogateescape") for item in data.split(b"\0") if item]


# -- stopping ----------------------------------------------------------------------------------------
def stop_strays(profile: str) -> list[str]:
    """Stops the profile's processes that no record names; returns what it stopped."""
    home = paths.home_of(profile)
    ports = frozenset(dataclasses.astuple(ports_of(profile)))
    strays = [process for process in read_processes() if belongs_to(process, home, ports)]
    strays.sort(key=lambda process: STOPPED_LAST.get(program_of(process.argv) or "", 0))
    for process in strays:
        terminate(process.pid, timeout_s=30, group=_leads_its_group(process.pid))
    return [f"{program_of(process.argv)} (pid {process.pid})" for process in strays]


def _leads_its_group(pid: int) -> bool:
    """A process started in its own group (as a stack starts each) is stopped with its group; one that
    shares its starter's group is stopped alone."""
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


def stop_profile(profile: str) -> list[str]:
    """Stops everything of a profile at this offset: what a run recorded first (a live run stops its own
    children), then what no record names."""
    return stop_recorded(profile) + stop_strays(profile)
