"""The headless CLI: exit codes 0/1/2, one-line errors, no tracebacks."""

import csv
import json
import subprocess
import sys

import pytest

from ui.cli import main


@pytest.fixture
def demo_db(tmp_path, capsys):
    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db), "--voices", "300"]) == 0
    capsys.readouterr()
    return db


def test_demo_is_deterministic(tmp_path, capsys):
    for name in ("a.db", "b.db"):
        assert main(["demo", "--db", str(tmp_path / name), "--voices", "200"]) == 0
    for name in ("a", "b"):
        main(["export", str(tmp_path / f"{name}.json"), "--db", str(tmp_path / f"{name}.db"),
              "--voices"])
    a, b = (json.loads((tmp_path / f"{n}.json").read_text()) for n in "ab")
    strip = [{k: v for k, v in r.items() if k not in ("id", "created_at", "updated_at")}
             for r in a]
    assert strip == [{k: v for k, v in r.items() if k not in ("id", "created_at",
                                                               "updated_at")} for r in b]
    assert {r["kind"] for r in a} == {"quote", "complaint", "need"}
    years = {r["heard_on"][:4] for r in a}
    assert len(years) >= 3  # spread over three years


def test_search_prints_matches_and_json(demo_db, capsys):
    assert main(["search", "invoice", "--db", str(demo_db), "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "invoice" in out.lower()
    assert out.strip().endswith("voices")
    assert main(["search", 'NOT "unclosed', "--db", str(demo_db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_search_filters(demo_db, capsys):
    assert main(["search", "", "--db", str(demo_db), "--kind", "need", "--json",
                 "--limit", "500"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows
    assert {r["kind"] for r in rows} == {"need"}


def test_export_csv_is_formula_safe(demo_db, tmp_path, write_file, capsys):
    path = write_file("f.csv", "customer,text\n=cmd(),=SUM(A1:A9)\n")
    assert main(["import", str(path), "--db", str(demo_db)]) == 0
    out = tmp_path / "out.csv"
    assert main(["export", str(out), "--db", str(demo_db), "--customer", "=cmd()"]) == 0
    with out.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["text"] == "'=SUM(A1:A9)"
    assert row["customer"] == "'=cmd()"


def test_readers_refuse_a_missing_board(tmp_path, capsys):
    assert main(["search", "x", "--db", str(tmp_path / "none.db")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no board here" in err
    assert not (tmp_path / "none.db").exists()


def test_writers_create_a_missing_board(tmp_path, write_file, capsys):
    path = write_file("a.csv", "customer,text\nAcme,hello\n")
    assert main(["import", str(path), "--db", str(tmp_path / "new" / "b.db")]) == 0
    assert "added 1" in capsys.readouterr().out


def test_empty_file_says_zero_rows_and_creates_nothing(tmp_path, write_file, capsys):
    path = write_file("empty.csv", "customer,text\n")
    assert main(["import", str(path), "--db", str(tmp_path / "b.db")]) == 0
    assert "0 rows" in capsys.readouterr().out
    assert not (tmp_path / "b.db").exists()


def test_bad_input_is_one_line_on_stderr(tmp_path, write_file, capsys):
    path = write_file("x.csv", "id,score\n1,2\n")
    assert main(["import", str(path), "--db", str(tmp_path / "b.db")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("empty-chair: ")
    assert "no text column" in err
    assert "Traceback" not in err
    assert main(["import", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "b.db")]) == 1
    assert "cannot be read" in capsys.readouterr().err
    assert main(["import", str(path), "--map", "score=colour"]) == 1
    assert "--map" in capsys.readouterr().err


def test_a_foreign_file_is_refused(tmp_path, capsys):
    path = tmp_path / "photo.db"
    path.write_bytes(b"\x89PNG\r\n" + bytes(200))
    assert main(["search", "x", "--db", str(path)]) == 1
    assert "not an Empty Chair board" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["bogus"], ["search"], ["demo", "--voices", "many"],
                                  ["search", "x", "--from", "yesterday"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_backup_and_env_variable(demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EMPTY_CHAIR_DB", str(demo_db))
    assert main(["backup", str(tmp_path / "copy.db")]) == 0
    assert main(["search", "", "--db", str(tmp_path / "copy.db"), "--json", "--limit", "1000"]) \
        == 0
    assert len(json.loads(capsys.readouterr().out.split("\n", 1)[1])) == 300


def test_python_dash_m_ui_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "ui", "--help"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0
    assert "empty-chair" in result.stdout


def test_meetings_lists_short_ids_that_report_takes(demo_db, tmp_path, capsys, qapp):
    # qapp: the report makes a QGuiApplication if none exists, and a later QWidget then
    # aborts the whole run; with pytest-qt's QApplication first, the report uses that.
    assert main(["meetings", "--db", str(demo_db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    closed = next(line for line in lines if " closed " in line)
    short = closed.split()[0]
    assert short.startswith("#")
    assert len(short) == 9
    out = tmp_path / "minutes.html"
    assert main(["report", str(out), "--db", str(demo_db), "--meeting", short[1:]]) == 0
    page = out.read_text(encoding="utf-8")
    assert short in page
    assert closed.split(maxsplit=5)[-1] in page  # the meeting's title


def test_loop_helped_and_log_status_on_a_shipped_decision(tmp_path, capsys):
    import datetime as dt

    from app.board.domain import CustomerSeed, Kind, VoiceDraft
    from app.meeting.domain import Delivery, Outcome
    from app.meeting.session import MeetingSession
    from ui.composition import open_store

    db = tmp_path / "b.db"
    store = open_store(db, create=True)
    store.ensure_customers([CustomerSeed("Atlas", "Enterprise", 10, "Priya")])
    store.insert_voice(VoiceDraft("Exports are slow", Kind.COMPLAINT, "Atlas",
                                  dt.date(2026, 2, 1), themes=("Exports",)))
    session = MeetingSession(store)
    session.new_meeting("Council", dt.date(2026, 2, 10))
    session.add_decision("Faster exports", themes=("Exports",), customers=("Atlas",))
    session.record_outcome(Outcome.APPROVED, "")
    session.set_delivery(Delivery.SHIPPED)
    store.close()
    out = tmp_path / "tell.csv"
    assert main(["loop", "faster exports", str(out), "--db", str(db)]) == 0
    assert "1 customers to tell about “Faster exports” (1 not told yet)" in \
        capsys.readouterr().out
    with out.open(encoding="utf-8") as f:
        [row] = list(csv.DictReader(f))
    assert (row["customer"], row["owner"], row["said"]) == ("Atlas", "Priya",
                                                            "Exports are slow")
    assert main(["loop", "Faster exports", str(out), "--db", str(db), "--force",
                 "--told"]) == 0
    assert "(0 not told yet)" in capsys.readouterr().out
    assert main(["helped", "Faster exports", "--db", str(db)]) == 0
    assert "Too little data to tell" in capsys.readouterr().out
    log = tmp_path / "log.csv"
    assert main(["log", str(log), "--db", str(db), "--status", "shipped"]) == 0
    assert "1 decisions" in capsys.readouterr().out
    assert main(["log", str(log), "--db", str(db), "--status", "dropped", "--force"]) == 0
    assert "0 decisions" in capsys.readouterr().out
    assert main(["loop", "nothing like it", str(out), "--db", str(db), "--force"]) == 1
    assert "no decision 'nothing like it'" in capsys.readouterr().err
