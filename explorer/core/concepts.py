"""The Concepts panel's content: each idea of the course notes, its formula and a worked example.

Worked examples are computed with :mod:`explorer.core.arithmetic`, the code
the kernel lab and the model summary use, so the panel can never disagree
with the numbers on screen (the 320, 18,496 and 36,928 of the seeds among
them). Plain text with Unicode maths; the UI turns it into HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.core import arithmetic

__all__ = ["CONCEPTS", "Concept", "find_concepts"]


@dataclass(frozen=True)
class Concept:
    """One idea: a title, what it means in one or two sentences, a formula and an example."""

    title: str
    text: str
    formula: str = ""
    example: str = ""


def _conv_shape_example() -> str:
    return (f"MNIST's 28×28 image through a 3×3 kernel, stride 1, no padding: "
            f"{arithmetic.output_size_formula(28, 3)}, so 26×26 (seed 001's first Conv2D).")


def _same_example() -> str:
    return (f"A 32×32 CIFAR image, kernel 2, padding “same”: {arithmetic.output_size_formula(32, 2, 1, 'same')}; "
            "the zeros added on the border keep the size.")


def _stride_example() -> str:
    return f"The same 28×28 image with stride 2: {arithmetic.output_size_formula(28, 3, 2)}."


def _dilation_example() -> str:
    return (f"A 3×3 kernel with dilation 2 spans {arithmetic.span(3, 2)} pixels: on 28×28, "
            f"{arithmetic.output_size_formula(28, 3, 1, 'valid', 2)}.")


def _pool_example() -> str:
    return (f"2×2 max pooling, stride 2, on seed 001's 26×26 maps: {arithmetic.output_size_formula(26, 2, 2)}, "
            "so 13×13: each output keeps the largest of four values.")


def _conv_params_example() -> str:
    return (f"Seed 001's layers: {arithmetic.conv_params_formula(3, 1, 32)} and "
            f"{arithmetic.conv_params_formula(3, 32, 64)}.")


def _dense_params_example() -> str:
    return (f"Flatten 3×3×64 = {3 * 3 * 64} values, then Dense 64: "
            f"(576 + 1)·64 = {arithmetic.dense_params(576, 64):,}.")


CONCEPTS: tuple[Concept, ...] = (
    Concept("Kernel (filter)",
            "A small grid of weights slid over the image; at each position it multiplies the pixels under it "
            "by its weights and adds them up. Different kernels find different features: edges, lines, blobs.",
            "out(y, x) = Σᵢ Σⱼ k(i, j) · in(y·S + i·D − P, x·S + j·D − P) + b"),
    Concept("Feature map (activation map)",
            "The grid of outputs of one kernel over the whole image: bright where the image looks like the kernel. "
            "A Conv2D layer with K filters makes K feature maps; its depth is K."),
    Concept("Output size",
            "How many positions the kernel fits into, along each axis, from the input size n, kernel size F, "
            "padding P, stride S and dilation D.",
            "out = ⌊(n + 2P − D·(F − 1) − 1) / S⌋ + 1",
            _conv_shape_example()),
    Concept("Padding",
            "Zeros added around the edges so the kernel can also sit on the border pixels. “valid” adds none and "
            "the map shrinks; “same” adds just enough to keep the size (with stride 1).",
            "same: out = ⌈n / S⌉    valid: out = ⌈(n − F + 1) / S⌉",
            _same_example()),
    Concept("Stride",
            "How far the kernel moves between two outputs. Stride 1 slides it one pixel at a time; stride 2 skips "
            "every other position and halves the map.",
            "out = ⌊(n + 2P − F) / S⌋ + 1",
            _stride_example()),
    Concept("Dilation",
            "Spaces the kernel's taps D pixels apart, so a small kernel sees a wider area without more weights.",
            "span = D·(F − 1) + 1",
            _dilation_example()),
    Concept("Activation (ReLU)",
            "Applied to every value after the convolution: ReLU keeps positive responses and sets negative ones "
            "to zero, so a map only shows where its feature is present.",
            "relu(x) = max(0, x)"),
    Concept("Max pooling",
            "Slides a window over each feature map and keeps only the largest value: the map gets smaller, the "
            "strongest responses survive and small shifts of the input matter less.",
            "out = ⌊(n − F) / S⌋ + 1, stride S = pool size by default",
            _pool_example()),
    Concept("Average and global pooling",
            "Average pooling keeps the mean of each window instead of the maximum. Global pooling reduces each "
            "whole feature map to one number, one per channel.",
            "global: (H, W, C) → (C)"),
    Concept("Parameters of a Conv2D layer",
            "Each of the K filters has F·F·D_in weights (D_in = depth of the input) and one bias. The count does "
            "not depend on the image size, which is why convnets need far fewer parameters than dense networks.",
            "params = (F·F·D_in + 1)·K",
            _conv_params_example()),
    Concept("Flatten and Dense",
            "Flatten lines the feature maps up into one vector; a Dense layer connects every value to every unit, "
            "with one weight per connection and one bias per unit.",
            "params = (n_in + 1)·units",
            _dense_params_example()),
    Concept("Softmax",
            "The last layer turns its 10 scores into probabilities that add up to 1; the largest is the guess.",
            "p_k = e^(z_k) / Σⱼ e^(z_j)"),
    Concept("Dropout",
            "While training, randomly sets a fraction of a layer's outputs to zero, so the network cannot rely on "
            "any single unit: a cure for overfitting. It does nothing at prediction time."),
    Concept("Loss (categorical cross-entropy)",
            "How wrong the predicted probabilities are: small when the true class gets a high probability. "
            "Training lowers it step by step.",
            "loss = −log p_true"),
    Concept("Epoch, batch and samples per second",
            "A batch is the group of images used for one weight update; an epoch is one pass over all the "
            "training images.",
            "updates per epoch = ⌈training images / batch size⌉"),
    Concept("Optimizer and learning rate",
            "The optimizer (rmsprop, adam, sgd, nadam) changes the weights against the gradient of the loss; the "
            "learning rate sets the size of each step. Too large and the loss explodes (NaN); too small and "
            "training crawls.",
            "w ← w − η · ∂loss/∂w (plain sgd)"),
    Concept("Validation split and overfitting",
            "A part of the training images is held back to check the model on images it does not learn from. "
            "When training accuracy keeps rising but validation accuracy falls, the model is overfitting: "
            "memorising instead of generalising."),
    Concept("Early stopping",
            "Stops training when the validation loss has not improved for a number of epochs (the patience)."),
    Concept("Data augmentation",
            "Random rotations, shifts and zooms of the training images: the network sees more variety and "
            "becomes more invariant to them, which also fights overfitting."),
    Concept("Confusion matrix",
            "A table of true class (rows) against predicted class (columns): the diagonal counts the correct "
            "answers, the other cells show which digits the model mixes up."),
    Concept("Grad-CAM",
            "Highlights the parts of the input that raised the score of the predicted class most, from the "
            "gradients at the last convolution layer."),
)


def find_concepts(query: str) -> tuple[Concept, ...]:
    """The concepts whose title, text or formula contain every word of `query` (case-insensitive)."""
    words = query.casefold().split()
    return tuple(c for c in CONCEPTS
                 if all(w in f"{c.title} {c.text} {c.formula} {c.example}".casefold() for w in words))
