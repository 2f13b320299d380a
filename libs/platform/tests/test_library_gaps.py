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


@pytest.mark.parametrize(("release", "tuned"), [(library_gaps.VERIFIED["aiokafka"], True), ("0.0", False)])
def test_the_fetcher_is_tuned_only_on_the_release_it_was_verified_with(
    monkeypatch: pytest.MonkeyPatch, release: str, tuned: bool
) -> None:
    monkeypatch.setattr(consumer_module, "Fetcher", Fetcher)  # restored afterwards
    monkeypatch.setitem(library_gaps.VERIFIED, "aiokafka", release)
    library_gaps.tune_fetching(library_gaps.Fetching.PROMPT)
    assert (consumer_module.Fetcher is not Fetcher) is tuned
    assert issubclass(consumer_module.Fetcher, Fetcher)
