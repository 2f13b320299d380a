"""The visitor's page speaks Norwegian and English, all of it: every text it asks for (`t("...")` and
`data-i18n` in visitor.js and visitor.html) is in both languages, in its own catalogue
(`web/i18n/`) or the common one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import visitflow_notify
import visitflow_platform

WEB = Path(visitflow_notify.__file__).parent / "web"
COMMON = Path(visitflow_platform.__file__).parent / "static" / "i18n"
LANGUAGES = ("nb", "en")


def _catalogue(folder: Path, language: str) -> dict[str, str]:
    found: dict[str, str] = json.loads((folder / f"{language}.json").read_text())
    return found


def _asked() -> set[str]:
    script = (WEB / "visitor.js").read_text()
    page = (WEB / "visitor.html").read_text()
    keys = set(re.findall(r'"(visitor\.[a-z_]+)"', script)) | set(re.findall(r"`(visitor\.[a-z_]+)`", script))
    keys |= {f"visitor.{stage}" for stage in ("pending", "waiting", "held", "called", "in_room", "ended")}
    return keys | set(re.findall(r'data-i18n="([a-z_.]+)"', page))


def test_the_pages_own_texts_are_in_both_languages() -> None:
    assert set(_catalogue(WEB / "i18n", "nb")) == set(_catalogue(WEB / "i18n", "en"))


def test_every_text_the_page_asks_for_is_there_in_both_languages() -> None:
    asked = _asked()
    assert "visitor.refused_stage" in asked  # the page's own texts are found too
    assert "visitor.place_in_line" in asked
    for language in LANGUAGES:
        known = set(_catalogue(WEB / "i18n", language)) | set(_catalogue(COMMON, language))
        assert asked - known == set(), language
