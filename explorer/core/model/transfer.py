"""Transfer learning: keep a trained network's first layers, add a new head, freeze or fine-tune.

Seeds 000 and 002: "slice off the end of the neural network, add a new fully
connected layer that matches the number of classes in the new data set,
randomize the weights of the new fully connected layer; freeze all the
weights from the pre-trained network" (feature extraction), or let the top of
it train too (fine-tuning). Which to do depends on the new data's size and
its similarity to the original data: :func:`recommend` says it in the notes'
words.

* :func:`load_base` reads the trained model: a ``.keras`` file (safe mode) or
  ``"keras:MobileNetV2"`` (ImageNet weights, downloaded once).
* :func:`plan` says what would be built (one :class:`PlanRow` a layer, and the
  trainable / non-trainable parameter counts exactly as Keras counts them,
  because they are counted on the Keras model itself) without copying any
  weights; :func:`build` builds it with the kept layers' weights.
* The built model is a plain ``keras.Sequential`` of copies of the kept layers
  (same names, classes and weights), the head's layers (``new_...``) and the
  softmax ``new_classifier``: it saves as an ordinary ``.keras`` file, and the
  base model is never changed by training.

A frozen layer has ``trainable = False``; Keras then also runs a frozen
BatchNormalization in inference mode (its moving statistics stay as they are).
A nested model that trains keeps its own BatchNormalization layers frozen,
as the Keras guide advises for fine-tuning.

The base must be a stack of layers (a Sequential, or a Functional model
without branches); a layer of it may itself be a model (a nested base).
TensorFlow is imported lazily, inside the functions.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

from explorer.core.model.specs import KERAS_NAMES, LayerSpec, StackError

__all__ = ["TransferError", "PlanRow", "TransferPlan", "Advice", "PRESETS", "APPLICATIONS", "SMALL_PER_CLASS",
           "load_base", "default_cut", "kept_layer_names", "plan", "build", "set_frozen",
           "preset_frozen_layers", "recommend", "hint_layer"]

#: Keras Applications a base may name as ``"keras:<name>"``, with the smallest input their ImageNet weights
#: exist for (smaller images are resized up to it).
APPLICATIONS = {"MobileNetV2": 96}
#: The new classifier's layer name; the head's layers are called ``new_<kind>``.
CLASSIFIER_NAME = "new_classifier"

#: The presets of which kept layers train (a sentence for people each).
PRESETS = {
    "feature extraction": "every kept layer is frozen; only the new head trains",
    "fine-tune the top": "the new head trains first with every kept layer frozen, then the last convolutional "
                         "block trains too, at a learning rate 10 times lower",
    "fine-tune everything": "every kept layer starts from the pre-trained weights and trains with the new head",
}
#: Epochs the new head trains alone before "fine-tune the top" unfreezes the top block.
WARMUP_EPOCHS = 2
#: Below this many training images a class, a new data set counts as small ("the dividing line between a
#: large and small data set is somewhat subjective").
SMALL_PER_CLASS = 1000

#: Hints of :class:`Advice` for where to cut (see :func:`hint_layer`).
HINT_CONV_BASE = "the convolutional base"
HINT_EARLY = "the first convolutional block"

_SPATIAL_KINDS = ("conv2d", "maxpool", "avgpool", "flatten", "gap")


class TransferError(ValueError):
    """A transfer-learning request that cannot be built; the message says why in one sentence."""


@dataclass(frozen=True)
class PlanRow:
    """One layer of the model :func:`build` would make."""

    name: str
    kind: str  # the Keras class name, e.g. "Conv2D"
    output_shape: tuple[int, ...]  # without the batch axis
    params: int
    kept: bool  # from the base (else new)
    trainable: bool
    new: bool  # added: the head, the classifier (or the Flatten in front of them)


@dataclass(frozen=True)
class TransferPlan:
    """What :func:`build` makes: rows, exact parameter counts, and how (the arguments of :func:`plan`)."""

    rows: tuple[PlanRow, ...]
    trainable_params: int
    non_trainable_params: int
    keep_up_to: str
    head: tuple[LayerSpec, ...]  # as built, with a Flatten put in where the maps needed one
    num_classes: int
    frozen_layers: tuple[str, ...]
    input_shape: tuple[int, ...]
    base_name: str
    reinitialise: bool = False

    @property
    def kept_names(self) -> tuple[str, ...]:
        return tuple(row.name for row in self.rows if row.kept)


@dataclass(frozen=True)
class Advice:
    """What :func:`recommend` advises: where to cut, which preset, and why (seed 002's words)."""

    keep_up_to_hint: str  # HINT_CONV_BASE or HINT_EARLY (see hint_layer)
    preset: str  # a key of PRESETS
    why: str
    case: int  # 1..4, the notes' numbering


# ------------------------------------------------------------------ the base
def load_base(source: str, *, input_shape=None, weights: str | None = "imagenet"):
    """The trained model to start from.

    Parameters
    ----------
    source : str
        A ``.keras`` file (loaded in safe mode), or ``"keras:<name>"`` for
        one of :data:`APPLICATIONS` with ImageNet weights.
    input_shape : (H, W, C), optional
        For an application: the data's image shape. Smaller images are
        resized up, and grey ones repeated into three channels, by layers in
        front of the application (``Resizing``, a fixed 1×1 ``grey_to_rgb``
        convolution, ``Rescaling`` into [-1, 1]); a global average pooling
        ends it. Default (96, 96, 3).
    weights : "imagenet" or None
        For an application: None builds it with random weights (offline).

    Raises
    ------
    TransferError
        An unreadable file (the model file's own sentence), an unknown
        application, or weights that cannot be downloaded (offline).
    """
    if not isinstance(source, str) or not source:
        raise TransferError("no base model given: name a .keras file or keras:MobileNetV2")
    if source.startswith("keras:"):
        return _application(source[len("keras:"):], input_shape, weights)
    from explorer.core.model.model_files import ModelFileError, load_model

    try:
        return load_model(source)
    except ModelFileError as exc:
        raise TransferError(str(exc)) from None


def _application(name: str, input_shape, weights):
    if name not in APPLICATIONS:
        raise TransferError(f"unknown Keras application {name!r}: use one of "
                            f"{', '.join('keras:' + n for n in APPLICATIONS)}")
    keras = _keras()
    height, width, channels = (int(n) for n in (input_shape or (96, 96, 3)))
    if channels not in (1, 3):
        raise TransferError(f"{name} takes grey or colour images, not {channels} channels")
    side = APPLICATIONS[name]
    size = (max(height, side), max(width, side))
    try:  # Keras prints "Downloading data from ..." on stdout, which the train command keeps for JSON
        with contextlib.redirect_stdout(io.StringIO()):
            application = getattr(keras.applications, name)(include_top=False, weights=weights,
                                                             input_shape=(*size, 3))
    except Exception as exc:  # urllib, HTTP and file errors all arrive as Exception from get_file
        text = str(exc).strip() or type(exc).__name__
        reason = text.rsplit(" -- ", 1)[-1].splitlines()[0]  # get_file's "URL fetch failure on <url>: n -- why"
        raise TransferError(f"the ImageNet weights of {name} cannot be downloaded (is this machine offline?): "
                            f"{reason[:160]}; start from a .keras file instead") from None
    layers = [keras.Input(shape=(height, width, channels))]
    if size != (height, width):
        layers.append(keras.layers.Resizing(*size, name="resize"))
    if channels == 1:  # three copies of the grey channel, as a layer Keras' safe mode loads
        layers.append(keras.layers.Conv2D(3, 1, use_bias=False, kernel_initializer="ones", trainable=False,
                                          name="grey_to_rgb"))
    layers += [keras.layers.Rescaling(2.0, offset=-1.0, name="to_minus1_1"),  # MobileNetV2 expects [-1, 1]
               application, keras.layers.GlobalAveragePooling2D(name="pool")]
    return keras.Sequential(layers, name=name.lower())


def _keras():
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    return keras


def _chain(model) -> list:
    """The model's layers in order, or TransferError if they are not one stack."""
    keras = _keras()
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if not layers:
        raise TransferError("the base model has no layers")
    if isinstance(model, keras.Sequential):
        return layers
    previous = model.inputs[0] if getattr(model, "inputs", None) else None
    for layer in layers:
        try:
            linked = layer.input is previous
        except (AttributeError, ValueError):  # a layer used twice
            linked = False
        if not linked:
            raise TransferError(f"the base model branches at layer {layer.name!r}: transfer learning here "
                                "needs a stack of layers (a Sequential model, or a Functional one without branches)")
        previous = layer.output
    return layers


def default_cut(model) -> str:
    """The last layer of the convolutional base: the layer before the first Dense (the last layer if none).

    Raises
    ------
    TransferError
        If the first layer is a Dense (there is no base before it).
    """
    keras = _keras()
    layers = _chain(model)
    first_dense = next((i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Dense)), None)
    if first_dense is None:  # no classifier to slice off: a base such as a Keras application's
        return layers[-1].name
    end = first_dense
    if end == 0:
        raise TransferError(f"the base model starts with {layers[0].name!r}: there is no layer before it to keep")
    return layers[end - 1].name


