"""python -m visitflow_queue [api|worker|rebuild]"""

from __future__ import annotations

import sys

import orjson


def main(argv: list[str]) -> int:
    from .config import QueueSettings

    command = argv[0] if argv else "api"
    settings = QueueSettings()
    if command == "api":
        from visitflow_platform.web import serve

        from .api import create_app

        serve(create_app(settings), settings)
    elif command == "worker":
        from visitflow_platform.library_gaps import Fetching
        from visitflow_platform.streams import run_worker

        from .worker import create_worker

        run_worker(create_worker(settings), settings, fetching=Fetching.PROMPT)  # call-next waits for it
    elif command == "rebuild":
        from .adapters.rebuild import rebuild

        print(orjson.dumps(rebuild(settings)).decode())
    else:
        print("usage: python -m visitflow_queue [api|worker|rebuild]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
