"""explorer/core/lab."""
