"""explorer/ui/training."""
