"""Every real export in ../shared/data imports with a mapping that makes sense of it: kinds
from sentiment or stars, themes from the file's own labels, agent replies left out, HTML
entities decoded. Each is checked against an independent read of the file with csv."""

import csv
import html
from collections import Counter

import pytest

from app.board.filters import VoiceFilter
from ui.cli import main
from ui.composition import open_store

SENTIMENT = {"negative": "complaint", "neutral": "quote", "positive": "quote"}
STARS = {"1": "complaint", "2": "complaint", "3": "quote", "4": "quote", "5": "quote"}


def values(column, table):
    return [arg for value, kind in table.items()
            for arg in ("--value", f"{column}:{value}={kind}")]


SENTIMENT_ARGS = ["--map", "airline_sentiment=kind", *values("airline_sentiment", SENTIMENT)]

# file, CLI arguments, how the file is read (encoding, delimiter), text columns (joined),
# kind (a fixed kind, or (column, table)), label columns taken as themes, the row filter,
# whether the text is HTML-escaped, and the counts by kind the README's table shows.
CASES = [
    ("cfpb_consumer_complaints.csv",
     ["--kind", "complaint", "--map", "Product=themes", "--map", "Issue=themes"],
     ("utf-8", ","), ["Consumer complaint narrative"], "complaint", ["Product", "Issue"],
     None, False, {"complaint": 101}, 167),
    ("cfpb_complaints_sample.csv",
     ["--kind", "complaint", "--map", "Product=themes", "--map", "Issue=themes"],
     ("utf-8", ","), ["Consumer complaint narrative"], "complaint", ["Product", "Issue"],
     None, False, {"complaint": 1532}, 5091),
    ("twitter_airline_Tweets_clean6col.csv",
     ["--map", "airline=customer", *SENTIMENT_ARGS, "--map", "negativereason=themes",
      "--html", "--channel", "social"],
     ("utf-8", ","), ["text"], ("airline_sentiment", SENTIMENT), ["negativereason"], None,
     True, {"complaint": 9178, "quote": 5462}, 0),
    ("twitter_airline_Tweets_excelmangled15col.csv",
     ["--map", "airline=cohort", *SENTIMENT_ARGS, "--map", "negativereason=themes", "--html",
      "--channel", "social"],
     ("utf-8", ","), ["text"], ("airline_sentiment", SENTIMENT), ["negativereason"], None,
     True, {"complaint": 9178, "quote": 5462}, 0),
    ("twcs_customer_support_on_twitter_5000.csv",
     ["--where", "inbound=True", "--html", "--channel", "social"],
     ("utf-8", ","), ["text"], "quote", [], ("inbound", "True"), True, {"quote": 2777}, 2),
    ("datafiniti_amazon_consumer_reviews_5000.csv",
     ["--map", "reviews.rating=kind", *values("reviews.rating", STARS), "--map", "name=themes"],
     ("utf-8-sig", ","), ["reviews.text"], ("reviews.rating", STARS), ["name"], None, False,
     {"complaint": 117, "quote": 4883}, 0),
    ("chatgpt_ios_app_reviews.csv",
     ["--customer", "ChatGPT iOS reviewers", "--map", "title=text", "--map", "rating=kind",
      *values("rating", STARS)],
     ("utf-8", ","), ["title", "review"], ("rating", STARS), [], None, False,
     {"complaint": 634, "quote": 1658}, 0),
    ("amazon_alexa_reviews.tsv",
     ["--customer", "Echo owners", "--map", "rating=kind", *values("rating", STARS),
      "--map", "variation=themes", "--html"],
     ("utf-8-sig", "\t"), ["verified_reviews"], ("rating", STARS), ["variation"], None, True,
     {"complaint": 238, "quote": 2833}, 79),
]


def expected_voices(path, how, text_columns, kind, labels, where, escaped):
    """(text, kind, themes) of every row the import should add, read with csv alone."""
    encoding, delimiter = how
    found = Counter()
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        width = len(reader.fieldnames)
        for row in reader:
            if len(row) != width or None in row or None in row.values():
                continue  # a ragged row: reported, not imported
            if where and row[where[0]].strip().lower() != where[1].lower():
                continue
            text = "\n\n".join(row[c] for c in text_columns if row[c].strip())
            if escaped:
                text = html.unescape(text)
            if not text.strip():
                continue
            row_kind = kind if isinstance(kind, str) else kind[1][row[kind[0]].strip()]
            themes = frozenset(" ".join(row[c].split()).casefold() for c in labels
                               if row[c].strip())
            found[text, row_kind, themes] += 1
    return found


