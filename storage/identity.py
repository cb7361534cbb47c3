"""What opening a board checks: our application id, schema version and schema code.

Kept apart from storage/schema.py so that opening an up-to-date board never imports
sqlite-utils; tests/storage/test_identity.py proves these match the migrations.
"""

APPLICATION_ID = 0x45434831  # "ECH1": marks an SQLite file as an Empty Chair board
SCHEMA_VERSION = 14  # one per migration in storage/schema.py

# Every trigger and view the migrations create, exactly as SQLite stores them. A board made
# by an older version holds that version's code until it is migrated, so code a later
# migration replaced stays listed (the three older voices_* text-index triggers).
SCHEMA_CODE: frozenset[tuple[str, str]] = frozenset({
    ('customers_ad',
     'CREATE TRIGGER "customers_ad" AFTER DELETE ON "customers" BEGIN\n  INSERT INTO "customers_fts" ("customers_fts", rowid, "name") VALUES(\'delete\', old.rowid, old."name");\nEND'),
    ('customers_ai',
     'CREATE TRIGGER "customers_ai" AFTER INSERT ON "customers" BEGIN\n  INSERT INTO "customers_fts" (rowid, "name") VALUES (new.rowid, new."name");\nEND'),
    ('customers_au',
     'CREATE TRIGGER "customers_au" AFTER UPDATE ON "customers" BEGIN\n  INSERT INTO "customers_fts" ("customers_fts", rowid, "name") VALUES(\'delete\', old.rowid, old."name");\n  INSERT INTO "customers_fts" (rowid, "name") VALUES (new.rowid, new."name");\nEND'),
    ('voices_ad',
     "CREATE TRIGGER voices_ad AFTER DELETE ON voices\nWHEN old.deleted_at IS NULL BEGIN\n  INSERT INTO voices_fts (voices_fts, rowid, text) VALUES ('delete', old.rowid, old.text);\nEND"),
    ('voices_ai',
     'CREATE TRIGGER voices_ai AFTER INSERT ON voices\nWHEN new.deleted_at IS NULL BEGIN\n  INSERT INTO voices_fts (rowid, text) VALUES (new.rowid, new.text);\nEND'),
    ('voices_au',
     "CREATE TRIGGER voices_au AFTER UPDATE OF text, deleted_at ON voices BEGIN\n  INSERT INTO voices_fts (voices_fts, rowid, text)\n    SELECT 'delete', old.rowid, old.text WHERE old.deleted_at IS NULL;\n  INSERT INTO voices_fts (rowid, text)\n    SELECT new.rowid, new.text WHERE new.deleted_at IS NULL;\nEND"),
    ('voices_ad',
     'CREATE TRIGGER "voices_ad" AFTER DELETE ON "voices" BEGIN\n  INSERT INTO "voices_fts" ("voices_fts", rowid, "text") VALUES(\'delete\', old.rowid, old."text");\nEND'),
    ('voices_ai',
     'CREATE TRIGGER "voices_ai" AFTER INSERT ON "voices" BEGIN\n  INSERT INTO "voices_fts" (rowid, "text") VALUES (new.rowid, new."text");\nEND'),
    ('voices_au',
     'CREATE TRIGGER "voices_au" AFTER UPDATE ON "voices" BEGIN\n  INSERT INTO "voices_fts" ("voices_fts", rowid, "text") VALUES(\'delete\', old.rowid, old."text");\n  INSERT INTO "voices_fts" (rowid, "text") VALUES (new.rowid, new."text");\nEND'),
})

# -- the team board's change tracking (m014) ---------------------------------------------
# Every synced table, with its key columns: each insert or update of a row marks the row in
# team_dirty while the board is linked to a team server (team_link has its row) and the
# change is the board's own (a sync writing what it pulled sets team_link.applying). A test
# holds this list to app.snapshot.TABLES.
TEAM_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cohorts", ("id",)), ("customers", ("id",)), ("themes", ("id",)), ("voices", ("id",)),
    ("voice_themes", ("voice_id", "theme_id")), ("meetings", ("id",)),
    ("decisions", ("id",)), ("action_items", ("id",)),
    ("customers_told", ("decision_id", "customer_id")), ("meeting_events", ("id",)),
    ("decision_themes", ("decision_id", "theme_id")), ("impacts", ("id",)),
    ("impact_evidence", ("impact_id", "voice_id")),
)


def team_trigger_sql(table: str, key: tuple[str, ...], event: str) -> tuple[str, str]:
    """The name and SQL of one change-marking trigger, exactly as SQLite stores it."""
    name = f"team_{table}_{event[0].lower()}"
    k1 = f"new.{key[0]}"
    k2 = f"new.{key[1]}" if len(key) > 1 else "''"
    # No conflict clause: inside a trigger the outer statement's (an upsert's) would win.
    where = f"tbl = '{table}' AND k1 = {k1} AND k2 = {k2}"
    sql = (f"CREATE TRIGGER {name} AFTER {event} ON {table}\n"
           "WHEN (SELECT applying FROM team_link) = 0 BEGIN\n"
           f"  UPDATE team_dirty SET n = random() WHERE {where};\n"
           f"  INSERT INTO team_dirty (tbl, k1, k2, n) SELECT '{table}', {k1}, {k2}, random() "
           f"WHERE NOT EXISTS (SELECT 1 FROM team_dirty WHERE {where});\nEND")
    return name, sql


SCHEMA_CODE = SCHEMA_CODE | frozenset(
    team_trigger_sql(table, key, event)
    for table, key in TEAM_TABLES for event in ("INSERT", "UPDATE"))
