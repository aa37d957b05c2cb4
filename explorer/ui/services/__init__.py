"""Threads and memory of the running window: the worker mechanism, the inference service, the UI-thread collector."""
