"""Serving a service's pages: its own static folder, the shared assets, and HTML with a strict CSP."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

COMMON = Path(__file__).parent / "static"


def mount_common(app: FastAPI) -> None:
    """The assets every page shares: message catalogues, the live-stream helper, the stylesheet."""
    app.mount("/static/common", StaticFiles(directory=COMMON), name="common")


def mount_static(app: FastAPI, own: Path) -> None:
    mount_common(app)
    app.mount("/static/app", StaticFiles(directory=own), name="app")


def mount_npm(app: FastAPI, modules: Path, package: str, folder: str) -> None:
    """An npm package's browser files (package.json pins it), at /static/npm/{package}/."""
    app.mount(f"/static/npm/{package}", StaticFiles(directory=modules / package / folder), name=package)


def page(path: Path, connect: str = "") -> FileResponse:
    """An HTML page; scripts and styles only from this origin, live connections also to `connect`."""
    policy = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"connect-src 'self' {connect}".strip()
        + "; frame-ancestors 'none'"
    )
    return FileResponse(
        path, media_type="text/html", headers={"Content-Security-Policy": policy, "Cache-Control": "no-cache"}
    )
