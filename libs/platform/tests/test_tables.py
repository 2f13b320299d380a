"""The workers' table values: deflated JSON on the changelog, and plain JSON from before still read."""

from __future__ import annotations

import orjson
from visitflow_platform.settings import ServiceSettings
from visitflow_platform.streams import make_faust_app, make_table
from visitflow_platform.tables import inflate, table_codec

# an office's state in small: the same field names over and over, as in the real thing
STATE = {
    "office_id": "halden",
    "visits": {
        f"visit-{n}": {"ticket": f"D-{n:03d}", "line_id": "drop_in", "stage": "waiting", "calls": 0}
        for n in range(60)
    },
}


def test_a_value_is_stored_deflated_and_read_back_unchanged() -> None:
    codec = table_codec()
    stored = codec.dumps(STATE)
    assert len(stored) * 4 < len(orjson.dumps(STATE))
    assert codec.loads(stored) == STATE


def test_plain_json_written_before_deflating_is_still_read() -> None:
    assert table_codec().loads(orjson.dumps(STATE)) == STATE
    assert inflate(b'{"a": 1}') == b'{"a": 1}'


def test_inflate_gives_the_json_of_a_stored_value() -> None:
    assert orjson.loads(inflate(table_codec().dumps(STATE))) == STATE


def test_every_worker_table_writes_its_changelog_deflated() -> None:
    settings = ServiceSettings()
    app = make_faust_app(settings, "tables-test")
    table = make_table(app, "office-state", settings)
    changelog = table.changelog_topic
    written = app.serializers.dumps_value(changelog.value_type, STATE, serializer=changelog.value_serializer)
    assert written is not None
    assert written[:1] == b"\x78"
    assert inflate(written) == orjson.dumps(STATE)
    assert table.value_serializer is changelog.value_serializer
