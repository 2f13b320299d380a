"""The shipped office configuration loads, and invalid configurations say what is wrong and where."""

from __future__ import annotations

import copy
import json
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
import yaml
from visitflow_events import UP_NEXT_MAX, Reason, VisitKind
from visitflow_offices import (
    OfficeConfigError,
    OfficeDirectory,
    QueueOrder,
    RoomKind,
    Weekday,
    load_offices,
    parse_config,
)

CONFIG = Path(__file__).resolve().parents[3] / "deploy" / "config" / "offices.yaml"


def shipped() -> OfficeDirectory:
    return load_offices(CONFIG)


def raw_config() -> dict[str, Any]:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def small_config() -> dict[str, Any]:
    """A minimal valid configuration with one office, to break in one place at a time."""
    return {
        "version": 3,
        "timezone": "Europe/Oslo",
        "defaults": {
            "policy": {"opening_hours": [{"days": ["mon", "tue"], "start": "08:00", "end": "15:30"}]},
            "lines": [
                {"id": "emergency", "prefix": "A", "name": "Akutt", "kind": "emergency", "priority": 0},
                {"id": "appointment", "prefix": "T", "name": "Time", "kind": "appointment", "priority": 1},
                {"id": "drop_in", "prefix": "D", "name": "Drop-in", "kind": "drop_in", "priority": 2},
            ],
            "holidays": ["2026-12-25"],
        },
        "regions": [{"id": "hedmark", "name": "Hedmark"}],
        "offices": [
            {
                "id": "testby",
                "name": "NAV Testby",
                "region": "hedmark",
                "drop_in": [{"days": ["mon"], "start": "12:00", "end": "15:00"}],
                "drop_in_target_per_day": 10,
                "rooms": [{"id": "rom-1", "name": "Rom 1"}],
                "holidays": ["2026-12-24"],
            }
        ],
    }


def config_error(data: object) -> str:
    with pytest.raises(OfficeConfigError) as caught:
        parse_config(data, "offices.yaml")
    message = str(caught.value)
    assert message.startswith("offices.yaml")
    return message


# --- the shipped file ---------------------------------------------------------------------------------


def test_the_shipped_config_loads_with_enough_offices_and_regions() -> None:
    directory = shipped()

    assert directory.version >= 1
    assert str(directory.timezone) == "Europe/Oslo"
    assert len(directory.offices) >= 6
    assert len({office.region_id for office in directory}) >= 2
    assert all(office.region_id in directory.regions for office in directory)


def test_loten_has_drop_in_monday_wednesday_friday_noon_to_three() -> None:
    loten = shipped().office("loten")

    assert loten is not None
    assert loten.name == "NAV Løten"
    assert len(loten.drop_in) == 1
    window = loten.drop_in[0]
    assert set(window.days) == {Weekday.MON, Weekday.WED, Weekday.FRI}
    assert (window.start, window.end) == (time(12, 0), time(15, 0))


def test_halden_has_a_drop_in_target_of_fifty() -> None:
    halden = shipped().office("halden")

    assert halden is not None
    assert halden.name == "NAV Halden"
    assert halden.drop_in_target_per_day == 50


def test_offices_inherit_the_default_lines_policy_and_holidays() -> None:
    loten = shipped().office("loten")

    assert loten is not None
    assert [line.prefix for line in loten.lines] == ["A", "T", "D", "S"]
    assert loten.policy.appointment_checkin.early_minutes == 30
    assert loten.policy.appointment_checkin.late_minutes == 15
    assert loten.policy.no_show_after_calls == 3
    assert date(2026, 12, 25) in loten.holidays
    appointment = loten.line("appointment")
    assert appointment is not None
    assert appointment.order is QueueOrder.APPOINTMENT_TIME


def test_every_shipped_office_has_a_plain_line_for_every_kind_and_a_conversation_room() -> None:
    for office in shipped():
        for kind in VisitKind:
            assert office.line_for(kind, Reason.OTHER).kind is kind
        assert any(room.kind is RoomKind.CONVERSATION for room in office.rooms)


def test_directory_lookups() -> None:
    directory = shipped()

    assert directory.office("nowhere") is None
    assert {office.id for office in directory.in_region("hedmark")} >= {"loten", "hamar", "elverum"}
    assert all(office.region_id == "ostfold" for office in directory.in_region("ostfold"))


