"""The check-in's use cases, over the ports they are given (`ports`): a check-in and its ticket
(`CheckIns`), and the booking import (`BookingImport`)."""

from .booking_import import BookingImport
from .check_ins import Answer, CheckIns

__all__ = ["Answer", "BookingImport", "CheckIns"]
