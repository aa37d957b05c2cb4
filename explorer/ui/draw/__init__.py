"""explorer/ui/draw."""
