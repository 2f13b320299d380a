"""Whose a process is, for `make stop`: a stack's, by its home; one started by hand, by the system's
program, this checkout and the profile's ports; nobody else's process is ever taken."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from visitflow_devstack import paths
from visitflow_devstack.stack import PROFILES, Ports
from visitflow_devstack.strays import ProcessInfo, belongs_to, listening_sockets, program_of

PYTHON = sys.executable


def _ports(profile: str, offset: int = 0) -> Ports:
    return Ports(*(port + offset for port in dataclasses.astuple(PROFILES[profile])))


def _set(ports: Ports) -> frozenset[int]:
    return frozenset(dataclasses.astuple(ports))


DEV, DEV_MOVED, SMOKE = _ports("dev"), _ports("dev", 5000), _ports("smoke")


def _process(
    *argv: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    listening: frozenset[int] = frozenset(),
) -> ProcessInfo:
    return ProcessInfo(pid=4242, argv=argv, env=env or {}, cwd=cwd, listening=listening)


def _service_env(ports: Ports) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{ports.kafka}",
        "REDIS_URL": f"redis://127.0.0.1:{ports.redis}/0",
        "VISITFLOW_CHECKIN_PORT": str(ports.checkin),
        "VISITFLOW_QUEUE_PORT": str(ports.queue),
        "VISITFLOW_NOTIFY_PORT": str(ports.notify),
        "VISITFLOW_METRICS_PORT": str(ports.metrics),
    }


def _whose(process: ProcessInfo) -> set[str]:
    """Which of dev, dev at offset 5000 and smoke the process is found to be of."""
    stacks = {"dev": ("dev", DEV), "dev-5000": ("dev-5000", DEV_MOVED), "smoke": ("smoke", SMOKE)}
    return {
        name for name, (home, ports) in stacks.items() if belongs_to(process, paths.var() / home, _set(ports))
    }


# -- what a stack started: its home says whose it is -------------------------------------------------
def test_a_service_a_stack_started_is_that_stacks(checkout: Path) -> None:
    worker = _process(
        f"{checkout}/.venv/bin/python",
        "-m",
        "visitflow_queue",
        "worker",
        cwd=paths.var() / "dev-5000",
        env=_service_env(DEV_MOVED),
    )
    assert DEV_MOVED.kafka == SMOKE.kafka  # moved ports can meet another profile's
    assert _whose(worker) == {"dev-5000"}


def test_kafka_a_stack_started_is_that_stacks_though_its_port_is_another_profiles(checkout: Path) -> None:
    kafka = _process(
        "java",
        f"-Dlog4j2.configurationFile={checkout}/deploy/kafka/log4j2.xml",
        "-cp",
        f"{checkout}/.cache/kafka/libs/*",
        "kafka.Kafka",
        f"{paths.var()}/dev-5000/kafka/server.properties",
        cwd=checkout,
        listening=frozenset({DEV_MOVED.kafka, DEV_MOVED.controller}),
    )
    assert _whose(kafka) == {"dev-5000"}


def test_redis_a_stack_started_is_that_stacks_by_the_folder_it_works_in(checkout: Path) -> None:
    redis = _process(
        f"redis-server 127.0.0.1:{DEV.redis}",
        cwd=paths.var() / "dev" / "redis",
        listening=frozenset({DEV.redis}),
    )
    assert _whose(redis) == {"dev"}


# -- started by hand: the program, the checkout and the ports ----------------------------------------
def test_a_redis_started_by_hand_is_the_profiles_whose_port_it_listens_on(checkout: Path) -> None:
    redis = _process("redis-server", "--port", str(DEV.redis), cwd=checkout, listening=frozenset({DEV.redis}))
    assert _whose(redis) == {"dev"}


def test_a_worker_started_by_hand_is_the_profiles_whose_ports_its_settings_name(checkout: Path) -> None:
    worker = _process(PYTHON, "-m", "visitflow_notify", "worker", cwd=checkout, env=_service_env(DEV_MOVED))
    assert _whose(worker) == {"dev-5000"}  # its Redis is not smoke's, though its Kafka port is


def test_a_worker_started_by_hand_without_settings_uses_the_dev_profiles_ports(checkout: Path) -> None:
    worker = _process(PYTHON, "-m", "visitflow_metrics", "worker", cwd=checkout, env={"HOME": "/root"})
    assert _whose(worker) == {"dev"}


def test_a_simulator_started_by_hand_is_the_profiles_whose_apis_it_calls(checkout: Path) -> None:
    simulator = _process(
        PYTHON,
        "-m",
        "visitflow_simulator",
        "--checkin-url",
        f"http://127.0.0.1:{SMOKE.checkin}",
        "--queue-url",
        f"http://127.0.0.1:{SMOKE.queue}",
        cwd=checkout,
    )
    assert _whose(simulator) == {"smoke"}


def test_a_process_started_by_hand_from_elsewhere_is_the_checkouts_by_its_python(checkout: Path) -> None:
    api = _process(
        f"{checkout}/.venv/bin/python",
        "-m",
        "visitflow_checkin",
        "api",
        cwd=Path("/tmp"),
        listening=frozenset({DEV.checkin}),
    )
    activated = dataclasses.replace(
        api, argv=("python", *api.argv[1:]), env={"VIRTUAL_ENV": f"{checkout}/.venv"}
    )
    assert _whose(api) == {"dev"}
    assert _whose(activated) == {"dev"}


# -- never anybody else's -----------------------------------------------------------------------------
def test_another_checkouts_processes_on_the_same_ports_are_not_this_ones(checkout: Path) -> None:
    other = checkout.parent / "other-checkout"
    api = _process(
        f"{other}/.venv/bin/python",
        "-m",
        "visitflow_checkin",
        "api",
        cwd=other / "var" / "dev",
        env=_service_env(DEV),
        listening=frozenset({DEV.checkin}),
    )
    redis = _process("redis-server", "--port", str(DEV.redis), cwd=other, listening=frozenset({DEV.redis}))
    assert _whose(api) == set()
    assert _whose(redis) == set()


@pytest.mark.parametrize(
    "argv",
    [
        (PYTHON, "-m", "http.server", str(DEV.checkin)),  # some other server on the profile's port
        (PYTHON, "-m", "visitflow_devstack", "run"),  # a run is stopped through its record
        ("bash",),  # a shell with the settings exported
        (PYTHON, "-m", "pytest", "services/queue"),
    ],
)
def test_other_programs_are_never_taken(checkout: Path, argv: tuple[str, ...]) -> None:
    process = _process(*argv, cwd=checkout, env=_service_env(DEV), listening=frozenset({DEV.checkin}))
    assert _whose(process) == set()


def test_a_worker_of_another_offset_is_not_this_ones(checkout: Path) -> None:
    worker = _process(
        PYTHON, "-m", "visitflow_queue", "worker", cwd=checkout, env=_service_env(_ports("dev", 7))
    )
    assert _whose(worker) == set()


# -- reading /proc ------------------------------------------------------------------------------------
def test_the_system_programs_are_named_for_the_report() -> None:
    assert program_of((PYTHON, "-m", "visitflow_queue", "worker")) == "visitflow_queue worker"
    assert program_of((PYTHON, "-u", "-m", "visitflow_simulator", "--region", "all")) == "visitflow_simulator"
    assert program_of(("java", "-Xmx512m", "-cp", "libs/*", "kafka.Kafka", "x.properties")) == "kafka"
    assert program_of(("redis-server 127.0.0.1:16379",)) == "redis-server"
    assert program_of(("/usr/bin/redis-server", "--port", "16379")) == "redis-server"
    assert program_of((PYTHON, "-m", "http.server")) is None
    assert program_of(()) is None


def test_listening_sockets_are_read_from_the_kernels_table() -> None:
    table = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:3FCB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 13378 1\n"
        "   1: 0100007F:C350 0100007F:3FCB 01 00000000:00000000 00:00000000 00000000     0        0 13399 1\n"
    )
    assert listening_sockets(table) == {13378: 16331}  # the established connection is no listener


def test_a_process_started_by_hand_in_var_is_no_stacks_by_its_bare_words(checkout: Path) -> None:
    worker = _process(PYTHON, "-m", "visitflow_queue", "worker", cwd=paths.var(), env=_service_env(DEV))
    assert _whose(worker) == {"dev"}


def test_a_relative_path_in_the_arguments_names_a_stack_home(checkout: Path) -> None:
    kafka = _process("java", "kafka.Kafka", "var/smoke/kafka/server.properties", cwd=checkout)
    assert _whose(kafka) == {"smoke"}
