"""The npm packages the pages load: served from node_modules under /static/npm/{package}/, and each one
a page imports is a runtime dependency in package.json (the image installs those only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from visitflow_platform.pages import mount_npm

ROOT = Path(__file__).resolve().parents[3]
PAGES = [*ROOT.glob("services/*/src/*/web/*.html"), *ROOT.glob("services/*/src/*/web/*.js")]


def test_a_package_is_served_from_its_folder(tmp_path: Path) -> None:
    (tmp_path / "some-package" / "dist").mkdir(parents=True)
    (tmp_path / "some-package" / "dist" / "index.mjs").write_text("export default 1;\n")
    app = FastAPI()
    mount_npm(app, tmp_path, "some-package", "dist")
    answer = TestClient(app).get("/static/npm/some-package/index.mjs")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.text == "export default 1;\n"


def test_a_package_that_is_not_installed_stops_the_app_from_being_made(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="does not exist"):
        mount_npm(FastAPI(), tmp_path, "not-installed", "dist")


def test_every_package_a_page_loads_is_a_runtime_dependency() -> None:
    manifest = json.loads((ROOT / "package.json").read_text())
    loaded = {
        package
        for page in PAGES
        for package in re.findall(r'"/static/npm/([\w.-]+)/', page.read_text(encoding="utf-8"))
    }
    assert loaded, "no page loads an npm package?"
    assert loaded <= set(manifest["dependencies"])
