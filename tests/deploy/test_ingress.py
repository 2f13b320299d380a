"""The production Ingress (deploy/k8s/overlays/prod/ingress.yaml) and the ingress-nginx controller's
settings beside it (deploy/k8s/ingress-nginx-values.yaml): the limits in front of the APIs agree with
the APIs' own, every page and API route is reachable on its host, and nothing operational is. The
schemas are checked with every other object by test_k8s.py."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from visitflow_platform.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
ANNOTATION = "nginx.ingress.kubernetes.io/"
OPERATIONAL = ("/healthz", "/readyz", "/metrics", "/docs", "/openapi.json")
DEFAULTS = {name: field.default for name, field in ServiceSettings.model_fields.items()}


@pytest.fixture(scope="module")
def prod(find_tool: Callable[[str], str | None]) -> list[dict[str, Any]]:
    kustomize = find_tool("kustomize")
    command = [kustomize, "build"] if kustomize else [find_tool("kubectl") or "kubectl", "kustomize"]
    result = subprocess.run(
        [*command, "--load-restrictor", "LoadRestrictionsNone", str(K8S / "overlays" / "prod")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def ingress(prod: list[dict[str, Any]]) -> dict[str, Any]:
    (found,) = [doc for doc in prod if doc["kind"] == "Ingress"]
    return found


def _env(prod: list[dict[str, Any]]) -> dict[str, str]:
    (env,) = [
        d for d in prod if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("visitflow-env")
    ]
    data: dict[str, str] = env["data"]
    return data


def _bytes(size: str) -> int:
    return int(size.removesuffix("k")) * 1024 if size.endswith("k") else int(size)


def _routes(ingress: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Each host's backend Service and the path prefixes routed to it."""
    routed = {}
    for rule in ingress["spec"]["rules"]:
        services = {path["backend"]["service"]["name"] for path in rule["http"]["paths"]}
        assert len(services) == 1, f"{rule['host']}: one API per host"
        routed[rule["host"]] = (services.pop(), [path["path"] for path in rule["http"]["paths"]])
    return routed


def test_the_ingress_limits_bodies_connections_and_request_rates(
    ingress: dict[str, Any], prod: list[dict[str, Any]]
) -> None:
    annotations = {
        key.removeprefix(ANNOTATION): value
        for key, value in ingress["metadata"]["annotations"].items()
        if key.startswith(ANNOTATION)
    }
    max_body = int(_env(prod).get("VISITFLOW_MAX_BODY_BYTES", DEFAULTS["max_body_bytes"]))
    assert _bytes(annotations["proxy-body-size"]) == max_body
    assert _bytes(annotations["client-body-buffer-size"]) >= max_body  # kept in memory, never on disk
    for limit in ("limit-connections", "limit-rps", "limit-burst-multiplier"):
        assert int(annotations[limit]) > 0, limit
    assert int(annotations["proxy-read-timeout"]) > 15, "a live stream's keep-alive comes every 15 s"
    assert ingress["spec"]["ingressClassName"] == "nginx"


def test_every_host_has_tls_and_routes_to_its_api_service_and_port(
    ingress: dict[str, Any], prod: list[dict[str, Any]]
) -> None:
    services = {doc["metadata"]["name"]: doc for doc in prod if doc["kind"] == "Service"}
    tls_hosts = {host for entry in ingress["spec"]["tls"] for host in entry["hosts"]}
    for rule in ingress["spec"]["rules"]:
        assert rule["host"] in tls_hosts
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"].endswith("-api")
            ports = [port["port"] for port in services[backend["name"]]["spec"]["ports"]]
            assert backend["port"]["number"] in ports, rule["host"]
            assert path["pathType"] == "Prefix"


def test_the_pages_reach_checkin_on_its_host_across_origins(
    ingress: dict[str, Any], prod: list[dict[str, Any]]
) -> None:
    env = _env(prod)
    hosts = {service: host for host, (service, _) in _routes(ingress).items()}
    assert urlparse(env["VISITFLOW_CHECKIN_PUBLIC_URL"]).netloc == hosts["checkin-api"]
    assert f"https://{hosts['queue-api']}" in env["VISITFLOW_CORS_ORIGINS"].split(",")  # the tablet page
    # the counsellor page reads the day's appointments on queue's host
    assert urlparse(env["VISITFLOW_QUEUE_PUBLIC_URL"]).netloc == hosts["queue-api"]
    assert f"https://{hosts['notify-api']}" in env["VISITFLOW_CORS_ORIGINS"].split(",")


def _apps() -> dict[str, FastAPI]:
    from visitflow_checkin.api import create_app as checkin
    from visitflow_checkin.config import CheckinSettings
    from visitflow_metrics.api import create_app as metrics
    from visitflow_metrics.config import MetricsSettings
    from visitflow_notify.api import create_app as notify
    from visitflow_notify.config import NotifySettings
    from visitflow_queue.api import create_app as queue
    from visitflow_queue.config import QueueSettings

    return {
        "checkin-api": checkin(CheckinSettings()),
        "queue-api": queue(QueueSettings()),
        "notify-api": notify(NotifySettings()),
        "metrics-api": metrics(MetricsSettings()),
    }


def test_every_page_and_api_route_is_routed_and_nothing_operational_is(ingress: dict[str, Any]) -> None:
    routed = dict(_routes(ingress).values())
    for service, app in _apps().items():
        prefixes = routed[service]
        for context in iter_route_contexts(app.routes):
            path = str(context.path_format or getattr(context.original_route, "path", ""))
            reachable = any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)
            if path.startswith(OPERATIONAL):
                assert not reachable, f"{service}: {path} is reachable from outside"
            else:
                assert reachable, f"{service}: {path} is not routed by the Ingress"


def test_the_controller_bounds_request_heads_and_bodies_as_the_apis_do(prod: list[dict[str, Any]]) -> None:
    config = yaml.safe_load((K8S / "ingress-nginx-values.yaml").read_text())["controller"]["config"]
    env = _env(prod)
    count, size = config["large-client-header-buffers"].split()
    assert int(count) * _bytes(size) <= int(
        env.get("VISITFLOW_MAX_HEADER_BYTES", DEFAULTS["max_header_bytes"])
    )
    assert _bytes(config["client-header-buffer-size"]) <= _bytes(size)
    read_timeout = float(env.get("VISITFLOW_REQUEST_READ_TIMEOUT_S", DEFAULTS["request_read_timeout_s"]))
    assert int(config["client-header-timeout"]) <= read_timeout
    assert int(config["client-body-timeout"]) <= read_timeout
    assert config["limit-req-status-code"] == config["limit-conn-status-code"] == "429"
    # below the APIs' keep-alive (docs/decisions/process-runtime.md)
    assert int(config["upstream-keepalive-timeout"]) < 75, "below the APIs' keep-alive"
