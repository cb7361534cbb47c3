"""The board wing: voices, customers, cohorts, themes; import and export."""