def kept_layer_names(model, keep_up_to: str = "") -> tuple[str, ...]:
    """Names of the layers kept when cutting after `keep_up_to` ("" = :func:`default_cut`)."""
    layers = _chain(model)
    return tuple(layer.name for layer in layers[: _cut_index(model, layers, keep_up_to) + 1])


def _cut_index(model, layers, keep_up_to: str) -> int:
    names = [layer.name for layer in layers]
    name = keep_up_to or default_cut(model)
    if name not in names:
        raise TransferError(f"the base model has no layer {name!r}: its layers are {', '.join(names)}")
    index = names.index(name)
    if index == len(names) - 1 and isinstance(layers[-1], _keras().layers.Dense):
        raise TransferError(f"{name!r} is the base model's classifier: keep the layers up to an earlier one, so "
                            "a new classifier can replace the old one")
    return index


# -------------------------------------------------------------- plan, build
def plan(base_model, *, keep_up_to: str = "", head=(), num_classes: int, frozen_layers=(), input_shape=None,
         reinitialise: bool = False) -> TransferPlan:
    """What :func:`build` would make, with Keras' exact parameter counts; no weights copied.

    Parameters
    ----------
    base_model : keras.Model
    keep_up_to : str
        The last kept layer ("" = :func:`default_cut`, the convolutional base).
    head : sequence of LayerSpec
        Layers between the kept ones and the new ``Dense(num_classes, softmax)``.
        When the kept layers end with maps and the head does not flatten
        them, a ``Flatten`` is put in (after the head's last map layer).
    num_classes : int
    frozen_layers : sequence of str
        Kept layers whose weights do not train.
    input_shape : (H, W, C), optional
        The data's image shape; the base's input must match it.
    reinitialise : bool
        Fresh weights and every layer trainable (`frozen_layers` ignored).

    Raises
    ------
    TransferError
        Unknown layer, a frozen layer that is not kept, a head that does not
        fit, a base whose input does not match the data.
    """
    keras = _keras()
    layers = _chain(base_model)
    kept = layers[: _cut_index(base_model, layers, keep_up_to) + 1]
    base_shape = tuple(int(n) for n in base_model.inputs[0].shape[1:]) if base_model.inputs else ()
    if input_shape is not None and tuple(int(n) for n in input_shape) != base_shape:
        raise TransferError(f"the base model takes {_shape(base_shape)} images but the data are "
                            f"{_shape(input_shape)}: train the base on data of this size, or pick other data")
    names = [layer.name for layer in kept]
    stray = [name for name in frozen_layers if name not in names]
    if stray:
        raise TransferError(f"cannot freeze {stray[0]!r}: it is not a kept layer (kept: {', '.join(names)})")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise TransferError(f"the new data need at least 2 classes, got {num_classes!r}")
    head = _fitting_head(tuple(head), tuple(int(n) for n in kept[-1].output.shape[1:]), num_classes)
    frozen = () if reinitialise else tuple(name for name in names if name in set(frozen_layers))
    draft = TransferPlan((), 0, 0, kept[-1].name, head, num_classes, frozen, base_shape, base_model.name,
                         reinitialise)
    model = _assemble(keras, kept, draft, copy_weights=False)
    return _counted(model, draft, len(kept))


