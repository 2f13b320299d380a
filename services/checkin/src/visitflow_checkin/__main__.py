"""python -m visitflow_checkin [api]"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if argv and argv[0] != "api":
        print("usage: python -m visitflow_checkin [api]", file=sys.stderr)
        return 2
    from visitflow_platform.web import serve

    from .api import create_app
    from .config import CheckinSettings

    settings = CheckinSettings()
    serve(create_app(settings), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
