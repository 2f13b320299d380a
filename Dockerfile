# syntax=docker/dockerfile:1
# Visitflow: ONE image for every service and role. The process is chosen by the command:
#
#   docker run IMAGE                                      # checkin API (the default command)
#   docker run IMAGE python -m visitflow_queue worker     # any of: visitflow_{checkin,queue,notify,metrics}
#   docker run IMAGE python -m visitflow_platform.topics  #   api | worker | rebuild (see docs/OPERATIONS.md)
#
# Why one image: the services share one lock file and one dependency set (visitflow-platform), so one
# build, one vulnerability scan and one tag to promote cover all seven processes; per-service images
# would differ only in their default command. Build: `docker build -t visitflow:1.0.0 .`
#
# Stage "web" installs the npm packages the pages load (package-lock.json, `npm ci --omit=dev`). Stage
# "build" installs the locked dependencies (uv.lock, `uv sync --frozen --no-dev`), then the workspace
# packages, non-editable, into /app/.venv. "runtime" is the slim runtime: no compilers, no uv, no node,
# no sources beyond the installed packages, a non-root user, and a HEALTHCHECK that knows API from worker.

FROM node:22.12.0-bookworm-slim AS web

WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund


FROM python:3.11.14-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

# The same uv as the Makefile's UV_VER.
RUN pip install --no-cache-dir "uv==0.13.8"

WORKDIR /app

# Dependencies first (a layer that changes only with the lock file): the workspace's manifests only.
COPY pyproject.toml uv.lock ./
COPY libs/events/pyproject.toml libs/events/
COPY libs/offices/pyproject.toml libs/offices/
COPY libs/platform/pyproject.toml libs/platform/
COPY services/checkin/pyproject.toml services/checkin/
COPY services/queue/pyproject.toml services/queue/
COPY services/notify/pyproject.toml services/notify/
COPY services/metrics/pyproject.toml services/metrics/
COPY tools/devstack/pyproject.toml tools/devstack/
COPY tools/simulator/pyproject.toml tools/simulator/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace

# Then the project's own packages, built as wheels (pages, static files and catalogues included).
COPY libs libs
COPY services services
COPY tools tools
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable


FROM python:3.11.14-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="visitflow" \
      org.opencontainers.image.description="Visitflow services: checkin, queue, notify, metrics (API and workers)" \
      org.opencontainers.image.source="deploy/docker"

# uid/gid 10001: a fixed, unprivileged id that Kubernetes' runAsUser and runAsNonRoot can check.
RUN groupadd --system --gid 10001 visitflow \
    && useradd --system --uid 10001 --gid visitflow --home-dir /var/lib/visitflow --create-home \
       --shell /usr/sbin/nologin visitflow

COPY --from=build /app/.venv /app/.venv
COPY --from=web /web/node_modules /app/node_modules
COPY deploy/config/offices.yaml /etc/visitflow/offices.yaml
COPY deploy/docker/healthcheck.py /app/healthcheck.py

# Defaults for a container; everything else comes from the environment as listed in .env.example.
# /var/lib/visitflow is the working directory: faust's data folders and the SMS outbox live there.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VISITFLOW_HOST=0.0.0.0 \
    VISITFLOW_OFFICES_FILE=/etc/visitflow/offices.yaml \
    VISITFLOW_WEB_MODULES_DIR=/app/node_modules \
    VISITFLOW_SMS_OUTBOX_FILE=/var/lib/visitflow/sms-outbox.jsonl

WORKDIR /var/lib/visitflow
USER 10001:10001

EXPOSE 8101 8102 8103 8104

# APIs: GET /healthz on the service's port. Workers: their heartbeat in Redis (see healthcheck.py).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/healthcheck.py"]

STOPSIGNAL SIGTERM
CMD ["python", "-m", "visitflow_checkin", "api"]
