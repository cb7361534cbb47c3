"""Every real export in ../shared/data imports with the right mapping, nothing mangled."""

import csv
from collections import Counter

import pytest

from app.filters import VoiceFilter
from ui.cli import main
from ui.composition import open_store

# file, extra CLI arguments, text column, encoding, delimiter, voices, invalid rows
CASES = [
    ("cfpb_consumer_complaints.csv", [], "Consumer complaint narrative", "utf-8", ",", 101, 167),
    ("cfpb_complaints_sample.csv", [], "Consumer complaint narrative", "utf-8", ",", 1532, 5091),
    ("twitter_airline_Tweets_clean6col.csv", ["--map", "airline=customer"], "text", "utf-8", ",",
     14640, 0),
    ("twitter_airline_Tweets_excelmangled15col.csv", [], "text", "utf-8", ",", 14640, 0),
    ("twcs_customer_support_on_twitter_5000.csv", [], "text", "utf-8", ",", 4999, 2),
    ("datafiniti_amazon_consumer_reviews_5000.csv", [], "reviews.text", "utf-8-sig", ",", 5000,
     0),
    ("chatgpt_ios_app_reviews.csv", ["--customer", "ChatGPT iOS reviewers"], "review", "utf-8",
     ",", 2292, 0),
    ("amazon_alexa_reviews.tsv", ["--customer", "Echo owners"], "verified_reviews", "utf-8-sig",
     "\t", 3071, 79),
]


def expected_texts(path, column, encoding, delimiter):
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        width = len(reader.fieldnames)
        return Counter(r[column] for r in reader
                       if (r.get(column) or "").strip() and len(r) == width
                       and None not in r and None not in r.values())


@pytest.mark.parametrize(("name", "args", "column", "encoding", "delimiter", "voices",
                          "invalid"), CASES, ids=[c[0] for c in CASES])
def test_real_export_imports_exactly(shared_data, tmp_path, capsys, name, args, column,
                                     encoding, delimiter, voices, invalid):
    path = shared_data / name
    board = tmp_path / "b.db"
    assert main(["import", str(path), "--db", str(board), *args]) == (1 if invalid else 0)
    first = capsys.readouterr()
    out = first.out
    if invalid:
        assert f"{invalid} invalid row(s); nothing imported" in first.err
        assert f"{path}:" in first.err  # each problem names the file and line
        assert main(["import", str(path), "--db", str(board), "--skip-invalid", *args]) == 0
        out = capsys.readouterr().out
    assert f"added {voices:,}" in out
    assert f"invalid {invalid:,}" in out
    store = open_store(board)
    stored = Counter(v["text"] for v in store.export_rows(VoiceFilter()))
    store.close()
    assert sum(stored.values()) == voices
    assert stored == expected_texts(path, column, encoding, delimiter)
    # A second import recognises every row and adds nothing.
    assert main(["import", str(path), "--db", str(board), "--skip-invalid", *args]) == 0
    assert f"already on the board {voices:,}" in capsys.readouterr().out


def test_long_narratives_and_emoji_survive(shared_data, tmp_path):
    board = tmp_path / "b.db"
    main(["import", str(shared_data / "cfpb_complaints_sample.csv"), "--db", str(board),
          "--skip-invalid", "--kind", "complaint"])
    store = open_store(board)
    longest = max((v["text"] for v in store.export_rows(VoiceFilter())), key=len)
    assert len(longest) == 21928
    store.close()
    main(["import", str(shared_data / "twitter_airline_Tweets_clean6col.csv"), "--db",
          str(board), "--map", "airline=customer"])
    store = open_store(board)
    tweets = [v.text for v in store.search(VoiceFilter(customer="Virgin America"), limit=600)]
    assert any(any(ord(ch) > 0x1F000 for ch in t) for t in tweets)  # emoji kept
    assert any("&amp;" in t for t in tweets)  # entities are the customer's text, not decoded
    store.close()


def test_airline_dates_read_month_first_and_day_first(shared_data, tmp_path):
    board = tmp_path / "b.db"
    for name, extra in [("twitter_airline_Tweets_clean6col.csv", ["--map", "airline=customer"]),
                        ("twitter_airline_Tweets_excelmangled15col.csv", [])]:
        main(["import", str(shared_data / name), "--db", str(board), *extra])
    store = open_store(board)
    # The two spellings of one data set (2/24/2015 and 24-02-2015) land on the same days.
    days = Counter(v["heard_on"] for v in store.export_rows(VoiceFilter()))
    store.close()
    assert set(days) <= {f"2015-02-{d:02d}" for d in range(16, 25)}
