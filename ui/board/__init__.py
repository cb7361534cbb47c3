"""The voice board: lanes, filters, side panel, detail pane, capture and import."""
