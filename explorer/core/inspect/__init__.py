"""Inside the network, without Qt: what units respond to, where a decision looks, how a layer groups images.

* :mod:`~explorer.core.inspect.layers` — a flat probe of any model (nested base models too);
* :mod:`~explorer.core.inspect.maximize` — activation maximisation;
* :mod:`~explorer.core.inspect.receptive_field` and :mod:`~explorer.core.inspect.top_images`;
* :mod:`~explorer.core.inspect.attribution` — saliency, SmoothGrad, occlusion, Grad-CAM;
* :mod:`~explorer.core.inspect.embedding` — PCA / t-SNE of a layer;
* :mod:`~explorer.core.inspect.pictures` — the results as PNG-ready pictures (for the CLI).
"""
