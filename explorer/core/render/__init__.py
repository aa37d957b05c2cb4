"""explorer/core/render."""
