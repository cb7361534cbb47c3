"""What opening a board checks: our application id, schema version and schema code.

Kept apart from storage/schema.py so that opening an up-to-date board never imports
sqlite-utils; tests/storage/test_identity.py proves these match the migrations.
"""

APPLICATION_ID = 0x45434831  # "ECH1": marks an SQLite file as an Empty Chair board
SCHEMA_VERSION = 13  # one per migration in storage/schema.py

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
