"""What counts as personal data at the edge: a national identity number (valid check digits, wherever
it stands) or a value that is a phone number; ids, dates, times and tickets are not."""

from __future__ import annotations

import pytest
from visitflow_platform.privacy import contains_national_id, is_phone_number, looks_personal

# Check digits worked out by hand from the published weights (3 7 6 1 8 9 4 5 2 and 5 4 3 2 7 6 5 4 3 2).
NATIONAL_IDS = [
    "15076500565",  # a birth number (15.07.65)
    "01010750160",
    "41108976541",  # a D-number: day + 40
    "01455012410",  # an H-number: month + 40
    "01855012312",  # a synthetic test number: month + 80
    "30108299939",  # issued from 2032: the first check digit's remainder may be 0 to 3 (here 1)
]


@pytest.mark.parametrize("number", NATIONAL_IDS)
def test_a_national_identity_number_is_personal(number: str) -> None:
    assert contains_national_id(number)
    assert looks_personal(number)


@pytest.mark.parametrize(
    "text",
    [
        "fnr:15076500565",
        "my number is 15076500565, thanks",
        "150765 00565",
        "150765-00565",
        "150765.00565",
        "x15076500565y",
        "TA-01010750160",
    ],
)
def test_a_national_identity_number_inside_a_longer_value_is_found(text: str) -> None:
    assert contains_national_id(text)
    assert looks_personal(text)


@pytest.mark.parametrize(
    "number",
    [
        "15076500566",  # second check digit wrong
        "15076500575",  # first check digit wrong
        "01017012345",  # a made-up number: its check digits do not add up
        "32019012351",  # check digits add up, but there is no 32nd day
        "01139012328",  # nor a 13th month
        "115076500565",  # twelve digits: not an identity number
    ],
)
def test_eleven_digits_with_wrong_check_digits_or_no_date_are_no_identity_number(number: str) -> None:
    assert not contains_national_id(number)


@pytest.mark.parametrize(
    "phone",
    [
        "91234567",
        "4791234567",
        "+4791234567",
        "+47 912 34 567",
        "0047 912 34 567",
        "(+47) 912-34-567",
        "912.34.567",
        " 91 23 45 67 ",
        "+44 7911 123456",
    ],
)
def test_a_value_that_is_a_phone_number_is_personal(phone: str) -> None:
    assert is_phone_number(phone)
    assert looks_personal(phone)


@pytest.mark.parametrize(
    "text",
    [
        "1234567",  # seven digits
        "1234567890123456",  # sixteen
        "call me on 91234567",  # a phone number inside a sentence is not a phone-number value
        "91234567a",
        "+",
        "",
    ],
)
def test_only_a_whole_value_of_8_to_15_digits_is_a_phone_number(text: str) -> None:
    assert not is_phone_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "3f2b1c4d-1234-5678-9012-a15076500565",  # a UUID whose digits happen to hold an identity number
        "3F2B1C4D-1234-5678-9012-A15076500565",
        "3f2b1c4d123456789012a15076500565",  # the same UUID as hex
        "2026-11-23",
        "23.11.2026",
        "2026-11-23T12:30:00+01:00",
        "2026-11-23T12:30:00.123456Z",
        "12:30",
        "1732360000000-0",  # a live stream's event id
        "1732360000000-12",
        "D-012",
        "A-101",
        "halden",
        "samtalerom-1",
        "tablet-7-tap-000001",
        "counsellor_appointment",
        "Drop-in 12:00-15:00",
    ],
)
def test_ids_dates_times_and_tickets_are_not_personal(text: str) -> None:
    assert not looks_personal(text)
