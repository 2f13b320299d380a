"""deploy/k8s: each overlay is rendered by the real kustomize (`make install` builds it into .cache/bin),
every Kubernetes object is validated against the Kubernetes schemas (the `kubernetes-validate` dev
dependency, offline, strict: unknown fields fail), the Strimzi resources are checked structurally, and the
rules of the deployment (probes, resources, budgets, policies, topics) are asserted."""

from __future__ import annotations

import copy
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from visitflow_platform.settings import ServiceSettings
from visitflow_platform.topics import topic_specs

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
# The oldest and the newest Kubernetes minor versions the manifests are meant for.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
STRIMZI = "kafka.strimzi.io/v1beta2"
NAMESPACED_EXEMPT = {"Namespace"}
DNS_1123 = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")


def kustomize_command(find_tool: Callable[[str], str | None]) -> list[str]:
    kustomize = find_tool("kustomize")
    if kustomize:
        return [kustomize, "build"]
    kubectl = find_tool("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    pytest.fail("kustomize is missing: `make install` builds it into .cache/bin (needs Go)")


Rendered = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def rendered(find_tool: Callable[[str], str | None]) -> Rendered:
    out: Rendered = {}
    for overlay in OVERLAYS:
        result = subprocess.run(
            [
                *kustomize_command(find_tool),
                "--load-restrictor",
                "LoadRestrictionsNone",
                str(K8S / "overlays" / overlay),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"kustomize build {overlay}: {result.stderr}"
        out[overlay] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return out


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def config_env(docs: list[dict[str, Any]]) -> dict[str, str]:
    maps = [doc for doc in of_kind(docs, "ConfigMap") if doc["metadata"]["name"].startswith("visitflow-env")]
    assert len(maps) == 1
    data: dict[str, str] = maps[0]["data"]
    return data


def secret_env(docs: list[dict[str, Any]]) -> dict[str, str]:
    """What the services take from the secret (placeholders here; the secret store's values in a cluster)."""
    data: dict[str, str] = one(docs, "Secret", "visitflow-secrets")["stringData"]
    return {name: value for name, value in data.items() if name.startswith("VISITFLOW_")}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def workloads(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] in {"Deployment", "StatefulSet"}]


# --- tools and schemas -----------------------------------------------------------------------------------


def test_every_kubernetes_object_is_valid_against_the_schemas(rendered: Rendered) -> None:
    for overlay, docs in rendered.items():
        for doc in docs:
            if doc["apiVersion"].startswith("kafka.strimzi.io/"):
                continue  # custom resources: checked below
            for version in KUBERNETES_VERSIONS:
                try:
                    kubernetes_validate.validate(doc, version, strict=True)
                except kubernetes_validate.ValidationError as exc:
                    pytest.fail(f"{overlay}: {doc['kind']}/{doc['metadata']['name']} ({version}): {exc}")


def test_the_validator_rejects_a_mistake(rendered: Rendered) -> None:
    deployment = copy.deepcopy(one(rendered["prod"], "Deployment", "queue-api"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


def test_overlays_set_their_namespace_everywhere(rendered: Rendered) -> None:
    for overlay, docs in rendered.items():
        namespaces = of_kind(docs, "Namespace")
        assert len(namespaces) == 1
        name = namespaces[0]["metadata"]["name"]
        for doc in docs:
            if doc["kind"] not in NAMESPACED_EXEMPT:
                assert doc["metadata"].get("namespace") == name, f"{overlay}: {doc['kind']}"
            assert DNS_1123.fullmatch(doc["metadata"]["name"]), doc["metadata"]["name"]


# --- the processes ---------------------------------------------------------------------------------------


def test_every_process_has_its_deployment(rendered: Rendered, facts: Any) -> None:
    for overlay, docs in rendered.items():
        deployments = {doc["metadata"]["name"]: doc for doc in of_kind(docs, "Deployment")}
        assert set(deployments) == {f"{service}-{role}" for service, role in facts.processes}, overlay
        images = set()
        for name, deployment in deployments.items():
            service, role = name.split("-")
            pod = deployment["spec"]["template"]
            assert selects(deployment["spec"]["selector"], pod["metadata"]["labels"])
            assert pod["metadata"]["labels"]["app.kubernetes.io/part-of"] == "visitflow"
            (container,) = pod["spec"]["containers"]
            assert container["command"] == ["python", "-m", f"visitflow_{service}", role], name
            images.add(container["image"])
        assert len(images) == 1, f"{overlay}: one image runs every process"
        (image,) = images
        assert re.fullmatch(r"[\w./-]*visitflow:[\w.-]+", image), image
        assert not image.endswith(":latest")


def test_probes(rendered: Rendered, facts: Any) -> None:
    for docs in rendered.values():
        for deployment in of_kind(docs, "Deployment"):
            name = deployment["metadata"]["name"]
            service, role = name.split("-")
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            if role == "api":
                (port,) = container["ports"]
                assert port["containerPort"] == facts.api_ports[service]
                liveness = container["livenessProbe"]["httpGet"]
                readiness = container["readinessProbe"]["httpGet"]
                assert (liveness["path"], liveness["port"]) == ("/healthz", port["name"]), name
                assert (readiness["path"], readiness["port"]) == ("/readyz", port["name"]), name
            else:
                expected = ["python", "/app/healthcheck.py", f"visitflow_{service}", "worker"]
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    assert container[probe]["exec"]["command"] == expected, f"{name} {probe}"


def test_every_container_has_requests_and_limits(rendered: Rendered) -> None:
    for overlay, docs in rendered.items():
        for workload in workloads(docs):
            for container in workload["spec"]["template"]["spec"]["containers"]:
                resources = container["resources"]
                for kind in ("requests", "limits"):
                    assert {"cpu", "memory"} <= set(resources[kind]), (
                        f"{overlay}: {workload['metadata']['name']} {kind}"
                    )


def test_pods_run_unprivileged_as_the_image_user(rendered: Rendered, facts: Any) -> None:
    for docs in rendered.values():
        for workload in workloads(docs):
            pod = workload["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["automountServiceAccountToken"] is False
            for container in pod["containers"]:
                security = container["securityContext"]
                assert security["allowPrivilegeEscalation"] is False
                assert security["readOnlyRootFilesystem"] is True
                assert security["capabilities"]["drop"] == ["ALL"]
            if workload["kind"] == "Deployment":
                assert pod["securityContext"]["runAsUser"] == facts.image_uid
                mounts = {mount["mountPath"] for mount in pod["containers"][0]["volumeMounts"]}
                assert {"/var/lib/visitflow", "/tmp", "/etc/visitflow"} <= mounts


def test_every_workload_has_a_disruption_budget_and_a_network_policy(rendered: Rendered) -> None:
    for overlay, docs in rendered.items():
        budgets = of_kind(docs, "PodDisruptionBudget")
        policies = of_kind(docs, "NetworkPolicy")
        for workload in workloads(docs):
            name = workload["metadata"]["name"]
            labels = workload["spec"]["template"]["metadata"]["labels"]
            assert [b for b in budgets if selects(b["spec"]["selector"], labels)], f"{overlay}: {name} no PDB"
            own = [p for p in policies if p["metadata"]["name"] == name]
            assert own, f"{overlay}: {name} has no NetworkPolicy of its own"
            assert selects(own[0]["spec"]["podSelector"], labels), f"{overlay}: {name}"
        default = one(docs, "NetworkPolicy", "visitflow-default-deny-ingress")
        assert default["spec"]["policyTypes"] == ["Ingress"]
        assert "ingress" not in default["spec"]


def test_apis_have_a_service_and_an_autoscaler(rendered: Rendered, facts: Any) -> None:
    for overlay, docs in rendered.items():
        for deployment in of_kind(docs, "Deployment"):
            name = deployment["metadata"]["name"]
            if not name.endswith("-api"):
                assert not [
                    h for h in of_kind(docs, "HorizontalPodAutoscaler") if h["metadata"]["name"] == name
                ]
                assert deployment["spec"]["replicas"] >= 1
                continue
            assert "replicas" not in deployment["spec"], f"{name}: the autoscaler owns the replica count"
            service = one(docs, "Service", name)
            labels = deployment["spec"]["template"]["metadata"]["labels"]
            assert selects({"matchLabels": service["spec"]["selector"]}, labels)
            port = facts.api_ports[name.removesuffix("-api")]
            assert service["spec"]["ports"][0]["port"] == port
            hpa = one(docs, "HorizontalPodAutoscaler", name)
            target = hpa["spec"]["scaleTargetRef"]
            assert (target["kind"], target["name"]) == ("Deployment", name)
            assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], overlay
            policy = one(docs, "NetworkPolicy", name)
            assert policy["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": port}]
        workers = [d for d in of_kind(docs, "Deployment") if d["metadata"]["name"].endswith("-worker")]
        partitions = int(config_env(docs)["VISITFLOW_PARTITIONS"])
        for worker in workers:
            assert worker["spec"]["replicas"] <= partitions, "a worker beyond the partition count idles"
            assert one(docs, "NetworkPolicy", worker["metadata"]["name"])["spec"]["ingress"] == []


# --- configuration ---------------------------------------------------------------------------------------


def test_configuration_names_only_real_settings(rendered: Rendered, setting_names: set[str]) -> None:
    for overlay, docs in rendered.items():
        env = config_env(docs)
        unknown = set(env) - setting_names
        assert not unknown, f"{overlay}: the ConfigMap sets variables no service reads: {sorted(unknown)}"
        assert env["VISITFLOW_HOST"] == "0.0.0.0"
        for workload in workloads(docs):
            for container in workload["spec"]["template"]["spec"]["containers"]:
                for variable in container.get("env", []):
                    if workload["metadata"]["name"] != "redis" and variable["name"] != "REDIS_PASSWORD":
                        assert variable["name"] in setting_names, variable["name"]


def test_offices_come_from_deploy_config(rendered: Rendered) -> None:
    for docs in rendered.values():
        env = config_env(docs)
        (offices,) = [doc for doc in of_kind(docs, "ConfigMap") if "offices.yaml" in doc.get("data", {})]
        assert offices["data"]["offices.yaml"] == (ROOT / "deploy" / "config" / "offices.yaml").read_text()
        folder, file = env["VISITFLOW_OFFICES_FILE"].rsplit("/", 1)
        assert file == "offices.yaml"
        for deployment in of_kind(docs, "Deployment"):
            pod = deployment["spec"]["template"]["spec"]
            volume = next(
                v for v in pod["volumes"] if v.get("configMap", {}).get("name") == offices["metadata"]["name"]
            )
            mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == volume["name"])
            assert mount["mountPath"] == folder
            assert mount["readOnly"] is True


def test_references_resolve(rendered: Rendered) -> None:
    for overlay, docs in rendered.items():
        maps = {doc["metadata"]["name"] for doc in of_kind(docs, "ConfigMap")}
        secrets = {doc["metadata"]["name"]: doc for doc in of_kind(docs, "Secret")}
        for workload in workloads(docs):
            pod = workload["spec"]["template"]["spec"]
            for volume in pod.get("volumes", []):
                if "configMap" in volume:
                    assert volume["configMap"]["name"] in maps, overlay
            for container in pod["containers"]:
                for source in container.get("envFrom", []):
                    assert source["configMapRef"]["name"] in maps, overlay
                for variable in container.get("env", []):
                    ref = variable.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        assert ref["key"] in secrets[ref["name"]]["stringData"], ref


def test_secrets_hold_placeholders_only(rendered: Rendered) -> None:
    for docs in rendered.values():
        for secret in of_kind(docs, "Secret"):
            assert "data" not in secret, "placeholders are readable stringData, never encoded values"
            for key, value in secret["stringData"].items():
                assert "CHANGE-ME" in value, f"{secret['metadata']['name']}.{key} is not a placeholder"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings built here see only what the test gives them, not the shell's VISITFLOW_* variables."""
    import os

    for name in list(os.environ):
        if name.startswith("VISITFLOW_") or name in {"KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL"}:
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("clean_env")
def test_overlays_differ_where_they_should(rendered: Rendered) -> None:
    dev, prod = config_env(rendered["dev"]), config_env(rendered["prod"])
    assert dev["VISITFLOW_ENVIRONMENT"] == "development"
    assert prod["VISITFLOW_ENVIRONMENT"] == "production"
    assert prod.get("VISITFLOW_AUTH_JWKS_URL"), "production checks tokens against the identity provider"
    assert "VISITFLOW_CLOCK_START" not in prod, "production runs on real time"
    for env, docs in ((dev, rendered["dev"]), (prod, rendered["prod"])):
        env = {**env, **secret_env(docs)}
        # The services accept the overlay's settings (production refuses an unsafe combination).
        monkeypatch = pytest.MonkeyPatch()
        with monkeypatch.context() as patched:
            for name, value in env.items():
                patched.setenv(name, value)
            settings = ServiceSettings()
        assert settings.replication_factor == 3
        assert settings.kafka_bootstrap_servers == env["KAFKA_BOOTSTRAP_SERVERS"]


# --- Kafka: Strimzi ----------------------------------------------------------------------------------------


def test_kafka_cluster_is_three_kraft_nodes_replicating_three_ways(rendered: Rendered) -> None:
    for overlay, docs in rendered.items():
        (kafka,) = of_kind(docs, "Kafka")
        (pool,) = of_kind(docs, "KafkaNodePool")
        for resource in (kafka, pool):
            assert resource["apiVersion"] == STRIMZI
            assert resource["spec"], resource["kind"]
        cluster = kafka["metadata"]["name"]
        assert kafka["metadata"]["annotations"]["strimzi.io/node-pools"] == "enabled"
        assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
        assert re.fullmatch(r"4\.1\.\d+", str(kafka["spec"]["kafka"]["version"]))
        listeners = kafka["spec"]["kafka"]["listeners"]
        assert all({"name", "port", "type", "tls"} <= set(listener) for listener in listeners)
        config = kafka["spec"]["kafka"]["config"]
        assert config["auto.create.topics.enable"] is False
        assert config["default.replication.factor"] == 3
        assert config["min.insync.replicas"] == 2
        assert config["offsets.topic.replication.factor"] == 3
        assert config["transaction.state.log.min.isr"] == 2
        assert "topicOperator" in kafka["spec"]["entityOperator"]
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == cluster
        assert pool["spec"]["replicas"] == 3, overlay
        assert sorted(pool["spec"]["roles"]) == ["broker", "controller"]
        volumes = pool["spec"]["storage"]["volumes"]
        assert all(v["type"] == "persistent-claim" and v["deleteClaim"] is False for v in volumes)
        env = config_env(docs)
        plain = next(listener for listener in listeners if listener["tls"] is False)
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == f"{cluster}-kafka-bootstrap:{plain['port']}"


@pytest.mark.usefixtures("clean_env")
def test_topics_are_exactly_the_projects(rendered: Rendered) -> None:
    for overlay, docs in rendered.items():
        env = config_env(docs)
        (kafka,) = of_kind(docs, "Kafka")
        wanted = {
            spec.name: (spec.num_partitions, spec.replication_factor, spec.topic_configs)
            for spec in topic_specs(
                ServiceSettings(
                    environment="development",
                    topic_prefix=env["VISITFLOW_TOPIC_PREFIX"],
                    partitions=int(env["VISITFLOW_PARTITIONS"]),
                    replication_factor=int(env["VISITFLOW_REPLICATION_FACTOR"]),
                )
            )
        }
        found = {}
        for topic in of_kind(docs, "KafkaTopic"):
            assert topic["apiVersion"] == STRIMZI
            assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
            spec = topic["spec"]
            config = {key: str(value) for key, value in spec["config"].items()}
            found[spec["topicName"]] = (spec["partitions"], spec["replicas"], config)
        assert found == wanted, overlay
        assert {
            name for name, (_, _, config) in wanted.items() if "compact" in config.get("cleanup.policy", "")
        } >= {name for name in wanted if name.endswith("-changelog")}
        assert all(
            replicas == 3 and config["min.insync.replicas"] == "2" for _, replicas, config in found.values()
        )


# --- Redis -------------------------------------------------------------------------------------------------


def test_redis_persists_on_a_volume(rendered: Rendered) -> None:
    for docs in rendered.values():
        redis = one(docs, "StatefulSet", "redis")
        (claim,) = redis["spec"]["volumeClaimTemplates"]
        (container,) = redis["spec"]["template"]["spec"]["containers"]
        assert container["args"][1:3] == ["--appendonly", "yes"]
        assert {"name": claim["metadata"]["name"], "mountPath": "/data"} in container["volumeMounts"]
        assert "--requirepass" in container["args"]
        service = one(docs, "Service", "redis")
        assert service["spec"]["clusterIP"] == "None"
        for deployment in of_kind(docs, "Deployment"):
            env = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
            assert env["REDIS_URL"]["value"] == "redis://:$(REDIS_PASSWORD)@redis:6379/0"
            names = list(env)
            assert names.index("REDIS_PASSWORD") < names.index("REDIS_URL"), "defined before it is used"
