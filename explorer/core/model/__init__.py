"""explorer/core/model."""
