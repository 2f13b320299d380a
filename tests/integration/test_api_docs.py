"""The API documentation of each service: an OpenAPI document that declares how to authenticate, the roles
of every operation and the answers it can give; Swagger UI served from the service's own origin under
its strict policy; and neither of them in production unless asked for (`VISITFLOW_API_DOCS`).

The apps are built, not run (FastAPI's test client without the lifespan needs no Kafka or Redis), except
for the browser check at the end, which reads the docs of the running system in Chromium."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from visitflow_checkin.api import create_app as checkin_app
from visitflow_checkin.config import CheckinSettings
from visitflow_devstack.testing import System
from visitflow_metrics.api import create_app as metrics_app
from visitflow_metrics.config import MetricsSettings
from visitflow_notify.api import create_app as notify_app
from visitflow_notify.config import NotifySettings
from visitflow_platform.auth import VISIT_LINK, declared_action, declared_roles
from visitflow_queue.api import create_app as queue_app
from visitflow_queue.config import QueueSettings

SERVICES: dict[str, tuple[Callable[[Any], FastAPI], type[Any]]] = {
    "checkin": (checkin_app, CheckinSettings),
    "queue": (queue_app, QueueSettings),
    "notify": (notify_app, NotifySettings),
    "metrics": (metrics_app, MetricsSettings),
}
PRODUCTION = {"environment": "production", "auth_secret": "s" * 32, "pseudonym_secret": "p" * 32}


def build(service: str, **settings: Any) -> FastAPI:
    create_app, settings_class = SERVICES[service]
    return create_app(settings_class(**settings))


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://visitflow")


class _Page(HTMLParser):
    """What a page loads (scripts, styles, icons, images) and the text of its inline scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.loads: list[str] = []
        self.inline: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for attribute in ("src", "href"):
            if named.get(attribute) and tag in ("script", "link", "img"):
                self.loads.append(str(named[attribute]))
        self._in_inline_script = tag == "script" and "src" not in named
        if self._in_inline_script:
            self.inline.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline[-1] += data


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_the_docs_page_loads_only_from_its_own_origin_and_its_policy_admits_exactly_its_script(
    service: str,
) -> None:
    app = build(service)
    docs = client(app)
    page = await docs.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    parsed = _Page()
    parsed.feed(page.text)

    assert parsed.loads, "the page loads Swagger UI's script and style"
    for url in parsed.loads:
        assert url.startswith("/"), f"{url} is not from the service's origin"
        assert not url.startswith("//"), f"{url} is not from the service's origin"
        asset = await docs.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url

    policy = dict(
        [*directive.split(" ", 1), ""][:2]
        for directive in (part.strip() for part in page.headers["content-security-policy"].split(";"))
    )
    scripts = policy["script-src"].split()
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert parsed.inline, "FastAPI's page starts Swagger UI with an inline script"
    for script in parsed.inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts
    assert (await docs.get("/openapi.json")).json()["info"]["title"] == app.title


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_in_production_neither_the_docs_nor_the_document_is_served(service: str) -> None:
    production = client(build(service, **PRODUCTION))
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect", "/docs/swagger-ui.css"):
        assert (await production.get(path)).status_code == 404, path

    opted_in = client(build(service, **PRODUCTION, api_docs=True))
    assert (await opted_in.get("/openapi.json")).status_code == 200


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_operation_declares_its_security_its_roles_and_the_answers_it_can_give(service: str) -> None:
    app = build(service)
    document = app.openapi()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert "Error" in document["components"]["schemas"]
    checked = 0
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        path = str(context.path_format)
        for method in context.methods or ():
            operation = document["paths"][path][method.lower()]
            where = f"{method} {path}"
            answers = operation["responses"]
            roles: Any = declared_roles(context)
            if roles is None:
                assert operation["security"] == [], where
            else:
                assert {"bearer": []} in operation["security"], where
                assert operation["x-roles"] == sorted(roles), where
                assert {"401", "403", "429"} <= set(answers), where
            if "requestBody" in operation:
                assert "413" in answers, where
            if re.search(r"\{(office|region)_id\}", path):
                assert "404" in answers, where
            if path.endswith("/stream"):
                assert "429" in answers, where
                assert roles is None or {"access_token": []} in operation["security"], where
            if declared_action(context) == VISIT_LINK:  # opened by the link in its path, nothing else
                assert {"404", "410", "429"} <= set(answers), where
            if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
                assert "400" in answers, where
            assert {"422", "503"} <= set(answers), where  # personal data is refused on any request
            for status, answer in answers.items():
                if status.startswith("4"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (where, status)
            checked += 1
    assert checked >= 4


def test_what_a_route_declares_itself_is_kept() -> None:
    answers = build("queue").openapi()["paths"]["/api/offices/{office_id}/call-next"]["post"]["responses"]
    assert answers["409"]["description"].startswith("refused by the queue")
    assert answers["503"]["description"].startswith("Kafka did not confirm")


@pytest.mark.integration
@pytest.mark.browser
def test_swagger_ui_renders_under_the_services_policy(system: System, page: Any) -> None:
    """What a developer sees: the document rendered, with no resource or script refused by the policy."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: refused.append(f"failed: {request.url}"))
    page.goto(f"{system.stack.url('queue')}/docs")
    page.wait_for_selector(".swagger-ui .information-container .title", timeout=15_000)
    assert "Visitflow queue" in page.inner_text(".swagger-ui .information-container .title")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert page.locator(".swagger-ui .btn.authorize").count() == 1
    assert refused == []
