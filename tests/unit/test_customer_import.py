"""Reading a customer export's cells: weights, names, the mapping; the update rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.board.customer_import import CustomerRow, customer_mapping, parse_weight, updated_customer
from app.board.domain import Customer
from app.errors import ValidationError


@pytest.mark.parametrize(("cell", "value"), [
    ("12000", 12000), ("12,000", 12000), ("1,234,567", 1234567), ("1.234.567", 1234567),
    ("$1.2k", 1200), ("$1.2K", 1200), ("1,2k", 1200), ("2.5M", 2.5e6), ("3mm", 3e6),
    ("€ 3.400,50", 3400.5), ("3,400.50", 3400.5), ("1 200", 1200), ("1'200'000", 1.2e6),
    ("12,5", 12.5), ("0", 0), ("  42 ", 42), ("USD 900", 900), ("900 EUR", 900),
    ("40 seats", 40), ("12,0", 12), ("$99/mo", 99), ("1.5", 1.5), ("1\u00a0200", 1200),
])
def test_weights_are_read_sensibly(cell, value):
    assert parse_weight(cell) == pytest.approx(value)


@pytest.mark.parametrize("cell", ["", " ", "-", "n/a", "N/A", "—", "none"])
def test_blank_weights_leave_the_customer_as_it_is(cell):
    assert parse_weight(cell) is None


@pytest.mark.parametrize(("cell", "reason"), [
    ("1,2345", "more than one way"), ("12,0000", "more than one way"),
    ("-5", "negative"), ("(300)", "negative"), ("15%", "percentage"), ("lots", "not a number"),
    ("12 000,000.5.5", "not a number"), ("1.2.3", "more than one way"), ("1e400", "not a number"),
    ("1,00,000", "more than one way"), ("9" * 20, "larger"),
])
def test_unreadable_weights_are_refused_with_the_reason(cell, reason):
    with pytest.raises(ValidationError, match=reason):
        parse_weight(cell)


@given(st.integers(min_value=0, max_value=10**12))
def test_any_whole_amount_with_thousands_separators_reads_back(number):
    assert parse_weight(f"{number:,}") == number
    assert parse_weight(f"${number:,}") == number
    assert parse_weight(str(number)) == number


@given(st.text(max_size=30))
def test_any_cell_is_a_weight_none_or_a_named_refusal(cell):
    try:
        value = parse_weight(cell)
    except ValidationError as exc:
        value, field = None, exc.field
    else:
        field = "weight"
    assert field == "weight"
    assert value is None or value >= 0


def test_mapping_prefers_whole_names_and_stronger_synonyms():
    header = ["Account ID", "Account Name", "Seats", "ARR (USD)", "Customer Segment",
              "Plan", "CSM", "Notes"]
    assert customer_mapping(header) == {
        "Account Name": "name", "ARR (USD)": "weight", "Customer Segment": "cohort",
        "CSM": "owner", "Notes": "notes"}
    assert customer_mapping(["company", "mrr", "tier"]) == {
        "company": "name", "mrr": "weight", "tier": "cohort"}


def test_update_rule_keeps_what_the_file_does_not_say():
    current = Customer("1", "Acme", "c1", "Mid-market", 10.0, "Priya", "old notes")
    same, fields = updated_customer(current, CustomerRow(2, "ACME", None, "mid-market"))
    assert (same, fields) == (current, ())  # a cohort is the same in any case
    after, fields = updated_customer(current, CustomerRow(2, "acme", 12.0, "Enterprise",
                                                          None, "new"))
    assert fields == ("weight", "cohort", "notes")
    assert (after.name, after.weight, after.cohort_name, after.owner, after.notes) == (
        "Acme", 12.0, "Enterprise", "Priya", "new")
