"""JSON-lines logging for every process. Personal data never goes into a log call."""

from __future__ import annotations

import logging
import logging.config
import sys
from datetime import UTC, datetime

import orjson

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


NOISY = ("kafka", "aiokafka", "faust", "mode", "httpx", "httpcore")


def logging_config(service: str, level: str = "INFO") -> dict[str, object]:
    """A dictConfig: JSON lines on stdout for everything, libraries held to warnings."""
    quiet = max(logging.WARNING, logging.getLevelName(level.upper()))
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "service": service}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": sys.stdout}},
        "root": {"level": level.upper(), "handlers": ["stdout"]},
        "loggers": {
            **{name: {"level": quiet} for name in NOISY},
            # kafka-python cannot decode the member metadata of faust's own partition assignor and warns,
            # with the whole group description, at every lag measurement (every 15 s); the measurement
            # does not need it
            "kafka.admin._groups": {"level": "ERROR"},
            **{name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error")},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def configure_logging(service: str, level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(service, level))
