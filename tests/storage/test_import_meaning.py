"""Imports that understand what the columns mean (issue 12): value mappings, row filters,
labels as themes, faithful text and row identity, on real files and real boards."""

import datetime as dt
import json

import pytest

from app.board.csv_import import (
    ImportOptions,
    RowFilter,
    column_values,
    decode_html,
    detect_html,
    parse_value_option,
    parse_where_option,
    plan_import,
    propose_values,
    read_csv,
    theme_candidates,
    unguard,
)
from app.board.domain import Kind
from app.board.exporting import export_to, spreadsheet_safe
from app.board.filters import VoiceFilter
from app.board.importing import prepare_import, run_import
from app.errors import ImportFileError, ValidationError
from ui.cli import main
from ui.composition import open_store

TWEETS = ("user,sentiment,reason,text,inbound\n"
          "ann,negative,Late Flight,Two hours late &amp; no word,True\n"
          "bob,Positive,,Lovely crew &lt;3,True\n"
          "cat,neutral,,What time is boarding?,True\n"
          "AirCo,neutral,,We are sorry to hear that,False\n"
          "dan,NEGATIVE,Lost Luggage,Where is my bag,TRUE\n")
SENTIMENT = {"negative": "complaint", "neutral": "quote", "positive": "quote"}


def plan(path, **options):
    return plan_import(read_csv(path), ImportOptions(**options), today=dt.date(2026, 1, 2))


def test_values_map_sentiment_onto_kinds_in_any_case(write_file):
    path = write_file("t.csv", TWEETS)
    result = plan(path, mapping={"sentiment": "kind"}, values={"sentiment": SENTIMENT})
    assert [(r.customer, r.kind) for r in result.rows] == [
        ("ann", Kind.COMPLAINT), ("bob", Kind.QUOTE), ("cat", Kind.QUOTE), ("AirCo", Kind.QUOTE),
        ("dan", Kind.COMPLAINT)]


def test_an_unmapped_value_is_an_invalid_row_with_its_line(write_file):
    path = write_file("t.csv", TWEETS)
    result = plan(path, mapping={"sentiment": "kind"},
                  values={"sentiment": {"negative": "complaint", "neutral": "quote"}})
    assert [r.customer for r in result.rows] == ["ann", "cat", "AirCo", "dan"]
    [problem] = result.problems
    assert problem.line == 3
    assert problem.message == ("sentiment: 'Positive' is not mapped to a kind "
                               "(mapped: negative, neutral)")


def test_stars_map_onto_severity_and_an_empty_cell_keeps_the_default(write_file):
    path = write_file("r.csv", "customer,text,stars\nA,awful,1\nB,fine,4\nC,no rating,\n")
    stars = {"1": "5", "2": "4", "3": "3", "4": "2", "5": "1"}
    rows = plan(path, mapping={"stars": "severity"}, values={"stars": stars}).rows
    assert [r.severity for r in rows] == [5, 2, 3]


def test_a_bad_target_or_an_unmapped_column_is_refused_before_any_row(write_file):
    path = write_file("t.csv", TWEETS)
    with pytest.raises(ValidationError, match="sentiment:negative=rant: 'rant' is not one of"):
        plan(path, mapping={"sentiment": "kind"}, values={"sentiment": {"negative": "rant"}})
    with pytest.raises(ImportFileError, match="not mapped to a field .add --map sentiment="):
        plan(path, values={"sentiment": SENTIMENT})
    with pytest.raises(ImportFileError, match="its text is read as it is written"):
        plan(path, values={"text": {"a": "b"}})


@pytest.mark.parametrize(("option", "expected"), [
    ("stars:1=5", ("stars", "1", "5")), ("a:b=c=d", ("a", "b=c", "d")),
    ("reason:Can't Tell=", ("reason", "Can't Tell", ""))])
def test_value_option(option, expected):
    assert parse_value_option(option) == expected


@pytest.mark.parametrize("option", ["stars=5", "stars:1", ":1=5"])
def test_bad_value_option_names_the_flag(option):
    with pytest.raises(ValidationError, match="--value"):
        parse_value_option(option)


def test_row_filters_all_hold_and_each_counts_what_it_left_out(write_file):
    path = write_file("t.csv", TWEETS)
    filters = [parse_where_option("inbound=true"), parse_where_option("sentiment=neutral",
                                                                      keep=False)]
    result = plan(path, filters=filters)
    assert [r.customer for r in result.rows] == ["ann", "bob", "dan"]
    assert result.filtered == [(RowFilter("inbound", "true"), 1),
                               (RowFilter("sentiment", "neutral", keep=False), 1)]
    assert result.record_count == 5
    assert result.problem_count == 0
    with pytest.raises(ImportFileError, match="--where inboud=True names a column"):
        plan(path, filters=[parse_where_option("inboud=True")])


