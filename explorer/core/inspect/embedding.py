"""How a layer groups images: its activations projected to 2-D with PCA or t-SNE (scikit-learn).

scikit-learn's TSNE has no progress callback; it runs here in stages: PCA to
50 dimensions first (as van der Maaten recommends, and much faster), then the
early-exaggeration phase, then the rest in chunks, each chunk starting from
the previous layout with the same learning rate. Progress is reported and
``should_stop`` checked between stages.
"""

from __future__ import annotations

import numpy as np

from explorer.core.inspect.compiled import cached
from explorer.core.inspect.errors import InspectError, check_stop
from explorer.core.inspect.layers import check_images, check_layer, output_model, probe

__all__ = ["ALGORITHMS", "layer_features", "embed", "MAX_FEATURE_BYTES", "TSNE_ITERATIONS"]

ALGORITHMS = ("pca", "tsne")
#: The (N, D) features an embedding may hold.
MAX_FEATURE_BYTES = 2 * 2**30
#: Gradient steps of t-SNE: 250 of early exaggeration, then chunks of 250 (a few thousand
#: points settle by then; scikit-learn's default of 1000 doubles the time for little change).
TSNE_ITERATIONS = 500
_PCA_DIMENSIONS = 50
_TSNE_CHUNK = 250  # scikit-learn's smallest max_iter


def layer_features(model, layer_name: str, images, *, batch_size: int = 256, progress=None,
                   should_stop=None) -> np.ndarray:
    """The layer's activations for each image, flattened.

    Returns
    -------
    ndarray
        (N, D) float32, D = the layer's output size.

    Raises
    ------
    InspectError
        Unknown layer, images of the wrong shape, or more features than :data:`MAX_FEATURE_BYTES`.
    """
    from explorer.core import tf_backend

    check_layer(model, layer_name)
    batch = check_images(model, images)
    size = int(np.prod(probe(model).shape(layer_name)))
    if len(batch) * size * 4 > MAX_FEATURE_BYTES:
        raise InspectError(f"{len(batch)} images × {size} values of layer {layer_name} do not fit in memory; "
                           "use fewer images or a later layer")
    tf = tf_backend.load()

    def build():
        flat = output_model(model, [layer_name])

        def forward(x):
            out = flat(x, training=False)
            out = out[0] if isinstance(out, (list, tuple)) else out
            return tf.reshape(out, (tf.shape(out)[0], -1))

        return tf.function(forward, input_signature=[tf.TensorSpec((None, *probe(model).input_shape), tf.float32)])

    forward = cached(model, ("features", layer_name), build)
    out = np.empty((len(batch), size), np.float32)
    for start in range(0, len(batch), batch_size):
        check_stop(should_stop)
        out[start:start + batch_size] = forward(batch[start:start + batch_size]).numpy()
        if progress is not None:
            progress(min(len(batch), start + batch_size) / len(batch))
    return out


def embed(features, algorithm: str = "pca", *, seed: int = 0, perplexity: float = 30.0, progress=None,
          should_stop=None) -> np.ndarray:
    """Project (N, D) features to 2-D.

    Parameters
    ----------
    features : ndarray
        (N, D), N >= 3, finite.
    algorithm : {"pca", "tsne"}
    seed : int
    perplexity : float
        t-SNE only; lowered to (N − 1) / 3 for few points.

    Returns
    -------
    ndarray
        (N, 2) float32.

    Raises
    ------
    InspectError
        Unknown algorithm, too few points, non-finite values.
    Cancelled
        t-SNE between stages, when `should_stop` turned true.
    """
    data = np.asarray(features, dtype=np.float32)
    if algorithm not in ALGORITHMS:
        raise InspectError(f"unknown algorithm {algorithm!r}: use {' or '.join(ALGORITHMS)}")
    if data.ndim != 2 or len(data) < 3:
        raise InspectError(f"an embedding needs (N, D) features with N >= 3, got shape {data.shape}")
    if not np.isfinite(data).all():
        raise InspectError("the features contain NaN or infinite values")
    reduced = _pca(data, min(2 if algorithm == "pca" else _PCA_DIMENSIONS, data.shape[1]), seed)
    if algorithm == "pca":
        if progress is not None:
            progress(1.0)
        return _two_columns(reduced)
    if progress is not None:
        progress(0.05)
    return _tsne(reduced, seed, perplexity, progress, should_stop)


def _pca(data: np.ndarray, dimensions: int, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    dimensions = max(1, min(dimensions, len(data) - 1))
    if np.ptp(data, axis=0).max(initial=0.0) == 0:  # all points equal: no direction to project on
        return np.zeros((len(data), dimensions), np.float32)
    return PCA(n_components=dimensions, random_state=seed).fit_transform(data).astype(np.float32)


def _tsne(data, seed, perplexity, progress, should_stop) -> np.ndarray:
    import os

    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    n = len(data)
    perplexity = float(min(perplexity, (n - 1) / 3))
    # scikit-learn's "auto" rate for the exaggerated phase, kept for every chunk.
    learning_rate = max(n / 12.0 / 4.0, 50.0)
    layout: np.ndarray | str = "pca"
    chunks = TSNE_ITERATIONS // _TSNE_CHUNK
    # The Barnes-Hut gradient's OpenMP threads spin at every step: on a busy machine all
    # cores but one make it ten times slower than one thread. One core stays for the rest.
    threads = max(1, len(os.sched_getaffinity(0)) - 1) if hasattr(os, "sched_getaffinity") else 1
    for chunk in range(chunks):
        check_stop(should_stop)
        tsne = TSNE(n_components=2, perplexity=perplexity, learning_rate=learning_rate, max_iter=_TSNE_CHUNK,
                    early_exaggeration=12.0 if chunk == 0 else 1.0, init=layout, random_state=seed)
        with threadpool_limits(limits=threads, user_api="openmp"):
            layout = tsne.fit_transform(data).astype(np.float32)
        if progress is not None:
            progress(0.05 + 0.95 * (chunk + 1) / chunks)
    return _two_columns(layout)


def _two_columns(points: np.ndarray) -> np.ndarray:
    out = np.zeros((len(points), 2), np.float32)
    out[:, :min(2, points.shape[1])] = points[:, :2]
    return out
