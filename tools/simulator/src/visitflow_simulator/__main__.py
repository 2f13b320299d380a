"""python -m visitflow_simulator: plays realistic office days through the public HTTP APIs.

    --office halden            one office (repeat for several), or --region ostfold, or (default) every office
    --scale 2                  twice the usual number of visitors
    --duration 60              stop after 60 real seconds (default: run until stopped)

The clock is the system's (VISITFLOW_CLOCK_START, _SPEED, _EPOCH); `make run` sets an accelerated one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Iterable, Sequence

import httpx
import orjson
from visitflow_offices import Office
from visitflow_platform.auth import Role, issue_token
from visitflow_platform.logs import configure_logging
from visitflow_platform.settings import ServiceSettings

from .runner import OfficeSimulation

log = logging.getLogger("visitflow.simulator")


def chosen(offices: Iterable[Office], office_ids: Sequence[str], region: str | None) -> list[Office]:
    """The offices named (all when none is), of the region named (any when none or "all" is)."""
    return [
        office
        for office in offices
        if (not office_ids or office.id in office_ids) and region in (None, "all", office.region_id)
    ]


async def simulate(args: argparse.Namespace) -> dict[str, dict[str, int]]:
    settings = ServiceSettings(service_name="simulator")
    offices = chosen(settings.offices, args.office, args.region)
    if not offices:
        raise SystemExit("no office matches the --office and --region given")
    limits = httpx.Limits(max_connections=50)
    token = args.token or issue_token(settings, Role.ADMIN, "simulator", hours=24 * 30)
    auth = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=args.checkin_url, timeout=30, limits=limits, headers=auth) as checkin,
        httpx.AsyncClient(base_url=args.queue_url, timeout=30, limits=limits, headers=auth) as queue,
    ):
        simulations = [
            OfficeSimulation(
                office, settings.clock, settings.clock_speed, checkin, queue, args.seed, args.scale
            )
            for office in offices
        ]
        log.info("simulating", extra={"offices": [o.id for o in offices], "speed": settings.clock_speed})
        play = asyncio.gather(*(simulation.play(args.days) for simulation in simulations))
        if args.duration:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(play, args.duration)
        else:
            await play
    return {s.office.id: dict(s.tally.counts) for s in simulations}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="visitflow_simulator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkin-url", default="http://127.0.0.1:8101")
    parser.add_argument("--queue-url", default="http://127.0.0.1:8102")
    parser.add_argument("--office", action="append", default=[], help="repeat for several offices")
    parser.add_argument("--region")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--days", type=int)
    parser.add_argument("--duration", type=float, help="real seconds")
    parser.add_argument("--token", help="an access token (default: a development token from the settings)")
    args = parser.parse_args(argv)
    configure_logging("simulator")
    tallies = asyncio.run(simulate(args))
    print(orjson.dumps(tallies).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
