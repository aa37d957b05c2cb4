"""explorer/core/train."""
