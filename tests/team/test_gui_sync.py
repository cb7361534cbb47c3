"""The window syncs in the background, shows where it stands, never waits on the network,
and resolves conflicts in File > Sync conflicts — on a real PostgreSQL, real boards."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.board.commands import EditVoice, draft_of
from app.board.domain import Kind
from app.board.filters import VoiceFilter
from app.changes import Changes
from storage.team import _LOCK
from tests.team.boards import edit
from tests.ui.test_board_window import lane_texts
from ui.cli import main
from ui.composition import open_store

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")


def test_the_window_shows_the_sync_state_and_brings_in_what_others_did(
        linked, make_window, qtbot):
    _url, a, b = linked
    window = make_window(b, seed=False)
    team = window.shell.team
    assert team is not None
    qtbot.waitUntil(lambda: window.team_status.text().startswith("Team: synced"),
                    timeout=10_000)
    assert window.team_status.isVisible()
    edit(a, "painless", "Onboarding was painless and quick")
    main(["sync", "--db", str(a)])
    window.actions_by_id["sync_now"].trigger()  # F9
    assert window.team_status.text() == "Team: syncing…"  # at once: the work is elsewhere
    qtbot.waitUntil(lambda: "Onboarding was painless and quick" in lane_texts(
        window, Kind.QUOTE), timeout=10_000)  # the lanes refreshed by what the pull changed
    assert window.team_status.text().startswith("Team: synced")
    # An edit here waits, counted, until the next sync sends it.
    voice = window.store.search(VoiceFilter(text="monday"))[0]
    EditVoice(voice.id, draft_of(voice), dataclasses.replace(
        draft_of(voice), text="Search times out on Mondays")).apply(window.store)
    window.shell.apply(Changes(voices=True), None)  # as the edit's screen would say
    assert window.team_status.text() == "Team: 1 change waiting"
    with qtbot.waitSignal(team.changed, timeout=10_000,
                          check_params_cb=lambda *a: not team.running):
        team.sync_now()
    assert window.team_status.text().startswith("Team: synced")
    store = open_store(a)
    main(["sync", "--db", str(a)])
    assert store.search(VoiceFilter(text="mondays"))[0].text == "Search times out on Mondays"
    store.close()


def test_the_window_never_waits_on_a_server_that_does_not_answer(linked, make_window, qtbot):
    url, _a, b = linked
    window = make_window(b, seed=False)
    team = window.shell.team
    qtbot.waitUntil(lambda: not team.running and team.last_report is not None, timeout=10_000)
    with psycopg.connect(url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [_LOCK])  # every push now waits
        team.sync_now()
        assert team.running
        # The window keeps working while the sync waits on the server.
        window.filter_bar.search.setText("invoice")
        qtbot.waitUntil(lambda: lane_texts(window, Kind.COMPLAINT) == [
            "The invoice was wrong twice"], timeout=10_000)
        assert team.running
        assert window.team_status.text() == "Team: syncing…"
        holder.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])
    qtbot.waitUntil(lambda: not team.running, timeout=10_000)
    assert window.team_status.text().startswith("Team: synced")


def test_offline_is_one_line_in_the_status_bar_and_the_board_keeps_working(
        linked, make_window, qtbot):
    _url, _a, b = linked
    store = open_store(b)
    store.conn.execute("UPDATE team_link SET server = 'postgresql://nobody@127.0.0.1:9/x'")
    store.close()
    edit(b, "painless", "Onboarding was fine")
    window = make_window(b, seed=False)
    team = window.shell.team
    qtbot.waitUntil(lambda: window.team_status.text().startswith("Team: offline"),
                    timeout=15_000)
    assert window.team_status.text() == "Team: offline — 1 change waiting"
    assert "server unreachable" in window.team_status.toolTip()
    assert team.last_error.count("\n") == 0
    assert "Onboarding was fine" in lane_texts(window, Kind.QUOTE)  # still the whole board


def test_sync_conflicts_keep_mine_brings_my_version_back(linked, make_window, qtbot):
    _url, a, b = linked
    edit(a, "invoice was wrong", "Invoice wrong, says Priya")
    edit(b, "invoice was wrong", "Invoice wrong, says Tom")
    main(["sync", "--db", str(b)])
    main(["sync", "--db", str(a)])  # a's edit arrives later: it wins, Tom's is kept
    window = make_window(b, seed=False)
    team = window.shell.team
    qtbot.waitUntil(lambda: "1 conflict" in window.team_status.text(), timeout=10_000)
    qtbot.waitUntil(lambda: "Invoice wrong, says Priya" in lane_texts(window, Kind.COMPLAINT),
                    timeout=10_000)  # the lanes read again, in their worker, after the pull
    window.actions_by_id["sync_conflicts"].trigger()
    dialog = window.shell.conflicts
    assert dialog is not None
    assert dialog.list.count() == 1
    assert "Invoice wrong, says Priya" in dialog.live.toPlainText()
    assert dialog.live_title.text().startswith("Live — from board ")
    assert dialog.replaced_title.text() == "Replaced — from this laptop"
    assert "Invoice wrong, says Tom" in dialog.replaced.toPlainText()
    assert dialog.keep_mine.text() == "Keep &mine"
    qtbot.mouseClick(dialog.keep_mine, Qt.MouseButton.LeftButton)
    assert dialog.list.count() == 0
    qtbot.waitUntil(lambda: "Invoice wrong, says Tom" in lane_texts(window, Kind.COMPLAINT),
                    timeout=10_000)
    with qtbot.waitSignal(team.changed, timeout=10_000,
                          check_params_cb=lambda *a: not team.running):
        team.sync_now()
    assert "conflict" not in window.team_status.text()
    main(["sync", "--db", str(a)])
    store = open_store(a)
    assert store.search(VoiceFilter(text="invoice wrong"))[0].text == "Invoice wrong, says Tom"
    store.close()


def test_sync_now_on_a_board_not_linked_says_how_to_link_it(make_window):
    window = make_window()
    assert window.shell.team is not None
    assert not window.shell.team.linked
    assert not window.team_status.isVisible()
    window.actions_by_id["sync_now"].trigger()
    box = window.findChildren(QMessageBox)[-1]
    assert "not linked to a team server" in box.text()
    assert "empty-chair connect" in box.text()


def test_closing_the_board_stops_a_sync_waiting_on_the_server(linked, make_window, qtbot):
    url, _a, b = linked
    window = make_window(b, seed=False)
    team = window.shell.team
    qtbot.waitUntil(lambda: not team.running and team.last_report is not None, timeout=10_000)
    edit(b, "painless", "Onboarding was fine")
    with psycopg.connect(url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [_LOCK])  # the push waits on it
        team.sync_now()
        job = team._job
        qtbot.waitUntil(lambda: team._cancel is not None, timeout=10_000)  # on the server
        window.shell.stop_team()  # what a board switch or closing the window does
        assert not job.worker_thread.isRunning()  # cancelled, not left waiting 30 s
        holder.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])
    store = open_store(b)  # nothing half-done: the edit still waits to be sent
    assert store.conn.execute("SELECT count(*) FROM team_dirty").fetchone()[0] == 1
    store.close()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM voices WHERE text = 'Onboarding was fine'"
                            ).fetchone()[0] == 0
