import re

from visitflow_platform.pseudonyms import PATTERN, pseudonym

SECRET = "a-secret-of-sixteen-or-more"


def test_a_subject_gets_one_opaque_pseudonym_per_secret() -> None:
    first = pseudonym(SECRET, "ola.nordmann@nav.no")
    assert first == pseudonym(SECRET, "ola.nordmann@nav.no")
    assert re.fullmatch(PATTERN, first)
    assert "ola" not in first
    assert "nordmann" not in first
    assert first != pseudonym(SECRET, "kari.nordmann@nav.no")
    assert first != pseudonym(SECRET + "-other", "ola.nordmann@nav.no")


def test_a_number_as_subject_becomes_an_opaque_pseudonym() -> None:
    assert re.fullmatch(PATTERN, pseudonym(SECRET, "01017012345"))
