import pytest

from sandex.domain.keys.timestamps import (
    WINDOW_MS,
    format_rest_timestamp,
    parse_rest_timestamp,
    parse_ws_timestamp,
    within_window,
)

T0 = 1_607_418_537_715  # 2020-12-08T09:08:57.715Z


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-12-08T09:08:57.715Z", T0),
        ("2020-12-08T09:08:57Z", T0 - 715),
        ("2020-12-08T09:08:57.7Z", T0 - 15),
        ("2020-12-08T09:08:57.715999999Z", T0),
        ("1970-01-01T00:00:00.000Z", 0),
        ("2024-02-29T23:59:59.999Z", 1_709_251_199_999),
        ("2024-03-01T00:00:00Z", 1_709_251_200_000),
    ],
)
def test_rest_timestamps_accepted(text: str, expected: int) -> None:
    assert parse_rest_timestamp(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Z",
        "2020-12-08T09:08:57.715",  # no zone
        "2020-12-08T09:08:57.715+00:00",
        "2020-12-08 09:08:57.715Z",
        "2020-12-08t09:08:57.715Z",
        "2020-12-08T09:08:57.715z",
        "2020-12-08T09:08:57.Z",
        "2020-12-08T09:08:57.1234567890Z",
        "2020-12-08T09:08:57,715Z",
        "2020-13-08T09:08:57.715Z",
        "2023-02-29T09:08:57.715Z",
        "0000-01-01T00:00:00.000Z",
        "2020-12-08T24:00:00.000Z",
        "2020-12-08T09:60:57.715Z",
        "2020-12-08T09:08:60.715Z",
        "2020-12-8T09:08:57.715Z",
        "2020-12-08T09:08:5٣.715Z",  # Arabic-Indic digit
        "2020-12-08T09:08:57.7١5Z",
        "+020-12-08T09:08:57.715Z",
        "1607418537715",
        "2020-12-08T09:08:57.715ZZ",
        "2020-12-08T0a:08:57.715Z",
        "2020-12-08T-9:08:57.715Z",
        "2020-12-08T09:0 :57.715Z",
        "2020-12-08T09:08:+7.715Z",
        "2020-1a-08T09:08:57.715Z",
        "2020-02-30T09:08:57.715Z",
    ],
)
def test_rest_timestamps_refused(text: str) -> None:
    assert parse_rest_timestamp(text) is None


def test_a_remembered_date_gives_the_same_answers() -> None:
    for _ in range(2):
        assert parse_rest_timestamp("2024-02-29T23:59:59.999Z") == 1_709_251_199_999
        assert parse_rest_timestamp("2023-02-29T00:00:00Z") is None


def test_format_round_trips() -> None:
    assert format_rest_timestamp(T0) == "2020-12-08T09:08:57.715Z"
    assert format_rest_timestamp(0) == "1970-01-01T00:00:00.000Z"
    assert parse_rest_timestamp(format_rest_timestamp(T0 + 5)) == T0 + 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1538054050, 1538054050_000),
        ("1538054050", 1538054050_000),
        ("1538054050.123", 1538054050_123),
        ("1538054050.5", 1538054050_500),
        ("1538054050.123999", 1538054050_123),
        (1538054050.25, 1538054050_250),
        ("0", 0),
    ],
)
def test_ws_timestamps_accepted(value: str | int | float, expected: int) -> None:
    assert parse_ws_timestamp(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        ".5",
        "1538054050.",
        "-1538054050",
        "+1538054050",
        "1e9",
        " 1538054050",
        "1538054050 ",
        "1,5",
        "2020-12-08T09:08:57.715Z",
        "١٥٣٨٠٥٤٠٥٠",
        "9" * 16,
        True,
        -1,
        float("nan"),
        float("inf"),
    ],
)
def test_ws_timestamps_refused(value: str | int | float) -> None:
    assert parse_ws_timestamp(value) is None


@pytest.mark.parametrize(
    ("offset_ms", "inside"),
    [(0, True), (WINDOW_MS, True), (-WINDOW_MS, True), (WINDOW_MS + 1, False), (-WINDOW_MS - 1, False)],
)
def test_window_is_30_s_both_ways(offset_ms: int, inside: bool) -> None:
    assert within_window(T0 + offset_ms, T0) is inside
