"""python -m visitflow_metrics [api|worker|rebuild]"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from .config import MetricsSettings

    settings = MetricsSettings()
    command = argv[0] if argv else "api"
    if command == "api":
        from visitflow_platform.web import serve

        from .api import create_app

        serve(create_app(settings), settings)
    elif command == "worker":
        from visitflow_platform.library_gaps import Fetching
        from visitflow_platform.streams import run_worker

        from .worker import create_worker

        # it takes a batch at most every second (`pacing`)
        run_worker(create_worker(settings), settings, fetching=Fetching.GATHERING)
    elif command == "rebuild":
        import asyncio

        from visitflow_platform.logs import configure_logging

        from .adapters.history import rebuild

        configure_logging(settings.service_name, settings.log_level)
        asyncio.run(rebuild(settings))
    else:
        print("usage: python -m visitflow_metrics [api|worker|rebuild]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
