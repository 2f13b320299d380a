"""Topic names and their keys (always `office_id`, so one partition owns one office)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topics:
    prefix: str = "visitflow"

    @property
    def visits(self) -> str:
        return f"{self.prefix}.visits.v1"

    @property
    def commands(self) -> str:
        return f"{self.prefix}.queue-commands.v1"

    @property
    def notifications(self) -> str:
        return f"{self.prefix}.notifications.v1"

    @property
    def appointments(self) -> str:
        """Bookings and what became of them (`appointments.py`)."""
        return f"{self.prefix}.appointments.v1"

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}.dead-letter.v1"

    def all(self) -> tuple[str, ...]:
        return (self.visits, self.commands, self.notifications, self.appointments, self.dead_letter)
