"""Impact history: the decision log, timelines, unanswered voices, charts and reports."""
