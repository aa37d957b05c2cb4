"""Inside the network: what units respond to, where a class decision looks, how a layer groups images."""
