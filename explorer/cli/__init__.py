"""explorer/cli."""
