"""Every menu action, declared once as data: id, text, shortcut, menu."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence

Std = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    id: str
    text: str
    menu: str
    shortcut: Std | str | None = None
    checkable: bool = False


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new_board", "&New board…", "&File", "Ctrl+Shift+N"),  # Ctrl+N is new voice
    ActionSpec("open_board", "&Open board…", "&File", Std.Open),
    ActionSpec("import_csv", "&Import CSV…", "&File", "Ctrl+I"),
    ActionSpec("export_view", "&Export current view…", "&File", "Ctrl+E"),
    ActionSpec("export_board", "Export whole &board…", "&File", "Ctrl+Shift+E"),
    ActionSpec("backup", "&Backup board…", "&File", "Ctrl+Shift+B"),
    ActionSpec("restore_backup", "&Restore from backup…", "&File", None),
    ActionSpec("sync_now", "&Sync with team server", "&File", "F9"),
    ActionSpec("sync_conflicts", "Sync &conflicts…", "&File", None),
    ActionSpec("quit", "&Quit", "&File", Std.Quit),
    ActionSpec("undo", "&Undo", "&Edit", Std.Undo),
    ActionSpec("redo", "&Redo", "&Edit", Std.Redo),
    ActionSpec("new_voice", "&New voice…", "&Edit", "Ctrl+N"),
    ActionSpec("edit_voice", "&Edit voice…", "&Edit", "F2"),
    ActionSpec("delete_voice", "&Delete voice", "&Edit", Std.Delete),
    ActionSpec("find", "&Find", "&Edit", Std.Find),
    ActionSpec("clear_filters", "&Clear filters", "&Edit", "Ctrl+Shift+L"),
    ActionSpec("edit_customer", "Edit &customer…", "&Edit", "Ctrl+Shift+C"),
    ActionSpec("merge_customers", "&Merge customer into…", "&Edit", "Ctrl+Shift+M"),
    ActionSpec("duplicates", "Find &duplicate voices…", "&Edit", "Ctrl+Shift+D"),
    ActionSpec("cohorts_themes", "Cohorts and &themes…", "&Edit", "Ctrl+Shift+T"),
    ActionSpec("meeting_room", "&Meeting room…", "&View", "Ctrl+M"),
    ActionSpec("history", "Impact &history…", "&View", "Ctrl+H"),
    ActionSpec("theme_light", "&Light theme", "&View", None, True),
    ActionSpec("theme_dark", "&Dark theme", "&View", None, True),
    ActionSpec("theme_projector", "&Projector theme", "&View", None, True),
    ActionSpec("zoom_in", "Zoom &in", "&View", Std.ZoomIn),
    ActionSpec("zoom_out", "Zoom &out", "&View", Std.ZoomOut),
    ActionSpec("shortcuts", "&Keyboard shortcuts", "&Help", "F1"),
    ActionSpec("about", "&About Empty Chair", "&Help"),
)


# The meeting room's actions (ui/meeting/console.py), in its Meeting and Decision menus.
MEETING_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("undo", "&Undo", "&Meeting", Std.Undo),
    ActionSpec("redo", "&Redo", "&Meeting", Std.Redo),
    ActionSpec("new_meeting", "&New meeting…", "&Meeting", "Ctrl+Shift+N"),
    ActionSpec("edit_meeting", "&Edit meeting…", "&Meeting", "Ctrl+Shift+I"),
    ActionSpec("duplicate_meeting", "D&uplicate meeting", "&Meeting", None),
    ActionSpec("export_minutes", "E&xport minutes…", "&Meeting", "Ctrl+E"),
    ActionSpec("close_meeting", "&Close meeting…", "&Meeting", "Ctrl+Shift+W"),
    ActionSpec("reopen_meeting", "&Reopen meeting…", "&Meeting", None),
    ActionSpec("project", "&Project the empty chair", "&Meeting", "F5"),
    ActionSpec("anonymous", "&Anonymous mode", "&Meeting", "Ctrl+Shift+A"),
    ActionSpec("next", "&Next decision", "&Decision", "Ctrl+Right"),
    ActionSpec("previous", "&Previous decision", "&Decision", "Ctrl+Left"),
    ActionSpec("move_up", "Move decision &up", "&Decision", "Ctrl+Up"),
    ActionSpec("move_down", "Move decision &down", "&Decision", "Ctrl+Down"),
    ActionSpec("add_decision", "&Add decision…", "&Decision", "Ctrl+D"),
    ActionSpec("edit_decision", "&Edit decision…", "&Decision", "F2"),
    ActionSpec("remove_decision", "&Remove decision", "&Decision", None),
    ActionSpec("carry_over", "Carry over &deferred…", "&Decision", None),
    ActionSpec("record_outcome", "Record &outcome", "&Decision", "Ctrl+Return"),
    ActionSpec("capture", "&Capture a voice…", "&Decision", "Ctrl+N"),
)


def shortcut_text(spec: ActionSpec) -> str:
    if spec.shortcut is None:
        return ""
    sequence = QKeySequence(spec.shortcut) if isinstance(spec.shortcut, Std) \
        else QKeySequence(spec.shortcut)
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)
