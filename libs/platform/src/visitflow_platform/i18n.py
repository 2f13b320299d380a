"""Message catalogues (Norwegian bokmål by default, English), shared by the pages and the SMS texts."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

CATALOGUES = Path(__file__).parent / "static" / "i18n"
LANGUAGES = ("nb", "en")


@cache
def catalogue(language: str = "nb") -> dict[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for {language!r} (have {', '.join(LANGUAGES)})")
    loaded: dict[str, str] = json.loads((CATALOGUES / f"{language}.json").read_text(encoding="utf-8"))
    return loaded


def text(key: str, language: str = "nb", **values: object) -> str:
    return catalogue(language)[key].format(**values)
