"""The words every service agrees on: kinds of visit, reasons, outcomes and alternatives."""

from __future__ import annotations

from enum import StrEnum


class VisitKind(StrEnum):
    APPOINTMENT = "appointment"
    DROP_IN = "drop_in"
    EMERGENCY = "emergency"


class Reason(StrEnum):
    """Why the visitor came: the fixed taxonomy the offices report on."""

    DELIVER_DOCUMENTS = "deliver_documents"
    CASE_STATUS = "case_status"
    SELF_SERVICE_HELP = "self_service_help"
    SOCIAL_ASSISTANCE = "social_assistance"
    EMERGENCY_ASSISTANCE = "emergency_assistance"
    JOB_SEEKING = "job_seeking"
    BENEFIT_QUESTION = "benefit_question"
    COUNSELLOR_APPOINTMENT = "counsellor_appointment"
    OTHER = "other"


class Alternative(StrEnum):
    """Where a visitor is steered instead of the queue."""

    BOOK_APPOINTMENT = "book_appointment"
    SELF_SERVICE_PC = "self_service_pc"
    SELF_SERVICE_ONLINE = "self_service_online"
    CONTACT_CENTRE = "contact_centre"


class RedirectCause(StrEnum):
    DROP_IN_CLOSED = "drop_in_closed"
    APPOINTMENT_MISSED = "appointment_missed"
    HOST_CHOICE = "host_choice"


class Outcome(StrEnum):
    SERVED = "served"
    STEERED_TO_SELF_SERVICE = "steered_to_self_service"
    REFERRED_TO_CONTACT_CENTRE = "referred_to_contact_centre"
    APPOINTMENT_BOOKED = "appointment_booked"


class VisitStage(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    IN_SERVICE = "in_service"


class CancelCause(StrEnum):
    VISITOR_LEFT = "visitor_left"
    HOST_CANCELLED = "host_cancelled"


class Channel(StrEnum):
    DISPLAY = "display"
    SMS = "sms"
    COUNSELLOR = "counsellor"
