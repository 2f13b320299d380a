"""python -m visitflow_notify [api|worker]"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from .config import NotifySettings

    settings = NotifySettings()
    command = argv[0] if argv else "api"
    if command == "api":
        from visitflow_platform.web import serve

        from .api import create_app

        serve(create_app(settings), settings)
    elif command == "worker":
        from visitflow_platform.streams import run_worker

        from .worker import create_worker

        run_worker(create_worker(settings), settings)
    else:
        print("usage: python -m visitflow_notify [api|worker]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
