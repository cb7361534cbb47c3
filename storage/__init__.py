"""The board file: SQLite through sqlite-utils, with migrations, search and backup."""
