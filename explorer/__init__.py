"""Feature Map Explorer: see what a convolutional neural network does."""

__version__ = "0.1.0"