def test_a_filtered_row_with_a_bad_cell_is_left_out_not_invalid(write_file):
    path = write_file("t.csv", TWEETS + "Brand,,,,False\n")
    result = plan(path, filters=[RowFilter("inbound", "True")])
    assert result.problem_count == 0
    assert result.filtered[0][1] == 2


def test_label_columns_are_one_theme_each_and_joined(write_file):
    path = write_file("c.csv", 'company,narrative,Product,Issue,Tags\n'
                               'Bank,"They lost it","Credit reporting, credit repair",Billing,'
                               '"Older American, Servicemember"\n')
    [row] = plan(path).rows
    assert row.themes == ("Older American", "Servicemember")  # a list, by its name
    [row] = plan(path, mapping={"Product": "themes", "Issue": "themes"}).rows
    # Labels mapped with --map are joined; the column taken by its name gives way.
    assert row.themes == ("Credit reporting, credit repair", "Billing")
    [row] = plan(path, mapping={"Product": "themes", "Tags": "themes"}).rows
    assert row.themes == ("Credit reporting, credit repair", "Older American", "Servicemember")


def test_html_entities_are_decoded_only_when_asked(write_file):
    path = write_file("t.csv", TWEETS)
    assert plan(path).rows[0].text == "Two hours late &amp; no word"
    rows = plan(path, html=True).rows
    assert [r.text for r in rows[:2]] == ["Two hours late & no word", "Lovely crew <3"]
    assert decode_html("AT&T &parent &#39;hi&#39; &nosuch;") == "AT&T &parent 'hi' &nosuch;"


def test_html_is_detected_from_the_text_columns(write_file):
    escaped = write_file("e.csv", "customer,text\n" + "".join(
        f"c{i},{'fish &amp; chips' if i % 10 == 0 else 'plain words'}\n" for i in range(100)))
    finding = detect_html(read_csv(escaped))
    assert (finding.cells, finding.checked, finding.entities) == (10, 100, ("&amp;",))
    plain = write_file("p.csv", "customer,text\nA,AT&T and R&D\nB,a &amp; b\nC,x\n")
    assert detect_html(read_csv(plain)) is None


def test_sentiment_and_ratings_are_proposed_never_applied(write_file):
    path = write_file("t.csv", TWEETS)
    [proposal] = propose_values(read_csv(path))
    assert proposal.arguments() == [
        "--map", "sentiment=kind", "--value", "sentiment:negative=complaint",
        "--value", "sentiment:neutral=quote", "--value", "sentiment:Positive=quote"]
    assert {r.kind for r in plan(path).rows} == {Kind.QUOTE}  # nothing applied by itself
    reviews = write_file("r.csv", "customer,text,rating,severity\n" + "".join(
        f"c{i},words,{1 + i % 5},{1 + i % 5}\n" for i in range(20)))
    [stars] = propose_values(read_csv(reviews))
    assert (stars.column, stars.target) == ("rating", "kind")
    assert stars.values == {"1": "complaint", "2": "complaint", "3": "quote", "4": "quote",
                            "5": "quote"}
    [severity] = propose_values(read_csv(reviews),
                                ImportOptions(mapping={"rating": "severity"}))
    assert severity.values == {"1": "5", "2": "4", "3": "3", "4": "2", "5": "1"}
    assert propose_values(read_csv(reviews), ImportOptions(values={"rating": {"1": "need"}},
                                                           mapping={"rating": "kind"})) == []


def test_theme_candidates_are_columns_of_few_labels(write_file):
    rows = "".join(f"c{i},text {i},{['Billing', 'Login', 'Speed'][i % 3]},{i % 2 == 0},"
                   f"B0{i % 4}X,{['FL', 'CA'][i % 2]}\n" for i in range(30))
    path = write_file("l.csv", "customer,text,Issue,flag,sku,state\n" + rows)
    [candidate] = theme_candidates(read_csv(path))
    assert (candidate.column, candidate.distinct) == ("Issue", 3)
    assert set(candidate.examples) == {"Billing", "Login", "Speed"}
    assert column_values(read_csv(path), "issue")["Login"] == 10


def test_one_bad_byte_is_one_invalid_row_and_the_rest_stay_utf8(write_file):
    content = ("customer,text\nZoë,Café 🙂 crème\nBob,fine\n".encode()
               + b"Eve,it\x92s broken\n" + "Ann,naïve\n".encode())
    path = write_file("bad.csv", content)
    source = read_csv(path)
    assert source.encoding == "utf-8"
    result = plan(path)
    assert [r.text for r in result.rows] == ["Café 🙂 crème", "fine", "naïve"]
    [problem] = result.problems
    assert problem.line == 4
    assert problem.message.startswith("byte 0x92 in text is not UTF-8")
    cp1252 = write_file("win.csv", "customer,text\nZoë,“quoted” café\n".encode("cp1252"))
    assert read_csv(cp1252).encoding == "cp1252"  # a real Windows export is still read
    assert plan(cp1252).rows[0].text == "“quoted” café"


