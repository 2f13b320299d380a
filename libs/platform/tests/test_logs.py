import logging
import logging.config
from collections.abc import Iterator

import orjson
import pytest
from visitflow_platform.logs import NOISY, logging_config


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    """The tests configure logging for the whole process; it is put back afterwards."""
    root = logging.getLogger()
    names = [*NOISY, "kafka.admin._groups", "uvicorn", "uvicorn.error", "uvicorn.access"]
    saved = (root.level, root.handlers[:], {name: logging.getLogger(name).level for name in names})
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def test_lines_are_json_and_libraries_are_held_to_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    logging.config.dictConfig(logging_config("queue", "INFO"))
    logging.getLogger("visitflow_queue.worker").info("batch handled", extra={"events": 3})
    logging.getLogger("aiokafka.consumer").info("fetching")
    logging.getLogger("kafka.conn").warning("broker connection lost")
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["service"], line["logger"], line["msg"]) for line in lines] == [
        ("queue", "visitflow_queue.worker", "batch handled"),
        ("queue", "kafka.conn", "broker connection lost"),
    ]
    assert lines[0]["events"] == 3


def test_kafka_pythons_warning_about_faust_group_metadata_is_not_logged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.config.dictConfig(logging_config("metrics", "INFO"))
    logging.getLogger("kafka.admin._groups").warning("Unable to decode member_metadata for ...")
    logging.getLogger("kafka.admin._groups").error("a real failure")
    messages = [orjson.loads(line)["msg"] for line in capsys.readouterr().out.splitlines()]
    assert messages == ["a real failure"]
