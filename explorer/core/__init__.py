"""Numerical core of Feature Map Explorer.

Nothing below this package imports Qt (a test enforces it), and TensorFlow is
imported lazily, only by the functions that need it.
"""
