"""explorer.core.numbers: compact and exact texts of kernel values, and parsing a typed cell."""

from __future__ import annotations

import pytest

from explorer.core.numbers import format_value, parse_value


@pytest.mark.parametrize(("value", "text"), [(0, "0"), (-0.0, "0"), (5, "5"), (-1, "-1"), (0.5, "0.5"),
                                             (1 / 9, "0.111"), (-0.0625, "-0.062"), (2.0001, "2"),
                                             (1e-5, "≈0"), (123.456789, "123.457")])
def test_format_value(value, text):
    assert format_value(value) == text


def test_parse_value_messages():
    with pytest.raises(ValueError, match="“abc” is not a number; the kernel is unchanged"):
        parse_value("abc")
    with pytest.raises(ValueError, match="finite"):
        parse_value("nan")
    with pytest.raises(ValueError, match="too large"):
        parse_value("1e400")
    with pytest.raises(ValueError, match="empty"):
        parse_value("")
    assert parse_value("1/9") == pytest.approx(1 / 9)
