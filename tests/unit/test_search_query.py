"""What a person types becomes FTS5 that never raises and means what they typed."""

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from storage.search import fts_query


def test_words_phrases_and_prefixes():
    assert fts_query('late "credit card" refund*') == '"late" "credit card" "refund"*'


def test_operators_are_literal_text():
    assert fts_query("billing OR NOT NEAR(x)") == '"billing" "OR" "NOT" "NEAR(x)"'


def test_empty_or_punctuation_means_no_text_filter():
    assert fts_query("   ") is None
    assert fts_query('* " - ()') is None


def _fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61')")
    conn.execute("INSERT INTO t VALUES ('the late fee on my credit card'), ('refunds please')")
    return conn


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60))
def test_any_typed_text_is_a_valid_match_expression(typed):
    query = fts_query(typed)
    if query is not None:
        _fts().execute("SELECT count(*) FROM t WHERE t MATCH ?", [query]).fetchone()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(['"', "*", "(", ")", "^", "-", "+", ":", "OR", "AND", "NOT",
                                 "NEAR", "late", "fee", " ", "\u00e9", "{", "}"]), max_size=12))
def test_fts_syntax_soup_never_raises(parts):
    query = fts_query("".join(parts))
    if query is not None:
        _fts().execute("SELECT count(*) FROM t WHERE t MATCH ?", [query]).fetchone()
