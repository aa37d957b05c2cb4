"""explorer/ui/inside: the Inside-the-network part (what the model learned)."""