def build(base_model, plan: TransferPlan):
    """The model `plan` describes: copies of the kept layers (their weights unless reinitialised) and the head.

    Returns
    -------
    keras.Sequential
        Uncompiled, named after the base; the base model is left unchanged.

    Raises
    ------
    TransferError
        If `plan` was made for a base without its last kept layer.
    """
    keras = _keras()
    layers = _chain(base_model)
    names = [layer.name for layer in layers]
    if plan.keep_up_to not in names:
        raise TransferError(f"this plan was made for another base model (this one has no layer {plan.keep_up_to!r})")
    kept = layers[: names.index(plan.keep_up_to) + 1]
    return _assemble(keras, kept, plan, copy_weights=not plan.reinitialise)


def set_frozen(model, plan: TransferPlan, frozen_layers) -> None:
    """Freeze exactly `frozen_layers` among the plan's kept layers of a built `model` (the rest train).

    Recompile the model afterwards: Keras reads ``trainable`` when it compiles.
    """
    frozen = set(frozen_layers)
    for name in plan.kept_names:
        _set_trainable(model.get_layer(name), name not in frozen)


def _set_trainable(layer, trainable: bool) -> None:
    """Set `layer.trainable`; a nested model's BatchNormalization layers stay frozen, in inference mode.

    The Keras guide: unfreezing a pre-trained base for fine-tuning must keep
    its BatchNormalization layers in inference mode, or their statistics of
    the new (small) data wreck what the base learned.
    """
    layer.trainable = trainable
    if not trainable or not hasattr(layer, "layers"):
        return
    keras = _keras()
    stack = list(layer.layers)
    while stack:
        inner = stack.pop()
        if isinstance(inner, keras.layers.BatchNormalization):
            inner.trainable = False
        stack.extend(getattr(inner, "layers", ()))