def test_a_copy_of_an_office_with_other_rooms_and_lines_looks_up_its_own() -> None:
    halden = shipped().office("halden")
    assert halden is not None
    assert halden.room("samtalerom-4") is not None  # looked up once: indexed

    fewer = halden.model_copy(update={"rooms": halden.rooms[:2], "lines": halden.lines[:-1]})

    assert fewer.room("samtalerom-4") is None
    assert [fewer.room(room.id) for room in halden.rooms[:2]] == list(halden.rooms[:2])
    assert fewer.line(halden.lines[-1].id) is None
    assert halden.room("samtalerom-4") is not None  # the original keeps its own


def test_line_for_routes_self_service_help_to_the_self_service_line() -> None:
    loten = shipped().office("loten")
    assert loten is not None

    assert loten.line_for(VisitKind.DROP_IN, Reason.SELF_SERVICE_HELP).id == "self_service"
    assert loten.line_for(VisitKind.DROP_IN, Reason.DELIVER_DOCUMENTS).id == "drop_in"
    assert loten.line_for(VisitKind.APPOINTMENT, Reason.SELF_SERVICE_HELP).id == "appointment"
    assert loten.line_for(VisitKind.EMERGENCY, Reason.EMERGENCY_ASSISTANCE).id == "emergency"


def test_line_and_room_lookups() -> None:
    loten = shipped().office("loten")
    assert loten is not None

    assert loten.line("nope") is None
    room = loten.room("moterom-1")
    assert room is not None
    assert room.kind is RoomKind.MEETING
    assert loten.room("nope") is None


def test_weekday_numbers_match_date_weekday() -> None:
    assert Weekday.MON.number == date(2026, 11, 23).weekday() == 0
    assert Weekday.SUN.number == 6


# --- valid small configs ------------------------------------------------------------------------------


def test_a_small_config_parses_and_merges_holidays() -> None:
    directory = parse_config(small_config())

    office = directory.office("testby")
    assert office is not None
    assert directory.version == 3
    assert office.holidays == (date(2026, 12, 24), date(2026, 12, 25))


def test_an_office_policy_overrides_only_what_it_names() -> None:
    data = small_config()
    data["offices"][0]["policy"] = {"no_show_after_calls": 5}

    office = parse_config(data).office("testby")

    assert office is not None
    assert office.policy.no_show_after_calls == 5
    assert office.policy.opening_hours[0].start == time(8, 0)


def test_the_display_points_to_the_visitors_page_only_where_the_office_turns_it_on() -> None:
    def flag(data: dict[str, Any]) -> bool:
        office = parse_config(data).office("testby")
        assert office is not None
        return office.policy.visitor_page_on_display

    data = small_config()
    assert flag(data) is False
    data["offices"][0]["policy"] = {"visitor_page_on_display": True}
    assert flag(data) is True
    data["offices"][0]["policy"] = {"visitor_page_on_display": "yes"}
    assert "visitor_page_on_display" in config_error(data)


def test_nearly_your_turn_reaches_as_far_as_a_call_names_who_is_next() -> None:
    data = small_config()
    data["offices"][0]["policy"] = {"sms_nearly_position": UP_NEXT_MAX}
    office = parse_config(data).office("testby")
    assert office is not None
    assert office.policy.sms_nearly_position == UP_NEXT_MAX == 10

    data["offices"][0]["policy"] = {"sms_nearly_position": UP_NEXT_MAX + 1}
    message = config_error(data)

    assert "offices[0] (testby).sms_nearly_position: Input should be less than or equal to 10" in message


# --- invalid configs ----------------------------------------------------------------------------------


def test_unknown_region_names_the_office_and_the_region() -> None:
    data = small_config()
    data["offices"][0]["region"] = "atlantis"

    message = config_error(data)

    assert "offices[0] (testby)" in message
    assert "unknown region 'atlantis'" in message
    assert "hedmark" in message  # the known ones


