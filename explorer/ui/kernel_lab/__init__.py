"""explorer/ui/kernel_lab."""
