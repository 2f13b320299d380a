"""A country for the benchmarks: 250 offices in 10 regions, with the project's own office defaults.

Every office takes drop-ins all working day and has many rooms, so that no scenario is limited by an
office's policy: what is measured is the system, not the opening hours.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from visitflow_events import Reason, VisitKind
from visitflow_offices import OSLO
from visitflow_platform.settings import DEFAULT_OFFICES_FILE

OFFICES = 250
REGIONS = 10
ROOMS = 80
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
# the check-ins of the CPU benchmarks of one service's use case: drop-ins of the usual reasons
DROP_IN_MIX = [
    (VisitKind.DROP_IN, Reason.CASE_STATUS),
    (VisitKind.DROP_IN, Reason.DELIVER_DOCUMENTS),
    (VisitKind.DROP_IN, Reason.BENEFIT_QUESTION),
    (VisitKind.DROP_IN, Reason.JOB_SEEKING),
    (VisitKind.DROP_IN, Reason.OTHER),
]


def office_ids(count: int = OFFICES) -> list[str]:
    return [f"office-{number:03d}" for number in range(1, count + 1)]


def write_country(path: Path, count: int = OFFICES) -> Path:
    config: dict[str, Any] = yaml.safe_load(DEFAULT_OFFICES_FILE.read_text(encoding="utf-8"))
    config["regions"] = [{"id": f"region-{n:02d}", "name": f"Region {n}"} for n in range(1, REGIONS + 1)]
    config["offices"] = [
        {
            "id": office_id,
            "name": f"NAV Bench {number:03d}",
            "region": f"region-{number % REGIONS + 1:02d}",
            "drop_in": [{"days": WEEKDAYS, "start": "08:00", "end": "15:30"}],
            "drop_in_target_per_day": 150,
            "expected_drop_ins_per_day": 200,
            "public_pcs": 4,
            "rooms": [{"id": f"rom-{room:02d}", "name": f"Rom {room}"} for room in range(1, ROOMS + 1)],
        }
        for number, office_id in enumerate(office_ids(count), start=1)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def working_morning(holidays: list[date], today: date | None = None) -> datetime:
    """09:00 in Oslo on the next working day: every office open, drop-in running, a whole day ahead."""
    day = today or datetime.now(OSLO).date()
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=OSLO)