def _fitting_head(head: tuple, shape: tuple, num_classes: int) -> tuple:
    for index, spec in enumerate(head):
        if not isinstance(spec, LayerSpec):
            raise TransferError(f"head layer {index + 1}: expected a LayerSpec, got {type(spec).__name__}")
    if len(shape) == 1:
        spatial = [spec for spec in head if spec.kind in _SPATIAL_KINDS]
        if spatial:
            raise TransferError(f"the head's {spatial[0].label} needs maps, but the kept layers end with a vector "
                                f"of {shape[0]:,} values: keep fewer layers, or use dense and dropout only")
        for index, spec in enumerate(head):
            if spec.kind == "dense" and (isinstance(spec.units, bool) or not isinstance(spec.units, int)
                                         or spec.units < 1):
                raise TransferError(f"head layer {index + 1} ({spec.label}): units must be a whole number >= 1")
        return head
    if len(shape) != 3:
        raise TransferError(f"the kept layers end with {_shape(shape)} outputs; a new head needs maps "
                            "(height, width, channels) or a vector")
    if not any(spec.kind in ("flatten", "gap") for spec in head):
        last_map = max((i for i, spec in enumerate(head) if spec.kind in _SPATIAL_KINDS), default=-1)
        head = (*head[: last_map + 1], LayerSpec("flatten"), *head[last_map + 1:])
    from explorer.core.model.stack import check_stack

    try:
        check_stack(head, shape, num_classes)
    except StackError as exc:
        raise TransferError(f"the new head does not fit after the kept layers: {exc}") from None
    return head


def _assemble(keras, kept, plan: TransferPlan, *, copy_weights: bool):
    from explorer.core.model.build import keras_layer
    from explorer.core.model.stack import head_layer

    taken = {layer.name for layer in kept}
    layers = [keras.Input(shape=plan.input_shape)]
    copies = []
    for layer in kept:
        copy = (keras.models.clone_model(layer) if isinstance(layer, keras.Model)
                else layer.__class__.from_config(layer.get_config()))
        copies.append((layer, copy))
        layers.append(copy)
    for spec in plan.head:
        name = _new_name(spec, taken)
        taken.add(name)
        layers.append(keras_layer(keras, spec, name))
    layers.append(keras_layer(keras, head_layer(plan.num_classes), _unique(CLASSIFIER_NAME, taken)))
    model = keras.Sequential(layers, name=f"{plan.base_name}_transfer")
    frozen = set(plan.frozen_layers)
    for layer, copy in copies:
        if copy_weights:
            copy.set_weights(layer.get_weights())
        if plan.reinitialise:
            copy.trainable = True  # from scratch: every statistic is new, nothing to protect
        else:
            _set_trainable(copy, layer.name not in frozen)
    return model


def _new_name(spec: LayerSpec, taken: set) -> str:
    return _unique(f"new_{KERAS_NAMES.get(spec.kind, spec.kind)}", taken)


def _unique(base: str, taken: set) -> str:
    name, number = base, 1
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name


def _counted(model, draft: TransferPlan, n_kept: int) -> TransferPlan:
    def size(weights) -> int:
        total = 0
        for weight in weights:
            count = 1
            for n in weight.shape:
                count *= int(n)
            total += count
        return total

    rows = []
    for index, layer in enumerate(model.layers):
        kept = index < n_kept
        rows.append(PlanRow(layer.name, type(layer).__name__, tuple(int(n) for n in layer.output.shape[1:]),
                            int(layer.count_params()), kept, bool(layer.trainable), not kept))
    return TransferPlan(tuple(rows), size(model.trainable_weights), size(model.non_trainable_weights),
                        draft.keep_up_to, draft.head, draft.num_classes, draft.frozen_layers, draft.input_shape,
                        draft.base_name, draft.reinitialise)


def _shape(shape) -> str:
    return "\u00d7".join(str(int(n)) for n in shape)


