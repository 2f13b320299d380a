"""Prometheus and Grafana: every service's /metrics passes `promtool check metrics`, the Prometheus
configuration and rules are valid (and the alerts fire as meant), the consumer lag is measured, and
every query of the Grafana dashboard names a metric the running services export."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from prometheus_client.parser import text_string_to_metric_families
from visitflow_devstack.paths import ROOT
from visitflow_devstack.testing import System, eventually

pytestmark = pytest.mark.integration
PROMTOOL = "/usr/bin/promtool"
PROMETHEUS = ROOT / "deploy" / "prometheus"
GRAFANA = ROOT / "deploy" / "grafana"
SERVICES = ("checkin", "queue", "notify", "metrics")


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROMTOOL, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def exported(system: System) -> set[str]:
    """Every metric name (and sample name, e.g. `_bucket`) the four running services expose."""
    names: set[str] = set()
    for service in SERVICES:
        client = getattr(system, service)
        for family in text_string_to_metric_families(client.get("/metrics").text):
            names.add(family.name)
            names.update(sample.name for sample in family.samples)
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_each_services_metrics_pass_promtool(system: System, service: str) -> None:
    text = getattr(system, service).get("/metrics").text
    assert "# TYPE" in text

    checked = promtool("check", "metrics", stdin=text)

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_prometheus_config_and_rules_are_valid_and_the_alerts_fire() -> None:
    config = promtool("check", "config", str(PROMETHEUS / "prometheus.yml"))
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
            for family in text_string_to_metric_families(system.metrics.get("/metrics").text)
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
