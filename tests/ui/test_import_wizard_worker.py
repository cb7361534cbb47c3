"""The import wizard reads, previews and checks in worker threads, in a GUI user's words:
the preview and the counts arrive by signal while the window keeps handling events;
Customers mode; a channel for all rows; value mapping, row filters, themes and HTML."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer

import ui.board.import_wizard as wizard_module
from app.board.domain import Channel, Kind
from app.board.filters import VoiceFilter
from ui.board.import_wizard import CUSTOMERS, MAX_COLUMN, MIN_COLUMN, ImportWizard

TWEETS = (
    "tweet_id,airline_sentiment,negativereason,airline,name,text,tweet_created\n"
    + "".join(
        f"{i},{s},{r},United,user{i % 7},\"@united flight {i} was {w} &amp; so on\","
        f"2015-02-{1 + i % 20:02d} 10:00\n"
        for i, (s, r, w) in enumerate(
            [("negative", "Late Flight", "late"), ("neutral", "", "fine"),
             ("positive", "", "great"), ("negative", "Lost Luggage", "bad")] * 10))
)


class Paused:
    """Holds a function called by the wizard until the test lets it go, and records the
    thread it ran in."""

    def __init__(self, step):
        self.step = step
        self.reached = threading.Event()
        self.go = threading.Event()
        self.threads: list[threading.Thread] = []

    def __call__(self, *args, **kwargs):
        self.threads.append(threading.current_thread())
        self.reached.set()
        assert self.go.wait(30), "the test never let the worker go"
        return self.step(*args, **kwargs)


def open_wizard(qtbot, window) -> ImportWizard:
    window.import_csv()
    wizard = window.findChildren(ImportWizard)[-1]
    qtbot.waitUntil(wizard.isVisible)
    return wizard


def to_mapping(qtbot, wizard, path, mode="voices"):
    if mode == CUSTOMERS:
        wizard.file_page.customers.setChecked(True)
    with qtbot.waitSignal(wizard.read_done, timeout=10_000):
        wizard.file_page.path.setText(str(path))
    assert wizard.file_page.isComplete()
    wizard.next()
    wizard.next()
    assert wizard.currentPage() is wizard.mapping_page


def test_the_preview_and_the_check_come_from_workers_while_the_gui_runs(
        qtbot, make_window, write_file, monkeypatch):
    window = make_window()
    path = write_file("tweets.csv", TWEETS)
    read = Paused(wizard_module.read_csv)
    monkeypatch.setattr(wizard_module, "read_csv", read)
    wizard = open_wizard(qtbot, window)
    wizard.file_page.path.setText(str(path))
    qtbot.waitUntil(read.reached.is_set)
    # The worker is held; the GUI thread still runs its event loop and says it is reading.
    ticked = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    qtbot.waitUntil(lambda: ticked == [True])
    assert wizard.file_page.status.text() == "Reading tweets.csv…"
    assert not wizard.file_page.isComplete()
    with qtbot.waitSignal(wizard.read_done, timeout=10_000):
        read.go.set()
    assert read.threads
    assert threading.main_thread() not in read.threads
    assert wizard.file_page.status.text() == "tweets.csv: utf-8, 40 rows, 7 columns"
    wizard.next()
    table = wizard.preview_page.table
    assert (table.rowCount(), table.columnCount()) == (8, 7)
    assert table.item(0, 5).text() == "@united flight 0 was late &amp; so on"
    # Readable columns: none squeezed to nothing, none a screen wide; text the widest.
    widths = [table.columnWidth(c) for c in range(7)]
    assert min(widths) >= MIN_COLUMN
    assert max(widths[:5]) <= MAX_COLUMN
    assert widths[5] == max(widths)

    # A new delimiter is read again in the worker; only the newest read is shown.
    read.go.clear()
    read.reached.clear()
    wizard.preview_page.delimiter.setCurrentIndex(1)  # semicolon
    qtbot.waitUntil(read.reached.is_set)
    assert not wizard.preview_page.isComplete()
    with qtbot.waitSignal(wizard.read_done, timeout=10_000):
        read.go.set()
    assert table.columnCount() == 1
    with qtbot.waitSignal(wizard.read_done, timeout=10_000):
        wizard.preview_page.delimiter.setCurrentIndex(0)
    assert table.columnCount() == 7

    wizard.next()
    wizard.mapping_page.combos["name"].setCurrentText("customer")
    wizard.next()
    plan = Paused(wizard_module.plan_import)
    monkeypatch.setattr(wizard_module, "plan_import", plan)
    wizard.next()  # the check page: every row is checked in a worker
    qtbot.waitUntil(plan.reached.is_set)
    assert wizard.validation_page.summary.text() == "Checking every row of tweets.csv…"
    assert not wizard.validation_page.isComplete()
    with qtbot.waitSignal(wizard.check_done, timeout=10_000):
        plan.go.set()
    assert threading.main_thread() not in plan.threads
    assert wizard.validation_page.summary.text().startswith("40 valid rows, 0 invalid.")
    assert wizard.validation_page.isComplete()
    wizard.close()


def test_gui_words_and_a_channel_for_all_rows(qtbot, make_window, write_file):
    window = make_window()
    path = write_file("notes.csv", "comment,when\nThe export is slow,2025-01-02\n"
                                   "Love the new board,2025-01-03\n")
    wizard = open_wizard(qtbot, window)
    to_mapping(qtbot, wizard, path)
    page = wizard.mapping_page
    # No customer column: it is asked for in the wizard's words, and Next waits for it.
    assert page.hint.text() == ("Pick the column that names the customer, or type one "
                                "customer for all rows.")
    assert not page.isComplete()
    assert "optional" not in page.customer.placeholderText()
    assert page.customer.placeholderText() == "Needed: no column names the customer"
    assert "--" not in page.hint.text() + page.subTitle()
    page.customer.setText("Survey panel")
    assert page.isComplete()
    assert page.hint.text() == ""
    page.channel.setCurrentText(Channel.SURVEY.value)
    wizard.next()
    with qtbot.waitSignal(wizard.check_done, timeout=10_000):
        wizard.next()
    assert wizard.validation_page.summary.text().startswith("2 valid rows, 0 invalid.")
    with qtbot.waitSignal(window.search_done, timeout=30_000):
        wizard.next()
        qtbot.waitUntil(lambda: wizard.run_page.finished, timeout=30_000)
    assert wizard.run_page.message.text().startswith("Added 2 voices")
    flt = VoiceFilter(customer="Survey panel", channel=Channel.SURVEY)
    assert window.store.count(flt) == 2
    wizard.close()


def test_value_mapping_row_filters_themes_and_html(qtbot, make_window, write_file):
    window = make_window()
    path = write_file("tweets.csv", TWEETS)
    wizard = open_wizard(qtbot, window)
    to_mapping(qtbot, wizard, path)
    mapping = wizard.mapping_page
    mapping.combos["name"].setCurrentText("customer")
    # Labels offered as themes; HTML entities found and their decoding pre-ticked.
    assert "negativereason (2 labels)" in mapping.themes_hint.text()
    mapping.use_themes.click()
    assert mapping.combos["negativereason"].currentText() == "themes"
    assert mapping.html.isChecked()
    wizard.next()
    values = wizard.values_page
    # Pre-filled from the proposed mapping for a sentiment column.
    assert values.values() == {"airline_sentiment": {
        "negative": "complaint", "neutral": "quote", "positive": "quote"}}
    shown = {values.table.item(r, 1).text(): values.table.item(r, 2).text()
             for r in range(values.table.rowCount())}
    assert shown == {"negative": "20", "neutral": "10", "positive": "10"}
    # A row filter, with what it leaves out of the first rows.
    values.add_filter("airline_sentiment", "positive", keep=False)
    assert values.filter_list.item(0).text() == (
        "Keep rows whose airline_sentiment is not “positive”: leaves out 10 of the first "
        "40 rows")
    with qtbot.waitSignal(wizard.check_done, timeout=10_000):
        wizard.next()
    summary = wizard.validation_page.summary.text()
    assert summary.startswith("30 valid rows, 0 invalid.\nBy kind: 10 quotes, 20 complaints, "
                              "0 needs.")
    assert "airline_sentiment is not “positive” left out 10 rows" in summary
    with qtbot.waitSignal(window.search_done, timeout=30_000):
        wizard.next()
        qtbot.waitUntil(lambda: wizard.run_page.finished, timeout=30_000)
    store = window.store
    # negative is a complaint; the seeded board holds two complaints of its own.
    assert store.count(VoiceFilter(kinds=(Kind.COMPLAINT,))) == 20 + 2
    assert store.count(VoiceFilter(kinds=(Kind.QUOTE,), text="great")) == 0  # filtered out
    assert store.count(VoiceFilter(theme="Lost Luggage")) == 10
    assert store.count(VoiceFilter(text="amp")) == 0  # decoded, so not indexed as a word
    wizard.close()


CRM = ("Account Name,ARR (USD),Segment,Account Owner\n"
       "acme retail,\"$12,500\",Enterprise,Sam\n"
       "Gamma Labs,$1.2k,Startups,Ana\n"
       "Delta Foods,900,,\n")


def test_customers_mode_imports_and_undoes(qtbot, make_window, write_file):
    window = make_window()
    path = write_file("crm.csv", CRM)
    wizard = open_wizard(qtbot, window)
    to_mapping(qtbot, wizard, path, CUSTOMERS)
    page = wizard.mapping_page
    assert {c: combo.currentText() for c, combo in page.combos.items()} == {
        "Account Name": "name", "ARR (USD)": "weight", "Segment": "cohort",
        "Account Owner": "owner"}
    assert not page.options_box.isVisible()  # no text, kind or channel for customers
    with qtbot.waitSignal(wizard.check_done, timeout=10_000):
        wizard.next()  # straight to the check: customers have no values to map
    assert wizard.currentPage() is wizard.validation_page
    summary = wizard.validation_page.summary.text()
    assert summary.startswith("3 customers, 0 invalid rows.")
    assert "Importing will change the board: updated 1, created 2, unchanged 0." in summary
    assert "weight: 1 updated, 2 set on new customers" in summary
    assert {c.name for c in window.store.customers()} == {"Acme Retail", "Beta Clinic"}
    with qtbot.waitSignal(window.search_done, timeout=30_000):
        wizard.next()
        qtbot.waitUntil(lambda: wizard.run_page.finished, timeout=30_000)
    assert wizard.run_page.message.text().startswith(
        "Customers updated 1, created 2, unchanged 0.")
    customers = {c.name: c for c in window.store.customers()}
    assert (customers["Acme Retail"].weight, customers["Acme Retail"].cohort_name) == (
        12500, "Enterprise")
    assert customers["Gamma Labs"].owner == "Ana"
    qtbot.waitUntil(lambda: "Gamma Labs" in [c.name for c in window._customers])
    wizard.close()
    assert window.actions_by_id["undo"].isEnabled()
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: "Gamma Labs" not in [c.name for c in window._customers])
    acme = {c.name: c for c in window.store.customers()}["Acme Retail"]
    assert (acme.weight, acme.cohort_name, acme.owner) == (12000, "Mid-market retail", "Priya")


def test_customers_mode_refuses_a_bad_row_with_its_line(qtbot, make_window, write_file):
    window = make_window()
    path = write_file("crm.csv", "name,seats\nAcme Retail,40\nNew One,lots\n")
    wizard = open_wizard(qtbot, window)
    to_mapping(qtbot, wizard, path, CUSTOMERS)
    with qtbot.waitSignal(wizard.check_done, timeout=10_000):
        wizard.next()
    page = wizard.validation_page
    assert "all or nothing" in page.summary.text()
    assert page.problems.item(0).text().startswith("line 3: weight: 'lots' is not a number")
    assert not page.isComplete()
    wizard.close()
