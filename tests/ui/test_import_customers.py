"""import-customers on real CSV files: updates by name in any case, creates, all or nothing,
reports what changed, and is one undoable step in the board window."""

from __future__ import annotations

import pytest

from app.board.customer_import import (
    ImportCustomers,
    InvalidCustomerRows,
    prepare_customer_import,
    run_customer_import,
)
from app.board.domain import CustomerSeed
from app.errors import ConflictError
from ui.cli import main
from ui.composition import open_store

CRM = ("Account Name,ARR (USD),Segment,Account Owner,Notes\n"
       "acme retail,\"$12,500\",Enterprise,Sam,\n"          # update: any case, weight, cohort
       "BETA CLINIC,3000,healthcare clinics,Tom,\n"          # same values in other case
       "Gamma Labs,$1.2k,Startups,Ana,\"Renewal in May\"\n"  # created
       "Delta Foods,,,,\n")                                  # created with nothing but a name


def _board(path):
    store = open_store(path, create=True)
    store.ensure_customers([CustomerSeed("Acme Retail", "Mid-market retail", 12000, "Priya"),
                            CustomerSeed("Beta Clinic", "Healthcare clinics", 3000, "Tom")])
    return store


def _by_name(store):
    return {c.name: c for c in store.customers()}


def test_cli_updates_by_name_in_any_case_creates_and_reports(tmp_path, write_file, capsys):
    db = tmp_path / "board.db"
    _board(db).close()
    crm = write_file("crm.csv", CRM)
    assert main(["import-customers", str(crm), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert ("Account Name -> name, ARR (USD) -> weight, Segment -> cohort, "
            "Account Owner -> owner, Notes -> notes") in out
    assert "4 customers: updated 1, created 2, unchanged 1" in out
    assert "weight: 1 updated, 1 set on new customers" in out
    assert "cohort: 1 updated, 1 set on new customers" in out
    assert "owner: 1 updated, 1 set on new customers" in out
    store = open_store(db)
    try:
        customers = _by_name(store)
        assert set(customers) == {"Acme Retail", "Beta Clinic", "Gamma Labs", "Delta Foods"}
        acme = customers["Acme Retail"]  # the board keeps its spelling of the name
        assert (acme.weight, acme.cohort_name, acme.owner) == (12500, "Enterprise", "Sam")
        assert customers["Beta Clinic"].cohort_name == "Healthcare clinics"  # same cohort
        gamma = customers["Gamma Labs"]
        assert (gamma.weight, gamma.cohort_name, gamma.owner, gamma.notes) == (
            1200, "Startups", "Ana", "Renewal in May")
        delta = customers["Delta Foods"]
        assert (delta.weight, delta.cohort_name, delta.owner) == (1.0, None, "")
    finally:
        store.close()
    # Again: nothing changes, and it says so.
    assert main(["import-customers", str(crm), "--db", str(db)]) == 0
    assert "updated 0, created 0, unchanged 4" in capsys.readouterr().out


def test_a_bad_row_refuses_the_whole_file_with_its_line(tmp_path, write_file, capsys):
    db = tmp_path / "board.db"
    _board(db).close()
    crm = write_file("crm.csv", "customer,seats,tier\nAcme Retail,40,Gold\n"
                                "New One,12,Silver\nBeta Clinic,\"1,2345\",Gold\n"
                                "Other,-5,Gold\nacme retail,41,Gold\n")
    assert main(["import-customers", str(crm), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert f"{crm}:4: weight: '1,2345' can be read more than one way" in err
    assert f"{crm}:5: weight: '-5' is negative" in err
    assert f"{crm}:6: name: 'acme retail' is also on line 2, with other values" in err
    assert "3 invalid row(s); no customer was changed" in err
    store = open_store(db)
    try:
        customers = _by_name(store)
        assert set(customers) == {"Acme Retail", "Beta Clinic"}  # New One was not made
        assert customers["Acme Retail"].weight == 12000
    finally:
        store.close()


def test_dry_run_writes_nothing_and_map_overrides(tmp_path, write_file, capsys):
    db = tmp_path / "board.db"
    _board(db).close()
    crm = write_file("crm.tsv", "Company\tMRR\tSeats\tPlan\n"
                                "Acme Retail\t€ 1.250,50\t40\tPro\n", )
    assert main(["import-customers", str(crm), "--db", str(db), "--map", "Seats=weight",
                 "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Company -> name, Seats -> weight, Plan -> cohort" in out
    assert "dry run, nothing written: updated 1, created 0, unchanged 0" in out
    store = open_store(db)
    try:
        assert _by_name(store)["Acme Retail"].weight == 12000
    finally:
        store.close()
    assert main(["import-customers", str(crm), "--db", str(db)]) == 0  # MRR by default
    store = open_store(db)
    try:
        assert _by_name(store)["Acme Retail"].weight == 1250.5
    finally:
        store.close()
    assert not (tmp_path / "none.db").exists()
    assert main(["import-customers", str(crm), "--db", str(tmp_path / "none.db"),
                 "--dry-run"]) == 0
    assert "created 1" in capsys.readouterr().out
    assert not (tmp_path / "none.db").exists()  # a dry run makes no board


def test_a_file_without_a_name_column_or_attributes_is_refused(tmp_path, write_file, capsys):
    db = tmp_path / "board.db"
    assert main(["import-customers", str(write_file("a.csv", "ARR,tier\n1,Gold\n")),
                 "--db", str(db)]) == 1
    assert "no customer name column found" in capsys.readouterr().err
    assert main(["import-customers", str(write_file("b.csv", "name,colour\nA,red\n")),
                 "--db", str(db)]) == 1
    assert "nothing to import" in capsys.readouterr().err
    assert main(["import-customers", str(write_file("c.csv", "name,x\nA,1\n")), "--db",
                 str(db), "--map", "x=height"]) == 1
    assert "'height' is not a customer field" in capsys.readouterr().err
    assert not db.exists()


def test_storage_undo_and_redo_put_back_exactly(tmp_path, write_file):
    store = _board(tmp_path / "board.db")
    try:
        plan = prepare_customer_import(write_file("crm.csv", CRM))
        before = _by_name(store)
        cohorts_before = {c.name for c in store.cohorts()}
        command, result = run_customer_import(store, plan)
        assert result.summary() == "updated 1, created 2, unchanged 1"
        after = _by_name(store)
        command.revert(store)
        assert _by_name(store) == before
        assert {c.name for c in store.cohorts()} == cohorts_before  # Startups retired
        command.apply(store)  # redo: the same customers, same ids
        assert _by_name(store) == after
        # An edit made elsewhere since the import is never wiped by its undo.
        acme = _by_name(store)["Acme Retail"]
        store.update_customer(acme._replace(owner="Someone else"))
        with pytest.raises(ConflictError, match="edited since"):
            command.revert(store)
        assert _by_name(store)["Acme Retail"].owner == "Someone else"
    finally:
        store.close()


def test_invalid_plan_is_refused_by_the_use_case(tmp_path, write_file):
    store = _board(tmp_path / "board.db")
    try:
        plan = prepare_customer_import(write_file("crm.csv", "name,ARR\nA,lots\n"))
        assert [p.message for p in plan.problems] == [
            "weight: 'lots' is not a number (write a number such as 12000, 12,000, 1.2k or "
            "$1.2M)"]
        with pytest.raises(InvalidCustomerRows):
            run_customer_import(store, plan)
    finally:
        store.close()


def test_undo_in_the_board_window(qtbot, make_window, write_file):
    window = make_window()
    plan = prepare_customer_import(write_file("crm.csv", CRM))
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.run_command(ImportCustomers(plan.rows, text="Import customers from crm.csv"))
    names = [c.name for c in window._customers]
    assert "Gamma Labs" in names
    assert window.actions_by_id["undo"].text().endswith("Import customers from crm.csv")
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.undo_stack.undo()
    qtbot.waitUntil(lambda: "Gamma Labs" not in [c.name for c in window._customers])
    acme = _by_name(window.store)["Acme Retail"]
    assert (acme.weight, acme.cohort_name, acme.owner) == (12000, "Mid-market retail", "Priya")
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.undo_stack.redo()
    qtbot.waitUntil(lambda: "Gamma Labs" in [c.name for c in window._customers])
    assert _by_name(window.store)["Acme Retail"].weight == 12500
