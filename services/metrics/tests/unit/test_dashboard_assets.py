"""The dashboard's files: WCAG AA contrast of its palette, every text it names in both catalogues, and
nothing fetched from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import visitflow_metrics
from visitflow_metrics.domain import VisitOutcome
from visitflow_platform.i18n import LANGUAGES, catalogue

WEB = Path(visitflow_metrics.__file__).parent / "web"
PALETTE = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", (WEB / "dashboard.css").read_text()))


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("background", ["bg", "panel"])
@pytest.mark.parametrize(("colour", "least"), [("text", 4.5), ("muted", 4.5), ("warn", 4.5), ("good", 4.5)])
def test_text_colours_meet_wcag_aa(background: str, colour: str, least: float) -> None:
    assert contrast(PALETTE[colour], PALETTE[background]) >= least


@pytest.mark.parametrize(
    "colour", ["drop-in", "appointment", "emergency", "target", "online", "pc", "contact", "booked", "served"]
)
def test_chart_marks_stand_out_from_their_panel(colour: str) -> None:
    assert contrast(PALETTE[colour], PALETTE["panel"]) >= 3.0  # WCAG 1.4.11, non-text contrast


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_the_dashboard_names_is_in_the_catalogue(language: str) -> None:
    texts = {key.removeprefix("dashboard."): value for key, value in catalogue(language).items()}
    named = set(re.findall(r'data-text="(\w+)"', (WEB / "index.html").read_text()))
    named |= set(re.findall(r"\bt\(\)\.(\w+)", (WEB / "dashboard.js").read_text()))
    named -= {"kinds", "reasons", "outcomes"}  # the shared words, picked by catalogue.js

    assert named
    assert {name for name in named if not texts.get(name)} == set()
    assert {f"outcomes.{o.value}" for o in VisitOutcome} <= texts.keys()


def test_the_page_loads_nothing_from_elsewhere() -> None:
    for path in WEB.iterdir():
        text = path.read_text(encoding="utf-8")
        external = [
            url for url in re.findall(r"https?://[^\s\"'`)]+", text) if url != "http://www.w3.org/2000/svg"
        ]
        assert not external, f"{path.name} refers to {external}"
