"""A Redis that lost the read model is noticed at once: until the worker replays the history topic, the
API would serve today as empty while the live frames carry the whole day."""

from __future__ import annotations

from visitflow_metrics.config import MetricsSettings


def test_the_worker_notices_a_lost_read_model_within_seconds() -> None:
    assert MetricsSettings().history_check_s <= 2.0