def do_import(store, path, **options):
    return run_import(store, prepare_import(path, ImportOptions(**options)),
                      skip_invalid=False)


def test_the_same_rows_told_to_be_other_customers_are_other_voices(store, write_file):
    first = write_file("ios.csv", "review\nGreat app\nCrashes a lot\n")
    second = write_file("android.csv", "review\nGreat app\nCrashes a lot\n")
    assert do_import(store, first, customer="iOS reviewers").result.added == 2
    assert do_import(store, second, customer="Android reviewers").result.added == 2
    assert do_import(store, second, customer="android REVIEWERS").result.added == 0
    assert do_import(store, second, customer="Android reviewers",
                     kind=Kind.COMPLAINT).result.added == 2
    assert store.count(VoiceFilter()) == 6


def test_json_records_without_ids_are_known_by_what_they_say(store, tmp_path):
    def write(name, texts):
        path = tmp_path / name
        path.write_text(json.dumps([{"text": t, "customer": "Acme", "heard_on": "2024-01-02"}
                                    for t in texts]), encoding="utf-8")
        return path

    assert do_import(store, write("a.json", ["one", "two", "two"])).result.added == 3
    # Another file: its first records are new words, not the first file's by position.
    report = do_import(store, write("b.json", ["three", "one", "two", "two", "two"]))
    assert (report.result.added, report.result.already_present) == (2, 3)
    assert store.count(VoiceFilter()) == 5


def test_our_csv_export_comes_back_by_id_and_without_its_guard(store, write_file, tmp_path):
    texts = ["=1+1", "'=1+1", "'quoted on purpose", "@united where is my bag", "plain"]
    rows = "".join(f'Acme,"{t}",Billing;Speed,"Exports, with a comma"\n' for t in texts)
    do_import(store, write_file("in.csv", "customer,text,themes,area\n" + rows),
              mapping={"themes": "themes", "area": "themes"})
    out = tmp_path / "out.csv"
    export_to(out, store.export_rows(VoiceFilter()))
    exported = out.read_text(encoding="utf-8")
    assert "'=1+1" in exported
    assert "''=1+1" in exported
    # Back into the board it came from: every voice is known by its id.
    again = do_import(store, out)
    assert (again.result.added, again.result.already_present) == (0, 5)
    other = open_store(tmp_path / "other.db", create=True)
    try:
        assert do_import(other, out).result.added == 5
        before = {v.id: (v.text, v.themes) for v in store.search(VoiceFilter(), limit=10)}
        after = {v.id: (v.text, v.themes) for v in other.search(VoiceFilter(), limit=10)}
        assert after == before
        assert sorted(t for t, _th in after.values()) == sorted(texts)
        assert {th for _t, th in after.values()} == {("Billing", "Exports, with a comma",
                                                      "Speed")}
    finally:
        other.close()


def test_unguard_takes_off_only_the_exporters_apostrophe():
    for text in ["=1+1", "'=1+1", "''=1", "'hello", "+44 20", " \t=x", "\tx", "'", ""]:
        assert unguard(spreadsheet_safe(text)) == text


def test_the_cli_takes_values_filters_and_html(tmp_path, write_file, capsys):
    path = write_file("t.csv", TWEETS)
    board = tmp_path / "b.db"
    assert main(["import", str(path), "--db", str(board), "--map", "sentiment=kind",
                 "--value", "sentiment:negative=complaint", "--value", "sentiment:neutral=quote",
                 "--value", "sentiment:positive=quote", "--map", "reason=themes",
                 "--where", "inbound=True", "--html"]) == 0
    out = capsys.readouterr().out
    assert "note: --where inbound=True left out 1 row(s)" in out
    assert "added 4, already on the board 0, invalid 0, filtered out 1" in out
    store = open_store(board)
    try:
        assert store.count(VoiceFilter(kinds=(Kind.COMPLAINT,))) == 2
        assert store.count(VoiceFilter(theme="Lost Luggage")) == 1
        assert [v.text for v in store.search(VoiceFilter(text="late"), limit=5)] == [
            "Two hours late & no word"]
    finally:
        store.close()
    assert main(["import", str(path), "--db", str(board), "--value", "sentiment=x"]) == 1
    assert "--value: 'sentiment=x' is not COLUMN:VALUE=TARGET" in capsys.readouterr().err