def test_duplicate_ticket_prefix_names_the_office_and_the_prefix() -> None:
    data = small_config()
    data["offices"][0]["lines"] = [
        *data["defaults"]["lines"],
        {"id": "self_service", "prefix": "D", "name": "Selv", "kind": "drop_in", "priority": 3},
    ]

    message = config_error(data)

    assert "offices[0] (testby)" in message
    assert "ticket prefix used twice: D" in message


def test_duplicate_office_id_is_reported() -> None:
    data = small_config()
    data["offices"].append(copy.deepcopy(data["offices"][0]))

    message = config_error(data)

    assert "offices[1] (testby): office id used twice" in message


def test_a_window_ending_before_it_starts_names_the_window() -> None:
    data = small_config()
    data["offices"][0]["drop_in"] = [{"days": ["mon"], "start": "15:00", "end": "12:00"}]

    message = config_error(data)

    assert "offices.0.drop_in.0" in message
    assert "window ends (12:00) before it starts (15:00)" in message


def test_an_empty_window_is_refused() -> None:
    data = small_config()
    data["defaults"]["policy"]["opening_hours"] = [{"days": ["mon"], "start": "08:00", "end": "08:00"}]

    message = config_error(data)

    assert "defaults.policy.opening_hours.0" in message


def test_unknown_timezone_names_the_setting() -> None:
    data = small_config()
    data["timezone"] = "Mars/Olympus"

    message = config_error(data)

    assert "Mars/Olympus" in message
    assert "timezone" in message


def test_missing_line_for_a_kind_names_the_office_and_the_kind() -> None:
    data = small_config()
    data["offices"][0]["lines"] = [
        line for line in data["defaults"]["lines"] if line["kind"] != "appointment"
    ]

    message = config_error(data)

    assert "offices[0] (testby)" in message
    assert "no line takes appointment visits" in message


def test_a_line_with_reasons_only_does_not_count_as_the_plain_line_for_its_kind() -> None:
    data = small_config()
    data["offices"][0]["lines"] = [
        *(line for line in data["defaults"]["lines"] if line["kind"] != "drop_in"),
        {
            "id": "self_service",
            "prefix": "S",
            "name": "Selv",
            "kind": "drop_in",
            "priority": 3,
            "reasons": ["self_service_help"],
        },
    ]

    assert "no line takes drop_in visits" in config_error(data)


def test_every_problem_is_listed() -> None:
    data = small_config()
    second = copy.deepcopy(data["offices"][0])
    second["id"] = "annenby"
    second["region"] = "nowhere"
    data["offices"][0]["region"] = "atlantis"
    data["offices"].append(second)

    message = config_error(data)

    assert "offices[0] (testby): unknown region 'atlantis'" in message
    assert "offices[1] (annenby): unknown region 'nowhere'" in message


def test_unknown_fields_are_refused_with_their_place() -> None:
    data = small_config()
    data["offices"][0]["colour"] = "blue"

    assert "offices.0.colour" in config_error(data)


def test_a_config_that_is_not_a_mapping_is_refused() -> None:
    config_error(["not", "a", "mapping"])


def test_load_offices_reports_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"

    with pytest.raises(OfficeConfigError) as caught:
        load_offices(missing)

    assert str(missing) in str(caught.value)
    assert "cannot read" in str(caught.value)


