"""The meeting wing: meetings, decisions, impacts; matching; the running session."""
