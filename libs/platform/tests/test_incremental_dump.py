"""A new version of a frozen model dumped from the changes to the version before: the same JSON data as
pydantic's own dump, with the unchanged parts reused rather than dumped again."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, computed_field
from visitflow_platform.incremental_dump import dump_json
from visitflow_platform.tables import ParsedTable


class Visit(BaseModel):
    model_config = ConfigDict(frozen=True)

    ticket: str
    calls: int = 0
    room_id: str | None = None


class Day(BaseModel):
    model_config = ConfigDict(frozen=True)

    visits: dict[UUID, Visit] = {}
    counters: dict[str, int] = {}
    seen: frozenset[UUID] = frozenset()


class Office(BaseModel):
    model_config = ConfigDict(frozen=True)

    office_id: str
    days: dict[date, Day] = {}
    visits: dict[UUID, Visit] = {}
    history: tuple[str, ...] = ()


def _office(visits: int) -> Office:
    return Office(office_id="halden", visits={uuid4(): Visit(ticket=f"D-{n:03d}") for n in range(visits)})


def test_an_unchanged_visit_keeps_its_dump_and_a_changed_one_is_dumped_again() -> None:
    before = _office(3)
    old_raw = before.model_dump(mode="json")
    first, second, third = before.visits
    after = before.model_copy(
        update={"visits": {**before.visits, second: before.visits[second].model_copy(update={"calls": 1})}}
    )
    raw = dump_json(after, (before, old_raw))
    assert raw == after.model_dump(mode="json")
    assert raw["visits"][str(first)] is old_raw["visits"][str(first)]
    assert raw["visits"][str(third)] is old_raw["visits"][str(third)]
    assert raw["visits"][str(second)]["calls"] == 1


def test_added_removed_and_reordered_entries_keep_the_dicts_order() -> None:
    before = _office(4)
    old_raw = before.model_dump(mode="json")
    ids = list(before.visits)
    newcomer = uuid4()
    visits = {newcomer: Visit(ticket="E-001"), **{i: before.visits[i] for i in reversed(ids[1:])}}
    after = before.model_copy(update={"visits": visits})
    raw = dump_json(after, (before, old_raw))
    assert list(raw["visits"]) == [str(newcomer), *(str(i) for i in reversed(ids[1:]))]
    assert raw == after.model_dump(mode="json")


def test_a_key_only_equal_to_one_before_is_dumped_again_and_the_same() -> None:
    before = _office(2)
    old_raw = before.model_dump(mode="json")
    after = before.model_copy(update={"visits": {UUID(str(k)): v for k, v in before.visits.items()}})
    raw = dump_json(after, (before, old_raw))
    assert raw == after.model_dump(mode="json")
    assert list(raw["visits"]) == list(old_raw["visits"])


class Hours(BaseModel):
    model_config = ConfigDict(frozen=True)

    by_weekday: dict[int, dict[str, dict[int, float]]] = {}


def test_keys_that_are_not_strings_are_written_as_pydantic_writes_them() -> None:
    before = Hours(by_weekday={0: {"drop_in": {12: 1.0}}})
    old_raw = before.model_dump(mode="json")
    after = before.model_copy(update={"by_weekday": {**before.by_weekday, 1: {"drop_in": {9: 2.0}}}})

    raw = dump_json(after, (before, old_raw))

    assert (
        raw
        == after.model_dump(mode="json")
        == {"by_weekday": {"0": {"drop_in": {"12": 1.0}}, "1": {"drop_in": {"9": 2.0}}}}
    )


def test_nested_models_in_a_mapping_are_dumped_part_by_part() -> None:
    today = date(2026, 11, 24)
    visit_id = uuid4()
    day = Day(visits={visit_id: Visit(ticket="D-001")}, counters={"arrived": 1}, seen=frozenset({visit_id}))
    before = Office(office_id="halden", days={today: day})
    old_raw = before.model_dump(mode="json")
    newer = day.model_copy(update={"counters": {"arrived": 2}})
    after = before.model_copy(update={"days": {today: newer}})
    raw = dump_json(after, (before, old_raw))
    assert raw == after.model_dump(mode="json")
    day_raw = raw["days"][today.isoformat()]
    assert day_raw["visits"] is old_raw["days"][today.isoformat()]["visits"]


def test_a_dump_missing_a_field_or_of_another_model_is_not_trusted() -> None:
    before = _office(2)
    old_raw = before.model_dump(mode="json")
    del old_raw["history"]
    after = before.model_copy(update={"history": ("called",)})
    assert dump_json(after, (before, old_raw)) == after.model_dump(mode="json")
    day = Day()
    assert dump_json(day, (before, before.model_dump(mode="json"))) == day.model_dump(mode="json")


def test_a_model_with_computed_fields_is_dumped_whole() -> None:
    class Counted(BaseModel):
        model_config = ConfigDict(frozen=True)

        items: dict[str, int] = {}

        @computed_field  # type: ignore[prop-decorator]
        @property
        def total(self) -> int:
            return sum(self.items.values())

    before = Counted(items={"a": 1})
    after = Counted(items={**before.items, "b": 2})
    assert dump_json(after, (before, before.model_dump(mode="json")))["total"] == 3


changes = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 50)),
        st.tuples(st.just("call"), st.integers(0, 50)),
        st.tuples(st.just("remove"), st.integers(0, 50)),
        st.tuples(st.just("count"), st.integers(0, 50)),
        st.tuples(st.just("note"), st.integers(0, 50)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(changes)
def test_any_sequence_of_changes_dumps_as_pydantic_does(script: list[tuple[str, int]]) -> None:
    today = date(2026, 11, 24)
    office = Office(office_id="halden")
    raw = dump_json(office)
    for action, n in script:
        visits, day, history = dict(office.visits), office.days.get(today, Day()), office.history
        ids = list(visits)
        if action == "add":
            visits[uuid4()] = Visit(ticket=f"D-{n:03d}")
        elif ids and action == "call":
            picked = ids[n % len(ids)]
            visits[picked] = visits[picked].model_copy(update={"calls": n, "room_id": f"room-{n % 3}"})
        elif ids and action == "remove":
            del visits[ids[n % len(ids)]]
        elif action == "count":
            seen = uuid4()
            day = day.model_copy(
                update={
                    "counters": {**day.counters, f"c{n % 4}": n},
                    "seen": day.seen | {seen},
                    "visits": {**day.visits, seen: Visit(ticket=f"A-{n:03d}")},
                }
            )
        else:
            history = (*history, f"note {n}")
        after = office.model_copy(
            update={"visits": visits, "days": {**office.days, today: day}, "history": history}
        )
        raw = dump_json(after, (office, raw))
        assert raw == after.model_dump(mode="json")
        assert list(raw["visits"]) == [str(k) for k in after.visits]
        office = after


def test_a_parsed_table_stores_each_version_as_pydantic_dumps_it() -> None:
    table: dict[str, Any] = {}
    parsed = ParsedTable(table, Office, lambda key: Office(office_id=key))
    office = _office(5)
    parsed.put("halden", office)
    first, *_ = office.visits
    called = office.model_copy(
        update={"visits": {**office.visits, first: office.visits[first].model_copy(update={"calls": 1})}}
    )
    earlier = table["halden"]
    parsed.put("halden", called)
    assert table["halden"] == called.model_dump(mode="json")
    assert parsed.get("halden") is called
    unchanged = [key for key in earlier["visits"] if key != str(first)]
    assert all(table["halden"]["visits"][key] is earlier["visits"][key] for key in unchanged)
