"""Layer features and their 2-D embeddings: separated clusters stay separated."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.inspect.embedding import embed, layer_features
from explorer.core.inspect.errors import Cancelled, InspectError
from explorer.core.inspect.layers import default_embedding_layer, output_model
from tests.core.inspect.inspect_models import functional_model, nested_model, random_images


def _clusters(n_per=30, dims=20, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 10, (3, dims))
    points = np.concatenate([c + rng.normal(0, 0.5, (n_per, dims)) for c in centres])
    return points.astype(np.float32), np.repeat(np.arange(3), n_per)


def _separated(points, labels):
    centres = np.array([points[labels == k].mean(axis=0) for k in range(3)])
    nearest = np.argmin(((points[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    return np.mean(nearest == labels)


@pytest.mark.parametrize("algorithm", ["pca", "tsne"])
def test_clusters_stay_apart(algorithm):
    points, labels = _clusters()
    seen = []
    out = embed(points, algorithm, progress=seen.append)
    assert out.shape == (90, 2) and out.dtype == np.float32
    assert _separated(out, labels) == 1.0
    assert seen[-1] == 1.0


def test_pca_is_the_principal_plane():
    rng = np.random.default_rng(1)
    points = np.zeros((50, 3), np.float32)
    points[:, 0] = rng.normal(0, 5, 50)
    points[:, 1] = rng.normal(0, 1, 50)
    out = embed(points, "pca")
    # The points lie in a plane: projecting onto it keeps every distance.
    def distances(p):
        return np.linalg.norm(p[:, None] - p[None], axis=-1)
    np.testing.assert_allclose(distances(out), distances(points), atol=1e-3)
    assert out[:, 0].var() > out[:, 1].var()


@pytest.mark.parametrize("make", [nested_model, functional_model])
def test_layer_features_are_the_flattened_layer_output(make):
    model = make()
    images = random_images(7)
    layer = default_embedding_layer(model)
    features = layer_features(model, layer, images, batch_size=3)
    expected = np.asarray(output_model(model, [layer])(images)).reshape(7, -1)
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-6)


def test_bad_requests():
    with pytest.raises(InspectError, match="unknown algorithm"):
        embed(np.zeros((5, 2)), "umap")
    with pytest.raises(InspectError, match="N >= 3"):
        embed(np.zeros((2, 2)), "pca")
    with pytest.raises(Cancelled):
        embed(_clusters()[0], "tsne", should_stop=lambda: True)
    assert np.all(embed(np.ones((5, 4)), "pca") == 0)
