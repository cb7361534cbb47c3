"""The board's schema as append-only sqlite-utils migrations; never edit one that shipped.

Imported only when a board is created or migrated: sqlite-utils (and the numpy it loads)
cost a quarter of a second at every start otherwise. storage/identity.py holds what an open
needs, and a test keeps the two in step.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("empty_chair")

_STAMPS = {"created_at": str, "updated_at": str, "deleted_at": str}


@migrations()
def m001_board(db: Database) -> None:
    db.table("cohorts").create({"id": str, "name": str, "description": str, **_STAMPS}, pk="id",
                         not_null={"name", "created_at", "updated_at"},
                         defaults={"description": ""})
    db.table("customers").create(
        {"id": str, "name": str, "cohort_id": str, "weight": float, "owner": str,
         "notes": str, **_STAMPS},
        pk="id", foreign_keys=[("cohort_id", "cohorts", "id")],
        not_null={"name", "weight", "created_at", "updated_at"},
        defaults={"weight": 1.0, "owner": "", "notes": ""},
    )
    db.table("themes").create({"id": str, "name": str, **_STAMPS}, pk="id",
                        not_null={"name", "created_at", "updated_at"})
    db.execute("""
        CREATE TABLE voices (
            id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL REFERENCES customers(id),
            kind TEXT NOT NULL CHECK (kind IN ('quote', 'complaint', 'need')),
            text TEXT NOT NULL,
            heard_on TEXT NOT NULL,
            channel TEXT NOT NULL DEFAULT 'other' CHECK (channel IN
                ('interview', 'support', 'survey', 'sales call', 'email', 'social', 'other')),
            severity INTEGER NOT NULL DEFAULT 3 CHECK (severity BETWEEN 1 AND 5),
            need_depth TEXT CHECK (need_depth IS NULL OR (kind = 'need' AND need_depth IN
                ('stated', 'real', 'delight', 'secret'))),
            captured_by TEXT NOT NULL DEFAULT '',
            source_file TEXT,
            source_line INTEGER,
            source_key TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        )""")
    db.table("voice_themes").create(
        {"voice_id": str, "theme_id": str, **_STAMPS}, pk=("voice_id", "theme_id"),
        foreign_keys=[("voice_id", "voices", "id"), ("theme_id", "themes", "id")],
        not_null={"created_at", "updated_at"},
    )
    for sql in (
        # Names are unique per board among live rows, ignoring case.
        "CREATE UNIQUE INDEX cohorts_name ON cohorts(name COLLATE NOCASE) WHERE deleted_at IS NULL",
        "CREATE UNIQUE INDEX customers_name ON customers(name COLLATE NOCASE)"
        " WHERE deleted_at IS NULL",
        "CREATE UNIQUE INDEX themes_name ON themes(name COLLATE NOCASE) WHERE deleted_at IS NULL",
        "CREATE INDEX customers_cohort ON customers(cohort_id)",
        # Lanes page by kind and date; customer panels count by customer.
        "CREATE INDEX voices_kind_heard ON voices(kind, heard_on)",
        "CREATE INDEX voices_heard ON voices(heard_on)",
        "CREATE INDEX voices_customer ON voices(customer_id)",
        # An imported row is recognised by its source key, so re-imports add nothing twice.
        "CREATE UNIQUE INDEX voices_source_key ON voices(source_key) WHERE source_key IS NOT NULL",
        "CREATE INDEX voice_themes_theme ON voice_themes(theme_id)",
    ):
        db.execute(sql)
    db.table("voices").enable_fts(["text"], create_triggers=True,
                            tokenize="unicode61 remove_diacritics 2")
    db.table("customers").enable_fts(["name"], create_triggers=True,
                               tokenize="unicode61 remove_diacritics 2")


@migrations()
def m002_voice_merges(db: Database) -> None:
    # A duplicate merged into another voice keeps its own text, source and date here, so the
    # kept voice can show every source; it is tombstoned, never removed.
    db.execute("ALTER TABLE voices ADD COLUMN merged_into TEXT REFERENCES voices(id)")
    db.execute("CREATE INDEX voices_merged_into ON voices(merged_into) "
               "WHERE merged_into IS NOT NULL")


@migrations()
def m003_live_voice_index(db: Database) -> None:
    # Counting live voices by kind (lane titles, "n of N") reads this small index instead
    # of every row of a table whose rows carry the full text.
    db.execute("CREATE INDEX voices_live_kind ON voices(kind, heard_on) "
               "WHERE deleted_at IS NULL")


@migrations()
def m004_meetings(db: Database) -> None:
    db.execute("""
        CREATE TABLE meetings (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            held_on TEXT NOT NULL,
            facilitator TEXT NOT NULL DEFAULT '',
            attendees TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'planned'
                CHECK (status IN ('planned', 'running', 'closed')),
            anonymous INTEGER NOT NULL DEFAULT 0,
            closed_at TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT
        )""")
    db.execute("""
        CREATE TABLE decisions (
            id TEXT PRIMARY KEY,
            meeting_id TEXT NOT NULL REFERENCES meetings(id),
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            owner TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL DEFAULT 'pending'
                CHECK (outcome IN ('pending', 'approved', 'rejected', 'deferred')),
            rationale TEXT NOT NULL DEFAULT '',
            decided_at TEXT,
            deferred_from TEXT REFERENCES decisions(id),
            frozen TEXT,  -- JSON: what the room saw, written when the meeting closes
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT
        )""")
    db.execute("CREATE INDEX decisions_meeting ON decisions(meeting_id, position)")
    db.table("decision_themes").create(
        {"decision_id": str, "theme_id": str, **_STAMPS}, pk=("decision_id", "theme_id"),
        foreign_keys=[("decision_id", "decisions", "id"), ("theme_id", "themes", "id")],
        not_null={"created_at", "updated_at"})
    db.execute("""
        CREATE TABLE impacts (
            id TEXT PRIMARY KEY,
            decision_id TEXT NOT NULL REFERENCES decisions(id),
            customer_id TEXT REFERENCES customers(id),
            cohort_id TEXT REFERENCES cohorts(id),
            routes TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'suggested'
                CHECK (status IN ('suggested', 'confirmed', 'dismissed')),
            effect TEXT NOT NULL DEFAULT 'unknown'
                CHECK (effect IN ('helps', 'hurts', 'neutral', 'unknown')),
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT,
            CHECK ((customer_id IS NULL) != (cohort_id IS NULL))
        )""")
    db.execute("CREATE UNIQUE INDEX impacts_customer ON impacts(decision_id, customer_id) "
               "WHERE customer_id IS NOT NULL")
    db.execute("CREATE UNIQUE INDEX impacts_cohort ON impacts(decision_id, cohort_id) "
               "WHERE cohort_id IS NOT NULL")
    db.table("impact_evidence").create(
        {"impact_id": str, "voice_id": str, "stance": str, **_STAMPS},
        pk=("impact_id", "voice_id"),
        foreign_keys=[("impact_id", "impacts", "id"), ("voice_id", "voices", "id")],
        not_null={"created_at", "updated_at"})
    # How many voices hold each word: matching leaves out words found almost everywhere.
    db.execute("CREATE VIRTUAL TABLE voices_fts_vocab USING fts5vocab(voices_fts, 'row')")


@migrations()
def m005_voice_owner_index(db: Database) -> None:
    # Matching by theme groups a theme's voices by customer: with this covering index it
    # never reads the wide voice rows (0.85 s -> 0.1 s for an agenda of 20 on 100k voices).
    db.execute("CREATE INDEX voices_live_owner ON voices(id, customer_id, kind, heard_on) "
               "WHERE deleted_at IS NULL")


@migrations()
def m006_live_customer_index(db: Database) -> None:
    # Voice counts per customer (side panel, every start): index-only, 0.24 s -> 0.03 s.
    db.execute("CREATE INDEX voices_live_customer ON voices(customer_id) "
               "WHERE deleted_at IS NULL")


# m007 rewrites these CHECKs in place. SQLite builds a lookup table for a constant IN list
# each time an INSERT statement runs, so every row of an import paid for three of them:
# 1.4 s of a 100k-row import. Equality chains mean the same and cost nothing.
_IN_CHECKS = (
    ("kind IN ('quote', 'complaint', 'need')",
     "kind = 'quote' OR kind = 'complaint' OR kind = 'need'"),
    ("channel IN\n                ('interview', 'support', 'survey', 'sales call', 'email', "
     "'social', 'other')",
     "channel = 'interview' OR channel = 'support' OR channel = 'survey'\n"
     "                OR channel = 'sales call' OR channel = 'email' OR channel = 'social'\n"
     "                OR channel = 'other'"),
    ("need_depth IN\n                ('stated', 'real', 'delight', 'secret')",
     "(need_depth = 'stated' OR need_depth = 'real'\n"
     "                OR need_depth = 'delight' OR need_depth = 'secret')"),
)


@migrations()
def m007_voice_checks_without_in_lists(db: Database) -> None:
    # The CHECKs accept exactly the same rows, so SQLite's documented way to change them
    # applies: edit the stored CREATE TABLE text and bump schema_version, all in this
    # transaction (https://sqlite.org/lang_altertable.html#otheralter). No row is rewritten.
    # Where that is not possible (a table text we did not write, an SQLite built in
    # defensive mode) the IN lists stay: the same rules, only slower imports.
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'voices'"
                     ).fetchone()[0]
    if any(sql.count(old) != 1 for old, _ in _IN_CHECKS):
        return
    for old, new in _IN_CHECKS:
        sql = sql.replace(old, new)
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA writable_schema = ON")
    try:
        db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'voices'",
                   [sql])
        db.execute(f"PRAGMA schema_version = {version + 1}")
    except sqlite3.DatabaseError:
        pass  # defensive mode refuses schema edits; see above
    finally:
        db.execute("PRAGMA writable_schema = OFF")


@migrations()
def m008_text_index_holds_live_voices_only(db: Database) -> None:
    # Typed words alone are ranked inside the text index, without reading a voice row to
    # see if it was deleted (search at 1.2x raw FTS5 instead of 1.9x). So a tombstoned voice
    # leaves the index, and coming back from the tombstone puts it back.
    for name in ("voices_ai", "voices_au", "voices_ad"):
        db.execute(f"DROP TRIGGER {name}")
    db.execute("""CREATE TRIGGER voices_ai AFTER INSERT ON voices
