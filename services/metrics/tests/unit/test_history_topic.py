"""HistoryTopic with a recording topic and a hand-set clock: an office-day's summary reaches the history
at most once per interval, the newest of the meantime at the next, and every waiting one before the
worker stops or gives up partitions."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, cast

import faust
import orjson
from visitflow_metrics.adapters.history import HistoryTopic
from visitflow_metrics.domain import DaySummary

DAY = date(2026, 11, 23)


class RecordingTopic:
    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    async def send(self, key: bytes, value: bytes) -> asyncio.Future[None]:
        self.sent.append((key.decode(), orjson.loads(value)["version"]))
        acknowledged: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        acknowledged.set_result(None)
        return acknowledged


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def summary(office: str, version: int, day: date = DAY) -> DaySummary:
    return DaySummary(office_id=office, business_date=day, version=version)


def history() -> tuple[HistoryTopic, RecordingTopic, Clock]:
    topic, clock = RecordingTopic(), Clock()
    return HistoryTopic(cast(faust.TopicT, cast(Any, topic)), interval_s=5.0, clock=clock), topic, clock


async def test_an_office_day_is_sent_at_once_then_its_newest_summary_once_the_interval_passed() -> None:
    topic_history, topic, clock = history()
    await topic_history.publish([summary("moss", 1)])
    assert topic.sent == [("moss:2026-11-23", 1)]

    clock.now += 1
    await topic_history.publish([summary("moss", 2)])
    clock.now += 1
    await topic_history.publish([summary("moss", 3)])
    await topic_history.send_due()
    assert topic.sent == [("moss:2026-11-23", 1)]  # both wait; only the newest will go

    clock.now += 3
    await topic_history.send_due()
    assert topic.sent == [("moss:2026-11-23", 1), ("moss:2026-11-23", 3)]
    await topic_history.send_due()
    assert len(topic.sent) == 2


async def test_each_office_day_has_its_own_interval() -> None:
    topic_history, topic, clock = history()
    await topic_history.publish([summary("moss", 1)])
    clock.now += 1
    await topic_history.publish(
        [summary("moss", 2), summary("halden", 1), summary("moss", 1, date(2026, 11, 24))]
    )
    assert topic.sent == [("moss:2026-11-23", 1), ("halden:2026-11-23", 1), ("moss:2026-11-24", 1)]


async def test_every_waiting_summary_is_sent_before_the_worker_stops() -> None:
    topic_history, topic, clock = history()
    await topic_history.publish([summary("moss", 1), summary("halden", 1)])
    clock.now += 1
    await topic_history.publish([summary("moss", 2), summary("halden", 2)])
    await topic_history.send_all()
    assert topic.sent[2:] == [("moss:2026-11-23", 2), ("halden:2026-11-23", 2)]
    await topic_history.send_all()
    assert len(topic.sent) == 4


async def test_a_held_summary_goes_at_the_next_tick_however_recently_its_day_was_sent() -> None:
    topic_history, topic, _ = history()
    await topic_history.publish([summary("moss", 4)])
    topic_history.hold([summary("moss", 4)])
    await topic_history.send_due()
    assert topic.sent == [("moss:2026-11-23", 4), ("moss:2026-11-23", 4)]