# ---------------------------------------------------------- presets, advice
def preset_frozen_layers(base_model, keep_up_to: str, preset: str) -> tuple[tuple[str, ...], int]:
    """(frozen_layers, warmup_epochs) of a preset of :data:`PRESETS` for the layers kept up to `keep_up_to`.

    "fine-tune the top" leaves the last convolutional block trainable: the
    kept layers from the last weighted layer back to (not including) the
    pooling layer before it, and everything after it; the new head first
    trains alone for :data:`WARMUP_EPOCHS` epochs.

    Raises
    ------
    TransferError
        Unknown preset or layer.
    """
    if preset not in PRESETS:
        raise TransferError(f"unknown preset {preset!r}: use one of {', '.join(PRESETS)}")
    keras = _keras()
    layers = _chain(base_model)
    kept = layers[: _cut_index(base_model, layers, keep_up_to) + 1]
    names = tuple(layer.name for layer in kept)
    if preset == "feature extraction":
        return names, 0
    if preset == "fine-tune everything":
        return (), 0
    weighted = [i for i, layer in enumerate(kept) if layer.weights]
    if not weighted:
        return names, 0  # nothing to fine-tune: it is feature extraction
    start = weighted[-1]
    pooling = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
    while start > 0 and not isinstance(kept[start - 1], pooling) and not isinstance(kept[start], keras.Model):
        start -= 1
    return names[:start], WARMUP_EPOCHS


def hint_layer(base_model, hint: str) -> str:
    """The layer name an :class:`Advice` hint means for `base_model` (the last kept layer).

    :data:`HINT_CONV_BASE` is :func:`default_cut`; :data:`HINT_EARLY` is the
    end of the first convolutional block (its first pooling layer, else its
    first weighted layer), never past the default cut.
    """
    cut = default_cut(base_model)
    if hint != HINT_EARLY:
        return cut
    keras = _keras()
    layers = _chain(base_model)
    end = [layer.name for layer in layers].index(cut)
    pooling = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
    weighted = next((i for i, layer in enumerate(layers[:end + 1]) if layer.weights), None)
    if weighted is None:
        return cut
    pool = next((i for i in range(weighted, end + 1) if isinstance(layers[i], pooling)), weighted)
    return layers[pool].name


def recommend(train_images_per_class: int, similar: bool) -> Advice:
    """Seed 002's four cases: where to cut and what to train, from the new data's size and similarity.

    Parameters
    ----------
    train_images_per_class : int
        Below :data:`SMALL_PER_CLASS` the new data set counts as small.
    similar : bool
        Whether the new images resemble the base's original ones (dogs and
        wolves are similar; flowers and dogs are different).
    """
    small = int(train_images_per_class) < SMALL_PER_CLASS
    size = (f"{int(train_images_per_class):,} images a class is a small data set" if small
            else f"{int(train_images_per_class):,} images a class is a large data set")
    if small and similar:
        return Advice(HINT_CONV_BASE, "feature extraction", (
            f"Case 1, small data set, similar data ({size}): to avoid overfitting on the small dataset, the weights "
            "of the original network are held constant. Since the data sets are similar, images from each data set "
            "have similar higher level features: the pre-trained network contains relevant information about the "
            "new data set. Slice off the end of the network, add a new fully connected layer that matches the "
            "number of classes, freeze all the weights from the pre-trained network and train the new layer."), 1)
    if small:
        return Advice(HINT_EARLY, "feature extraction", (
            f"Case 2, small data set, different data ({size}): to avoid overfitting on the small dataset, the "
            "weights of the original network are held constant. Since the data sets are different, they don't "
            "share higher level features: only the low-level features of the pre-trained model are used. Slice "
            "off most of the pre-trained layers near the beginning of the network, add a new fully connected "
            "layer for the new classes, freeze the pre-trained weights and train the new layer."), 2)
    if similar:
        return Advice(HINT_CONV_BASE, "fine-tune everything", (
            f"Case 3, large data set, similar data ({size}): overfitting is not as much of a concern when training "
            "on a large data set, so all of the weights can be re-trained. Replace the last fully connected layer "
            "by one matching the new classes, initialise the rest of the weights from the pre-trained network and "
            "re-train the entire network."), 3)
    return Advice(HINT_CONV_BASE, "fine-tune everything", (
        f"Case 4, large data set, different data ({size}): initialising the weights from the pre-trained network "
        "might still make training faster, so this is the same as the large, similar case: a new last layer for "
        "the new classes and the entire network re-trained. If that does not produce a successful model, train "
        "the network from scratch with randomly initialised weights instead."), 4)