WHEN new.deleted_at IS NULL BEGIN
  INSERT INTO voices_fts (rowid, text) VALUES (new.rowid, new.text);
END""")
    db.execute("""CREATE TRIGGER voices_ad AFTER DELETE ON voices
WHEN old.deleted_at IS NULL BEGIN
  INSERT INTO voices_fts (voices_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END""")
    db.execute("""CREATE TRIGGER voices_au AFTER UPDATE OF text, deleted_at ON voices BEGIN
  INSERT INTO voices_fts (voices_fts, rowid, text)
    SELECT 'delete', old.rowid, old.text WHERE old.deleted_at IS NULL;
  INSERT INTO voices_fts (rowid, text)
    SELECT new.rowid, new.text WHERE new.deleted_at IS NULL;
END""")
    db.execute("INSERT INTO voices_fts (voices_fts, rowid, text) "
               "SELECT 'delete', rowid, text FROM voices WHERE deleted_at IS NOT NULL")


@migrations()
def m009_stemmed_text_index(db: Database) -> None:
    # The matching engine needs "bags" to find "bag" and "cancelled" to find "cancel":
    # SQLite's own porter stemmer over the same unicode61 tokens. A tokenizer is fixed when an
    # FTS5 table is made, so the index is made again, holding live voices only (as m008). The
    # triggers write to it by name and stay as they are.
    db.execute("DROP TABLE voices_fts_vocab")
    db.execute("DROP TABLE voices_fts")
    db.execute("""CREATE VIRTUAL TABLE "voices_fts" USING FTS5 (
    "text",
    tokenize='porter unicode61 remove_diacritics 2',
    content="voices"
)""")
    db.execute("INSERT INTO voices_fts (rowid, text) "
               "SELECT rowid, text FROM voices WHERE deleted_at IS NULL")
    db.execute("CREATE VIRTUAL TABLE voices_fts_vocab USING fts5vocab(voices_fts, 'row')")


@migrations()
def m010_board_identity(db: Database) -> None:
    # One row naming this board. Every session rewrites it when the board opens, so a
    # write-ahead log always carries its board's id: a -wal from another board is told
    # apart before it is applied (storage/files.py, vet_wal).
    import uuid

    db.execute("CREATE TABLE board (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
               "opened_at TEXT)")
    db.execute("INSERT INTO board (id, created_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ'))",
               [str(uuid.uuid4())])


@migrations()
def m011_meeting_events(db: Database) -> None:
    # A meeting's closes and reopens, in order. Reopening keeps the records frozen at the
    # close it undoes (`frozen`, JSON {decision id: record}), so closing again never loses
    # what the room saw the first time.
    db.execute("""
        CREATE TABLE meeting_events (
            id TEXT PRIMARY KEY,
            meeting_id TEXT NOT NULL REFERENCES meetings(id),
            action TEXT NOT NULL CHECK (action IN ('closed', 'reopened')),
            reason TEXT NOT NULL DEFAULT '',
            frozen TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT
        )""")
    db.execute("CREATE INDEX meeting_events_meeting ON meeting_events(meeting_id, created_at)")


@migrations()
def m012_follow_through(db: Database) -> None:
    # After the meeting: each decision's delivery (and the day it last changed), its
    # action items, and which affected customers were told how it ended.
    db.execute("ALTER TABLE decisions ADD COLUMN delivery TEXT NOT NULL DEFAULT 'not_started' "
               "CHECK (delivery IN ('not_started', 'in_progress', 'shipped', 'dropped'))")
    db.execute("ALTER TABLE decisions ADD COLUMN delivery_on TEXT")  # YYYY-MM-DD
    db.execute("""
        CREATE TABLE action_items (
            id TEXT PRIMARY KEY,
            decision_id TEXT NOT NULL REFERENCES decisions(id),
            what TEXT NOT NULL,
            owner TEXT NOT NULL DEFAULT '',
            due_on TEXT,
            done_on TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT
        )""")
    db.execute("CREATE INDEX action_items_decision ON action_items(decision_id)")
    db.execute("""
        CREATE TABLE customers_told (
            decision_id TEXT NOT NULL REFERENCES decisions(id),
            customer_id TEXT NOT NULL REFERENCES customers(id),
            told_on TEXT NOT NULL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT,
            PRIMARY KEY (decision_id, customer_id)
        )""")


@migrations()
def m013_team_link(db: Database) -> None:
    # The team server this board syncs with (its URL without any password), the board's own
    # origin on it, the server's change sequence pulled up to, and the newest local change
    # already pushed.
    db.execute("""
        CREATE TABLE team_link (
            server TEXT NOT NULL,
            origin TEXT NOT NULL,
            pulled_seq INTEGER NOT NULL DEFAULT 0,
            pushed_until TEXT NOT NULL DEFAULT ''
        )""")


@migrations()
def m014_team_changes(db: Database) -> None:
    # What this board changed since its last push, row by row, marked by triggers (the
    # board's clock is not trusted to say): `n` changes at every change, so a push forgets
    # only the marks of rows unchanged since it read them; `pending` says the server
    # offered a newer version the board did not take over its own edit, so pushing that
    # edit keeps the server's version in sync_conflicts. `applying` is set while a sync
    # writes what it pulled, which is not the board's own change. team_conflicts mirrors
    # the server's sync_conflicts for the File > Sync conflicts window (offline too).
    from storage.identity import TEAM_TABLES, team_trigger_sql

    # The link also names the server's board (a rebuilt or other database is not the one
    # this board synced with) and the token of the last cycle committed here and of the one
    # being sent: the server keeps the token of the last cycle it committed for this
    # board, so a cycle cut between the two commits is recognised (its rows are on the
    # server) and a copy or restored backup of a linked board is too (its token is old).
    db.execute("ALTER TABLE team_link ADD COLUMN applying INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE team_link ADD COLUMN synced_at TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE team_link ADD COLUMN server_id TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE team_link ADD COLUMN token TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE team_link ADD COLUMN sending TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE team_link ADD COLUMN former_origins TEXT NOT NULL DEFAULT ''")
    db.execute("""
        CREATE TABLE team_dirty (
            tbl TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL DEFAULT '',
            n INTEGER NOT NULL, pending INTEGER NOT NULL DEFAULT 0,
            sent TEXT NOT NULL DEFAULT '', sent_n INTEGER,
            PRIMARY KEY (tbl, k1, k2)
        ) WITHOUT ROWID""")
    db.execute("""
        CREATE TABLE team_conflicts (
            id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL, row_key TEXT NOT NULL, kind TEXT NOT NULL,
            kept TEXT NOT NULL, kept_origin TEXT NOT NULL,
            replaced TEXT NOT NULL, replaced_origin TEXT NOT NULL,
            at TEXT NOT NULL,
            resolved TEXT,
            resolution_pushed INTEGER NOT NULL DEFAULT 1
        )""")
    # The server's merges as this board pulled them (old id -> the row it became), so a
    # version brought back from team_conflicts names the row that lives now.
    db.execute("""
        CREATE TABLE team_aliases (
            table_name TEXT NOT NULL, old_id TEXT NOT NULL, new_id TEXT NOT NULL,
            PRIMARY KEY (table_name, old_id)
        ) WITHOUT ROWID""")
    for table, key in TEAM_TABLES:
        for event in ("INSERT", "UPDATE"):
            db.execute(team_trigger_sql(table, key, event)[1])
