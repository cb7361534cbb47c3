"""Empty Chair's Qt windows, the CLI and the composition root that wires them to storage."""
