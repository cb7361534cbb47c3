"""What a published board shows (Datasette, read-only): titles and descriptions of its
tables for leaders who browse without the app, and which tables stay out of sight."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TABLES = {
    "voices": ("Voices", "What customers said: quotes, complaints and needs, each with its "
               "customer, the day it was heard, channel and severity. Search the text with "
               "the search box (words are matched in any form: invoice finds invoices)."),
    "customers": ("Customers", "Each customer with its cohort, weight (how much it counts), "
                  "owner and notes."),
    "cohorts": ("Cohorts", "Groups of customers (segments, plans, regions)."),
    "themes": ("Themes", "What voices are about."),
    "voice_themes": ("Voice themes", "Which voice is on which theme."),
    "meetings": ("Meetings", "Internal meetings where decisions were taken, with their "
                 "status (planned, running, closed)."),
    "decisions": ("Decisions", "Each decision on a meeting's agenda: outcome, rationale, "
                  "delivery after the meeting; `frozen` is what the room saw, kept at the "
                  "close."),
    "decision_themes": ("Decision themes", "Which decision is on which theme."),
    "impacts": ("Impacts", "Who a decision affects, as the room recorded it: confirmed or "
                "dismissed, and whether it helps or hurts them."),
    "impact_evidence": ("Evidence", "The voices the room marked as evidence for an impact."),
    "action_items": ("Action items", "What is to be done after a decision, by whom and when."),
    "customers_told": ("Customers told", "Who heard back how a decision ended, and when."),
    "meeting_events": ("Meeting events", "Each close and reopen of a meeting, with the "
                       "reason."),
}
HIDDEN = ("board", "_sqlite_migrations", "voices_fts_vocab", "team_link", "team_dirty",
          "team_conflicts", "team_aliases")


def datasette_metadata(path: Path, title: str | None = None) -> dict[str, Any]:
    """Datasette's metadata for a board: titles, descriptions, hidden internals, and the
    voices' full-text search."""
    name = path.stem
    tables: dict[str, Any] = {table: {"title": t, "description": d}
                              for table, (t, d) in TABLES.items()}
    # Searched as the app searches: each word matched in any form of its stem (the text
    # index's porter tokenizer), user text quoted (no raw FTS syntax).
    tables["voices"].update({"fts_table": "voices_fts", "fts_pk": "rowid",
                             "sort_desc": "heard_on"})
    for table in HIDDEN:
        tables[table] = {"hidden": True}
    return {
        "title": title or f"Empty Chair — {name}",
        "description": "A voice board published read-only: what customers said, the "
                       "decisions taken and who they affected. Nothing here can be changed.",
        "databases": {name: {"tables": tables, "allow_sql": False}},
    }
