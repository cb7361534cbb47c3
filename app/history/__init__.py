"""The history wing: the decision log, chart series, follow-through."""
