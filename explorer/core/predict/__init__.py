"""explorer/core/predict."""
