"""The notify service's pure domain: what a waiting-room display shows, and which notifications are due."""

from .board import Board, Call, LineBoard, apply
from .notices import ARRIVED, CALLED, NEARLY, Audience, notices, outcome

__all__ = [
    "ARRIVED",
    "CALLED",
    "NEARLY",
    "Audience",
    "Board",
    "Call",
    "LineBoard",
    "apply",
    "notices",
    "outcome",
]