@pytest.mark.parametrize(("name", "args", "how", "text", "kind", "labels", "where", "escaped",
                          "by_kind", "invalid"), CASES, ids=[c[0] for c in CASES])
def test_real_export_imports_with_its_meaning(shared_data, tmp_path, capsys, name, args, how,
                                              text, kind, labels, where, escaped, by_kind,
                                              invalid):
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
    voices = sum(by_kind.values())
    assert f"added {voices:,}" in out
    assert f"invalid {invalid:,}" in out
    expected = expected_voices(path, how, text, kind, labels, where, escaped)
    kinds = Counter()
    for (_text, row_kind, _themes), count in expected.items():
        kinds[row_kind] += count
    assert kinds == by_kind  # the independent read gives the README's counts
    store = open_store(board)
    stored = Counter(
        (v["text"], v["kind"], frozenset(t.casefold() for t in v["themes"].split("; ") if t))
        for v in store.export_rows(VoiceFilter()))
    store.close()
    assert stored == expected
    if escaped:  # searching "amp" no longer finds every tweet with an ampersand
        assert not any("&amp;" in t for (t, _k, _th) in stored)
    # A second import recognises every row and adds nothing.
    assert main(["import", str(path), "--db", str(board), "--skip-invalid", *args]) == 0
    assert f"already on the board {voices:,}" in capsys.readouterr().out


def test_the_import_proposes_what_each_file_means(shared_data, tmp_path, capsys):
    board = tmp_path / "b.db"
    main(["import", str(shared_data / "twitter_airline_Tweets_clean6col.csv"), "--db",
          str(board), "--map", "airline=customer", "--dry-run"])
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]
    assert ("note: airline_sentiment looks like sentiment; to use it add: "
            + " ".join(SENTIMENT_ARGS)) in notes
    assert any("HTML entities (&amp; &gt; &lt;): add --html" in n for n in notes)
    assert any(n.startswith("note: columns of a few labels, which could be themes: "
                            "negativereason") for n in notes)
    main(["import", str(shared_data / "cfpb_complaints_sample.csv"), "--db", str(board),
          "--dry-run", "--skip-invalid"])
    out = capsys.readouterr().out
    assert "Product (13 values)" in out
    assert "Issue (82 values)" in out
    main(["import", str(shared_data / "amazon_alexa_reviews.tsv"), "--db", str(board),
          "--customer", "Echo owners", "--dry-run", "--skip-invalid"])
    assert ("--map rating=kind --value rating:1=complaint --value rating:2=complaint "
            "--value rating:3=quote") in capsys.readouterr().out


def test_agent_replies_are_filtered_and_counted(shared_data, tmp_path, capsys):
    path = shared_data / "twcs_customer_support_on_twitter_5000.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        agents = sum(1 for row in csv.DictReader(fh) if row["inbound"] == "False")
    main(["import", str(path), "--db", str(tmp_path / "b.db"), "--where-not", "inbound=false",
          "--skip-invalid", "--dry-run"])
    out = capsys.readouterr().out
    assert f"note: --where-not inbound=false left out {agents:,} row(s)" in out
    assert f"filtered out {agents:,}" in out


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
    # Without --html the entities are kept as written (the import only proposes --html).
    assert any("&amp;" in t for t in tweets)
    store.close()


def test_one_bad_byte_is_one_invalid_row_not_mojibake(shared_data, tmp_path, capsys):
    data = (shared_data / "twitter_airline_Tweets_clean6col.csv").read_bytes()
    lines = data.split(b"\n")
    lines[100] = lines[100].replace(b"@", b"@\x92", 1)  # one cp1252 quote in a UTF-8 file
    damaged = tmp_path / "damaged.csv"
    damaged.write_bytes(b"\n".join(lines))
    board = tmp_path / "b.db"
    assert main(["import", str(damaged), "--db", str(board), "--map", "airline=customer"]) == 1
    err = capsys.readouterr().err
    assert f"{damaged}:101: byte 0x92 in text is not UTF-8" in err
    assert "1 invalid row(s)" in err
    assert main(["import", str(damaged), "--db", str(board), "--map", "airline=customer",
                 "--skip-invalid"]) == 0
    assert "added 14,639" in capsys.readouterr().out
    store = open_store(board)
    texts = [v["text"] for v in store.export_rows(VoiceFilter())]
    store.close()
    assert not any("ð" in t or "â€" in t for t in texts)  # no emoji or quote read as cp1252
    assert sum(any(ord(ch) > 0x1F000 for ch in t) for t in texts) > 100


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
