"""A first start that cannot open a window says why in one line and writes nothing; a board
is made whole or not at all (issue 11, item 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui import platform_check

ROOT = Path(__file__).resolve().parents[2]


def test_no_display_is_one_line_and_no_board_is_made(tmp_path):
    board = tmp_path / "data" / "board.db"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY",
                                                            "WAYLAND_DISPLAY")}
    env.update(EMPTY_CHAIR_DB=str(board), XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run([sys.executable, "-m", "ui"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "empty-chair: no display to open a window on (DISPLAY is not set); the command-line "
        "subcommands (empty-chair --help) work without one"]
    assert not board.exists()
    assert not board.parent.exists()


def test_missing_xcb_libraries_are_named_with_the_packages(monkeypatch, tmp_path):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"\x7fELF")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(platform_check, "_xcb_plugin", lambda: plugin)
    monkeypatch.setattr(platform_check, "_load_failure", lambda _plugin: "cannot open")
    ldd = ("\tlinux-vdso.so.1 (0x00007ffd)\n\tlibxcb-cursor.so.0 => not found\n"
           "\tlibxkbcommon-x11.so.0 => not found\n\tlibc.so.6 => /lib/libc.so.6 (0x7f)\n")
    monkeypatch.setattr(platform_check.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, ldd, ""))
    problem = platform_check.window_problem()
    assert problem == ("Qt cannot open a window: this system lacks libxcb-cursor.so.0, "
                       "libxkbcommon-x11.so.0; install them with: sudo apt-get install "
                       "libxcb-cursor0 libxkbcommon-x11-0")


def test_offscreen_and_a_loadable_plugin_need_no_check(monkeypatch, tmp_path):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert platform_check.window_problem() is None
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(platform_check, "_load_failure", lambda _plugin: None)
    assert platform_check.window_problem() is None
    # A failure ldd cannot name (a glibc too old, say) is told as the loader told it.
    monkeypatch.setattr(platform_check, "_load_failure", lambda _plugin: "GLIBC_2.38 not found")
    monkeypatch.setattr(platform_check, "missing_libraries", lambda _plugin: [])
    assert platform_check.window_problem() == (
        "Qt cannot open a window: its xcb platform plugin does not load (GLIBC_2.38 not found)")
