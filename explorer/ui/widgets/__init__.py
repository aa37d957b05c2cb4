"""explorer/ui/widgets."""
