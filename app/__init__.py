"""Empty Chair's domain and use cases: plain Python, no Qt, no SQLite library."""
