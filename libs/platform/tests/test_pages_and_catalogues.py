"""Every string a page or an SMS shows comes from the catalogues, in both languages, and the colours
of the shared style meet WCAG 2.1 AA contrast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from visitflow_platform.i18n import CATALOGUES, LANGUAGES, catalogue, text

ROOT = Path(__file__).resolve().parents[3]
PAGES = [*ROOT.glob("services/*/src/*/web/*.html"), *ROOT.glob("services/*/src/*/web/*.js")]


def test_the_catalogues_have_the_same_keys_and_placeholders() -> None:
    norwegian, english = catalogue("nb"), catalogue("en")
    assert norwegian.keys() == english.keys()
    for key in norwegian:
        assert set(re.findall(r"\{(\w+)\}", norwegian[key])) == set(re.findall(r"\{(\w+)\}", english[key])), (
            key
        )


def test_every_key_the_pages_use_is_in_the_catalogue() -> None:
    assert PAGES, "no pages found"
    known = catalogue("nb").keys()
    used: set[str] = set()
    for page in PAGES:
        source = page.read_text(encoding="utf-8")
        used |= set(re.findall(r'data-i18n="([\w.]+)"', source))
        used |= set(re.findall(r'\bt\("([\w.]+)"', source))
    assert used, "the pages use no catalogue keys?"
    assert used - known == set()


def test_sms_texts_are_filled_from_the_catalogue() -> None:
    assert (
        text("sms.your_turn", ticket="D-007", room="Samtalerom 2")
        == "NAV: Din tur nå – kølapp D-007, gå til Samtalerom 2."
    )
    assert "number 3" in text("sms.nearly_your_turn", "en", position=3)
    with pytest.raises(ValueError, match="no catalogue"):
        catalogue("sv")
    assert set(LANGUAGES) == {path.stem for path in CATALOGUES.glob("*.json")}


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_shared_colours_meet_wcag_aa_for_normal_text() -> None:
    css = (CATALOGUES.parent / "common.css").read_text()
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    for ink, paper in [
        ("ink", "paper"),
        ("muted", "paper"),
        ("primary", "paper"),
        ("primary-ink", "primary"),
        ("alert", "paper"),
        ("ink", "calm"),
        ("ink", "highlight"),
    ]:
        assert _contrast(colours[ink], colours[paper]) >= 4.5, (ink, paper)
