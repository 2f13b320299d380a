"""Injected clocks: fixed for tests, scaled for the simulated office day."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from visitflow_offices import FixedClock, ScaledClock, SystemClock, make_clock

START = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)


def fake_time(monkeypatch: pytest.MonkeyPatch, value: float) -> None:
    monkeypatch.setattr(time, "time", lambda: value)


def test_fixed_clock_only_moves_when_told() -> None:
    clock = FixedClock(START)

    assert clock.now() == START
    assert clock.now() == START
    clock.advance(timedelta(minutes=5))
    assert clock.now() == START + timedelta(minutes=5)


def test_scaled_clock_at_speed_ten_runs_ten_times_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ScaledClock(start=START, speed=10, epoch=1_000.0)

    fake_time(monkeypatch, 1_000.0)
    assert clock.now() == START
    fake_time(monkeypatch, 1_060.0)
    assert clock.now() == START + timedelta(minutes=10)
    fake_time(monkeypatch, 1_000.5)
    assert clock.now() == START + timedelta(seconds=5)


def test_scaled_clock_epoch_defaults_to_the_real_now() -> None:
    before = time.time()
    clock = ScaledClock(start=START, speed=2)

    assert before <= clock.epoch <= time.time()


def test_two_scaled_clocks_with_the_same_epoch_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    first = make_clock(START, speed=60, epoch=100.0)
    second = make_clock(START, speed=60, epoch=100.0)

    fake_time(monkeypatch, 160.0)
    assert first.now() == second.now() == START + timedelta(hours=1)


def test_make_clock_without_start_or_speed_is_the_system_clock() -> None:
    clock = make_clock(None)

    assert isinstance(clock, SystemClock)
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is not None
    assert before <= now <= datetime.now(UTC)


def test_make_clock_with_a_start_is_scaled(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_time(monkeypatch, 42.0)
    clock = make_clock(START, speed=10)

    assert isinstance(clock, ScaledClock)
    assert clock.epoch == 42.0
    fake_time(monkeypatch, 43.0)
    assert clock.now() == START + timedelta(seconds=10)


def test_make_clock_with_only_a_speed_starts_from_now(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = make_clock(None, speed=5, epoch=10.0)

    assert isinstance(clock, ScaledClock)
    assert clock.speed == 5
    assert abs(clock.start - datetime.now(UTC)) < timedelta(minutes=1)


def test_each_clock_maps_a_real_unix_time_onto_its_own_time(monkeypatch: pytest.MonkeyPatch) -> None:
    real = datetime(2026, 3, 1, 9, 0, tzinfo=UTC).timestamp()

    assert SystemClock().at(real) == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert FixedClock(START).at(real) == START
    scaled = ScaledClock(start=START, speed=60, epoch=real - 10)
    assert scaled.at(real) == START + timedelta(minutes=10)
    assert scaled.at(real - 10) == START
    fake_time(monkeypatch, real)
    assert scaled.at(real) == scaled.now()  # now is the mapping of the real now
