"""Prometheus and Grafana: every service's /metrics and the metrics service's office figures pass
`promtool check metrics`, the public /metrics holds no office's figures while the figures need the
scraper's token, the Prometheus configurations scrape them with it, the rules are valid (and the alerts
fire as meant), the consumer lag is measured, and every query of the Grafana dashboard names a metric
the running services export."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from visitflow_devstack.paths import root
from visitflow_devstack.testing import System, eventually
from visitflow_platform.access import Role

pytestmark = pytest.mark.integration
PROMTOOL = "/usr/bin/promtool"
PROMETHEUS = root() / "deploy" / "prometheus"
COMPOSE = root() / "deploy" / "compose"
GRAFANA = root() / "deploy" / "grafana"
SERVICES = ("checkin", "queue", "notify", "metrics")
FIGURES = "/metrics/offices"  # the metrics service's office figures, for the scraper role
ENDPOINTS = [(service, "/metrics") for service in SERVICES] + [("metrics", FIGURES)]


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROMTOOL, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def scrape(system: System, service: str, path: str) -> str:
    """What Prometheus gets from an endpoint: the public /metrics without a token, the office figures
    with the scraper's."""
    token = {"Authorization": f"Bearer {system.token(Role.SCRAPER)}"} if path == FIGURES else {}
    answer = httpx.get(system.stack.url(service) + path, headers=token, timeout=20)
    assert answer.status_code == 200, answer.text
    return answer.text


def exported(system: System) -> set[str]:
    """Every metric name (and sample name, e.g. `_bucket`) the four running services expose."""
    names: set[str] = set()
    for service, path in ENDPOINTS:
        for family in text_string_to_metric_families(scrape(system, service, path)):
            names.add(family.name)
            names.update(sample.name for sample in family.samples)
    return names


@pytest.mark.parametrize(("service", "path"), ENDPOINTS)
def test_each_services_metrics_pass_promtool(system: System, service: str, path: str) -> None:
    text = scrape(system, service, path)
    assert "# TYPE" in text

    checked = promtool("check", "metrics", stdin=text)

    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_the_public_metrics_hold_no_offices_figures(system: System, service: str) -> None:
    families = list(text_string_to_metric_families(scrape(system, service, "/metrics")))

    assert families
    for family in families:
        assert not family.name.startswith("visitflow_office_"), family.name
        for sample in family.samples:
            assert not {"office", "region"} & set(sample.labels), sample


def test_the_office_figures_need_the_scrapers_token(system: System) -> None:
    url = system.stack.url("metrics") + FIGURES

    def status(role: Role | None) -> int:
        token = {"Authorization": f"Bearer {system.token(role, ('halden',), 'ostfold')}"} if role else {}
        return httpx.get(url, headers=token, timeout=20).status_code

    assert status(None) == 401
    for role in (Role.HOST, Role.COUNSELLOR, Role.DISPLAY, Role.REGIONAL):
        assert status(role) == 403, role
    every_office = {office.id for office in system.settings.offices}

    def targets() -> set[str] | None:
        found = {
            sample.labels["office"]
            for family in text_string_to_metric_families(scrape(system, "metrics", FIGURES))
            for sample in family.samples
            if family.name == "visitflow_office_drop_in_target"
        }
        return found if found == every_office else None

    eventually(targets, what="every office's figures for the scraper")


def _figures_job(config: dict[str, Any]) -> dict[str, Any]:
    jobs: list[dict[str, Any]] = config["scrape_configs"]
    (job,) = [job for job in jobs if job.get("metrics_path") == FIGURES]
    return job


def test_prometheus_scrapes_the_office_figures_with_a_bearer_token() -> None:
    tokens = {}
    for path in (PROMETHEUS / "prometheus.yml", COMPOSE / "prometheus.yml"):
        config = yaml.safe_load(path.read_text())
        job = _figures_job(config)
        assert job["authorization"]["type"] == "Bearer", path
        tokens[path.parent] = job["authorization"]["credentials_file"]
        for other in config["scrape_configs"]:
            assert other is job or "authorization" not in other, f"{path}: /metrics is public"
    compose = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    (secret,) = compose["services"]["prometheus"]["secrets"]
    assert tokens[COMPOSE] == f"/run/secrets/{secret}"
    assert compose["secrets"][secret]["file"].startswith("./")


def test_the_prometheus_config_and_rules_are_valid_and_the_alerts_fire(tmp_path: Path) -> None:
    # checked as deployed: beside its rules and the token file it names (kept out of git)
    shutil.copy(PROMETHEUS / "prometheus.yml", tmp_path)
    shutil.copytree(PROMETHEUS / "rules", tmp_path / "rules")
    missing = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert missing.returncode != 0, "the token file is named and read"
    token = _figures_job(yaml.safe_load((tmp_path / "prometheus.yml").read_text()))["authorization"]
    (tmp_path / token["credentials_file"]).write_text("a-token\n")

    config = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert config.returncode == 0, config.stdout + config.stderr
    assert "2 rule files found" in config.stdout + config.stderr
    for target in ("127.0.0.1:8101", "127.0.0.1:8102", "127.0.0.1:8103", "127.0.0.1:8104"):
        assert target in (PROMETHEUS / "prometheus.yml").read_text()

    rules = promtool("check", "rules", *map(str, sorted((PROMETHEUS / "rules").glob("*.yml"))))
    assert rules.returncode == 0, rules.stdout + rules.stderr

    tested = promtool("test", "rules", str(PROMETHEUS / "tests" / "alerts_test.yml"))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_consumer_lag_of_every_worker_is_measured(system: System) -> None:
    def groups() -> set[str] | None:
        found = {
            sample.labels["group"]
            for family in text_string_to_metric_families(scrape(system, "metrics", "/metrics"))
            for sample in family.samples
            if sample.name == "visitflow_kafka_consumer_lag"
            and sample.labels["topic"] == system.topics.visits
        }
        return found if {"visitflow-queue", "visitflow-notify", "visitflow-metrics"} <= found else None

    eventually(groups, timeout_s=40, what="a consumer-lag gauge for every worker")


def _queries(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["expr"]] if isinstance(node.get("expr"), str) else []
        query = node.get("query")
        if isinstance(query, dict) and isinstance(query.get("query"), str):
            found.append(query["query"])
        return found + [q for value in node.values() for q in _queries(value)]
    if isinstance(node, list):
        return [q for value in node for q in _queries(value)]
    return []


def test_every_grafana_query_names_an_exported_metric(system: System) -> None:
    provisioning = [*(GRAFANA / "provisioning").rglob("*.yaml")]
    assert {p.parent.name for p in provisioning} == {"datasources", "dashboards"}
    dashboards = sorted((GRAFANA / "dashboards").glob("*.json"))
    assert dashboards

    def complete() -> set[str] | None:
        names = exported(system)
        return names if "visitflow_kafka_consumer_lag" in names else None

    names = eventually(complete, timeout_s=40, what="every business metric exported")

    for path in dashboards:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        assert dashboard["uid"] == "visitflow-regional"
        assert dashboard["panels"]
        queries = _queries(dashboard)
        assert len(queries) >= len(dashboard["panels"])
        for query in queries:
            metrics = set(re.findall(r"\bvisitflow_[a-z0-9_]+\b", query))
            assert metrics, f"{path.name}: a query names no Visitflow metric: {query}"
            assert metrics <= names, f"{path.name}: not exported: {sorted(metrics - names)}"
