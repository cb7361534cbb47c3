"""An import that goes wrong says truthfully why, and leaves no board behind it."""

from __future__ import annotations

import pytest

from ui.cli import main


def _import(capsys, *args: object) -> tuple[int, list[str], str]:
    code = main(["import", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out


def test_a_truncated_csv_names_its_unclosed_quote_first(tmp_path, capsys):
    # A complaints export where most rows have no narrative, cut off inside the quoted
    # narrative of its last record: the unclosed quote is why the file is broken, and it
    # was listed after thousands of 'text is missing' lines (the first 20 of them shown).
    rows = [f"Firm {i},,2024-01-01" if i % 3 else f'Firm {i},"a full narrative {i}",2024-01-01'
            for i in range(3000)]
    path = tmp_path / "cut.csv"
    path.write_text("company,narrative,date\n" + "\n".join(rows)
                    + '\nLast Firm,"the narrative was cut off he', encoding="utf-8")
    code, err, _ = _import(capsys, path, "--db", tmp_path / "b.db")
    assert code == 1
    assert err[0] == (f"{path}:3002: unclosed quote (the quoted cell runs to the end of the "
                      "file)")
    assert err[1] == f"{path}:3: text: is missing"
    assert err[-1].startswith(f"empty-chair: {path}: 2001 invalid row(s); nothing imported")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_named(tmp_path, capsys, encoding):
    # Excel's "Unicode text" and PowerShell write UTF-16 without a BOM. Read as UTF-8 it was
    # a header of NUL-riddled names ("no text column found in (c\x00u\x00...").
    path = tmp_path / "unicode.csv"
    path.write_bytes("customer,text\r\nAcme,Café prices doubled\r\nBeta,naïve question\r\n"
                     .encode(encoding))
    board = tmp_path / "b.db"
    code, err, _ = _import(capsys, path, "--db", board)
    assert code == 1
    assert err == [f"empty-chair: {path}: looks like UTF-16 without a byte-order mark; "
                   f"use --encoding {encoding}"]
    assert not board.exists()
    code, err, out = _import(capsys, path, "--db", board, "--encoding", encoding)
    assert (code, err) == (0, [])
    assert "2 rows: added 2," in out


def test_a_dry_run_and_a_refused_import_create_no_board(tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text("customer,text\nAcme,the export is slow\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,text\nAcme,the export is slow\nBeta,\n", encoding="utf-8")
    board = tmp_path / "new" / "board.db"
    board.parent.mkdir()

    code, err, out = _import(capsys, good, "--db", board, "--dry-run")
    assert (code, err) == (0, [])
    assert "would add 1," in out
    assert not board.exists()

    code, err, _ = _import(capsys, bad, "--db", board)
    assert code == 1
    assert err == [f"{bad}:3: text: is missing",
                   f"empty-chair: {bad}: 1 invalid row(s); nothing imported (fix them, or use "
                   "--skip-invalid to import the other rows)"]
    assert sorted(p.name for p in board.parent.iterdir()) == []
