"""Reading hostile CSV files: encodings, delimiters, broken rows, all with line numbers."""

import datetime as dt

import pytest

from app.board.csv_import import (
    ImportOptions,
    auto_mapping,
    parse_map_option,
    plan_import,
    read_csv,
)
from app.board.domain import Kind
from app.errors import ImportFileError, ValidationError

HEADER = "customer,feedback,date\n"


def plan(path, **options):
    return plan_import(read_csv(path), ImportOptions(**options), today=dt.date(2026, 1, 2))


def test_plain_file_maps_by_header_names(write_file):
    path = write_file("a.csv", HEADER + "Acme,The export is slow,2024-05-01\n")
    result = plan(path)
    assert result.mapping == {"customer": "customer", "feedback": "text", "date": "date"}
    [row] = result.rows
    assert (row.customer, row.text, row.heard_on) == ("Acme", "The export is slow",
                                                      dt.date(2024, 5, 1))
    assert row.source_line == 2
    assert row.kind is Kind.QUOTE


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings_are_detected(write_file, encoding):
    text = HEADER + "Café Noël,“Smart quotes” and naïve accents — fine,2024-05-01\n"
    path = write_file("enc.csv", text, encoding)
    source = read_csv(path)
    assert source.header == ["customer", "feedback", "date"]
    [row] = plan(path).rows
    assert row.customer == "Café Noël"
    assert row.text == "“Smart quotes” and naïve accents — fine"


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semi.csv"), ("\t", "tabs.tsv")])
def test_delimiters_are_detected(write_file, delimiter, name):
    path = write_file(name, f"customer{delimiter}comment\nAcme{delimiter}Slow, very slow\n")
    assert read_csv(path).delimiter == delimiter
    assert plan(path).rows[0].text == "Slow, very slow"


def test_embedded_newlines_and_emoji_are_kept_exactly(write_file):
    text = 'line one\r\n\r\nline "two" 🙂\ttabbed'
    quoted = text.replace('"', '""')
    path = write_file("nl.csv", f'customer,text\nAcme,"{quoted}"\nBeta,next\n')
    rows = plan(path).rows
    assert rows[0].text == text
    assert rows[1].source_line == 5  # the second record starts on file line 5


def test_duplicate_headers_are_told_apart(write_file):
    path = write_file("dup.csv", "customer,text,text\nAcme,first,second\n")
    source = read_csv(path)
    assert source.header == ["customer", "text", "text (2)"]
    result = plan_import(source, ImportOptions(mapping={"text": "text", "text (2)": "text"}))
    assert result.rows[0].text == "first\n\nsecond"


def test_unclosed_quote_is_reported_with_its_line(write_file):
    path = write_file("q.csv", 'customer,text\nAcme,fine\nBeta,"never closed\nGamma,lost\n')
    result = plan(path)
    assert [r.text for r in result.rows] == ["fine"]
    assert [(p.line, "unclosed quote" in p.message) for p in result.problems] == [(3, True)]


def test_nul_bytes_ragged_rows_and_missing_text_are_reported(write_file):
    path = write_file("bad.csv", "customer,text,date\nAcme,a\x00b,2024-01-01\nBeta,short\n"
                                 "Gamma,,2024-01-01\nDelta,ok,someday\nEve,fine,2024-02-02\n")
    result = plan(path)
    assert [r.customer for r in result.rows] == ["Eve"]
    messages = {p.line: p.message for p in result.problems}
    assert "NUL" in messages[2]
    assert "ragged" in messages[3]
    assert "missing" in messages[4]
    assert "bad date 'someday'" in messages[5]


def test_oversized_fields_are_reported_and_long_ones_kept(write_file):
    long_text = "word " * 5000  # 25,000 characters: a long complaint letter
    huge = "x" * 200_000
    path = write_file("big.csv", f"customer,text\nAcme,{long_text}\nBeta,{huge}\n")
    result = plan(path)
    assert [r.text for r in result.rows] == [long_text]
    assert result.problems[0].line == 3
    assert "200,000 characters" in result.problems[0].message


def test_formula_cells_are_imported_as_plain_text(write_file):
    path = write_file("f.csv", 'customer,text\nAcme,"=HYPERLINK(""http://x"",""y"")"\n')
    assert plan(path).rows[0].text == '=HYPERLINK("http://x","y")'


def test_empty_and_header_only_files_have_zero_rows(write_file):
    assert plan(write_file("empty.csv", b"")).record_count == 0
    assert plan(write_file("head.csv", HEADER)).record_count == 0


def test_a_file_without_customer_needs_one_named(write_file):
    path = write_file("nocust.csv", "review,date\nGreat app,2024-01-01\n")
    with pytest.raises(ImportFileError, match="no customer column"):
        plan(path)
    assert plan(path, customer="App Store").rows[0].customer == "App Store"


def test_a_file_without_text_says_which_columns_it_has(write_file):
    with pytest.raises(ImportFileError, match=r"no text column found in \(id, score\)"):
        plan(write_file("notext.csv", "id,score\n1,2\n"))


def test_explicit_map_and_kind_column(write_file):
    path = write_file("k.csv", "airline,tweet,type,sev\nDelta,Lost my bag,complaint,5\n")
    options = ImportOptions(mapping={"airline": "customer", "tweet": "text", "sev": "severity"})
    [row] = plan_import(read_csv(path), options).rows
    assert (row.customer, row.kind, row.severity) == ("Delta", Kind.COMPLAINT, 5)


def test_fixed_kind_wins_and_bad_kind_is_a_row_problem(write_file):
    path = write_file("k.csv", "customer,text,kind\nA,x,complaint\nB,y,rant\n")
    assert plan(path).problems[0].message.startswith("kind: 'rant' is not one of")
    assert {r.kind for r in plan(path, kind=Kind.NEED).rows} == {Kind.NEED}


def test_identical_rows_are_two_voices_with_distinct_keys(write_file):
    path = write_file("same.csv", "customer,text\nAcme,same words\nAcme,same words\n")
    rows = plan(path).rows
    assert len(rows) == 2
    assert rows[0].source_key != rows[1].source_key


def test_synonyms_prefer_exact_names_and_long_text_columns():
    header = ["Date received", "Company public response", "Company", "Consumer complaint "
              "narrative", "Date sent to company"]
    assert auto_mapping(header) == {"Consumer complaint narrative": "text", "Company":
                                    "customer", "Date received": "date"}


@pytest.mark.parametrize(("option", "expected"), [
    ("airline=customer", ("airline", "customer")), ("a=b=heard_on", ("a=b", "date")),
    ("notes=ignore", ("notes", "ignore"))])
def test_map_option(option, expected):
    assert parse_map_option(option) == expected


@pytest.mark.parametrize("option", ["nothing", "=text", "col=colour"])
def test_bad_map_option_names_the_flag(option):
    with pytest.raises(ValidationError, match="--map"):
        parse_map_option(option)


def test_checking_every_row_reports_its_progress(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("customer,text\n" + "".join(f"C{i % 50},Said {i}\n" for i in range(12_000)),
                    encoding="utf-8")
    told: list[tuple[int, int]] = []
    plan = plan_import(read_csv(path), ImportOptions(), progress=lambda d, t: told.append((d, t)))
    assert plan.record_count == 12_000
    assert told == [(5000, 0), (10_000, 0)]  # the wizard shows "Checking… 10,000 rows so far"
