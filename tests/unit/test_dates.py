"""Dates as real exports spell them, with day/month order decided per column."""

import datetime as dt

import pytest

from app.dates import date_parser


@pytest.mark.parametrize(("values", "expected"), [
    (["2019-09-24"], dt.date(2019, 9, 24)),
    (["2020/3/18"], dt.date(2020, 3, 18)),
    (["2/24/2015 11:35"], dt.date(2015, 2, 24)),
    (["24-02-2015 11.35"], dt.date(2015, 2, 24)),
    (["Tue Oct 31 22:10:47 +0000 2017"], dt.date(2017, 10, 31)),
    (["2017-01-13T00:00:00.000Z"], dt.date(2017, 1, 13)),
    (["31-Jul-18"], dt.date(2018, 7, 31)),
    (["Mar 5, 2021"], dt.date(2021, 3, 5)),
])
def test_each_spelling_is_read(values, expected):
    assert date_parser(values)(values[0]) == expected


def test_day_first_is_decided_by_the_column_not_the_cell():
    column = ["03/04/2021", "25/12/2020"]  # 25 cannot be a month: the column is day-first
    parse = date_parser(column)
    assert parse("03/04/2021") == dt.date(2021, 4, 3)


def test_month_first_when_the_second_part_is_large():
    parse = date_parser(["03/04/2021", "12/25/2020"])
    assert parse("03/04/2021") == dt.date(2021, 3, 4)


@pytest.mark.parametrize("bad", ["", "   ", "yesterday", "2021-13-45", "31/31/2020"])
def test_unreadable_dates_raise_with_a_reason(bad):
    with pytest.raises(ValueError, match="date"):
        date_parser([bad])(bad)
