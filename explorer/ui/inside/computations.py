"""What the Inside part's worker computes, one function per view, on the worker's own model copy.

Each function takes the model, the request value and ``progress`` /
``should_stop`` callables, calls :mod:`explorer.core.inspect`, and returns
an immutable result of :mod:`explorer.ui.inside.jobs`. No Qt: the worker
(:mod:`explorer.ui.inside.inspect_worker`) runs them on its thread.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from explorer.core.arrays import frozen_array
from explorer.ui.inside.jobs import (
    AttributionMaps,
    AttributionRequest,
    EmbeddingPoints,
    EmbeddingRequest,
    ModelFacts,
    TestData,
    TopRequest,
    TopResult,
    UnitGrid,
    UnitsRequest,
    read_only,
)

__all__ = ["CHUNK", "attribute", "check_images", "embedding", "model_facts", "strongest", "synthesise"]

#: Units maximised together: the grid fills in chunk by chunk, and Cancel is heard between chunks too.
CHUNK = 8
Report = Callable[[float], None]
Stop = Callable[[], bool]


def model_facts(model, generation: int, source: str, class_names: tuple[str, ...]) -> ModelFacts:
    """The layers, unit counts and defaults of `model` the views offer."""
    from explorer.core.inspect.layers import default_embedding_layer, layer_names, output_layer_name

    names = layer_names(model)
    spatial = layer_names(model, spatial=True)
    shape = tuple(int(n) for n in model.inputs[0].shape[1:])
    outputs = int(model.outputs[0].shape[-1])
    if len(class_names) != outputs:
        class_names = tuple(str(i) for i in range(outputs))
    try:
        embedding_layer = default_embedding_layer(model)
    except ValueError:
        embedding_layer = names[-1]
    return ModelFacts(generation, source, shape, tuple(class_names), names, spatial,
                      tuple(_units(model, n) for n in names), output_layer_name(model), embedding_layer)


def _units(model, name: str) -> int:
    from explorer.core.inspect.layers import unit_count

    try:
        return unit_count(model, name)
    except ValueError:  # a layer that outputs one number has no units to show
        return 0


def check_images(facts: ModelFacts, data: TestData) -> None:
    """ValueError (a sentence) when the test images do not fit the model's input."""
    shape = tuple(data.images.shape[1:])
    if shape != facts.input_shape:
        raise ValueError(f"the test images are {_shape(shape)} but the model takes {_shape(facts.input_shape)}: "
                         "load the dataset the model was trained on")


def synthesise(model, facts: ModelFacts, request: UnitsRequest, *, progress: Report, should_stop: Stop,
               partial: Callable[[UnitGrid], None]) -> UnitGrid:
    """Maximise each unit of the request, CHUNK units at a time, reporting the grid after each chunk."""
    from explorer.core.inspect.maximize import maximize

    units = request.units
    names = tuple(_unit_name(facts, request, u) for u in units)
    images, activations = [], []
    chunks = [units[i:i + CHUNK] for i in range(0, len(units), CHUNK)]
    grid = None
    for number, chunk in enumerate(chunks):
        done = maximize(model, request.layer, chunk, steps=request.steps, seed=number,
                        progress=lambda f, n=number: progress((n + f) / len(chunks)), should_stop=should_stop)
        images.append(np.asarray(done.images, np.float32))
        activations.append(np.asarray(done.activations, np.float32))
        grid = UnitGrid(request.layer, units, frozen_array(np.concatenate(images)),
                        frozen_array(np.concatenate(activations)), request.classes, names)
        if number < len(chunks) - 1:
            partial(grid)
    return grid


def strongest(model, facts: ModelFacts, request: TopRequest, *, progress: Report, should_stop: Stop) -> TopResult:
    """Every unit's `count` strongest test images (one batched pass)."""
    from explorer.core.inspect.top_images import top_images

    check_images(facts, request.data)
    top = top_images(model, request.layer, request.data.images, count=request.count, progress=progress,
                     should_stop=should_stop)
    return TopResult(top, request.data)


def attribute(model, facts: ModelFacts, request: AttributionRequest, *, progress: Report,
              should_stop: Stop) -> AttributionMaps:
    """Grad-CAM, saliency, SmoothGrad and occlusion of one image, side by side."""
    from explorer.core.inspect.attribution import grad_cam, occlusion, saliency
    from explorer.core.inspect.errors import Cancelled

    image = np.asarray(request.image, np.float32)
    if tuple(image.shape) != facts.input_shape:
        raise ValueError(f"the image is {_shape(image.shape)} but the model takes {_shape(facts.input_shape)}")
    scores = np.asarray(model(image[None], training=False)).reshape(-1)
    index = int(np.argmax(scores)) if request.class_index < 0 else int(request.class_index)
    if not 0 <= index < len(scores):
        raise ValueError(f"class {index} is out of range: the model has {len(scores)} outputs")
    note, steps = "", 4

    def step(done: int) -> None:
        if should_stop():
            raise Cancelled("stopped")
        progress(done / steps)

    try:
        cam = frozen_array(np.asarray(grad_cam(model, image, index), np.float32))
    except ValueError as exc:  # no convolution: Grad-CAM has nothing to weigh
        cam, note = None, f"No Grad-CAM: {exc}"
    step(1)
    vanilla = frozen_array(saliency(model, image, index))
    step(2)
    smooth = frozen_array(saliency(model, image, index, smooth_samples=request.smooth_samples))
    step(3)
    occluded = frozen_array(occlusion(model, image, index, patch=request.patch, stride=request.stride))
    step(4)
    name = facts.class_names[index] if index < len(facts.class_names) else str(index)
    return AttributionMaps(request.image, request.caption, index, name, float(scores[index]), cam, vanilla, smooth,
                           occluded, request.patch, request.stride, request.smooth_samples, note)


def embedding(model, facts: ModelFacts, request: EmbeddingRequest, *, progress: Report,
              should_stop: Stop) -> EmbeddingPoints:
    """The first `count` test images as 2-D points of `layer`'s activations (and of their pixels)."""
    from explorer.core.inspect.embedding import embed, layer_features

    check_images(facts, request.data)
    n = min(int(request.count), len(request.data.images))
    if n < 3:
        raise ValueError("an embedding needs at least 3 test images")
    images = request.data.images[:n]
    share = 0.5 if request.compare_raw and request.algorithm == "tsne" else 0.9
    features = layer_features(model, request.layer, images)
    scores = layer_features(model, facts.output_layer, images)
    predicted = np.argmax(np.asarray(scores).reshape(n, -1), axis=1)
    progress(0.05)
    points = embed(np.asarray(features).reshape(n, -1), request.algorithm, progress=lambda f: progress(
        0.05 + share * f), should_stop=should_stop)
    raw = None
    if request.compare_raw:
        raw = embed(images.reshape(n, -1), request.algorithm, progress=lambda f: progress(0.05 + share + (
            0.95 - share) * f), should_stop=should_stop)
        raw = frozen_array(np.asarray(raw, np.float32))
    labels = read_only(request.data.labels[:n])
    data = TestData(images, labels, request.data.class_names, request.data.source)
    return EmbeddingPoints(request.layer, request.algorithm, frozen_array(np.asarray(points, np.float32)), raw,
                           labels, read_only(predicted), data)


def _unit_name(facts: ModelFacts, request: UnitsRequest, unit: int) -> str:
    if request.classes and unit < len(facts.class_names):
        return facts.class_names[unit]
    return f"unit {unit}"


def _shape(shape) -> str:
    return "×".join(str(int(n)) for n in shape)
