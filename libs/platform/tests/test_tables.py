"""The workers' table values: compressed JSON on the changelog; deflated and plain JSON from before still
read."""

from __future__ import annotations

import zlib
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from visitflow_platform.settings import ServiceSettings
from visitflow_platform.streams import make_faust_app, make_table
from visitflow_platform.tables import stored_json, table_codec, writing_to

# an office's state in small: the same field names over and over, as in the real thing
STATE = {
    "office_id": "halden",
    "visits": {
        f"visit-{n}": {"ticket": f"D-{n:03d}", "line_id": "drop_in", "stage": "waiting", "calls": 0}
        for n in range(60)
    },
}


def test_a_value_is_stored_compressed_and_read_back_unchanged() -> None:
    codec = table_codec()
    stored = codec.dumps(STATE)
    assert stored[:4] == b"\x28\xb5\x2f\xfd"  # a Zstandard frame
    assert len(stored) * 4 < len(orjson.dumps(STATE))
    assert len(stored) < len(zlib.compress(orjson.dumps(STATE), 1))
    assert codec.loads(stored) == STATE


def test_values_written_before_deflated_or_as_plain_json_are_still_read() -> None:
    assert table_codec().loads(orjson.dumps(STATE)) == STATE
    assert table_codec().loads(zlib.compress(orjson.dumps(STATE), 1)) == STATE
    assert stored_json(b'{"a": 1}') == b'{"a": 1}'


def test_stored_json_gives_the_json_of_a_stored_value() -> None:
    assert orjson.loads(stored_json(table_codec().dumps(STATE))) == STATE


def test_every_worker_table_writes_its_changelog_compressed() -> None:
    settings = ServiceSettings()
    app = make_faust_app(settings, "tables-test")
    table = make_table(app, "office-state", settings)
    changelog = table.changelog_topic
    written = app.serializers.dumps_value(changelog.value_type, STATE, serializer=changelog.value_serializer)
    assert written is not None
    assert written[:4] == b"\x28\xb5\x2f\xfd"
    assert stored_json(written) == orjson.dumps(STATE)
    assert table.value_serializer is changelog.value_serializer


def test_a_write_goes_to_the_changelog_partition_it_is_made_for() -> None:
    settings = ServiceSettings()
    table = make_table(make_faust_app(settings, "tables-test"), "office-state", settings)
    sent: list[tuple[int | None, str]] = []

    def send_changelog(partition: int | None, key: str, value: Any, *_: Any, **__: Any) -> Any:
        sent.append((partition, key))
        return SimpleNamespace(message=SimpleNamespace(partition=partition))

    table.send_changelog = send_changelog
    with writing_to(5):
        table["halden"] = STATE
    with writing_to(2):
        del table["halden"]
    assert sent == [(5, "halden"), (2, "halden")]
    with pytest.raises(TypeError):  # outside a stream and outside `writing_to`: faust refuses
        table["moss"] = STATE
