"""The notify service's pure domain: what a waiting-room display shows, each counsellor's arrivals, and
which notifications are due."""

from .arrivals import Arrival, Stage, arrive
from .board import Board, Call, LineBoard, apply, shown
from .notices import ARRIVED, CALLED, NEARLY, YOUR_PAGE, Audience, notices, outcome

__all__ = [
    "ARRIVED",
    "CALLED",
    "NEARLY",
    "YOUR_PAGE",
    "Arrival",
    "Audience",
    "Board",
    "Call",
    "LineBoard",
    "Stage",
    "apply",
    "arrive",
    "notices",
    "outcome",
    "shown",
]
