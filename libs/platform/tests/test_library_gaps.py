"""The adapters for what the Kafka clients give no option for are used only on the versions they were
verified with: a new release fails here until `visitflow_platform.library_gaps` is checked against it."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from aiokafka.consumer import consumer as consumer_module
from aiokafka.consumer.fetcher import Fetcher
from visitflow_platform import library_gaps


@pytest.mark.parametrize("package", sorted(library_gaps.VERIFIED))
def test_the_installed_client_is_the_release_the_adapter_was_verified_with(package: str) -> None:
    assert library_gaps.verified(package), (
        f"{package} {version(package)} is installed; library_gaps was verified with "
        f"{library_gaps.VERIFIED[package]}: check its internals again, then update VERIFIED"
    )


def test_on_an_unverified_release_the_fetcher_is_left_as_the_library_made_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(consumer_module, "Fetcher", Fetcher)  # restored afterwards
    monkeypatch.setitem(library_gaps.VERIFIED, "aiokafka", "0.0")
    library_gaps.tune_fetching(answers_requests=True)
    assert consumer_module.Fetcher is Fetcher
    monkeypatch.setitem(library_gaps.VERIFIED, "aiokafka", library_gaps.VERIFIED["aiokafka"])
    monkeypatch.undo()
    monkeypatch.setattr(consumer_module, "Fetcher", Fetcher)
    library_gaps.tune_fetching(answers_requests=True)
    assert consumer_module.Fetcher.__mro__[1] is Fetcher
