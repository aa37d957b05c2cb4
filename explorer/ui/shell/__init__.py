"""explorer/ui/shell."""
