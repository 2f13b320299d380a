"""python -m visitflow_devstack [run|stop|infra]

run    start Kafka, Redis, every service and the demo simulator; print the URLs; restart any of them
       that exits; Ctrl-C stops all
stop   stop what a `run` (or an interrupted test session or bench) left behind, and this checkout's
       processes of the profile that were started by hand; every profile unless one is named
infra  start only Kafka and Redis (restarted as `run` restarts), and create the topics (for working
       on one service by hand)
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from .demo import demo_clock_env, print_urls, start_simulator
from .processes import StartFailed
from .stack import PROFILES, Stack
from .strays import stop_profile
from .supervisor import Supervisor

CHECK_EVERY_S = 0.25


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops as Ctrl-C does: through the `finally` that stops children


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="visitflow_devstack")
    parser.add_argument("command", choices=["run", "stop", "infra"])
    parser.add_argument("--profile", choices=sorted(PROFILES), help="default: dev; for stop, all")
    parser.add_argument("--no-simulator", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "stop":
        profiles = [args.profile] if args.profile else list(PROFILES)
        stopped = {profile: names for profile in profiles if (names := stop_profile(profile))}
        for profile, names in stopped.items():
            print(f"stopped {profile}: {', '.join(names)}")
        if not stopped:
            print("stopped: nothing was running")
        return 0
    profile = args.profile or "dev"

    signal.signal(signal.SIGTERM, _interrupt)
    stop_profile(profile)  # leftovers of an interrupted run, or a run still going
    clock = demo_clock_env()
    # A simulated clock restarts at 09:00 each run, so it starts from empty data; real time keeps its data.
    stack = Stack(profile, clock, fresh=bool(clock) and args.command == "run")
    supervisor = Supervisor(stack)
    try:
        stack.start_infra()
        if args.command == "run":
            stack.start_services()
            if not args.no_simulator:
                start_simulator(stack)
        print_urls(stack, services=args.command == "run")
        while True:
            time.sleep(CHECK_EVERY_S)
            supervisor.check()
    except KeyboardInterrupt:
        pass
    except StartFailed as failed:
        print(f"\nVisitflow did not start: {failed}", file=sys.stderr)
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        print("\nstopping ...", flush=True)
        stack.stop()
        print("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
