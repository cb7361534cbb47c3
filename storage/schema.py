"""The board's schema as append-only sqlite-utils migrations; never edit one that shipped."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

APPLICATION_ID = 0x45434831  # "ECH1": marks an SQLite file as an Empty Chair board
migrations = Migrations("empty_chair")

_STAMPS = {"created_at": str, "updated_at": str, "deleted_at": str}


@migrations()
def m001_board(db: Database) -> None:
    db["cohorts"].create({"id": str, "name": str, "description": str, **_STAMPS}, pk="id",
                         not_null={"name", "created_at", "updated_at"},
                         defaults={"description": ""})
    db["customers"].create(
        {"id": str, "name": str, "cohort_id": str, "weight": float, "owner": str,
         "notes": str, **_STAMPS},
        pk="id", foreign_keys=[("cohort_id", "cohorts", "id")],
        not_null={"name", "weight", "created_at", "updated_at"},
        defaults={"weight": 1.0, "owner": "", "notes": ""},
    )
    db["themes"].create({"id": str, "name": str, **_STAMPS}, pk="id",
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
    db["voice_themes"].create(
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
    db["voices"].enable_fts(["text"], create_triggers=True,
                            tokenize="unicode61 remove_diacritics 2")
    db["customers"].enable_fts(["name"], create_triggers=True,
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


# The board version written to PRAGMA user_version: one per migration.
SCHEMA_VERSION = len(migrations._migrations)
