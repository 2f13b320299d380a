"""The image's HEALTHCHECK (and the workers' Kubernetes liveness probe): is this container's process alive?

One image runs every process, so the check first reads which one this container runs (PID 1's command
line, or the arguments given to this script):

- an API (`python -m visitflow_<service> api`): GET http://127.0.0.1:<port>/healthz must answer 200;
  the port is the service's VISITFLOW_<SERVICE>_PORT (default 8101-8104);
- a worker (`python -m visitflow_<service> worker`): its heartbeat key `vf:workers:<service>:<host>-<pid>`
  (refreshed every 2 s, expiring after 10 s) must be in Redis. When Redis itself cannot be reached the
  check passes: restarting a worker does not bring Redis back, and the API's /readyz reports it;
- anything else (the topics job, `rebuild`): healthy while it runs.

Standard library only, plus redis-py (installed in the image) for the worker check. Exit 0 = healthy.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_PORTS = {"checkin": 8101, "queue": 8102, "notify": 8103, "metrics": 8104}


def role_of(argv: list[str]) -> tuple[str, str] | None:
    """('queue', 'worker') for `... python -m visitflow_queue worker`; None for anything else."""
    for index, arg in enumerate(argv):
        name = arg.removeprefix("visitflow_")
        if arg.startswith("visitflow_") and name in DEFAULT_PORTS:
            role = argv[index + 1] if index + 1 < len(argv) else "api"
            return name, role
    return None


def pid1_argv() -> list[str]:
    try:
        raw = Path("/proc/1/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def api_port(service: str, environ: dict[str, str]) -> int:
    return int(environ.get(f"VISITFLOW_{service.upper()}_PORT", DEFAULT_PORTS[service]))


def check_api(service: str, environ: dict[str, str], timeout_s: float = 3.0) -> bool:
    url = f"http://127.0.0.1:{api_port(service, environ)}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def check_worker(service: str, environ: dict[str, str]) -> bool:
    import redis

    url = environ.get("REDIS_URL", "redis://127.0.0.1:16379/0")
    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        pattern = f"vf:workers:{service}:{socket.gethostname()}-*"
        return any(True for _ in client.scan_iter(match=pattern, count=100))
    except redis.RedisError:
        return True  # cannot judge: a restart would not help
    finally:
        client.close()


def main(argv: list[str]) -> int:
    found = role_of(argv or pid1_argv())
    if found is None:
        return 0
    service, role = found
    environ = dict(os.environ)
    if role == "api":
        healthy = check_api(service, environ)
    elif role == "worker":
        healthy = check_worker(service, environ)
    else:
        healthy = True
    if not healthy:
        print(f"unhealthy: {service} {role}", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