def test_load_offices_reports_broken_yaml(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: [1\n", encoding="utf-8")

    with pytest.raises(OfficeConfigError) as caught:
        load_offices(broken)

    assert "not valid YAML" in str(caught.value)


def test_load_offices_names_the_file_in_validation_errors(tmp_path: Path) -> None:
    data = raw_config()
    data["offices"][0]["region"] = "atlantis"
    path = tmp_path / "offices.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")

    with pytest.raises(OfficeConfigError) as caught:
        load_offices(path)

    assert str(caught.value).startswith(str(path))
    assert "offices[0] (loten): unknown region 'atlantis'" in str(caught.value)


def test_load_offices_reads_yaml_dates_and_reports_values_json_cannot_hold(tmp_path: Path) -> None:
    """The loader hands the model a fresh copy of what YAML parsed (docs/decisions/start-up.md): a date is
    still a date, and a YAML-only value (a set) is reported against its place, not lost or crashed on."""
    data = raw_config()
    data["offices"][0]["holidays"] = [date(2026, 5, 18)]
    path = tmp_path / "offices.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    loten = load_offices(path).office("loten")
    assert loten is not None
    assert date(2026, 5, 18) in loten.holidays

    path.write_text(yaml.safe_dump(data).replace("version:", "regions_extra: !!set {a}\nversion:"))
    with pytest.raises(OfficeConfigError) as caught:
        load_offices(path)

    assert "regions_extra" in str(caught.value)


def test_a_cached_parse_is_read_back_validated_and_replaced_when_the_file_changes(tmp_path: Path) -> None:
    """With a cache folder, the first load keeps the parse there and the next reads it back instead of
    parsing the YAML again (docs/decisions/start-up.md); a changed file is a new entry, and the old one
    goes. A broken file is still reported, cache or not."""
    data = raw_config()
    path = tmp_path / "offices.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    cache = tmp_path / "cache"

    first = load_offices(path, cache)
    (entry,) = cache.glob("offices-*.json")
    assert load_offices(path) == first  # the same directory as without a cache

    # what is read back is the entry's, not a new parse: an edited entry shows through, and is validated
    edited = json.loads(entry.read_bytes())
    edited["offices"][0]["name"] = "NAV Løten (from the cache)"
    entry.write_text(json.dumps(edited), encoding="utf-8")
    loten = load_offices(path, cache).office("loten")
    assert loten is not None
    assert loten.name == "NAV Løten (from the cache)"
    # an entry that fails validation is not trusted: the file itself is parsed, and the entry rewritten
    edited["offices"][0]["region"] = "atlantis"
    entry.write_text(json.dumps(edited), encoding="utf-8")
    assert load_offices(path, cache) == first
    assert json.loads(entry.read_bytes())["offices"][0]["region"] != "atlantis"

    data["offices"][0]["name"] = "NAV Løten kontor"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    loten = load_offices(path, cache).office("loten")
    assert loten is not None
    assert loten.name == "NAV Løten kontor"
    (current,) = cache.glob("offices-*")  # one entry: the old one is gone, and no partial write
    assert current != entry
    assert current.parent.stat().st_mode & 0o077 == 0  # the folder is the service's own

    data["offices"][0]["region"] = "atlantis"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(OfficeConfigError, match="unknown region 'atlantis'"):
        load_offices(path, cache)


def test_a_cache_that_cannot_be_written_or_read_only_costs_a_parse(tmp_path: Path) -> None:
    path = tmp_path / "offices.yaml"
    path.write_text(yaml.safe_dump(raw_config()), encoding="utf-8")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("", encoding="utf-8")

    assert load_offices(path, not_a_folder).office("loten") is not None

    cache = tmp_path / "cache"
    load_offices(path, cache)
    (entry,) = cache.glob("offices-*.json")
    entry.write_text("{not json", encoding="utf-8")  # e.g. a disk that filled up mid-write
    assert load_offices(path, cache).office("loten") is not None
    assert json.loads(entry.read_bytes())["offices"]  # parsed again and written whole


def test_counsellors_and_devices_are_configured_per_office_with_defaults() -> None:
    config = small_config()
    config["defaults"]["counsellors"] = [{"id": "veileder-1", "name": "Veileder 1"}]
    config["offices"][0]["devices"] = [{"id": "vert-1", "name": "Nettbrett 1"}]
    office = parse_config(config).offices["testby"]
    assert office.counsellor("veileder-1") is not None
    assert office.device("vert-1") is not None
    assert office.counsellor("veileder-2") is None
    assert office.device("vert-2") is None


@pytest.mark.parametrize(
    ("place", "value"),
    [
        (("defaults", "counsellors"), [{"id": "v-01017012343", "name": "Veileder"}]),
        (("offices", 0, "devices"), [{"id": "tlf-47912345", "name": "Nettbrett"}]),
        (("offices", 0, "rooms"), [{"id": "rom-12345", "name": "Rom"}]),
        (("offices", 0, "id"), "testby-12345"),
        (("defaults", "counsellors"), [{"id": "Ola.Nordmann", "name": "Veileder"}]),
    ],
)
def test_no_configured_id_can_hold_a_number_or_a_name(place: tuple[Any, ...], value: Any) -> None:
    config = small_config()
    target: Any = config
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value
    with pytest.raises(OfficeConfigError):
        parse_config(config)
